import Taro from '@tarojs/taro'
import { ApiError, errorText } from '../api/client'
import { staffSession } from '../api/staff'
import { counter, type CounterStore } from '../api/staffOrders'

export const LOGIN = '/staff/login/index'

/**
 * staffLoad runs a staff page's load: signed out, it opens the login page
 * instead; a 401 is left to the staff session (which opens the login page);
 * any other failure is the page's error. setLoading frames it.
 */
export async function staffLoad(setLoading: (b: boolean) => void, setError: (e: string) => void, read: () => Promise<void>): Promise<void> {
  if (!staffSession.signedIn()) {
    Taro.redirectTo({ url: LOGIN })
    return
  }
  setLoading(true)
  setError('')
  try {
    await read()
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) setError(errorText(err))
  } finally {
    setLoading(false)
  }
}

/**
 * counterStore is the store the counter works at; an account that has not
 * picked one is sent to the orders page, which asks (null).
 */
export async function counterStore(): Promise<CounterStore | null> {
  const c = await counter()
  if (!c.store) {
    Taro.redirectTo({ url: '/staff/orders/index' })
    return null
  }
  return c.store
}
