import { render, screen, fireEvent, waitFor } from '@testing-library/react'
import Taro, { reset, route, requests, toasts, navigations } from './mocks/taro'
import PointsPage from '../src/member/points/index'
import type { PointEntry } from '../src/api/members'

function entry(id: number, over: Partial<PointEntry> = {}): PointEntry {
  return { id, kind: 'checkin', available_delta: 10, pending_delta: 0, note: '', order_id: null, created_at: '2026-12-01T04:00:00Z', ...over }
}

const member = (checked: boolean) => ({ level: { name: '普通会员', percent_off: 0, free_delivery: false }, spend_fen: 0, next: null, points: { available: 0, pending: 0 }, checked_in_today: checked })
const pointsAsked = () => requests.filter((r) => r.url.includes('/api/v1/me/points')).map((r) => r.url.split('?')[1] || '')

beforeEach(() => {
  reset()
  Taro.setStorageSync('wemart.token', 'tok')
  route('GET /api/v1/me/member', { statusCode: 200, data: member(false) })
})

test('the balance, pending points and the ledger in Chinese; a negative balance in red as it is', async () => {
  route('GET /api/v1/me/points', {
    statusCode: 200,
    data: {
      available: -120,
      pending: 35,
      items: [
        entry(5, { kind: 'clawback', available_delta: -150, note: 'refund 3 of order 7', order_id: 7 }),
        entry(4, { kind: 'earn', available_delta: 0, pending_delta: 35, order_id: 8 }),
        entry(3, { kind: 'spend', available_delta: -200, order_id: 6 }),
        entry(2, { kind: 'checkin', available_delta: 10, note: '签到第 3 天' }),
        entry(1, { kind: 'brand_new_kind', available_delta: 1 }),
      ],
    },
  })
  render(<PointsPage />)
  const available = await screen.findByTestId('points-available')
  expect(available.textContent).toBe('-120')
  expect(available.getAttribute('data-points')).toBe('-120')
  expect(available.className).toContain('pt-negative')
  expect(screen.getByTestId('points-pending').textContent).toBe('待入账 35')
  expect(screen.getByTestId('points-pending').getAttribute('data-points')).toBe('35')
  expect(screen.getByTestId('points-entry-5').textContent).toContain('退款扣回')
  expect(screen.getByTestId('points-entry-5').textContent).toContain('订单 #7')
  expect(screen.getByTestId('points-entry-5').textContent).toContain('-150')
  expect(screen.getByTestId('points-entry-5').textContent).not.toContain('refund')
  expect(screen.getByTestId('points-entry-4').textContent).toContain('购物得积分')
  expect(screen.getByTestId('points-entry-4').textContent).toContain('待入账 +35')
  expect(screen.getByTestId('points-entry-3').textContent).toContain('下单抵扣')
  expect(screen.getByTestId('points-entry-2').textContent).toContain('每日签到')
  expect(screen.getByTestId('points-entry-2').textContent).toContain('签到第 3 天')
  expect(screen.getByTestId('points-entry-2').textContent).toContain('+10')
  expect(screen.getByTestId('points-entry-1').textContent).toContain('brand_new_kind')
  expect(screen.queryByTestId('points-more')).toBeNull()
  fireEvent.click(screen.getByTestId('points-entry-5'))
  expect(navigations).toEqual([{ kind: 'navigateTo', url: '/pages/order/index?id=7' }])
})

test('the ledger pages by before=<the last id>', async () => {
  const first = Array.from({ length: 20 }, (_, i) => entry(100 - i))
  route('GET /api/v1/me/points', (req) => ({
    statusCode: 200,
    data: { available: 200, pending: 0, items: req.url.includes('before=81') ? [entry(80), entry(79)] : first },
  }))
  render(<PointsPage />)
  fireEvent.click(await screen.findByTestId('points-more'))
  await screen.findByTestId('points-entry-79')
  expect(pointsAsked()).toEqual(['limit=20', 'before=81&limit=20'])
  expect(screen.queryByTestId('points-more')).toBeNull()
})

test('签到 adds the points; 409 says 今日已签到', async () => {
  let available = 40
  route('GET /api/v1/me/points', () => ({ statusCode: 200, data: { available, pending: 0, items: [] } }))
  route('POST /api/v1/me/checkins', () => {
    available = 50
    return { statusCode: 201, data: { day: '2026-12-01', points: 10, available: 50 } }
  })
  render(<PointsPage />)
  const button = await screen.findByTestId('checkin')
  expect(button.textContent).toBe('签到')
  fireEvent.click(button)
  await waitFor(() => expect(screen.getByTestId('points-available').textContent).toBe('50'))
  expect(screen.getByTestId('checkin').textContent).toBe('今日已签到')
  expect((screen.getByTestId('checkin') as HTMLButtonElement).disabled).toBe(true)
  expect(toasts).toContain('签到成功 +10')
})

test('a check-in the server refuses as done today shows 今日已签到; already checked in shows it at once', async () => {
  route('GET /api/v1/me/points', { statusCode: 200, data: { available: 0, pending: 0, items: [] } })
  route('POST /api/v1/me/checkins', { statusCode: 409, data: { error: { code: 'conflict', message: 'already checked in today' } } })
  const { unmount } = render(<PointsPage />)
  fireEvent.click(await screen.findByTestId('checkin'))
  await waitFor(() => expect(screen.getByTestId('checkin').textContent).toBe('今日已签到'))
  expect(screen.queryByTestId('checkin-error')).toBeNull()
  expect(screen.getByTestId('state-empty').textContent).toContain('还没有积分记录')
  unmount()
  route('GET /api/v1/me/member', { statusCode: 200, data: member(true) })
  render(<PointsPage />)
  await waitFor(() => expect(screen.getByTestId('checkin').getAttribute('data-done')).toBe('true'))
})

test('an error loading shows the server message with a retry', async () => {
  let fail = true
  route('GET /api/v1/me/points', () => (fail ? { statusCode: 503, data: { error: { code: 'unavailable', message: '积分服务维护中' } } } : { statusCode: 200, data: { available: 7, pending: 0, items: [] } }))
  render(<PointsPage />)
  expect((await screen.findByTestId('state-error')).textContent).toContain('积分服务维护中')
  fail = false
  fireEvent.click(screen.getByTestId('state-retry'))
  expect((await screen.findByTestId('points-available')).textContent).toBe('7')
})
