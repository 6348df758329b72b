// Referrals (issue 14): the shopper's own invite code, which every shared
// page carries as `inviter=<code>` so the friend who opens it is bound to
// the sharer at their first login (POST /api/v1/auth/login's "inviter").
import Taro from '@tarojs/taro'
import { request } from './client'
import { INVITE_CODE_KEY } from './session'

/** Referral is GET /api/v1/me/referral: the code, friends invited and those rewarded for. */
export interface Referral {
  invite_code: string
  invited: number
  rewarded: number
}

let loading: Promise<Referral> | null = null

/** getReferral reads the shopper's referral summary and keeps the invite code for sharing. */
export function getReferral(): Promise<Referral> {
  if (!loading) {
    loading = request<Referral>({ path: '/api/v1/me/referral', auth: 'shopper' })
      .then((r) => {
        if (r.invite_code) Taro.setStorageSync(INVITE_CODE_KEY, r.invite_code)
        return r
      })
      .finally(() => {
        loading = null
      })
  }
  return loading
}

/** myInviteCode is the kept invite code ("" until GET /api/v1/me/referral answered once). */
export function myInviteCode(): string {
  const v = Taro.getStorageSync(INVITE_CODE_KEY)
  return typeof v === 'string' ? v : ''
}

/** withInviter appends inviter=<my code> to a path or query when the code is known. */
export function withInviter(pathOrQuery: string): string {
  const code = myInviteCode()
  if (!code) return pathOrQuery
  const sep = pathOrQuery.includes('?') || (pathOrQuery.includes('=') && !pathOrQuery.startsWith('/')) ? '&' : pathOrQuery.startsWith('/') ? '?' : ''
  return `${pathOrQuery}${sep}inviter=${encodeURIComponent(code)}`
}
