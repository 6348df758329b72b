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
const INVITER_KEY = 'wemart.inviter'

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
        // The invite code of whoever shared the page the shopper came in
        // through: the server binds the shopper to them at this login.
        const inviter = pendingInviter()
        let res: LoginResponse
        try {
          res = await request<LoginResponse>({ method: 'POST', path: '/api/v1/auth/login', body: inviter ? { code, inviter } : { code } })
        } catch (err) {
          // A code the server will not take (unknown, the shopper's own) must
          // never keep the shopper out: forget it and sign in without it.
          if (!(inviter && err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 401 && err.status !== 429)) throw err
          Taro.removeStorageSync(INVITER_KEY)
          res = await request<LoginResponse>({ method: 'POST', path: '/api/v1/auth/login', body: { code: await wxLogin() } })
        }
        if (!res.token) throw new ApiError(500, 'internal', '登录失败，请重试')
        Taro.setStorageSync(TOKEN_KEY, res.token)
        if (inviter) Taro.removeStorageSync(INVITER_KEY)
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

/** INVITE_CODE_KEY keeps the shopper's own invite code (src/api/referral.ts). */
export const INVITE_CODE_KEY = 'wemart.invite_code'

/** An invite code as the server writes them: short, visible ASCII. */
const inviteCode = /^[0-9A-Za-z_-]{1,32}$/

/**
 * rememberInviter keeps the invite code of whoever shared the page the
 * shopper arrived through (the `inviter` of a launch, show or page query),
 * until the next login sends it. The first one wins; the shopper's own code
 * and anything that is not a code are ignored.
 */
export function rememberInviter(code: unknown) {
  if (typeof code !== 'string') return
  let c = code.trim()
  try {
    c = decodeURIComponent(c)
  } catch {
    // keep it as it came
  }
  if (!inviteCode.test(c) || c === Taro.getStorageSync(INVITE_CODE_KEY)) return
  if (!Taro.getStorageSync(INVITER_KEY)) Taro.setStorageSync(INVITER_KEY, c)
}

/** pendingInviter is the remembered inviter not yet sent with a login ("" when none). */
export function pendingInviter(): string {
  const v = Taro.getStorageSync(INVITER_KEY)
  return typeof v === 'string' ? v : ''
}
