import { render, screen, fireEvent, waitFor } from '@testing-library/react'
import Taro, { reset, route, requests, setParams, navigations } from './mocks/taro'
import Checkout from '../src/pages/checkout/index'
import OrderPage from '../src/pages/order/index'
import { pickTemplates } from '../src/api/subscriptions'
import { cart, far, home, order, payment, store } from './fixtures'
import { deliveryAddress, templates } from './tracking-fixtures'

const subscriptionPosts = () => requests.filter((r) => r.method === 'POST' && r.url.endsWith('/api/v1/subscriptions'))
const payWithCallback = async (opts: { success?: (r: unknown) => void }) => {
  const res = { errMsg: 'requestPayment:ok' }
  if (opts.success) opts.success(res)
  return res
}

beforeEach(() => {
  reset()
  ;(Taro.requestPayment as jest.Mock).mockReset()
  ;(Taro.requestPayment as jest.Mock).mockImplementation(payWithCallback)
  ;(Taro.requestSubscribeMessage as jest.Mock).mockReset()
  ;(Taro.requestSubscribeMessage as jest.Mock).mockImplementation(async ({ tmplIds }: { tmplIds: string[] }) => {
    const res: Record<string, string> = { errMsg: 'requestSubscribeMessage:ok' }
    tmplIds.forEach((id, i) => (res[id] = i === 1 ? 'reject' : 'accept'))
    return res
  })
  Taro.setStorageSync('wemart.token', 'tok')
  setParams({ store_id: '1' })
  route('GET /api/v1/cart', { statusCode: 200, data: cart })
  route('GET /api/v1/stores/1', { statusCode: 200, data: store })
  route('GET /api/v1/addresses', { statusCode: 200, data: { items: [home, far] } })
  route('GET /api/v1/stores/1/delivery', { statusCode: 200, data: { store_id: 1, delivers: true, distance_m: 420, delivery_fee_fen: 500, delivery_min_fen: 2000 } })
  route('GET /api/v1/subscriptions/templates', { statusCode: 200, data: { items: templates } })
  route('POST /api/v1/subscriptions', (req) => ({ statusCode: 200, data: { grants: Object.fromEntries(Object.entries(JSON.parse(req.data || '{}').results).map(([k, v]) => [k, v === 'accept' ? 1 : 0])) } }))
})

test('pickTemplates asks what fits the order, at most three, and skips events without a template', () => {
  expect(pickTemplates(templates, 'pickup')).toEqual(['T-READY', 'T-REFUND', 'T-PAID'])
  expect(pickTemplates(templates, 'delivery')).toEqual(['T-SHIP', 'T-DONE', 'T-REFUND'])
  expect(pickTemplates(templates.filter((t) => t.event !== 'delivered'), 'delivery')).toEqual(['T-SHIP', 'T-REFUND'])
  expect(pickTemplates([], 'pickup')).toEqual([])
})

test('a paid delivery checkout asks for shipped, delivered and refunded in the payment callback and reports the answers', async () => {
  route('POST /api/v1/orders', { statusCode: 201, data: { order: order({ fulfilment: 'delivery', address: deliveryAddress }), payment } })
  let askedInCallback = false
  ;(Taro.requestPayment as jest.Mock).mockImplementation(async (opts: { success?: (r: unknown) => void }) => {
    opts.success?.({ errMsg: 'requestPayment:ok' })
    askedInCallback = (Taro.requestSubscribeMessage as jest.Mock).mock.calls.length === 1
    return { errMsg: 'requestPayment:ok' }
  })
  render(<Checkout />)
  fireEvent.click(await screen.findByTestId('fulfilment-delivery'))
  await waitFor(() => expect(requests.some((r) => r.url.includes('/api/v1/subscriptions/templates'))).toBe(true))
  await waitFor(() => expect((screen.getByTestId('place-order') as HTMLButtonElement).disabled).toBe(false))
  fireEvent.click(screen.getByTestId('place-order'))
  await waitFor(() => expect(navigations).toEqual([{ kind: 'redirectTo', url: '/pages/order/index?id=7&paid=1' }]))
  expect(askedInCallback).toBe(true)
  expect((Taro.requestSubscribeMessage as jest.Mock).mock.calls[0][0].tmplIds).toEqual(['T-SHIP', 'T-DONE', 'T-REFUND'])
  await waitFor(() => expect(subscriptionPosts()).toHaveLength(1))
  expect(JSON.parse(subscriptionPosts()[0].data || '{}')).toEqual({ results: { 'T-SHIP': 'accept', 'T-DONE': 'reject', 'T-REFUND': 'accept' } })
})

test('a pickup checkout asks for ready_for_pickup, refunded and paid', async () => {
  route('POST /api/v1/orders', { statusCode: 201, data: { order: order(), payment } })
  render(<Checkout />)
  await waitFor(() => expect(requests.some((r) => r.url.includes('/api/v1/subscriptions/templates'))).toBe(true))
  fireEvent.click(await screen.findByTestId('place-order'))
  await waitFor(() => expect(navigations).toHaveLength(1))
  expect((Taro.requestSubscribeMessage as jest.Mock).mock.calls[0][0].tmplIds).toEqual(['T-READY', 'T-REFUND', 'T-PAID'])
})

test('a failing prompt or report never blocks the payment and shows no error', async () => {
  route('POST /api/v1/orders', { statusCode: 201, data: { order: order(), payment } })
  route('POST /api/v1/subscriptions', { statusCode: 500, data: { error: { code: 'internal', message: 'boom' } } })
  ;(Taro.requestSubscribeMessage as jest.Mock).mockRejectedValue({ errMsg: 'requestSubscribeMessage:fail can only be invoked by user TAP gesture.' })
  render(<Checkout />)
  await waitFor(() => expect(requests.some((r) => r.url.includes('/api/v1/subscriptions/templates'))).toBe(true))
  fireEvent.click(await screen.findByTestId('place-order'))
  await waitFor(() => expect(navigations).toEqual([{ kind: 'redirectTo', url: '/pages/order/index?id=7&paid=1' }]))
  expect(screen.queryByTestId('checkout-error')).toBeNull()
  expect(Taro.showToast).not.toHaveBeenCalled()
  expect(subscriptionPosts()).toHaveLength(0)
})

test('without the template list (it failed to load) payment goes on and nothing is asked', async () => {
  route('GET /api/v1/subscriptions/templates', { statusCode: 503, data: { error: { code: 'unavailable', message: 'down' } } })
  route('POST /api/v1/orders', { statusCode: 201, data: { order: order(), payment } })
  render(<Checkout />)
  fireEvent.click(await screen.findByTestId('place-order'))
  await waitFor(() => expect(navigations).toEqual([{ kind: 'redirectTo', url: '/pages/order/index?id=7&paid=1' }]))
  expect(Taro.requestSubscribeMessage).not.toHaveBeenCalled()
  expect(screen.queryByTestId('checkout-error')).toBeNull()
})

test('paying again on the order page asks in the payment callback too', async () => {
  setParams({ id: '7' })
  let paid = false
  route('GET /api/v1/orders/7', () => ({ statusCode: 200, data: order(paid ? { status: 'paid', fulfilment: 'delivery', address: deliveryAddress } : { fulfilment: 'delivery', address: deliveryAddress }) }))
  route('GET /api/v1/orders/7/tracking', { statusCode: 200, data: { shipments: [] } })
  route('POST /api/v1/orders/7/pay', () => {
    paid = true
    return { statusCode: 200, data: { order: order({ fulfilment: 'delivery', address: deliveryAddress }), payment } }
  })
  render(<OrderPage />)
  await screen.findByTestId('order-pay')
  await waitFor(() => expect(requests.some((r) => r.url.includes('/api/v1/subscriptions/templates'))).toBe(true))
  fireEvent.click(screen.getByTestId('order-pay'))
  await waitFor(() => expect(Taro.requestSubscribeMessage).toHaveBeenCalledWith(expect.objectContaining({ tmplIds: ['T-SHIP', 'T-DONE', 'T-REFUND'] })))
  await waitFor(() => expect(subscriptionPosts()).toHaveLength(1))
  await waitFor(() => expect(screen.getByTestId('order-status').getAttribute('data-status')).toBe('paid'), { timeout: 4000 })
})
