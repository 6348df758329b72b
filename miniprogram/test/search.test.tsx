import { act, render, screen, fireEvent, waitFor } from '@testing-library/react'
import { reset, route, requests, navigations, setParams } from './mocks/taro'
import SearchPage from '../src/pages/search/index'
import { searchNoticeText } from '../src/components/SearchNotice'
import { deferred, fail, item, ok, page } from './shop-fixtures'
import type { SearchItem, SearchPage as ResultsPage } from '../src/api/shop'

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

// How the results matched (match, ignored): a notice above them unless every word did.
const matched = (match: ResultsPage['match'], items: SearchItem[], total = items.length, ignored: string[] = []): ResultsPage => ({ ...page(items, total), match, ignored })
const searched = () => requests.filter((r) => r.url.includes('/api/v1/products?')).map((r) => new URLSearchParams(r.url.split('?')[1]))
const notice = () => screen.queryByTestId('search-notice')
const searchFor = (q: string) => {
  type(q)
  fireEvent.click(screen.getByTestId('search-submit'))
}

test.each([
  ['left out (an older server)', undefined],
  ['all', 'all'],
  ['a kind this build does not know', 'semantic'],
])('match %s: plain results with their count and no notice', async (_, match) => {
  setParams({ store_id: '12', q: '牛奶' })
  const res: Record<string, unknown> = { ...page([item({ id: 345 }), item({ id: 346 })], 2) }
  if (match !== undefined) res.match = match
  route('GET /api/v1/products', ok(res))
  render(<SearchPage />)
  expect(await screen.findByTestId('product-346')).toBeTruthy()
  expect(notice()).toBeNull()
  expect(screen.queryByTestId('search-recommend')).toBeNull()
  expect(screen.getByTestId('search-total').textContent).toBe('“牛奶” 共 2 件商品')
})

test('fuzzy: the results say they are close, and count without quoting what was typed', async () => {
  setParams({ store_id: '12', q: '牛乃' })
  route('GET /api/v1/products', ok(matched('fuzzy', [item({ id: 345 })], 1)))
  render(<SearchPage />)
  expect(await screen.findByTestId('product-345')).toBeTruthy()
  expect(notice()?.getAttribute('data-match')).toBe('fuzzy')
  expect(notice()?.textContent).toBe('已为你显示相近的结果')
  expect(screen.getByTestId('search-total').textContent).toBe('共 1 件相关商品')
  // The notice comes before the results.
  expect(notice()!.compareDocumentPosition(screen.getByTestId('product-345')) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy()
})

test('partial: the words left out are named, and loading more keeps the first page’s notice', async () => {
  setParams({ store_id: '12', q: encodeURIComponent('光明 牛奶 有机 低脂') })
  route('GET /api/v1/products', (req) =>
    new URLSearchParams(req.url.split('?')[1]).get('page') === '1'
      ? ok(matched('partial', [item({ id: 345 })], 2, ['有机', '低脂']))
      : // a later page that says otherwise (or nothing) does not change what the shopper was told
        ok({ ...page([item({ id: 346 })], 2, 2) }),
  )
  render(<SearchPage />)
  expect(await screen.findByTestId('product-345')).toBeTruthy()
  expect(notice()?.getAttribute('data-match')).toBe('partial')
  expect(notice()?.textContent).toBe('没有同时包含全部关键词的商品，已忽略“有机 低脂”')
  expect(screen.getByTestId('search-total').textContent).toBe('共 2 件相关商品')
  fireEvent.click(screen.getByTestId('load-more'))
  expect(await screen.findByTestId('product-346')).toBeTruthy()
  expect(searched().map((p) => p.get('page'))).toEqual(['1', '2'])
  expect(notice()?.getAttribute('data-match')).toBe('partial')
  expect(notice()?.textContent).toBe('没有同时包含全部关键词的商品，已忽略“有机 低脂”')
})

test('none: popular products under 热卖推荐, never counted or paged as results', async () => {
  setParams({ store_id: '12', q: 'xyz' })
  // Whatever total the server gives its best sellers, they are not results.
  route('GET /api/v1/products', ok(matched('none', [item({ id: 7, title: '农夫山泉 550ml' }), item({ id: 8, title: '可口可乐 330ml' })], 40)))
  render(<SearchPage />)
  expect(await screen.findByTestId('product-8')).toBeTruthy()
  expect(notice()?.getAttribute('data-match')).toBe('none')
  expect(notice()?.textContent).toBe('没有找到“xyz”相关的商品')
  const heading = screen.getByTestId('search-recommend')
  expect(heading.textContent).toBe('热卖推荐')
  // notice, then the heading, then the products
  expect(notice()!.compareDocumentPosition(heading) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy()
  expect(heading.compareDocumentPosition(screen.getByTestId('product-7')) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy()
  expect(screen.queryByTestId('search-total')).toBeNull()
  expect(screen.getByTestId('search-page').textContent).not.toMatch(/件商品/)
  expect(screen.queryByTestId('load-more')).toBeNull()
  expect(screen.queryByText('没有更多了')).toBeNull()
  expect(screen.queryByTestId('state-empty')).toBeNull()
  // They open like any product.
  fireEvent.click(screen.getByTestId('product-7'))
  expect(navigations.pop()?.url).toBe('/pages/product/index?id=7&store_id=12')
})

test('none with nothing to recommend: the notice alone', async () => {
  setParams({ store_id: '12', q: 'xyz' })
  route('GET /api/v1/products', ok(matched('none', [], 0)))
  render(<SearchPage />)
  expect((await screen.findByTestId('search-notice')).textContent).toBe('没有找到“xyz”相关的商品')
  expect(screen.queryByTestId('search-recommend')).toBeNull()
  expect(screen.queryByTestId('state-empty')).toBeNull()
})

test('a new search replaces the notice', async () => {
  setParams({ store_id: '12', q: 'xyz' })
  const next = deferred<{ statusCode: number; data: unknown }>()
  route('GET /api/v1/products', ok(matched('none', [item({ id: 7 })], 1)))
  render(<SearchPage />)
  expect((await screen.findByTestId('search-notice')).getAttribute('data-match')).toBe('none')
  route('GET /api/v1/products', () => next.promise)
  searchFor('牛奶 有机')
  // While the new search runs, the old notice is gone with the old items.
  await waitFor(() => expect(notice()).toBeNull())
  expect(screen.queryByTestId('product-7')).toBeNull()
  await act(async () => {
    next.resolve(ok(matched('partial', [item({ id: 345 })], 1, ['有机'])))
    await Promise.resolve()
  })
  await waitFor(() => expect(notice()?.getAttribute('data-match')).toBe('partial'))
  expect(notice()?.textContent).toBe('没有同时包含全部关键词的商品，已忽略“有机”')
  expect(screen.queryByTestId('search-recommend')).toBeNull()
  expect(screen.getByTestId('search-total').textContent).toBe('共 1 件相关商品')
  route('GET /api/v1/products', ok(matched('all', [item({ id: 346 })], 1)))
  searchFor('牛奶')
  expect(await screen.findByTestId('product-346')).toBeTruthy()
  expect(notice()).toBeNull()
})

test('partial from a server that names no left-out words still says why', () => {
  expect(searchNoticeText('partial', '牛奶 有机', [])).toBe('没有同时包含全部关键词的商品')
  expect(searchNoticeText('partial', '牛奶 有机', ['', ' '])).toBe('没有同时包含全部关键词的商品')
  expect(searchNoticeText('all', '牛奶', [])).toBe('')
})
