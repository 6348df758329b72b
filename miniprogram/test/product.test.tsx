import { render, screen, fireEvent, waitFor } from '@testing-library/react'
import { reset, route, requests, navigations, setParams, toasts } from './mocks/taro'
import ProductPage from '../src/pages/product/index'
import { body, cart, fail, line, ok, product, signIn } from './shop-fixtures'

beforeEach(() => {
  reset()
  signIn()
  setParams({ id: '345', store_id: '12' })
})

const puts = () => requests.filter((r) => r.method === 'PUT')

test('the first SKU in stock is preselected with its store price and stock', async () => {
  route('GET /api/v1/products/345', ok(product()))
  route('GET /api/v1/cart', ok(cart([])))
  render(<ProductPage />)
  expect(await screen.findByTestId('pd-title')).toHaveProperty('textContent', '光明 优倍 鲜牛奶')
  expect(requests[0].url).toBe('https://api.test/api/v1/products/345?store_id=12')
  expect(screen.getByTestId('sku-902').getAttribute('data-selected')).toBe('true')
  expect(screen.getByTestId('pd-price').textContent).toBe('¥10.90')
  expect(screen.getByTestId('pd-stock').textContent).toBe('库存 7')
  // The sold-out SKU can be looked at, but not added.
  fireEvent.click(screen.getByTestId('sku-901'))
  expect(screen.getByTestId('pd-price').textContent).toBe('¥18.90')
  expect(screen.getByTestId('pd-stock').textContent).toBe('已售罄')
  expect((screen.getByTestId('add-to-cart') as HTMLButtonElement).disabled).toBe(true)
  // One picture: no swiper, a placeholder since it has none.
  expect(screen.queryByTestId('pd-pictures')).toBeNull()
  expect(screen.getByTestId('pd-picture-placeholder')).toBeTruthy()
})

test('several pictures make a swiper', async () => {
  route('GET /api/v1/products/345', ok(product({ images: ['/media/a.jpg', 'https://cdn.test/b.jpg'] })))
  route('GET /api/v1/cart', ok(cart([])))
  render(<ProductPage />)
  const swiper = await screen.findByTestId('pd-pictures')
  expect(Array.from(swiper.querySelectorAll('img')).map((i) => i.getAttribute('src'))).toEqual(['https://api.test/media/a.jpg', 'https://cdn.test/b.jpg'])
})

test('add-to-cart sets one more than the cart has, toasts and updates the badge', async () => {
  route('GET /api/v1/products/345', ok(product()))
  route('GET /api/v1/cart', ok(cart([line({ sku_id: 902, quantity: 2 }), line({ sku_id: 777, quantity: 1 })])))
  route('PUT /api/v1/cart/items', (req) => ok(cart([line({ sku_id: 902, quantity: body(req).quantity }), line({ sku_id: 777, quantity: 1 })])))
  render(<ProductPage />)
  expect(await screen.findByTestId('cart-badge')).toHaveProperty('textContent', '3')
  fireEvent.click(screen.getByTestId('add-to-cart'))
  await waitFor(() => expect(toasts).toContain('已加入购物车'))
  expect(puts()).toHaveLength(1)
  expect(body(puts()[0])).toEqual({ store_id: 12, sku_id: 902, quantity: 3 })
  expect(puts()[0].header.Authorization).toBe('Bearer tok')
  expect(screen.getByTestId('cart-badge').textContent).toBe('4')
  expect(screen.getByTestId('pd-in-cart').textContent).toBe('购物车中已有 3 件')
  // The next add uses what the PUT returned.
  fireEvent.click(screen.getByTestId('add-to-cart'))
  await waitFor(() => expect(puts()).toHaveLength(2))
  expect(body(puts()[1]).quantity).toBe(4)
  fireEvent.click(screen.getByTestId('go-cart'))
  expect(navigations.pop()?.url).toBe('/pages/cart/index?store_id=12')
})

test('the server refusing shows its message and the stock now', async () => {
  let stock = 7
  route('GET /api/v1/products/345', () => ok(product({ skus: [{ id: 902, name: '450ml', price_fen: 1090, barcode: null, stock }] })))
  route('GET /api/v1/cart', ok(cart([])))
  route('PUT /api/v1/cart/items', () => {
    stock = 0
    return fail(409, 'out_of_stock', '库存不足：光明 优倍 鲜牛奶 450ml 只剩 0 件')
  })
  render(<ProductPage />)
  fireEvent.click(await screen.findByTestId('add-to-cart'))
  expect(await screen.findByTestId('add-error')).toHaveProperty('textContent', '库存不足：光明 优倍 鲜牛奶 450ml 只剩 0 件')
  expect(toasts).toContain('库存不足：光明 优倍 鲜牛奶 450ml 只剩 0 件')
  expect(body(puts()[0]).quantity).toBe(1)
  await waitFor(() => expect(screen.getByTestId('pd-stock').textContent).toBe('已售罄'))
  expect((screen.getByTestId('add-to-cart') as HTMLButtonElement).disabled).toBe(true)
})

test('a product that is gone shows the server message with retry', async () => {
  route('GET /api/v1/products/345', fail(404, 'not_found', '商品不存在或已下架'))
  route('GET /api/v1/cart', ok(cart([])))
  render(<ProductPage />)
  expect(await screen.findByText('商品不存在或已下架')).toBeTruthy()
  route('GET /api/v1/products/345', ok(product()))
  fireEvent.click(screen.getByTestId('state-retry'))
  expect(await screen.findByTestId('add-to-cart')).toBeTruthy()
})

test('without a store it shows chain prices and asks to pick a store', async () => {
  setParams({ id: '345' })
  route('GET /api/v1/products/345', ok(product({ store_id: null, skus: [{ id: 902, name: '450ml', price_fen: 1090, barcode: null, stock: null }] })))
  render(<ProductPage />)
  fireEvent.click(await screen.findByTestId('choose-store'))
  expect(navigations.pop()?.url).toBe('/pages/stores/index')
  expect(requests.map((r) => r.url)).toEqual(['https://api.test/api/v1/products/345'])
  expect(screen.queryByTestId('add-to-cart')).toBeNull()
})
