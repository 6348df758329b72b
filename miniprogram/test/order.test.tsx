import { render, screen, fireEvent, waitFor, act } from '@testing-library/react'
import Taro, { reset, route, requests, setParams } from './mocks/taro'
import OrderPage from '../src/pages/order/index'
import QRCode, { qrMatrix } from '../src/components/QRCode'
import { order, payment } from './fixtures'

const posts = (path: string) => requests.filter((r) => r.method === 'POST' && r.url.endsWith(path))

beforeEach(() => {
  reset()
  jest.useRealTimers()
  ;(Taro.requestPayment as jest.Mock).mockReset()
  ;(Taro.requestPayment as jest.Mock).mockResolvedValue({ errMsg: 'requestPayment:ok' })
  Taro.setStorageSync('wemart.token', 'tok')
  setParams({ id: '7' })
})

test('a paid pickup order shows its status, the pickup code as text and its QR', async () => {
  route('GET /api/v1/orders/7', { statusCode: 200, data: order({ status: 'paid', pickup_code: '483920', paid_at: '2026-12-01T12:01:00Z' }) })
  render(<OrderPage />)
  const status = await screen.findByTestId('order-status')
  expect(status.getAttribute('data-status')).toBe('paid')
  expect(status.textContent).toBe('已支付')
  expect(screen.getByTestId('pickup-code').textContent).toBe('483920')
  const qr = screen.getByTestId('pickup-qr')
  const n = Number(qr.getAttribute('data-modules'))
  expect(n).toBe(qrMatrix('483920').length)
  expect(qr.querySelectorAll('.qr-row')).toHaveLength(n)
  expect(qr.querySelectorAll('.qr-dark').length).toBeGreaterThan(n)
  expect(screen.queryByTestId('order-cancel')).toBeNull()
})

test('QRCode draws every dark module of the matrix', () => {
  const m = qrMatrix('123456')
  const { container } = render(<QRCode text='123456' size={420} />)
  // each dark run's width is its modules times the cell (20 design px = 10px in the mock)
  let drawn = 0
  container.querySelectorAll('.qr-dark').forEach((el) => {
    drawn += parseFloat((el as HTMLElement).style.width) / 10
  })
  expect(drawn).toBe(m.flat().filter(Boolean).length)
  expect(m.length).toBe(21)
})

test('cancelling an unpaid order asks first, then shows it cancelled', async () => {
  route('GET /api/v1/orders/7', { statusCode: 200, data: order() })
  route('POST /api/v1/orders/7/cancel', { statusCode: 200, data: order({ status: 'cancelled', cancel_reason: '用户取消' }) })
  render(<OrderPage />)
  expect((await screen.findByTestId('order-countdown')).textContent).toMatch(/剩余 1[45]:\d\d 自动取消/)
  fireEvent.click(screen.getByTestId('order-cancel'))
  await waitFor(() => expect(screen.getByTestId('order-status').getAttribute('data-status')).toBe('cancelled'))
  expect(Taro.showModal).toHaveBeenCalled()
  expect(posts('/api/v1/orders/7/cancel')).toHaveLength(1)
  expect(screen.queryByTestId('order-pay')).toBeNull()
})

test('declining the confirm modal does not cancel', async () => {
  route('GET /api/v1/orders/7', { statusCode: 200, data: order() })
  ;(Taro.showModal as jest.Mock).mockResolvedValueOnce({ confirm: false, cancel: true })
  render(<OrderPage />)
  fireEvent.click(await screen.findByTestId('order-cancel'))
  await act(async () => {
    await Promise.resolve()
  })
  expect(posts('/api/v1/orders/7/cancel')).toHaveLength(0)
})

test('去支付 gets fresh payment parameters and opens the cashier', async () => {
  let paid = false
  route('GET /api/v1/orders/7', () => ({ statusCode: 200, data: order(paid ? { status: 'paid', pickup_code: '1234' } : {}) }))
  route('POST /api/v1/orders/7/pay', () => {
    paid = true
    return { statusCode: 200, data: { order: order(), payment } }
  })
  render(<OrderPage />)
  fireEvent.click(await screen.findByTestId('order-pay'))
  await waitFor(() => expect(Taro.requestPayment).toHaveBeenCalledWith(expect.objectContaining({ paySign: 's' })))
  await waitFor(() => expect(screen.getByTestId('order-status').getAttribute('data-status')).toBe('paid'), { timeout: 4000 })
})

test('a refund of some lines sends the lines, quantities and reason', async () => {
  route('GET /api/v1/orders/7', { statusCode: 200, data: order({ status: 'paid', pickup_code: '1234' }) })
  route('POST /api/v1/orders/7/refund', (req) => ({
    statusCode: 200,
    data: order({ status: 'refunding', refunds: [{ id: 3, out_refund_no: 'R1', amount_fen: 200, status: 'requested', initiator: 'shopper', reason: JSON.parse(req.data || '{}').reason, items: [{ order_item_id: 101, quantity: 1 }], review_note: '', created_at: '2026-12-01T12:05:00Z', succeeded_at: null }] }),
  }))
  render(<OrderPage />)
  fireEvent.click(await screen.findByTestId('refund-open'))
  fireEvent.click(screen.getByTestId('refund-mode-lines'))
  fireEvent.click(screen.getByTestId('refund-plus-101'))
  fireEvent.click(screen.getByTestId('refund-plus-101'))
  fireEvent.click(screen.getByTestId('refund-plus-101'))
  fireEvent.click(screen.getByTestId('refund-minus-101'))
  expect(screen.getByTestId('refund-qty-101').textContent).toBe('1')
  fireEvent.click(screen.getByTestId('refund-submit'))
  expect(screen.getByTestId('refund-error').textContent).toContain('退款原因')
  fireEvent.change(screen.getByTestId('refund-reason'), { target: { value: '买多了' } })
  fireEvent.click(screen.getByTestId('refund-submit'))
  await waitFor(() => expect(screen.getByTestId('order-status').getAttribute('data-status')).toBe('refunding'))
  expect(JSON.parse(posts('/api/v1/orders/7/refund')[0].data || '{}')).toEqual({ reason: '买多了', items: [{ order_item_id: 101, quantity: 1 }] })
  expect(screen.getByTestId('refund-3').textContent).toContain('待审核')
  expect(screen.queryByTestId('refund-sheet')).toBeNull()
})

test('a whole-order refund sends only the reason', async () => {
  route('GET /api/v1/orders/7', { statusCode: 200, data: order({ status: 'completed' }) })
  route('POST /api/v1/orders/7/refund', { statusCode: 200, data: order({ status: 'refunding' }) })
  render(<OrderPage />)
  fireEvent.click(await screen.findByTestId('refund-open'))
  fireEvent.change(screen.getByTestId('refund-reason'), { target: { value: '不想要了' } })
  fireEvent.click(screen.getByTestId('refund-submit'))
  await waitFor(() => expect(posts('/api/v1/orders/7/refund')).toHaveLength(1))
  expect(JSON.parse(posts('/api/v1/orders/7/refund')[0].data || '{}')).toEqual({ reason: '不想要了' })
})

test('with paid=1 it re-reads the order until it is no longer pending, then stops', async () => {
  jest.useFakeTimers()
  setParams({ id: '7', paid: '1' })
  let reads = 0
  route('GET /api/v1/orders/7', () => {
    reads++
    return { statusCode: 200, data: order(reads >= 3 ? { status: 'paid', pickup_code: '5678' } : {}) }
  })
  render(<OrderPage />)
  await act(async () => {
    await jest.advanceTimersByTimeAsync(10)
  })
  expect(reads).toBe(1)
  expect(screen.getByText('正在确认支付结果…')).toBeTruthy()
  await act(async () => {
    await jest.advanceTimersByTimeAsync(1500)
  })
  expect(reads).toBe(2)
  await act(async () => {
    await jest.advanceTimersByTimeAsync(1500)
  })
  expect(reads).toBe(3)
  expect(screen.getByTestId('order-status').getAttribute('data-status')).toBe('paid')
  expect(screen.getByTestId('pickup-code').textContent).toBe('5678')
  await act(async () => {
    await jest.advanceTimersByTimeAsync(15000)
  })
  expect(reads).toBe(3)
  jest.useRealTimers()
})

test('with paid=1 it gives up after about ten seconds', async () => {
  jest.useFakeTimers()
  setParams({ id: '7', paid: '1' })
  let reads = 0
  route('GET /api/v1/orders/7', () => {
    reads++
    return { statusCode: 200, data: order() }
  })
  render(<OrderPage />)
  await act(async () => {
    await jest.advanceTimersByTimeAsync(30000)
  })
  expect(reads).toBeGreaterThanOrEqual(6)
  expect(reads).toBeLessThanOrEqual(8)
  expect(screen.queryByText('正在确认支付结果…')).toBeNull()
  jest.useRealTimers()
})

test('an unpaid order past expires_at is read again', async () => {
  let reads = 0
  route('GET /api/v1/orders/7', () => {
    reads++
    return { statusCode: 200, data: order(reads === 1 ? { expires_at: new Date(Date.now() - 5000).toISOString() } : { status: 'cancelled' }) }
  })
  render(<OrderPage />)
  await waitFor(() => expect(screen.getByTestId('order-status').getAttribute('data-status')).toBe('cancelled'), { timeout: 3000 })
  expect(reads).toBe(2)
  expect(screen.queryByTestId('order-countdown')).toBeNull()
})

test('an order paid with a member discount, a coupon and points shows each part', async () => {
  route('GET /api/v1/orders/7', {
    statusCode: 200,
    data: order({ status: 'paid', pickup_code: '483920', paid_at: '2026-12-01T12:01:00Z', level_name: '银卡', level_discount_fen: 48, coupon_id: 31, coupon_discount_fen: 500, points_used: 200, points_discount_fen: 200, discount_fen: 748, payable_fen: 1652 }),
  })
  render(<OrderPage />)
  expect((await screen.findByTestId('order-level-discount')).textContent).toBe('会员折扣（银卡）-¥0.48')
  expect(screen.getByTestId('order-coupon-discount').textContent).toBe('优惠券-¥5.00')
  expect(screen.getByTestId('order-points-discount').textContent).toBe('积分抵扣（200 积分）-¥2.00')
  expect(screen.getByTestId('order-discount').textContent).toBe('优惠合计-¥7.48')
  expect(screen.getByTestId('order-discount').getAttribute('data-fen')).toBe('748')
})
