import { render, screen, fireEvent, waitFor } from '@testing-library/react'
import { reset, route, requests, navigations, setParams } from './mocks/taro'
import StorePage from '../src/pages/store/index'
import { deferred, fail, item, ok, page, signIn, store } from './shop-fixtures'

const cats = { items: [{ id: 1, name: '乳品', parent_id: null, sort: 1, product_count: 3 }, { id: 2, name: '饮料', parent_id: null, sort: 2, product_count: 3 }] }

beforeEach(() => {
  reset()
  signIn()
  setParams({ id: '12' })
  route('GET /api/v1/cart', ok({ store_id: 12, items: [], goods_fen: 0, selected_count: 0, has_changes: false, updated_at: null }))
})

const paths = () => requests.map((r) => r.url.replace('https://api.test', '').split('?')[0])

test('the first screen asks for the store, categories and products in one wave', async () => {
  const s = deferred<{ statusCode: number; data: unknown }>()
  const c = deferred<{ statusCode: number; data: unknown }>()
  const p = deferred<{ statusCode: number; data: unknown }>()
  route('GET /api/v1/stores/12', () => s.promise)
  route('GET /api/v1/categories', () => c.promise)
  route('GET /api/v1/products', () => p.promise)
  render(<StorePage />)
  // All three are on their way before any is answered.
  await waitFor(() => expect(paths()).toEqual(expect.arrayContaining(['/api/v1/stores/12', '/api/v1/categories', '/api/v1/products'])))
  expect(screen.getByTestId('state-loading')).toBeTruthy()
  p.resolve(ok(page([item({ id: 7, title: '乐事 薯片', price_fen: 790, price_max_fen: 790, image_url: '/media/chips.jpg' })], 1)))
  c.resolve(ok(cats))
  s.resolve(ok(store({ opening_hours: [{ weekday: 1, open: '00:00', close: '24:00' }] })))
  expect(await screen.findByTestId('product-7')).toBeTruthy()
  expect(requests.filter((r) => r.url.includes('/api/v1/products'))).toHaveLength(1)
  expect(requests.find((r) => r.url.includes('/api/v1/products'))?.url).toBe('https://api.test/api/v1/products?store_id=12&page=1&page_size=20')
  expect(screen.getByTestId('shelf-store-name').textContent).toBe('人民广场店')
  expect(screen.getByTestId('price-7').textContent).toBe('¥7.90')
  expect(screen.getByTestId('product-7').querySelector('img')?.getAttribute('src')).toBe('https://api.test/media/chips.jpg')
  expect(screen.getByTestId('category-all').className).toContain('cat-on')
})

test('shelves: sold out greyed, categories switch, paging, product and search navigation', async () => {
  route('GET /api/v1/stores/12', ok(store()))
  route('GET /api/v1/categories', ok(cats))
  route('GET /api/v1/products', (req) => {
    const q = new URLSearchParams(req.url.split('?')[1])
    if (q.get('category_id') === '2') return ok(page([item({ id: 50, title: '可口可乐' })], 1))
    if (q.get('page') === '2') return ok(page([item({ id: 22, title: '第二页' })], 21, 2))
    return ok(page([item({ id: 21, available: false, title: '售罄的牛奶' })], 21))
  })
  render(<StorePage />)
  const card = await screen.findByTestId('product-21')
  expect(card.className).toContain('pcard-soldout')
  expect(screen.getByTestId('soldout-21').textContent).toBe('已售罄')
  // "全部" comes first.
  expect(screen.getByTestId('categories').firstElementChild?.textContent).toBe('全部')

  fireEvent.click(screen.getByTestId('load-more'))
  expect(await screen.findByTestId('product-22')).toBeTruthy()
  expect(screen.getByTestId('product-21')).toBeTruthy()
  expect(screen.queryByTestId('load-more')).toBeNull()

  fireEvent.click(screen.getByTestId('category-2'))
  expect(await screen.findByTestId('product-50')).toBeTruthy()
  expect(screen.queryByTestId('product-21')).toBeNull()
  expect(requests.some((r) => r.url.includes('category_id=2'))).toBe(true)

  fireEvent.click(screen.getByTestId('product-50'))
  expect(navigations.pop()?.url).toBe('/pages/product/index?id=50&store_id=12')

  const input = screen.getByTestId('search-input')
  fireEvent.change(input, { target: { value: '牛奶' } })
  fireEvent.keyDown(input, { key: 'Enter' })
  expect(navigations.pop()?.url).toBe(`/pages/search/index?store_id=12&q=${encodeURIComponent('牛奶')}`)
})

test('a category answer that arrives late does not replace the newer shelf', async () => {
  route('GET /api/v1/stores/12', ok(store()))
  route('GET /api/v1/categories', ok(cats))
  const slow = deferred<{ statusCode: number; data: unknown }>()
  route('GET /api/v1/products', (req) => {
    if (req.url.includes('category_id=1')) return slow.promise
    if (req.url.includes('category_id=2')) return ok(page([item({ id: 60 })], 1))
    return ok(page([item({ id: 21 })], 1))
  })
  render(<StorePage />)
  await screen.findByTestId('product-21')
  fireEvent.click(screen.getByTestId('category-1'))
  fireEvent.click(screen.getByTestId('category-2'))
  expect(await screen.findByTestId('product-60')).toBeTruthy()
  slow.resolve(ok(page([item({ id: 99 })], 1)))
  await new Promise((r) => setTimeout(r, 20))
  expect(screen.queryByTestId('product-99')).toBeNull()
  expect(screen.getByTestId('product-60')).toBeTruthy()
})

test('a missing store shows the server message with retry', async () => {
  route('GET /api/v1/stores/12', fail(404, 'not_found', '门店不存在'))
  route('GET /api/v1/categories', ok(cats))
  route('GET /api/v1/products', ok(page([])))
  render(<StorePage />)
  expect(await screen.findByText('门店不存在')).toBeTruthy()
  route('GET /api/v1/stores/12', ok(store()))
  fireEvent.click(screen.getByTestId('state-retry'))
  expect(await screen.findByTestId('shelf-store-name')).toBeTruthy()
  expect(await screen.findByText('这个分类暂时没有商品')).toBeTruthy()
})

test('a failed shelf shows the message and retries the shelf alone', async () => {
  route('GET /api/v1/stores/12', ok(store({ open_now: false })))
  route('GET /api/v1/categories', ok(cats))
  route('GET /api/v1/products', fail(503, 'unavailable', 'product search is unavailable right now; try again shortly'))
  render(<StorePage />)
  expect(await screen.findByText(/product search is unavailable right now; try again shortly/)).toBeTruthy()
  expect(screen.getByTestId('shelf-closed')).toBeTruthy()
  route('GET /api/v1/products', ok(page([item({ id: 8 })], 1)))
  fireEvent.click(screen.getByTestId('state-retry'))
  expect(await screen.findByTestId('product-8')).toBeTruthy()
})
