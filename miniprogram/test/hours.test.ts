import { isOpen, openByHours, todayHours } from '../src/utils/hours'
import { categoryRows } from '../src/utils/catalog'

// 2026-12-01 is a Tuesday; 02:30 UTC is 10:30 in Shanghai.
const tuesdayMorning = new Date('2026-12-01T02:30:00Z')
// 2026-12-01 16:30 UTC is Wednesday 00:30 in Shanghai.
const wednesdayNight = new Date('2026-12-01T16:30:00Z')

test('the server flag wins; staff closing wins over everything', () => {
  expect(isOpen({ status: 'open', open_now: false, opening_hours: [{ weekday: 2, open: '00:00', close: '24:00' }] }, tuesdayMorning)).toBe(false)
  expect(isOpen({ status: 'closed', open_now: true }, tuesdayMorning)).toBe(false)
})

test('without a flag the hours decide, in the store time zone', () => {
  const hours = [{ weekday: 2, open: '09:00', close: '21:00' }]
  expect(isOpen({ status: 'open', opening_hours: hours, timezone: 'Asia/Shanghai' }, tuesdayMorning)).toBe(true)
  // 10:30 in Shanghai is 02:30 in London: closed there.
  expect(isOpen({ status: 'open', opening_hours: hours, timezone: 'Europe/London' }, tuesdayMorning)).toBe(false)
  expect(openByHours(hours, wednesdayNight, 'Asia/Shanghai')).toBe(false)
})

test('a close before open runs past midnight into the next day', () => {
  const late = [{ weekday: 2, open: '18:00', close: '02:00' }]
  expect(openByHours(late, wednesdayNight, 'Asia/Shanghai')).toBe(true)
  expect(openByHours(late, tuesdayMorning, 'Asia/Shanghai')).toBe(false)
})

test('today hours as text', () => {
  expect(todayHours([{ weekday: 2, open: '07:00', close: '23:00' }], tuesdayMorning, 'Asia/Shanghai')).toBe('07:00-23:00')
  expect(todayHours([{ weekday: 2, open: '00:00', close: '24:00' }], tuesdayMorning, 'Asia/Shanghai')).toBe('24小时营业')
  expect(todayHours([{ weekday: 3, open: '07:00', close: '23:00' }], tuesdayMorning, 'Asia/Shanghai')).toBe('今日休息')
})

test('categories come in tree order', () => {
  const rows = categoryRows([
    { id: 1, name: '乳品', parent_id: null, sort: 1, product_count: 2 },
    { id: 2, name: '饮料', parent_id: null, sort: 2, product_count: 2 },
    { id: 3, name: '酸奶', parent_id: 1, sort: 3, product_count: 1 },
  ])
  expect(rows.map((r) => `${r.depth}:${r.category.name}`)).toEqual(['0:乳品', '1:酸奶', '0:饮料'])
})
