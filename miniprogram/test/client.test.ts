import Taro, { reset, route, requests } from './mocks/taro'
import { ApiError, request, url, mediaURL } from '../src/api/client'
import { session } from '../src/api/session'

beforeEach(() => reset())

test('url joins base, path and the non-empty query values', () => {
  expect(url('/api/v1/products', { q: '牛奶', store_id: 3, page: undefined, category_id: '' })).toBe(
    'https://api.test/api/v1/products?q=%E7%89%9B%E5%A5%B6&store_id=3',
  )
  expect(mediaURL('/media/a.jpg')).toBe('https://api.test/media/a.jpg')
  expect(mediaURL('https://cdn/x.jpg')).toBe('https://cdn/x.jpg')
  expect(mediaURL('')).toBe('')
})

test('a shopper call logs in first and sends the token', async () => {
  route('POST /api/v1/auth/login', { statusCode: 200, data: { token: 'tok-1', expires_at: '', new: true, user: { id: 1 } } })
  route('GET /api/v1/me', (req) => ({ statusCode: 200, data: { id: 1, auth: req.header.Authorization } }))
  const me = await request<{ auth: string }>({ path: '/api/v1/me', auth: 'shopper' })
  expect(me.auth).toBe('Bearer tok-1')
  expect(JSON.parse(requests[0].data || '{}')).toEqual({ code: 'CODE-1' })
  expect(Taro.getStorageSync('wemart.token')).toBe('tok-1')
})

test('a 401 renews the token once, without the caller noticing', async () => {
  Taro.setStorageSync('wemart.token', 'expired')
  let logins = 0
  route('POST /api/v1/auth/login', () => {
    logins++
    return { statusCode: 200, data: { token: `fresh-${logins}`, expires_at: '', new: false, user: { id: 1 } } }
  })
  route('GET /api/v1/cart', (req) =>
    req.header.Authorization === 'Bearer expired'
      ? { statusCode: 401, data: { error: { code: 'unauthenticated', message: '登录已过期' } } }
      : { statusCode: 200, data: { items: [], auth: req.header.Authorization } },
  )
  const [a, b] = await Promise.all([
    request<{ auth: string }>({ path: '/api/v1/cart', auth: 'shopper' }),
    request<{ auth: string }>({ path: '/api/v1/cart', auth: 'shopper' }),
  ])
  expect(a.auth).toBe('Bearer fresh-1')
  expect(b.auth).toBe('Bearer fresh-1')
  expect(logins).toBe(1)
})

test('a refused request rejects with the server message and code', async () => {
  route('POST /api/v1/orders', {
    statusCode: 409,
    data: { error: { code: 'out_of_stock', message: '库存不足：农夫山泉 550ml 只剩 1 件' } },
  })
  await expect(request({ method: 'POST', path: '/api/v1/orders', body: {} })).rejects.toMatchObject({
    status: 409,
    code: 'out_of_stock',
    message: '库存不足：农夫山泉 550ml 只剩 1 件',
  })
})

test('a non-JSON failure still gives a readable error', async () => {
  route('GET /api/v1/stores/1', { statusCode: 502, data: '<html>bad gateway</html>' })
  const err = (await request({ path: '/api/v1/stores/1' }).catch((e) => e)) as ApiError
  expect(err).toBeInstanceOf(ApiError)
  expect(err.status).toBe(502)
  expect(err.message).toContain('502')
})

test('session.ensure stores one token', async () => {
  route('POST /api/v1/auth/login', { statusCode: 200, data: { token: 't', expires_at: '', new: true, user: { id: 2 } } })
  await session.ensure()
  await session.ensure()
  expect(requests.filter((r) => r.url.endsWith('/auth/login'))).toHaveLength(1)
})
