import { render, screen, fireEvent, waitFor } from '@testing-library/react'
import Taro, { reset, route, requests, setParams, navigations } from './mocks/taro'
import Checkout from '../src/pages/checkout/index'
import { cart, far, home, order, payment, store } from './fixtures'

const orderPosts = () => requests.filter((r) => r.method === 'POST' && r.url.endsWith('/api/v1/orders'))

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
})

test('shows the selected lines and the server amounts', async () => {
  render(<Checkout />)
  expect(await screen.findByText('农夫山泉 550ml')).toBeTruthy()
  expect(screen.queryByText('没选的')).toBeNull()
  expect(screen.getByTestId('amount-goods').textContent).toBe('¥24.00')
  expect(screen.getByTestId('amount-payable').textContent).toBe('¥24.00')
  fireEvent.click(screen.getByTestId('fulfilment-delivery'))
  await waitFor(() => expect(screen.getByTestId('amount-delivery').textContent).toBe('¥5.00'))
  expect(screen.getByTestId('amount-payable').textContent).toBe('¥29.00')
  expect(screen.getByTestId('checkout-address').textContent).toContain('张三')
})

test('place-order sends an Idempotency-Key, the same one again after a network error, then pays', async () => {
  let calls = 0
  route('POST /api/v1/orders', () => {
    calls++
    if (calls === 1) throw { errMsg: 'request:fail timeout' }
    return { statusCode: 201, data: { order: order(), payment } }
  })
  render(<Checkout />)
  fireEvent.click(await screen.findByTestId('place-order'))
  expect((await screen.findByTestId('checkout-error')).textContent).toContain('网络连接失败')
  expect(navigations).toHaveLength(0)
  fireEvent.click(screen.getByTestId('place-order'))
  await waitFor(() => expect(navigations).toEqual([{ kind: 'redirectTo', url: '/pages/order/index?id=7&paid=1' }]))
  const [a, b] = orderPosts()
  expect(a.header['Idempotency-Key']).toMatch(/^mp-/)
  expect(b.header['Idempotency-Key']).toBe(a.header['Idempotency-Key'])
  expect(JSON.parse(a.data || '{}')).toEqual({ store_id: 1, fulfilment: 'pickup', expected_payable_fen: 2400 })
  expect(Taro.requestPayment).toHaveBeenCalledWith(expect.objectContaining({ package: 'prepay_id=wx1' }))
})

test('a changed body after a network error takes a new key; a created order ends the key', async () => {
  let calls = 0
  route('POST /api/v1/orders', () => {
    calls++
    if (calls === 1) throw { errMsg: 'request:fail' }
    return { statusCode: 201, data: { order: order({ fulfilment: 'delivery' }), payment } }
  })
  render(<Checkout />)
  fireEvent.click(await screen.findByTestId('place-order'))
  await screen.findByTestId('checkout-error')
  fireEvent.click(screen.getByTestId('fulfilment-delivery'))
  await waitFor(() => expect(screen.getByTestId('amount-delivery').textContent).toBe('¥5.00'))
  await waitFor(() => expect((screen.getByTestId('place-order') as HTMLButtonElement).disabled).toBe(false))
  fireEvent.click(screen.getByTestId('place-order'))
  await waitFor(() => expect(navigations).toHaveLength(1))
  const [a, b] = orderPosts()
  expect(b.header['Idempotency-Key']).not.toBe(a.header['Idempotency-Key'])
  expect(JSON.parse(b.data || '{}')).toEqual({ store_id: 1, fulfilment: 'delivery', address_id: 21, expected_payable_fen: 2900 })
  expect(Taro.getStorageSync('wemart.checkout.attempt.1')).toBe('')
})

test('closing the cashier is not an error: it opens the order page to pay later', async () => {
  route('POST /api/v1/orders', { statusCode: 201, data: { order: order(), payment } })
  ;(Taro.requestPayment as jest.Mock).mockRejectedValue({ errMsg: 'requestPayment:fail cancel' })
  render(<Checkout />)
  fireEvent.click(await screen.findByTestId('place-order'))
  await waitFor(() => expect(navigations).toEqual([{ kind: 'redirectTo', url: '/pages/order/index?id=7' }]))
  expect(screen.queryByTestId('checkout-error')).toBeNull()
  expect(Taro.showToast).not.toHaveBeenCalledWith(expect.objectContaining({ title: expect.stringContaining('支付') }))
})

test('out_of_stock shows the server message and stays', async () => {
  route('POST /api/v1/orders', { statusCode: 409, data: { error: { code: 'out_of_stock', message: '库存不足：光明牛奶 1L 只剩 0 件' } } })
  render(<Checkout />)
  fireEvent.click(await screen.findByTestId('place-order'))
  expect((await screen.findByTestId('checkout-error')).textContent).toBe('库存不足：光明牛奶 1L 只剩 0 件')
  expect(navigations).toHaveLength(0)
  expect(Taro.requestPayment).not.toHaveBeenCalled()
})

test('an address outside the delivery range disables place-order', async () => {
  Taro.setStorageSync('wemart.address.last', 22)
  render(<Checkout />)
  fireEvent.click(await screen.findByTestId('fulfilment-delivery'))
  expect((await screen.findByTestId('delivery-out-of-range')).textContent).toContain('该地址超出门店配送范围')
  expect((screen.getByTestId('place-order') as HTMLButtonElement).disabled).toBe(true)
})

test('choosing an address opens the address book in choose mode and uses the chosen one on return', async () => {
  const { unmount } = render(<Checkout />)
  fireEvent.click(await screen.findByTestId('fulfilment-delivery'))
  fireEvent.click(screen.getByTestId('checkout-address'))
  expect(navigations).toEqual([{ kind: 'navigateTo', url: '/pages/addresses/index?choose=1' }])
  unmount()
  Taro.setStorageSync('wemart.address.chosen', far)
  render(<Checkout />)
  fireEvent.click(await screen.findByTestId('fulfilment-delivery'))
  await waitFor(() => expect(screen.getByTestId('checkout-address').textContent).toContain('李四'))
  expect(Taro.getStorageSync('wemart.address.chosen')).toBe('')
})
