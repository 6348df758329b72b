import Taro from '@tarojs/taro'
import { ApiError, request, registerTokens, TokenSource } from './client'

const STAFF_TOKEN_KEY = 'wemart.staff.token'

/**
 * staffSession holds the staff token from /admin/v1/login. A refused token is
 * not renewed silently (staff sign in with a password): it is dropped and the
 * staff login page opens.
 */
export const staffSession: TokenSource & { signIn(u: string, p: string): Promise<void>; signOut(): void; signedIn(): boolean } = {
  async token() {
    const t = Taro.getStorageSync(STAFF_TOKEN_KEY)
    if (typeof t === 'string' && t) return t
    throw new ApiError(401, 'unauthenticated', '请先登录店员账号')
  },
  async renew() {
    Taro.removeStorageSync(STAFF_TOKEN_KEY)
    Taro.redirectTo({ url: '/staff/login/index' }).catch(() => undefined)
    throw new ApiError(401, 'unauthenticated', '登录已过期，请重新登录')
  },
  async signIn(username: string, password: string) {
    const res = await request<{ token: string }>({ method: 'POST', path: '/admin/v1/login', body: { username, password } })
    Taro.setStorageSync(STAFF_TOKEN_KEY, res.token)
  },
  signOut() {
    Taro.removeStorageSync(STAFF_TOKEN_KEY)
  },
  signedIn() {
    const t = Taro.getStorageSync(STAFF_TOKEN_KEY)
    return typeof t === 'string' && t !== ''
  },
}
registerTokens('staff', staffSession)
