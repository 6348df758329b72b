// Members at the store's counter (issue 14): identify a shopper by the
// member code their phone shows, then record what they bought at the till so
// it earns points. Shapes of /work/design-14.md (server/api/admin_members.go).
import { request } from './client'

/** ScannedMember is who a member code belongs to. */
export interface ScannedMember {
  shopper_id: number
  nickname: string
  /** The level's name (an object with name in case a server sends the whole level). */
  level: string | { name: string }
  points_available: number
}

/** MemberScan is POST /admin/v1/members/scan's answer; scan_id is good for a counter sale for 10 minutes. */
export interface MemberScan {
  scan_id: number | string
  member: ScannedMember
  expires_at: string
}

/** CounterSale is a till sale that earned points (the same receipt again answers the same sale). */
export interface CounterSale {
  id: number
  shopper_id: number
  amount_fen: number
  points: number
  available: number
}

/** scanMember identifies the shopper behind a member code at a store. */
export function scanMember(code: string, storeID: number): Promise<MemberScan> {
  return request<MemberScan>({ method: 'POST', path: '/admin/v1/members/scan', body: { code, store_id: storeID }, auth: 'staff' })
}

/** counterSale records a till sale for an identified member. */
export function counterSale(storeID: number, scanID: number | string, amountFen: number, receiptNo: string): Promise<CounterSale> {
  return request<CounterSale>({
    method: 'POST',
    path: `/admin/v1/stores/${storeID}/counter-sales`,
    body: { scan_id: scanID, amount_fen: amountFen, receipt_no: receiptNo },
    auth: 'staff',
  })
}

/** levelName reads a scanned member's level. */
export function levelName(l: ScannedMember['level']): string {
  return typeof l === 'string' ? l : l && typeof l.name === 'string' ? l.name : ''
}

/** MAX_SALE_FEN is the most one till sale may be (¥100,000.00). */
export const MAX_SALE_FEN = 10_000_000

/** parseYuan reads an amount typed in yuan ("12", "12.5", "12.50") as fen; null when it is not one. */
export function parseYuan(text: string): number | null {
  const m = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(text.trim().replace(/^¥/, ''))
  if (!m) return null
  return Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'))
}

/** saleFormError says what is wrong with a till sale's amount and receipt ("" when nothing). */
export function saleFormError(amount: string, receipt: string): string {
  const fen = parseYuan(amount)
  if (fen === null) return '请输入消费金额，最多两位小数'
  if (fen <= 0) return '消费金额须大于 0'
  if (fen > MAX_SALE_FEN) return '单笔消费金额不能超过 ¥100000.00'
  if (!/^[\x21-\x7e]{1,32}$/.test(receipt.trim())) return '请输入小票号（1–32 位字母、数字或符号）'
  return ''
}
