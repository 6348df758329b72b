/** yuan formats fen as a price: 1999 → "¥19.99". */
export function yuan(fen: number | null | undefined): string {
  const n = typeof fen === 'number' && Number.isFinite(fen) ? fen : 0
  const sign = n < 0 ? '-' : ''
  const abs = Math.abs(Math.round(n))
  return `${sign}¥${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

/** distance formats metres: 850 → "850m", 1234 → "1.2km". */
export function distance(m: number | null | undefined): string {
  if (typeof m !== 'number' || !Number.isFinite(m)) return ''
  if (m < 1000) return `${Math.round(m)}m`
  return `${(m / 1000).toFixed(1)}km`
}

/** dateTime formats an RFC 3339 time in the phone's zone: "12-01 19:53". */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const p = (n: number) => String(n).padStart(2, '0')
  return `${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`
}

/** statusText is the Chinese name of an order status. */
export const statusText: Record<string, string> = {
  pending_payment: '待支付',
  paid: '已支付',
  ready_for_pickup: '待取货',
  shipped: '配送中',
  delivered: '已送达',
  completed: '已完成',
  cancelled: '已取消',
  refunding: '退款中',
  refunded: '已退款',
}

/**
 * eventNote is what the order page shows of a timeline event's note. The
 * server writes its own notes in English for the logs ("ready for pickup",
 * "refund requested: 变质了"); the status already says what happened, so
 * only words the shopper or staff typed (Chinese) are shown, without the
 * server's English prefix. "" when there is nothing to show.
 */
export function eventNote(note: string | null | undefined): string {
  if (!note) return ''
  const i = note.search(/[\u3400-\u9fff\uf900-\ufaff]/)
  return i < 0 ? '' : note.slice(i).trim()
}
