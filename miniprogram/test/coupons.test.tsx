import { render, screen, fireEvent, waitFor } from '@testing-library/react'
import Taro, { reset, route, requests, setParams, toasts, navigations } from './mocks/taro'
import CouponsPage from '../src/member/coupons/index'
import type { Coupon, CouponTemplate } from '../src/api/coupons'
import { faceValue, scopeNote, threshold, zhe } from '../src/api/coupons'

function template(id: number, over: Partial<CouponTemplate> = {}): CouponTemplate {
  return {
    id, name: `满50减10 #${id}`, description: '', discount_fen: 1000, percent_off: null, max_discount_fen: null, min_spend_fen: 5000,
    total: 100, issued: 10, remaining: 90, per_shopper: 2, valid_days: 7, starts_at: null, ends_at: null, claimable: true,
    status: 'active', store_ids: [], category_ids: [], product_ids: [], claimed_by_me: 0, can_claim: true, created_at: '2026-12-01T00:00:00Z',
    ...over,
  }
}

function coupon(id: number, over: Partial<Coupon> = {}): Coupon {
  return {
    id, template_id: 1, status: 'unused', name: `券 #${id}`, discount_fen: 500, percent_off: null, max_discount_fen: null, min_spend_fen: 0,
    valid_from: '2026-12-01T04:00:00Z', valid_until: '2026-12-08T12:00:00Z', store_ids: [3], category_ids: [], product_ids: [],
    ...over,
  }
}

const claims = () => requests.filter((r) => r.method === 'POST' && r.url.endsWith('/api/v1/coupons')).map((r) => JSON.parse(r.data || '{}'))

beforeEach(() => {
  reset()
  Taro.setStorageSync('wemart.token', 'tok')
})

test('the coupon centre lists templates with value, threshold, validity and scope', async () => {
  route('GET /api/v1/coupon-templates', { statusCode: 200, data: { items: [template(1), template(2, { discount_fen: null, percent_off: 15, max_discount_fen: 2000, min_spend_fen: 0, valid_days: null, ends_at: '2026-12-31T15:59:59Z', store_ids: [3], product_ids: [8] })] } })
  render(<CouponsPage />)
  const a = await screen.findByTestId('coupon-template-1')
  expect(a.textContent).toContain('¥10')
  expect(a.textContent).toContain('满¥50.00可用')
  expect(a.textContent).toContain('领取后 7 天内有效')
  expect(a.textContent).toContain('全部门店 · 全场商品可用')
  expect(screen.getByTestId('coupon-claim-1').textContent).toBe('领取')
  const b = screen.getByTestId('coupon-template-2')
  expect(b.textContent).toContain('8.5折')
  expect(b.textContent).toContain('无门槛')
  expect(b.textContent).toContain('最多减¥20.00')
  expect(b.textContent).toContain('限指定门店 · 限指定商品可用')
  expect(b.textContent).toContain('有效期至 2026-12-31')
})

test('claiming: 再领一张 while the shopper may take more, then 已领取', async () => {
  let mine = 0
  route('GET /api/v1/coupon-templates', () => ({ statusCode: 200, data: { items: [template(1, { claimed_by_me: mine, can_claim: mine < 2, remaining: 90 - mine })] } }))
  route('POST /api/v1/coupons', () => {
    mine++
    return { statusCode: 201, data: coupon(50 + mine, { template_id: 1 }) }
  })
  render(<CouponsPage />)
  fireEvent.click(await screen.findByTestId('coupon-claim-1'))
  await waitFor(() => expect(screen.getByTestId('coupon-claim-1').textContent).toBe('再领一张'))
  expect(toasts).toContain('领取成功')
  fireEvent.click(screen.getByTestId('coupon-claim-1'))
  await waitFor(() => expect(screen.getByTestId('coupon-claim-1').textContent).toBe('已领取'))
  expect((screen.getByTestId('coupon-claim-1') as HTMLButtonElement).disabled).toBe(true)
  expect(screen.getByTestId('coupon-claim-1').getAttribute('data-state')).toBe('claimed')
  expect(claims()).toEqual([{ template_id: 1 }, { template_id: 1 }])
})

test('a claimed template the list no longer shows (the last one taken) stays, 已领取', async () => {
  let gone = false
  route('GET /api/v1/coupon-templates', () => ({ statusCode: 200, data: { items: gone ? [] : [template(1, { remaining: 1, per_shopper: 5 })] } }))
  route('POST /api/v1/coupons', () => {
    gone = true
    return { statusCode: 201, data: coupon(51) }
  })
  render(<CouponsPage />)
  fireEvent.click(await screen.findByTestId('coupon-claim-1'))
  await waitFor(() => expect(requests.filter((r) => r.url.includes('coupon-templates'))).toHaveLength(2))
  expect(screen.getByTestId('coupon-claim-1').textContent).toBe('已领取')
})

test('a refused claim shows the server message on the card', async () => {
  route('GET /api/v1/coupon-templates', { statusCode: 200, data: { items: [template(1)] } })
  route('POST /api/v1/coupons', { statusCode: 409, data: { error: { code: 'conflict', message: '优惠券已被领完' } } })
  render(<CouponsPage />)
  fireEvent.click(await screen.findByTestId('coupon-claim-1'))
  expect((await screen.findByTestId('coupon-claim-error-1')).textContent).toBe('优惠券已被领完')
  expect(toasts).toContain('优惠券已被领完')
})

test('an error loading shows the message and retries; no templates says so', async () => {
  let fail = true
  route('GET /api/v1/coupon-templates', () => (fail ? { statusCode: 500, data: { error: { code: 'internal', message: '服务出错了' } } } : { statusCode: 200, data: { items: [] } }))
  render(<CouponsPage />)
  expect((await screen.findByTestId('state-error')).textContent).toContain('服务出错了')
  fail = false
  fireEvent.click(screen.getByTestId('state-retry'))
  expect((await screen.findByTestId('state-empty')).textContent).toContain('暂时没有可以领取的优惠券')
})

test('我的券: unused (and locked) coupons, then used and expired by tab', async () => {
  setParams({ tab: 'mine' })
  route('GET /api/v1/coupons', (req) => {
    const status = new URLSearchParams(req.url.split('?')[1]).get('status')
    const items: Record<string, Coupon[]> = {
      unused: [coupon(1)],
      locked: [coupon(2, { status: 'locked', order_id: 9 })],
      used: [coupon(3, { status: 'used', used_at: '2026-12-02T04:05:00Z' })],
      expired: [],
    }
    return { statusCode: 200, data: { items: items[status || ''] || [] } }
  })
  render(<CouponsPage />)
  const one = await screen.findByTestId('coupon-1')
  expect(one.textContent).toContain('¥5')
  expect(one.textContent).toContain('无门槛')
  expect(one.textContent).toContain('2026-12-01 至 2026-12-08')
  expect(one.textContent).toContain('限指定门店')
  expect(screen.getByTestId('coupon-2').textContent).toContain('待支付订单占用中')
  fireEvent.click(screen.getByTestId('coupon-use-1'))
  expect(navigations).toEqual([{ kind: 'switchTab', url: '/pages/index/index' }])

  fireEvent.click(screen.getByTestId('coupons-status-used'))
  expect((await screen.findByTestId('coupon-3')).textContent).toContain('已使用')
  expect(screen.getByTestId('coupon-3').className).toContain('cc-off')
  fireEvent.click(screen.getByTestId('coupons-status-expired'))
  expect((await screen.findByTestId('state-empty')).textContent).toBe('没有过期的优惠券')
  const asked = requests.map((r) => new URLSearchParams(r.url.split('?')[1]).get('status'))
  expect(asked).toEqual(['unused', 'locked', 'used', 'expired'])
})

test('face values, thresholds and scopes in words', () => {
  expect(zhe(20)).toBe('8折')
  expect(zhe(15)).toBe('8.5折')
  expect(zhe(5)).toBe('9.5折')
  expect(faceValue({ discount_fen: 1050, percent_off: null })).toEqual({ amount: '10.50', unit: '元' })
  expect(faceValue({ discount_fen: null, percent_off: 30 })).toEqual({ amount: '7', unit: '折' })
  expect(threshold({ min_spend_fen: 9900 })).toBe('满¥99.00可用')
  expect(scopeNote({ store_ids: [], category_ids: [2], product_ids: [] })).toBe('全部门店 · 限指定品类可用')
  expect(scopeNote({ store_ids: [], category_ids: [], product_ids: [5] })).toBe('全部门店 · 限指定商品可用')
  expect(scopeNote({ store_ids: [1], category_ids: [2], product_ids: [5] })).toBe('限指定门店 · 限指定品类和商品可用')
})
