import Taro from '@tarojs/taro'
import { ApiError, request, registerTokens, TokenSource } from './client'
import { login as wxLogin } from '../platform/wechat'

/** Shopper is the signed-in shopper as the backend returns it. */
export interface Shopper {
  id: number
  nickname: string
  avatar_url: string
  phone?: string | null
  [k: string]: unknown
}

interface LoginResponse {
  token: string
  expires_at: string
  new: boolean
  user: Shopper
}

const TOKEN_KEY = 'wemart.token'
const SHARER_KEY = 'wemart.sharer'

/**
 * ShopperSession keeps the shopper's token in storage and gets a new one with
 * wx.login (or the preview's per-browser code) whenever there is none or the
 * server refused it. Concurrent callers share one login.
 */
class ShopperSession implements TokenSource {
  private pending: Promise<string> | null = null

  /** token returns the stored token, logging in first when there is none. */
  async token(): Promise<string> {
    const t = Taro.getStorageSync(TOKEN_KEY)
    if (typeof t === 'string' && t) return t
    return this.login()
  }

  /** renew forgets a refused token and logs in again (once for all callers). */
  async renew(refused: string): Promise<string> {
    if (Taro.getStorageSync(TOKEN_KEY) === refused) Taro.removeStorageSync(TOKEN_KEY)
    return this.token()
  }

  /** ensure makes sure a token exists (called at launch). */
  async ensure(): Promise<void> {
    await this.token()
  }

  /** signOut drops the stored token. */
  signOut() {
    Taro.removeStorageSync(TOKEN_KEY)
  }

  private login(): Promise<string> {
    if (!this.pending) {
      this.pending = (async () => {
        const code = await wxLogin()
        const res = await request<LoginResponse>({ method: 'POST', path: '/api/v1/auth/login', body: { code } })
        if (!res.token) throw new ApiError(500, 'internal', '登录失败，请重试')
        Taro.setStorageSync(TOKEN_KEY, res.token)
        return res.token
      })().finally(() => {
        this.pending = null
      })
    }
    return this.pending
  }
}

/** session is the shopper's session, used by every shopper API call. */
export const session = new ShopperSession()
registerTokens('shopper', session)

/** rememberSharer keeps who shared the page the shopper arrived through. */
export function rememberSharer(id: string | undefined) {
  if (id && !Taro.getStorageSync(SHARER_KEY)) Taro.setStorageSync(SHARER_KEY, id)
}
