// Found in review: the key kept after a gateway error, WeChat rejections as
// text, and taps in quick succession on place-order.
import { render, screen, fireEvent, waitFor } from '@testing-library/react'
import Taro, { reset, route, requests, setParams, navigations } from './mocks/taro'
import Checkout from '../src/pages/checkout/index'
import { errorText } from '../src/api/client'
import { cart, home, far, order, payment, store } from './fixtures'

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
})

// A 502/503/504 from a gateway says nothing about whether the order was
// created: the retry must carry the same Idempotency-Key, or a second order
// (and a second payment) can follow.
test('a gateway timeout keeps the Idempotency-Key for the retry', async () => {
  let calls = 0
  route('POST /api/v1/orders', () => {
    calls++
    if (calls === 1) return { statusCode: 504, data: '<html>504 Gateway Time-out</html>' }
    return { statusCode: 201, data: { order: order(), payment } }
  })
  render(<Checkout />)
  fireEvent.click(await screen.findByTestId('place-order'))
  await screen.findByTestId('checkout-error')
  fireEvent.click(screen.getByTestId('place-order'))
  await waitFor(() => expect(navigations.length).toBe(1))
  const [a, b] = orderPosts()
  expect(b.header['Idempotency-Key']).toBe(a.header['Idempotency-Key'])
})

// Taro's WeChat APIs reject with { errMsg }, not an Error: a denied location,
// a cancelled scan or a failed wx.login must not read "[object Object]".
test('errorText reads a WeChat API rejection', () => {
  expect(errorText({ errMsg: 'getLocation:fail auth deny' })).not.toBe('[object Object]')
  expect(errorText({ errMsg: 'scanCode:fail cancel' })).toMatch(/cancel|取消/)
})

// Three taps before React renders the disabled button: one order request,
// one payment.
test('taps in quick succession place one order and open one cashier', async () => {
  let release: () => void = () => undefined
  route('POST /api/v1/orders', () => new Promise((resolve) => {
    release = () => resolve({ statusCode: 201, data: { order: order(), payment } })
  }))
  render(<Checkout />)
  const button = await screen.findByTestId('place-order')
  // DOM clicks, not fireEvent (which lets React render between them).
  button.click()
  button.click()
  button.click()
  await waitFor(() => expect(orderPosts()).toHaveLength(1))
  release()
  await waitFor(() => expect(navigations.length).toBe(1))
  expect(orderPosts()).toHaveLength(1)
  expect(Taro.requestPayment).toHaveBeenCalledTimes(1)
})
