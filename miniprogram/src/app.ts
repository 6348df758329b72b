import { PropsWithChildren } from 'react'
import { useDidShow, useLaunch } from '@tarojs/taro'
import { rememberInviter, session } from './api/session'
import { getReferral } from './api/referral'
import './app.css'

/**
 * The application shell: remembers who invited the shopper (the `inviter`
 * of a shared page's launch or show query, the first one kept), signs the
 * shopper in quietly at launch, sending that inviter with the login, and
 * keeps the shopper's own invite code for the pages they share.
 */
function App({ children }: PropsWithChildren) {
  useLaunch((options) => {
    rememberInviter(options && options.query ? options.query.inviter : undefined)
    // signed in, the shopper's own invite code is kept for the pages they share
    session
      .ensure()
      .then(() => getReferral())
      .catch(() => undefined)
  })
  useDidShow((options) => {
    rememberInviter(options && options.query ? options.query.inviter : undefined)
  })
  return children
}

export default App
