import { render, screen, fireEvent, waitFor } from '@testing-library/react'
import Taro, { reset, route, requests, navigations, setParams } from './mocks/taro'
import CartPage from '../src/pages/cart/index'
import { body, cart, fail, line, ok, signIn, store } from './shop-fixtures'

beforeEach(() => {
  reset()
  jest.clearAllMocks()
  signIn()
  setParams({ store_id: '12' })
  route('GET /api/v1/stores/12', ok(store()))
})

const sent = (method: string, path: string) => requests.filter((r) => r.method === method && r.url.includes(path))

const flagged = () =>
  cart([
    line({ sku_id: 1, title: '鲜牛奶', quantity: 2, price_fen: 1290, seen_price_fen: 1090, price_changed: true }),
    line({ sku_id: 2, title: '可乐', quantity: 1, available: false, problem: 'sold_out', stock: 0 }),
    line({ sku_id: 3, title: '薯片', quantity: 5, available: false, problem: 'not_enough', stock: 2, selected: false }),
    line({ sku_id: 4, title: '下架饼干', quantity: 1, available: false, problem: 'unlisted' }),
  ])

test('flagged lines say what to do; the total is the server’s', async () => {
  route('GET /api/v1/cart', ok(flagged()))
  render(<CartPage />)
  expect(await screen.findByTestId('cart-flag-1')).toHaveProperty('textContent', '价格已变动：原 ¥10.90 现 ¥12.90知道了')
  expect(screen.getByTestId('cart-flag-2').textContent).toBe('已售罄，请删除')
  expect(screen.getByTestId('cart-flag-3').textContent).toBe('库存不足，仅剩 2 件，请减少数量')
  expect(screen.getByTestId('cart-flag-4').textContent).toBe('商品已下架，请删除')
  expect(screen.getByTestId('cart-changes')).toBeTruthy()
  expect(screen.getByTestId('cart-total').textContent).toBe('¥25.80')
  expect(requests.find((r) => r.url.includes('/api/v1/cart?'))?.url).toBe('https://api.test/api/v1/cart?store_id=12')
})

test('select, select all, quantities and removal send the right requests', async () => {
  route('GET /api/v1/cart', ok(flagged()))
  route('POST /api/v1/cart/select', (req) => ok(cart(flagged().items.map((l) => ({ ...l, selected: body(req).selected })))))
  route('PUT /api/v1/cart/items', (req) => {
    const b = body(req)
    return ok(cart(flagged().items.filter((l) => l.sku_id !== b.sku_id || b.quantity > 0).map((l) => (l.sku_id === b.sku_id ? { ...l, quantity: b.quantity } : l))))
  })
  render(<CartPage />)
  fireEvent.click(await screen.findByTestId('cart-select-3'))
  await waitFor(() => expect(sent('POST', '/cart/select')).toHaveLength(1))
  expect(body(sent('POST', '/cart/select')[0])).toEqual({ store_id: 12, selected: true, sku_ids: [3] })

  await waitFor(() => expect(screen.getByTestId('cart-select-all').getAttribute('data-checked')).toBe('true'))
  fireEvent.click(screen.getByTestId('cart-select-all'))
  await waitFor(() => expect(sent('POST', '/cart/select')).toHaveLength(2))
  expect(body(sent('POST', '/cart/select')[1])).toEqual({ store_id: 12, selected: false })

  await waitFor(() => expect(screen.getByTestId('cart-qty-3-minus')).toBeTruthy())
  fireEvent.click(screen.getByTestId('cart-qty-3-minus'))
  await waitFor(() => expect(sent('PUT', '/cart/items')).toHaveLength(1))
  expect(body(sent('PUT', '/cart/items')[0])).toEqual({ store_id: 12, sku_id: 3, quantity: 4 })

  // Down to 0 asks first, then removes.
  await waitFor(() => expect(screen.getByTestId('cart-qty-1-value').textContent).toBe('2'))
  route('GET /api/v1/cart', ok(cart([line({ sku_id: 1, quantity: 1 })])))
  ;(Taro.showModal as jest.Mock).mockResolvedValueOnce({ confirm: false, cancel: true })
  fireEvent.click(screen.getByTestId('cart-remove-2'))
  await waitFor(() => expect(Taro.showModal).toHaveBeenCalledTimes(1))
  expect(sent('PUT', '/cart/items')).toHaveLength(1)
  fireEvent.click(screen.getByTestId('cart-remove-2'))
  await waitFor(() => expect(sent('PUT', '/cart/items')).toHaveLength(2))
  expect(body(sent('PUT', '/cart/items')[1])).toEqual({ store_id: 12, sku_id: 2, quantity: 0 })
  await waitFor(() => expect(screen.queryByTestId('cart-line-2')).toBeNull())
})

test('the minus at one asks and removes the line', async () => {
  route('GET /api/v1/cart', ok(cart([line({ sku_id: 1, quantity: 1 })])))
  route('PUT /api/v1/cart/items', ok(cart([])))
  render(<CartPage />)
  fireEvent.click(await screen.findByTestId('cart-qty-1-minus'))
  await waitFor(() => expect(sent('PUT', '/cart/items')).toHaveLength(1))
  expect(Taro.showModal).toHaveBeenCalled()
  expect(body(sent('PUT', '/cart/items')[0]).quantity).toBe(0)
  expect(await screen.findByTestId('cart-go-shopping')).toBeTruthy()
  fireEvent.click(screen.getByTestId('cart-go-shopping'))
  expect(navigations.pop()?.url).toBe('/pages/store/index?id=12')
})

test('清除失效商品 removes every line that cannot be ordered', async () => {
  route('GET /api/v1/cart', ok(flagged()))
  route('PUT /api/v1/cart/items', ok(cart([line({ sku_id: 1 })])))
  render(<CartPage />)
  fireEvent.click(await screen.findByTestId('cart-clean'))
  await waitFor(() => expect(sent('PUT', '/cart/items')).toHaveLength(2))
  expect(sent('PUT', '/cart/items').map((r) => body(r))).toEqual([
    { store_id: 12, sku_id: 2, quantity: 0 },
    { store_id: 12, sku_id: 4, quantity: 0 },
  ])
  await waitFor(() => expect(screen.queryByTestId('cart-clean')).toBeNull())
})

test('checkout opens with the selected lines and is disabled when none is', async () => {
  route('GET /api/v1/cart', ok(cart([line({ sku_id: 1, selected: false })])))
  route('POST /api/v1/cart/select', ok(cart([line({ sku_id: 1, selected: true })])))
  render(<CartPage />)
  const go = (await screen.findByTestId('cart-checkout')) as HTMLButtonElement
  expect(go.disabled).toBe(true)
  fireEvent.click(screen.getByTestId('cart-select-1'))
  await waitFor(() => expect((screen.getByTestId('cart-checkout') as HTMLButtonElement).disabled).toBe(false))
  fireEvent.click(screen.getByTestId('cart-checkout'))
  expect(navigations.pop()?.url).toBe('/pages/checkout/index?store_id=12')
})

test('a refused change shows the server message; a failed load retries', async () => {
  route('GET /api/v1/cart', fail(503, 'unavailable', '购物车暂时不可用'))
  render(<CartPage />)
  expect(await screen.findByText('购物车暂时不可用')).toBeTruthy()
  route('GET /api/v1/cart', ok(cart([line({ sku_id: 1, quantity: 7, stock: 7 })])))
  route('PUT /api/v1/cart/items', { statusCode: 409, data: { error: { code: 'out_of_stock', message: '库存不足，只剩 7 件', details: { available: 7 } } } })
  fireEvent.click(screen.getByTestId('state-retry'))
  fireEvent.click(await screen.findByTestId('cart-qty-1-plus'))
  expect(await screen.findByTestId('cart-error')).toHaveProperty('textContent', '库存不足，只剩 7 件')
  expect(screen.getByTestId('cart-qty-1-value').textContent).toBe('7')
})
