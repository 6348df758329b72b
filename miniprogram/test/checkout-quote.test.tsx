import { render, screen, fireEvent, waitFor, act } from '@testing-library/react'
import Taro, { reset, route, requests, setParams, navigations, MockRequest } from './mocks/taro'
import Checkout from '../src/pages/checkout/index'
import { cart, home, far, order, payment, store } from './fixtures'
import type { Quote, QuoteBody } from '../src/api/orders'

const offers = [
  { coupon_id: 32, template_id: 2, name: '满10减3', discount_fen: 300, usable: true, reason: '', lines: [0, 1], valid_until: '2026-12-31T15:59:59Z' },
  { coupon_id: 33, template_id: 3, name: '满100减20', discount_fen: 0, usable: false, reason: '差 ¥76.00 可用', lines: [], valid_until: '2026-12-31T15:59:59Z' },
  { coupon_id: 31, template_id: 1, name: '满20减5', discount_fen: 500, usable: true, reason: '', lines: [0, 1], valid_until: '2026-12-31T15:59:59Z' },
]

/** fakeQuote prices the fixture cart as the server would: 银卡 2 %, the best coupon unless asked, points ≤ half. */
function fakeQuote(body: QuoteBody, over: Partial<Quote> = {}): Quote {
  const goods = 2400
  const level = 48
  const usable = offers.filter((o) => o.usable).sort((a, b) => b.discount_fen - a.discount_fen)
  const picked = body.coupon_id === undefined ? usable[0] : offers.find((o) => o.coupon_id === body.coupon_id && o.usable)
  const coupon = picked ? picked.discount_fen : 0
  const max = Math.min(1000, Math.floor((goods - level - coupon) / 2))
  const points = Math.min(body.points || 0, max)
  const fee = body.fulfilment === 'delivery' ? 500 : 0
  const discount = level + coupon + points
  return {
    goods_fen: goods,
    level: { name: '银卡', percent_off: 2, free_delivery: false },
    level_discount_fen: level,
    coupons: offers,
    coupon_id: picked ? picked.coupon_id : null,
    coupon_discount_fen: coupon,
    points_available: 1000,
    points_max: max,
    points_used: points,
    points_discount_fen: points,
    delivery_fee_fen: fee,
    delivery_fee_waived_fen: 0,
    discount_fen: discount,
    payable_fen: goods - discount + fee,
    items: [],
    ...over,
  }
}

const quoteBodies = () => requests.filter((r) => r.url.endsWith('/api/v1/orders/quote')).map((r) => JSON.parse(r.data || '{}'))
const orderBodies = () => requests.filter((r) => r.method === 'POST' && r.url.endsWith('/api/v1/orders')).map((r) => JSON.parse(r.data || '{}'))

beforeEach(() => {
  reset()
  ;(Taro.requestPayment as jest.Mock).mockReset()
  ;(Taro.requestPayment as jest.Mock).mockResolvedValue({ errMsg: 'requestPayment:ok' })
  Taro.setStorageSync('wemart.token', 'tok')
  setParams({ store_id: '1' })
  route('GET /api/v1/cart', { statusCode: 200, data: cart })
  route('GET /api/v1/stores/1', { statusCode: 200, data: store })
  route('GET /api/v1/addresses', { statusCode: 200, data: { items: [home, far] } })
  route('GET /api/v1/stores/1/delivery', (req) => {
    const inside = req.url.includes('lat=31.231')
    return { statusCode: 200, data: { store_id: 1, delivers: inside, distance_m: inside ? 420 : 21000, reason: inside ? undefined : 'outside_radius', delivery_fee_fen: 500, delivery_min_fen: 2000 } }
  })
  route('POST /api/v1/orders/quote', (req: MockRequest) => ({ statusCode: 200, data: fakeQuote(JSON.parse(req.data || '{}')) }))
  route('POST /api/v1/orders', { statusCode: 201, data: { order: order({ discount_fen: 548, payable_fen: 1852 }), payment } })
})

test('the quote breaks the amount down and preselects the best coupon; the order is placed at its payable', async () => {
  render(<Checkout />)
  const coupon = await screen.findByTestId('checkout-coupon')
  expect(coupon.getAttribute('data-coupon-id')).toBe('31')
  expect(coupon.textContent).toContain('满20减5')
  expect(screen.getByTestId('checkout-coupon-discount').textContent).toBe('-¥5.00')
  expect(screen.getByTestId('checkout-level-discount').textContent).toContain('会员折扣（银卡）')
  expect(screen.getByTestId('checkout-level-discount').textContent).toContain('-¥0.48')
  expect(screen.getByTestId('checkout-discount').getAttribute('data-fen')).toBe('548')
  expect(screen.getByTestId('amount-discount').textContent).toBe('-¥5.48')
  expect(screen.getByTestId('amount-payable').textContent).toBe('¥18.52')
  expect(quoteBodies()).toEqual([{ store_id: 1, fulfilment: 'pickup' }])

  fireEvent.click(screen.getByTestId('place-order'))
  await waitFor(() => expect(navigations).toEqual([{ kind: 'redirectTo', url: '/pages/order/index?id=7&paid=1' }]))
  expect(orderBodies()).toEqual([{ store_id: 1, fulfilment: 'pickup', coupon_id: 31, expected_payable_fen: 1852 }])
})

test('the coupon picker lists usable coupons first, greys the others with the reason, and can choose none', async () => {
  render(<Checkout />)
  fireEvent.click(await screen.findByTestId('checkout-coupon'))
  const picker = await screen.findByTestId('checkout-coupon-picker')
  const ids = Array.from(picker.querySelectorAll('[data-testid^="checkout-coupon-option-"]')).map((n) => n.getAttribute('data-testid'))
  expect(ids).toEqual(['checkout-coupon-option-32', 'checkout-coupon-option-31', 'checkout-coupon-option-33'])
  const off = screen.getByTestId('checkout-coupon-option-33')
  expect(off.getAttribute('data-usable')).toBe('false')
  expect(off.className).toContain('cp-option-off')
  expect(off.textContent).toContain('差 ¥76.00 可用')
  expect(screen.getByTestId('checkout-coupon-option-32').textContent).toContain('-¥3.00')
  // an unusable coupon cannot be chosen
  fireEvent.click(off)
  expect(screen.getByTestId('checkout-coupon-picker')).toBeTruthy()

  fireEvent.click(screen.getByTestId('checkout-coupon-option-32'))
  await waitFor(() => expect(screen.getByTestId('checkout-coupon').getAttribute('data-coupon-id')).toBe('32'))
  expect(screen.queryByTestId('checkout-coupon-picker')).toBeNull()
  expect(screen.getByTestId('checkout-discount').getAttribute('data-fen')).toBe('348')

  fireEvent.click(screen.getByTestId('checkout-coupon'))
  fireEvent.click(await screen.findByTestId('checkout-coupon-none'))
  await waitFor(() => expect(screen.getByTestId('checkout-coupon').getAttribute('data-coupon-id')).toBe('0'))
  expect(screen.getByTestId('checkout-coupon').textContent).toContain('不使用（2 张可用）')
  expect(screen.getByTestId('checkout-discount').getAttribute('data-fen')).toBe('48')
  expect(quoteBodies().slice(1)).toEqual([
    { store_id: 1, fulfilment: 'pickup', coupon_id: 32 },
    { store_id: 1, fulfilment: 'pickup', coupon_id: 0 },
  ])

  fireEvent.click(screen.getByTestId('place-order'))
  await waitFor(() => expect(orderBodies()).toHaveLength(1))
  expect(orderBodies()[0]).toEqual({ store_id: 1, fulfilment: 'pickup', coupon_id: 0, expected_payable_fen: 2352 })
})

test('the points switch spends the most points the quote allows', async () => {
  render(<Checkout />)
  const sw = (await screen.findByTestId('checkout-points')) as HTMLInputElement
  expect(screen.getByTestId('checkout-points-note').textContent).toBe('共 1000 积分，可用 926 积分抵 ¥9.26')
  fireEvent.click(sw)
  await waitFor(() => expect(screen.getByTestId('checkout-discount').getAttribute('data-fen')).toBe('1474'))
  expect((screen.getByTestId('checkout-points') as HTMLInputElement).checked).toBe(true)
  expect(quoteBodies()[1]).toEqual({ store_id: 1, fulfilment: 'pickup', points: 926 })

  // a smaller coupon leaves room for more points: asked again with the new most
  fireEvent.click(screen.getByTestId('checkout-coupon'))
  fireEvent.click(await screen.findByTestId('checkout-coupon-option-32'))
  await waitFor(() => expect(screen.getByTestId('checkout-coupon').getAttribute('data-coupon-id')).toBe('32'))
  await waitFor(() => expect(screen.getByTestId('checkout-discount').getAttribute('data-fen')).toBe(String(48 + 300 + 1000)))
  expect(quoteBodies().slice(2)).toEqual([
    { store_id: 1, fulfilment: 'pickup', coupon_id: 32, points: 926 },
    { store_id: 1, fulfilment: 'pickup', coupon_id: 32, points: 1000 },
  ])

  fireEvent.click(screen.getByTestId('place-order'))
  await waitFor(() => expect(orderBodies()).toHaveLength(1))
  expect(orderBodies()[0]).toEqual({ store_id: 1, fulfilment: 'pickup', coupon_id: 32, points: 1000, expected_payable_fen: 2400 - 1348 })

  // off again: no points asked
  fireEvent.click(screen.getByTestId('checkout-points'))
  await waitFor(() => expect(quoteBodies()[quoteBodies().length - 1]).toEqual({ store_id: 1, fulfilment: 'pickup', coupon_id: 32 }))
})

test('points the quote refuses are asked again without, then with the new most', async () => {
  let refused = false
  route('POST /api/v1/orders/quote', (req: MockRequest) => {
    const body = JSON.parse(req.data || '{}')
    const q = fakeQuote(body)
    if (body.points && body.points > q.points_max) {
      refused = true
      return { statusCode: 409, data: { error: { code: 'conflict', message: 'points over the most' } } }
    }
    return { statusCode: 200, data: q }
  })
  render(<Checkout />)
  fireEvent.click(await screen.findByTestId('checkout-points'))
  await waitFor(() => expect(screen.getByTestId('checkout-discount').getAttribute('data-fen')).toBe('1474'))
  // a bigger coupon (from none) lowers the most: 926 is refused
  fireEvent.click(screen.getByTestId('checkout-coupon'))
  fireEvent.click(await screen.findByTestId('checkout-coupon-none'))
  await waitFor(() => expect(screen.getByTestId('checkout-coupon').getAttribute('data-coupon-id')).toBe('0'))
  await waitFor(() => expect(screen.getByTestId('checkout-discount').getAttribute('data-fen')).toBe(String(48 + 1000)))
  fireEvent.click(screen.getByTestId('checkout-coupon'))
  fireEvent.click(await screen.findByTestId('checkout-coupon-option-31'))
  await waitFor(() => expect(screen.getByTestId('checkout-coupon').getAttribute('data-coupon-id')).toBe('31'))
  await waitFor(() => expect(screen.getByTestId('checkout-discount').getAttribute('data-fen')).toBe(String(48 + 500 + 926)))
  expect(refused).toBe(true)
  expect(screen.queryByTestId('checkout-quote-error')).toBeNull()
})

test('a refused quote shows the server message, blocks the order, and retries', async () => {
  let fail = true
  route('POST /api/v1/orders/quote', (req: MockRequest) =>
    fail ? { statusCode: 409, data: { error: { code: 'conflict', message: '优惠券已被其他订单占用' } } } : { statusCode: 200, data: fakeQuote(JSON.parse(req.data || '{}')) },
  )
  render(<Checkout />)
  expect((await screen.findByTestId('checkout-quote-error')).textContent).toContain('优惠券已被其他订单占用')
  expect(screen.getByTestId('checkout-blocked').textContent).toBe('优惠券已被其他订单占用')
  expect((screen.getByTestId('place-order') as HTMLButtonElement).disabled).toBe(true)
  fail = false
  fireEvent.click(screen.getByText('重试'))
  await waitFor(() => expect(screen.getByTestId('checkout-discount').getAttribute('data-fen')).toBe('548'))
  expect(screen.queryByTestId('checkout-blocked')).toBeNull()
})

test('an order that comes to nothing is refused in words the shopper reads, with no retry', async () => {
  route('POST /api/v1/orders/quote', {
    statusCode: 409,
    data: { error: { code: 'conflict', message: 'this order comes to ¥0.00 and WeChat Pay takes at least ¥0.01', details: { reason: 'nothing_to_pay', payable_fen: 0 } } },
  })
  render(<Checkout />)
  const notice = await screen.findByTestId('checkout-quote-error')
  expect(notice.textContent).toContain('微信支付至少 ¥0.01')
  expect(notice.textContent).not.toContain('重试')
  expect(screen.getByTestId('checkout-blocked').textContent).toContain('请加购需要付款的商品')
  expect((screen.getByTestId('place-order') as HTMLButtonElement).disabled).toBe(true)
  expect(orderBodies()).toEqual([])
})

test('an order over the most one payment may be says so', async () => {
  route('POST /api/v1/orders/quote', {
    statusCode: 409,
    data: { error: { code: 'conflict', message: 'this order comes to ¥20000000.00', details: { reason: 'too_much_to_pay', max_payable_fen: 1000000000 } } },
  })
  render(<Checkout />)
  expect((await screen.findByTestId('checkout-quote-error')).textContent).toContain('单笔支付上限')
  expect(screen.queryByText('重试')).toBeNull()
})

test('gifts delivered for a fee are an order: the quote, not the goods, decides', async () => {
  const gifts = { ...cart, goods_fen: 0, items: cart.items.map((i) => ({ ...i, price_fen: 0, seen_price_fen: 0, amount_fen: 0 })) }
  route('GET /api/v1/cart', { statusCode: 200, data: gifts })
  route('GET /api/v1/stores/1/delivery', { statusCode: 200, data: { store_id: 1, delivers: true, distance_m: 420, delivery_fee_fen: 500, delivery_min_fen: 0 } })
  route('POST /api/v1/orders/quote', (req: MockRequest) => {
    const body = JSON.parse(req.data || '{}')
    const fee = body.fulfilment === 'delivery' ? 500 : 0
    const q = fakeQuote(body, { goods_fen: 0, level_discount_fen: 0, coupons: [], coupon_id: null, coupon_discount_fen: 0, points_max: 0, discount_fen: 0, delivery_fee_fen: fee, payable_fen: fee })
    return fee ? { statusCode: 200, data: q } : { statusCode: 409, data: { error: { code: 'conflict', message: 'nothing to pay', details: { reason: 'nothing_to_pay' } } } }
  })
  render(<Checkout />)
  await screen.findByTestId('checkout-quote-error')
  fireEvent.click(screen.getByTestId('fulfilment-delivery'))
  await waitFor(() => expect(screen.getByTestId('amount-payable').textContent).toBe('¥5.00'))
  expect(screen.queryByTestId('checkout-blocked')).toBeNull()
  expect((screen.getByTestId('place-order') as HTMLButtonElement).disabled).toBe(false)
})

test('delivery: the quote has the address, the waived fee is shown', async () => {
  route('POST /api/v1/orders/quote', (req: MockRequest) => {
    const body = JSON.parse(req.data || '{}')
    const q = fakeQuote(body)
    if (body.fulfilment !== 'delivery') return { statusCode: 200, data: q }
    return { statusCode: 200, data: { ...q, delivery_fee_fen: 0, delivery_fee_waived_fen: 500, payable_fen: q.payable_fen - 500 } }
  })
  render(<Checkout />)
  await screen.findByTestId('checkout-coupon')
  fireEvent.click(screen.getByTestId('fulfilment-delivery'))
  await waitFor(() => expect(screen.getByTestId('checkout-fee-waived').textContent).toContain('已省 ¥5.00'))
  expect(screen.getByTestId('amount-delivery').textContent).toBe('¥0.00')
  expect(screen.getByTestId('amount-payable').textContent).toBe('¥18.52')
  expect(quoteBodies()[quoteBodies().length - 1]).toEqual({ store_id: 1, fulfilment: 'delivery', address_id: 21 })
})

test('a tap while the quote is being asked for waits for it', async () => {
  let answer: (() => void) | null = null
  let calls = 0
  route('POST /api/v1/orders/quote', (req: MockRequest) => {
    calls++
    const q = fakeQuote(JSON.parse(req.data || '{}'))
    if (calls === 1) return { statusCode: 200, data: q }
    return new Promise((resolve) => {
      answer = () => resolve({ statusCode: 200, data: q })
    })
  })
  render(<Checkout />)
  await screen.findByTestId('checkout-coupon')
  fireEvent.click(screen.getByTestId('checkout-coupon'))
  fireEvent.click(await screen.findByTestId('checkout-coupon-option-32'))
  await waitFor(() => expect(answer).not.toBeNull())
  fireEvent.click(screen.getByTestId('place-order'))
  await act(async () => {
    await new Promise((r) => setTimeout(r, 20))
  })
  expect(orderBodies()).toHaveLength(0)
  await act(async () => {
    answer!()
  })
  await waitFor(() => expect(orderBodies()).toHaveLength(1))
  expect(orderBodies()[0]).toEqual({ store_id: 1, fulfilment: 'pickup', coupon_id: 32, expected_payable_fen: 2400 - 348 })
})

test('a conflict at checkout asks for a new quote', async () => {
  route('POST /api/v1/orders', { statusCode: 409, data: { error: { code: 'conflict', message: '应付金额已变化，请确认后重新提交' } } })
  render(<Checkout />)
  await screen.findByTestId('checkout-coupon')
  fireEvent.click(screen.getByTestId('place-order'))
  expect((await screen.findByTestId('checkout-error')).textContent).toBe('应付金额已变化，请确认后重新提交')
  await waitFor(() => expect(quoteBodies()).toHaveLength(2))
})
