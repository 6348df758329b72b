// Points and membership (issue 14): the points ledger, the daily check-in,
// the shopper's level and the member code shown at a store's counter.
// Shapes of /work/design-14.md (server/api/shop_members.go).
import { request } from './client'

/** PointKind says why a ledger entry moved points. */
export type PointKind =
  | 'earn'
  | 'release'
  | 'clawback'
  | 'spend'
  | 'spend_return'
  | 'respend'
  | 'checkin'
  | 'counter_sale'
  | 'referral'
  | 'referral_clawback'
  | 'adjust'

/** PointEntry is one line of the points ledger. */
export interface PointEntry {
  id: number
  kind: PointKind | string
  available_delta: number
  pending_delta: number
  note: string
  order_id: number | null
  created_at: string
}

/** Points is GET /api/v1/me/points: the balance (may be negative) and a page of the ledger, newest first. */
export interface Points {
  available: number
  pending: number
  items: PointEntry[]
}

/** MemberLevel is a level's name and what it gives. */
export interface MemberLevel {
  name: string
  percent_off: number
  free_delivery: boolean
}

/** Member is GET /api/v1/me/member. */
export interface Member {
  level: MemberLevel
  /** Spend of the last 365 days, what the level is measured by. */
  spend_fen: number
  next: { name: string; min_spend_fen: number; missing_fen: number } | null
  points: { available: number; pending: number }
  checked_in_today: boolean
}

/** Checkin is POST /api/v1/me/checkins' answer. */
export interface Checkin {
  day: string
  points: number
  available: number
}

/** MemberCode is a short-lived signed code for the counter's scanner. */
export interface MemberCode {
  code: string
  expires_at: string
  refresh_after_s: number
}

/** POINTS_PAGE is how many ledger entries one page reads. */
export const POINTS_PAGE = 20

/** getPoints reads the balance and the ledger entries older than before (0: the newest). */
export function getPoints(before = 0, limit = POINTS_PAGE): Promise<Points> {
  return request<Points>({ path: '/api/v1/me/points', query: { before: before || undefined, limit }, auth: 'shopper' })
}

export function getMember(): Promise<Member> {
  return request<Member>({ path: '/api/v1/me/member', auth: 'shopper' })
}

/** checkin records today's check-in (409 when it was done today already). */
export function checkin(): Promise<Checkin> {
  return request<Checkin>({ method: 'POST', path: '/api/v1/me/checkins', body: {}, auth: 'shopper' })
}

export function getMemberCode(): Promise<MemberCode> {
  return request<MemberCode>({ path: '/api/v1/me/member-code', auth: 'shopper' })
}

/** kindText is the Chinese label of each ledger kind. */
export const kindText: Record<string, string> = {
  earn: '购物得积分',
  release: '积分入账',
  clawback: '退款扣回',
  spend: '下单抵扣',
  spend_return: '取消订单退回',
  respend: '订单恢复扣除',
  checkin: '每日签到',
  counter_sale: '门店消费',
  referral: '邀请好友奖励',
  referral_clawback: '邀请奖励扣回',
  adjust: '积分调整',
}

/** signed writes a points change with its sign: 10 → "+10", -5 → "-5". */
export function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n)
}

/** benefits lists what a level gives, in Chinese. */
export function benefits(l: MemberLevel): string[] {
  const out: string[] = []
  if (l.percent_off > 0) {
    const tenths = 100 - l.percent_off
    out.push(`会员价 ${tenths % 10 === 0 ? tenths / 10 : (tenths / 10).toFixed(1)} 折`)
  }
  if (l.free_delivery) out.push('配送费全免')
  out.push('消费 ¥1 得 1 积分')
  out.push('100 积分抵 ¥1')
  return out
}

/** MIN_MS keeps a clock far off the server's from asking for a code every second. */
const MIN_MS = 5000

/**
 * nextRefresh is when a code fetched at `at` (the phone's clock) is to be
 * replaced: after refresh_after_s, or when it expires if that is sooner. A
 * phone clock so far ahead that the code looks expired already falls back to
 * refresh_after_s, and never sooner than MIN_MS.
 */
export function nextRefresh(c: MemberCode, at: number): number {
  let wait = Math.max(1, c.refresh_after_s || 30) * 1000
  const expires = Date.parse(c.expires_at)
  if (Number.isFinite(expires) && expires - at > 0) wait = Math.min(wait, expires - at)
  return at + Math.max(MIN_MS, wait)
}
