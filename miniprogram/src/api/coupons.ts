// Coupons (issue 14): the templates a shopper may claim now, claiming one,
// and the shopper's own coupons by status. Shapes of /work/design-14.md
// (server/api/shop_coupons.go): every amount in fen, times RFC 3339.
import { request } from './client'
import { yuan } from '../utils/format'

/** CouponStatus is a coupon's state; locked = held by an unpaid order. */
export type CouponStatus = 'unused' | 'locked' | 'used' | 'expired' | 'revoked'

/** CouponTerms are what a template and its coupons share: the discount and where it applies. */
export interface CouponTerms {
  name: string
  description?: string
  /** A fixed amount off (exactly one of discount_fen and percent_off is set). */
  discount_fen: number | null
  /** A percentage off (1–99), capped by max_discount_fen when that is set. */
  percent_off: number | null
  max_discount_fen: number | null
  /** The in-scope goods must reach this (at shelf prices). */
  min_spend_fen: number
  /** Empty: every store. */
  store_ids?: number[]
  /** Both empty: every product. */
  category_ids?: number[]
  product_ids?: number[]
}

/** CouponTemplate is GET /api/v1/coupon-templates' item: a coupon to claim. */
export interface CouponTemplate extends CouponTerms {
  id: number
  total: number
  issued: number
  remaining: number
  per_shopper: number
  valid_days: number | null
  starts_at: string | null
  ends_at: string | null
  claimable: boolean
  status: 'active' | 'paused'
  /** How many of it this shopper holds (any status). */
  claimed_by_me: number
  /** Whether this shopper may claim one more now. */
  can_claim: boolean
  created_at?: string
}

/** Coupon is one of the shopper's coupons. */
export interface Coupon extends CouponTerms {
  id: number
  template_id: number
  status: CouponStatus
  valid_from: string
  valid_until: string
  order_id?: number | null
  used_at?: string | null
  source?: 'claim' | 'staff' | 'referral'
  created_at?: string
}

/** listTemplates lists the coupons claimable now (GET /api/v1/coupon-templates). */
export async function listTemplates(): Promise<CouponTemplate[]> {
  const res = await request<{ items: CouponTemplate[] }>({ path: '/api/v1/coupon-templates', auth: 'shopper' })
  return res.items || []
}

/** claim takes one coupon of a template (409 when all are claimed or the shopper has their share). */
export function claim(templateID: number): Promise<Coupon> {
  return request<Coupon>({ method: 'POST', path: '/api/v1/coupons', body: { template_id: templateID }, auth: 'shopper' })
}

/** listCoupons lists the shopper's coupons of one status. */
export async function listCoupons(status: CouponStatus): Promise<Coupon[]> {
  const res = await request<{ items: Coupon[] }>({ path: '/api/v1/coupons', query: { status }, auth: 'shopper' })
  return res.items || []
}

/** zhe writes a percent off as Chinese 折: 20 → "8折", 15 → "8.5折", 5 → "9.5折". */
export function zhe(percentOff: number): string {
  const tenths = 100 - percentOff
  const s = tenths % 10 === 0 ? String(tenths / 10) : (tenths / 10).toFixed(1)
  return `${s}折`
}

/** faceValue is what a coupon is worth at a glance: "¥10.00" or "8折". */
export function faceValue(t: Pick<CouponTerms, 'discount_fen' | 'percent_off'>): { amount: string; unit: string } {
  if (typeof t.percent_off === 'number' && t.percent_off > 0) return { amount: zhe(t.percent_off).replace('折', ''), unit: '折' }
  const y = yuan(t.discount_fen || 0).replace('¥', '')
  return { amount: y.endsWith('.00') ? y.slice(0, -3) : y, unit: '元' }
}

/** threshold is the coupon's condition: "满¥50.00可用" or "无门槛". */
export function threshold(t: Pick<CouponTerms, 'min_spend_fen'>): string {
  return t.min_spend_fen > 0 ? `满${yuan(t.min_spend_fen)}可用` : '无门槛'
}

/** capNote says the cap of a percent coupon: "最多减¥20.00" ("" when none). */
export function capNote(t: Pick<CouponTerms, 'percent_off' | 'max_discount_fen'>): string {
  return t.percent_off && t.max_discount_fen ? `最多减${yuan(t.max_discount_fen)}` : ''
}

/** scopeNote says where a coupon applies. */
export function scopeNote(t: Pick<CouponTerms, 'store_ids' | 'category_ids' | 'product_ids'>): string {
  const stores = t.store_ids && t.store_ids.length ? '限指定门店' : '全部门店'
  const cats = !!(t.category_ids && t.category_ids.length)
  const prods = !!(t.product_ids && t.product_ids.length)
  const goods = cats && prods ? '限指定品类和商品' : cats ? '限指定品类' : prods ? '限指定商品' : '全场商品'
  return `${stores} · ${goods}可用`
}

/** day formats an RFC 3339 time as a date in the phone's zone: "2026-12-31". */
export function day(iso: string | null | undefined): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`
}

/** templateValidity says how long a claimed coupon will be valid. */
export function templateValidity(t: Pick<CouponTemplate, 'valid_days' | 'ends_at'>): string {
  if (t.valid_days) return `领取后 ${t.valid_days} 天内有效`
  if (t.ends_at) return `有效期至 ${day(t.ends_at)}`
  return ''
}

/** couponValidity is a coupon's validity: "2026-12-01 至 2026-12-31". */
export function couponValidity(c: Pick<Coupon, 'valid_from' | 'valid_until'>): string {
  const from = day(c.valid_from)
  const until = day(c.valid_until)
  if (from && until) return `${from} 至 ${until}`
  return until ? `有效期至 ${until}` : ''
}
