import { render, screen, fireEvent, act } from '@testing-library/react'
import Taro, { reset, route, requests, navigations } from './mocks/taro'
import MemberCodePage from '../src/member/code/index'
import { benefits, nextRefresh } from '../src/api/members'

const codeCalls = () => requests.filter((r) => r.url.endsWith('/api/v1/me/member-code')).length

async function flush() {
  for (let i = 0; i < 5; i++) {
    await act(async () => {
      await Promise.resolve()
    })
  }
}

async function tick(ms: number) {
  for (let t = 0; t < ms; t += 1000) {
    await act(async () => {
      jest.advanceTimersByTime(1000)
    })
    await flush()
  }
}

beforeEach(() => {
  reset()
  jest.useFakeTimers({ now: new Date('2026-12-01T04:00:00Z') })
  ;(Taro.setKeepScreenOn as jest.Mock).mockClear()
  Taro.setStorageSync('wemart.token', 'tok')
  route('GET /api/v1/me/member', {
    statusCode: 200,
    data: { level: { name: '银卡', percent_off: 2, free_delivery: false }, spend_fen: 80000, next: { name: '金卡', min_spend_fen: 200000, missing_fen: 120000 }, points: { available: 320, pending: 24 }, checked_in_today: true },
  })
  let n = 0
  route('GET /api/v1/me/member-code', () => {
    n++
    return { statusCode: 200, data: { code: `MC1.${n}.signature`, expires_at: new Date(Date.now() + 60000).toISOString(), refresh_after_s: 30 } }
  })
})

afterEach(() => {
  jest.useRealTimers()
})

test('the level, its benefits and the way to the next level; the code as a QR, renewed every 30 s', async () => {
  const { unmount } = render(<MemberCodePage />)
  await flush()
  expect(screen.getByTestId('member-level').textContent).toBe('银卡')
  expect(screen.getByTestId('member-benefits').textContent).toContain('会员价 9.8 折')
  expect(screen.getByTestId('member-next').textContent).toBe('近一年消费 ¥800.00，再消费 ¥1200.00 升级为金卡')
  expect(screen.getByTestId('member-points').textContent).toContain('可用积分 320 · 待入账 24')
  const code = screen.getByTestId('member-code')
  expect(code.getAttribute('data-code')).toBe('MC1.1.signature')
  expect(code.querySelectorAll('.qr-row').length).toBeGreaterThan(20)
  expect(screen.getByTestId('member-code-countdown').textContent).toBe('30 秒后自动刷新')
  expect(Taro.setKeepScreenOn).toHaveBeenCalledWith({ keepScreenOn: true })

  await tick(10000)
  expect(screen.getByTestId('member-code-countdown').textContent).toBe('20 秒后自动刷新')
  expect(codeCalls()).toBe(1)
  await tick(20000)
  expect(codeCalls()).toBe(2)
  expect(screen.getByTestId('member-code').getAttribute('data-code')).toBe('MC1.2.signature')

  // tapped: a new one at once
  fireEvent.click(screen.getByTestId('member-code-refresh'))
  await flush()
  expect(screen.getByTestId('member-code').getAttribute('data-code')).toBe('MC1.3.signature')

  fireEvent.click(screen.getByTestId('member-points'))
  expect(navigations).toEqual([{ kind: 'navigateTo', url: '/member/points/index' }])
  unmount()
  expect(Taro.setKeepScreenOn).toHaveBeenLastCalledWith({ keepScreenOn: false })
  // no timer left behind
  await tick(60000)
  expect(codeCalls()).toBe(3)
})

test('a code that expires before refresh_after_s is renewed when it expires', async () => {
  route('GET /api/v1/me/member-code', () => ({ statusCode: 200, data: { code: `MC-${codeCalls()}`, expires_at: new Date(Date.now() + 12000).toISOString(), refresh_after_s: 30 } }))
  render(<MemberCodePage />)
  await flush()
  expect(screen.getByTestId('member-code-countdown').textContent).toBe('12 秒后自动刷新')
  await tick(12000)
  expect(codeCalls()).toBe(2)
})

test('a code that cannot be fetched shows the message, retried by itself', async () => {
  let fail = true
  route('GET /api/v1/me/member-code', () => (fail ? { statusCode: 503, data: { error: { code: 'unavailable', message: '会员服务暂不可用' } } } : { statusCode: 200, data: { code: 'MC-OK', expires_at: new Date(Date.now() + 60000).toISOString(), refresh_after_s: 30 } }))
  render(<MemberCodePage />)
  await flush()
  expect(screen.getByTestId('state-error').textContent).toContain('会员服务暂不可用')
  fail = false
  await tick(5000)
  expect(screen.getByTestId('member-code').getAttribute('data-code')).toBe('MC-OK')
})

test('nextRefresh: refresh_after_s, the expiry when sooner, never under 5 s; benefits in words', () => {
  const at = Date.parse('2026-12-01T04:00:00Z')
  expect(nextRefresh({ code: 'x', expires_at: '2026-12-01T04:01:00Z', refresh_after_s: 30 }, at)).toBe(at + 30000)
  expect(nextRefresh({ code: 'x', expires_at: '2026-12-01T04:00:20Z', refresh_after_s: 30 }, at)).toBe(at + 20000)
  // a phone clock ahead of the server: the code looks expired already
  expect(nextRefresh({ code: 'x', expires_at: '2026-12-01T03:59:00Z', refresh_after_s: 30 }, at)).toBe(at + 30000)
  expect(nextRefresh({ code: 'x', expires_at: '2026-12-01T04:00:01Z', refresh_after_s: 30 }, at)).toBe(at + 5000)
  expect(benefits({ name: '金卡', percent_off: 5, free_delivery: true })).toEqual(['会员价 9.5 折', '配送费全免', '消费 ¥1 得 1 积分', '100 积分抵 ¥1'])
  expect(benefits({ name: '普通会员', percent_off: 0, free_delivery: false })).toEqual(['消费 ¥1 得 1 积分', '100 积分抵 ¥1'])
})
