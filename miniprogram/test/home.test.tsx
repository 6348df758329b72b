import { render, screen, fireEvent, waitFor } from '@testing-library/react'
import Taro, { reset, route, requests, navigations, setParams, toasts } from './mocks/taro'
import Home from '../src/pages/index/index'
import { chosenStore, chooseStore } from '../src/utils/store'
import { cart, fail, item, line, ok, page, product, signIn, store } from './shop-fixtures'

beforeEach(() => {
  reset()
  signIn()
  route('GET /api/v1/categories', ok({ items: [{ id: 1, name: '乳品', parent_id: null, sort: 1, product_count: 3 }] }))
  route('GET /api/v1/products', ok(page([item(), item({ id: 346, title: '可口可乐', available: false })])))
  route('GET /api/v1/cart', ok(cart([line({ quantity: 3 })])))
})

const urls = () => requests.map((r) => r.url.replace('https://api.test', ''))

test('an in-store product QR opens the product at that store and remembers the store', async () => {
  setParams({ scene: encodeURIComponent('p=345&s=12') })
  route('GET /api/v1/scan', ok({ store: store({ id: 12 }), product: product({ id: 345 }) }))
  route('GET /api/v1/stores/nearby', ok({ items: [store()] }))
  render(<Home />)
  await waitFor(() => expect(navigations).toContainEqual({ kind: 'navigateTo', url: '/pages/product/index?id=345&store_id=12' }))
  expect(urls()).toContain('/api/v1/scan?scene=p%3D345%26s%3D12')
  expect(chosenStore()).toEqual({ id: 12, name: '人民广场店' })
})

test('a store QR opens the store page', async () => {
  setParams({ scene: 's%3D7' })
  route('GET /api/v1/scan', ok({ store: store({ id: 7, name: '新天地店' }), product: null }))
  route('GET /api/v1/stores/7', ok(store({ id: 7, name: '新天地店' })))
  render(<Home />)
  await waitFor(() => expect(navigations).toContainEqual({ kind: 'navigateTo', url: '/pages/store/index?id=7' }))
  expect(chosenStore()?.id).toBe(7)
})

test('a scene the server refuses shows its message and stays home', async () => {
  setParams({ scene: 's=99' })
  route('GET /api/v1/scan', fail(409, 'conflict', '该门店已暂停营业'))
  route('GET /api/v1/stores/nearby', ok({ items: [store()] }))
  render(<Home />)
  await waitFor(() => expect(toasts).toContain('该门店已暂停营业'))
  expect(navigations).toHaveLength(0)
  expect(await screen.findByText('人民广场店')).toBeTruthy()
})

test('without a scene it opens the nearest store with its products and cart', async () => {
  route('GET /api/v1/stores/nearby', ok({ items: [store({ distance_m: 850 }), store({ id: 13, name: '南京西路店' })] }))
  render(<Home />)
  expect(await screen.findByText('人民广场店')).toBeTruthy()
  expect(Taro.getLocation).toHaveBeenCalled()
  expect(urls()).toContain('/api/v1/stores/nearby?lat=31.23&lng=121.47')
  expect(urls()).toContain('/api/v1/products?store_id=12&page=1&page_size=10')
  expect(await screen.findByTestId('cart-badge')).toHaveProperty('textContent', '3')
  expect(screen.getByText(/850m/)).toBeTruthy()
  fireEvent.click(screen.getByTestId('product-345'))
  expect(navigations.pop()).toEqual({ kind: 'navigateTo', url: '/pages/product/index?id=345&store_id=12' })
  fireEvent.click(screen.getByTestId('home-search'))
  expect(navigations.pop()?.url).toBe('/pages/search/index?store_id=12')
  fireEvent.click(screen.getByTestId('home-switch-store'))
  expect(navigations.pop()?.url).toBe('/pages/stores/index')
  fireEvent.click(screen.getByTestId('cart-entry'))
  expect(navigations.pop()?.url).toBe('/pages/cart/index?store_id=12')
  fireEvent.click(screen.getByTestId('home-category-1'))
  expect(navigations.pop()?.url).toBe('/pages/store/index?id=12&category_id=1')
})

test('the store the shopper picked wins over the nearest one', async () => {
  chooseStore({ id: 5, name: '新天地店' })
  route('GET /api/v1/stores/5', ok(store({ id: 5, name: '新天地店' })))
  route('GET /api/v1/stores/nearby', ok({ items: [store()] }))
  render(<Home />)
  expect(await screen.findByText('新天地店')).toBeTruthy()
  await waitFor(() => expect(urls()).toContain('/api/v1/products?store_id=5&page=1&page_size=10'))
  expect(urls().some((u) => u.startsWith('/api/v1/stores/nearby'))).toBe(false)
})

test('no store nearby says so and offers the stores list', async () => {
  route('GET /api/v1/stores/nearby', ok({ items: [] }))
  render(<Home />)
  expect(await screen.findByText('附近 5 公里内没有门店')).toBeTruthy()
  fireEvent.click(screen.getByTestId('home-choose-store'))
  expect(navigations.pop()?.url).toBe('/pages/stores/index')
})

test('a failure shows the server message and retry loads again', async () => {
  route('GET /api/v1/stores/nearby', fail(503, 'unavailable', '服务繁忙，请稍后再试'))
  render(<Home />)
  expect(await screen.findByText('服务繁忙，请稍后再试')).toBeTruthy()
  route('GET /api/v1/stores/nearby', ok({ items: [store()] }))
  fireEvent.click(screen.getByTestId('state-retry'))
  expect(await screen.findByText('人民广场店')).toBeTruthy()
})
