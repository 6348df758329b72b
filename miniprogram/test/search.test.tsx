import { act, render, screen, fireEvent, waitFor } from '@testing-library/react'
import { reset, route, requests, navigations, setParams } from './mocks/taro'
import SearchPage from '../src/pages/search/index'
import { deferred, fail, item, ok, page } from './shop-fixtures'

beforeEach(() => {
  reset()
  setParams({ store_id: '12' })
})
afterEach(() => {
  jest.useRealTimers()
})

const suggests = () => requests.filter((r) => r.url.includes('/products/suggest')).map((r) => new URLSearchParams(r.url.split('?')[1]).get('q'))
const type = (v: string) => fireEvent.change(screen.getByTestId('search-input'), { target: { value: v } })

test('suggestions wait for typing to pause', async () => {
  jest.useFakeTimers()
  route('GET /api/v1/products/suggest', (req) => ok({ items: [{ id: 1, title: `${new URLSearchParams(req.url.split('?')[1]).get('q')} 鲜牛奶` }] }))
  render(<SearchPage />)
  type('牛')
  act(() => jest.advanceTimersByTime(100))
  type('牛奶')
  act(() => jest.advanceTimersByTime(150))
  expect(suggests()).toEqual([])
  act(() => jest.advanceTimersByTime(60))
  expect(suggests()).toEqual(['牛奶'])
  expect(await screen.findByTestId('suggestion-0')).toHaveProperty('textContent', '牛奶 鲜牛奶')
})

test('an answer for older text is ignored', async () => {
  jest.useFakeTimers()
  const slow = deferred<{ statusCode: number; data: unknown }>()
  route('GET /api/v1/products/suggest', (req) => (req.url.includes('q=a&') ? slow.promise : ok({ items: [{ id: 2, title: 'abc 新答案' }] })))
  render(<SearchPage />)
  type('a')
  act(() => jest.advanceTimersByTime(250))
  type('ab')
  act(() => jest.advanceTimersByTime(250))
  expect(suggests()).toEqual(['a', 'ab'])
  expect(await screen.findByText('abc 新答案')).toBeTruthy()
  await act(async () => {
    slow.resolve(ok({ items: [{ id: 3, title: 'a 旧答案' }] }))
    await Promise.resolve()
  })
  expect(screen.queryByText('a 旧答案')).toBeNull()
  expect(screen.getByText('abc 新答案')).toBeTruthy()
})

test('confirming searches the store and lists results with the total', async () => {
  route('GET /api/v1/products/suggest', ok({ items: [{ id: 1, title: '光明 鲜牛奶' }] }))
  route('GET /api/v1/products', ok(page([item({ id: 345 }), item({ id: 346, title: '每日鲜语 鲜牛奶' })], 2)))
  render(<SearchPage />)
  type('牛奶')
  fireEvent.keyDown(screen.getByTestId('search-input'), { key: 'Enter' })
  expect(await screen.findByTestId('product-345')).toBeTruthy()
  const search = requests.find((r) => r.url.includes('/api/v1/products?'))
  expect(search?.url).toBe(`https://api.test/api/v1/products?q=${encodeURIComponent('牛奶')}&store_id=12&page=1&page_size=20`)
  expect(screen.getByTestId('search-total').textContent).toContain('共 2 件商品')
  // A suggestion arriving after the search does not cover the results.
  await new Promise((r) => setTimeout(r, 300))
  expect(screen.queryByTestId('suggestions')).toBeNull()
  fireEvent.click(screen.getByTestId('product-346'))
  expect(navigations.pop()?.url).toBe('/pages/product/index?id=346&store_id=12')
})

test('q from the route is searched at once; tapping a suggestion searches it', async () => {
  // Route parameters arrive percent-encoded (WeChat and the h5 router alike).
  setParams({ store_id: '12', q: encodeURIComponent('可乐') })
  route('GET /api/v1/products', (req) => ok(page(req.url.includes(encodeURIComponent('百事可乐')) ? [item({ id: 9 })] : [item({ id: 8 })], 1)))
  route('GET /api/v1/products/suggest', ok({ items: [{ id: 9, title: '百事可乐' }] }))
  render(<SearchPage />)
  expect((screen.getByTestId('search-input') as HTMLInputElement).value).toBe('可乐')
  expect(await screen.findByTestId('product-8')).toBeTruthy()
  type('百事')
  fireEvent.click(await screen.findByTestId('suggestion-0'))
  expect(await screen.findByTestId('product-9')).toBeTruthy()
  expect((screen.getByTestId('search-input') as HTMLInputElement).value).toBe('百事可乐')
})

test('nothing found, and errors with retry', async () => {
  setParams({ store_id: '12', q: 'xyz' })
  route('GET /api/v1/products', ok(page([], 0)))
  render(<SearchPage />)
  expect(await screen.findByText('没有找到相关商品')).toBeTruthy()
  route('GET /api/v1/products', fail(503, 'unavailable', '搜索服务暂时不可用'))
  fireEvent.click(screen.getByTestId('search-submit'))
  expect(await screen.findByText('搜索服务暂时不可用')).toBeTruthy()
  route('GET /api/v1/products', ok(page([item({ id: 5 })], 1)))
  fireEvent.click(screen.getByTestId('state-retry'))
  await waitFor(() => expect(screen.getByTestId('product-5')).toBeTruthy())
})

test('confirming an empty box asks for nothing', async () => {
  route('GET /api/v1/products', ok(page([item({ id: 345 })], 1)))
  render(<SearchPage />)
  type('   ')
  fireEvent.keyDown(screen.getByTestId('search-input'), { key: 'Enter' })
  await new Promise((r) => setTimeout(r, 50))
  expect(requests.filter((r) => r.url.includes('/api/v1/products?'))).toHaveLength(0)
  expect(screen.queryByTestId('product-345')).toBeNull()
})
