import type { OpeningPeriod } from '../api/shop'

/** StoreHours is what says whether a store is open: the server's flag, or its hours. */
export interface StoreHours {
  status?: 'open' | 'closed'
  open_now?: boolean
  opening_hours?: OpeningPeriod[]
  timezone?: string
}

const weekdays: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 }

/** localTime is the ISO weekday and minute of the day at `now` in a time zone (China's when unknown). */
export function localTime(now: Date, timezone?: string): { weekday: number; minute: number } {
  if (timezone) {
    try {
      const parts = new Intl.DateTimeFormat('en-US', { timeZone: timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now)
      const get = (t: string) => parts.find((p) => p.type === t)?.value || ''
      const weekday = weekdays[get('weekday')]
      const minute = Number(get('hour')) * 60 + Number(get('minute'))
      if (weekday && Number.isFinite(minute)) return { weekday, minute }
    } catch {
      // no Intl time zones on this phone: fall through to UTC+8
    }
  }
  const cn = new Date(now.getTime() + 8 * 3600 * 1000)
  return { weekday: cn.getUTCDay() || 7, minute: cn.getUTCHours() * 60 + cn.getUTCMinutes() }
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number)
  return h * 60 + m
}

/**
 * openByHours says whether opening hours hold `now`: an interval on the
 * weekday, "24:00" as the end of the day, and a close before open running
 * past midnight into the next day.
 */
export function openByHours(hours: OpeningPeriod[], now: Date, timezone?: string): boolean {
  const { weekday, minute } = localTime(now, timezone)
  const yesterday = weekday === 1 ? 7 : weekday - 1
  for (const p of hours) {
    const open = minutes(p.open)
    const close = minutes(p.close)
    if (close > open) {
      if (p.weekday === weekday && minute >= open && minute < close) return true
    } else {
      // runs past midnight (or round the clock when close == open)
      if (p.weekday === weekday && minute >= open) return true
      if (p.weekday === yesterday && minute < close) return true
    }
  }
  return false
}

/**
 * isOpen says whether a store is open now: never when staff closed it, the
 * server's open_now when the answer carries it, else computed from its hours
 * in its time zone.
 */
export function isOpen(s: StoreHours, now: Date = new Date()): boolean {
  if (s.status === 'closed') return false
  if (typeof s.open_now === 'boolean') return s.open_now
  if (s.opening_hours && s.opening_hours.length) return openByHours(s.opening_hours, now, s.timezone)
  return s.status === 'open'
}

/** todayHours is today's opening hours as text ("07:00-23:00", "24小时营业"), "" when unknown. */
export function todayHours(hours: OpeningPeriod[] | undefined, now: Date = new Date(), timezone?: string): string {
  if (!hours || !hours.length) return ''
  const { weekday } = localTime(now, timezone)
  const today = hours.filter((p) => p.weekday === weekday)
  if (!today.length) return '今日休息'
  if (today.some((p) => p.open === '00:00' && (p.close === '24:00' || p.close === '00:00'))) return '24小时营业'
  return today.map((p) => `${p.open}-${p.close}`).join('，')
}
