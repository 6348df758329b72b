import { PropsWithChildren } from 'react'
import { useLaunch } from '@tarojs/taro'
import { session } from './api/session'
import './app.css'

/** The application shell: signs the shopper in quietly at launch. */
function App({ children }: PropsWithChildren) {
  useLaunch(() => {
    session.ensure().catch(() => undefined)
  })
  return children
}

export default App
