import { PropsWithChildren } from 'react'
import { useDidShow, useLaunch } from '@tarojs/taro'
import { rememberInviter, session } from './api/session'
import './app.css'

/**
 * The application shell: remembers who invited the shopper (the `inviter`
 * of a shared page's launch or show query, the first one kept) and signs the
 * shopper in quietly at launch, sending that inviter with the login.
 */
function App({ children }: PropsWithChildren) {
  useLaunch((options) => {
    rememberInviter(options && options.query ? options.query.inviter : undefined)
    session.ensure().catch(() => undefined)
  })
  useDidShow((options) => {
    rememberInviter(options && options.query ? options.query.inviter : undefined)
  })
  return children
}

export default App
