import { render, screen, fireEvent, waitFor } from '@testing-library/react'
import Taro, { reset, route, requests, setParams, setLaunchQuery, shares, navigations } from './mocks/taro'
import App from '../src/app'
import ProductPage from '../src/pages/product/index'
import Me from '../src/pages/me/index'
import { pendingInviter, rememberInviter, session } from '../src/api/session'
import { withInviter } from '../src/api/referral'
import { shareTimeline } from '../src/utils/share'

const logins = () => requests.filter((r) => r.url.endsWith('/api/v1/auth/login')).map((r) => JSON.parse(r.data || '{}'))
const loginOK = { statusCode: 200, data: { token: 'tok-new', expires_at: '2026-12-31T00:00:00Z', new: true, user: { id: 9, nickname: '', avatar_url: '' } } }

beforeEach(() => {
  reset()
  route('POST /api/v1/auth/login', loginOK)
})

test('the first inviter is kept; the shopper\'s own code and junk are not', () => {
  Taro.setStorageSync('wemart.invite_code', 'MINE01')
  rememberInviter('MINE01')
  rememberInviter('bad code!')
  rememberInviter(undefined)
  expect(pendingInviter()).toBe('')
  rememberInviter('ABC123')
  rememberInviter('XYZ789')
  expect(pendingInviter()).toBe('ABC123')
})

test('the app keeps the launch query\'s inviter and the login sends it, then forgets it', async () => {
  setLaunchQuery({ inviter: 'ABC123' })
  route('GET /api/v1/me/referral', { statusCode: 200, data: { invite_code: 'MINE01', invited: 0, rewarded: 0 } })
  render(<App>{null}</App>)
  await waitFor(() => expect(Taro.getStorageSync('wemart.token')).toBe('tok-new'))
  expect(logins()).toEqual([{ code: 'CODE-1', inviter: 'ABC123' }])
  expect(pendingInviter()).toBe('')
  // and the shopper's own code is kept for sharing
  await waitFor(() => expect(Taro.getStorageSync('wemart.invite_code')).toBe('MINE01'))
})

test('a login that refuses the inviter signs in without it', async () => {
  rememberInviter('GONE99')
  route('POST /api/v1/auth/login', (req) =>
    JSON.parse(req.data || '{}').inviter ? { statusCode: 400, data: { error: { code: 'invalid_argument', message: 'unknown inviter' } } } : loginOK,
  )
  expect(await session.token()).toBe('tok-new')
  expect(logins()).toEqual([{ code: 'CODE-1', inviter: 'GONE99' }, { code: 'CODE-1' }])
  expect(pendingInviter()).toBe('')
})

test('withInviter appends the code to paths and queries once it is known', () => {
  expect(withInviter('/pages/index/index')).toBe('/pages/index/index')
  Taro.setStorageSync('wemart.invite_code', 'MINE01')
  expect(withInviter('/pages/index/index')).toBe('/pages/index/index?inviter=MINE01')
  expect(withInviter('/pages/product/index?id=3')).toBe('/pages/product/index?id=3&inviter=MINE01')
  expect(withInviter('id=3&store_id=4')).toBe('id=3&store_id=4&inviter=MINE01')
  expect(withInviter('')).toBe('inviter=MINE01')
  expect(shareTimeline({ title: 't', path: '/pages/store/index?id=5' })).toEqual({ title: 't', query: 'id=5&inviter=MINE01' })
})

const product = {
  id: 345, title: '农夫山泉', subtitle: '', description: '', image_url: '/media/w.jpg', images: [], category_id: 1, store_id: 12,
  skus: [{ id: 901, name: '550ml', price_fen: 200, barcode: null, stock: 5 }],
}

test('the product page shares itself with the invite code, in a chat and on Moments', async () => {
  Taro.setStorageSync('wemart.token', 'tok')
  Taro.setStorageSync('wemart.invite_code', 'MINE01')
  setParams({ id: '345', store_id: '12', inviter: 'FRIEND1' })
  route('GET /api/v1/products/345', { statusCode: 200, data: product })
  route('GET /api/v1/cart', { statusCode: 200, data: { store_id: 12, items: [], goods_fen: 0, selected_count: 0, has_changes: false, updated_at: null } })
  render(<ProductPage />)
  await screen.findByTestId('add-to-cart')
  expect(shares.app!()).toEqual({ title: '¥2.00 农夫山泉', path: '/pages/product/index?id=345&store_id=12&inviter=MINE01', imageUrl: 'https://api.test/media/w.jpg' })
  expect(shares.timeline!()).toEqual({ title: '¥2.00 农夫山泉', query: 'id=345&store_id=12&inviter=MINE01', imageUrl: 'https://api.test/media/w.jpg' })
  // opened through a friend's share: their code waits for the next login
  expect(pendingInviter()).toBe('FRIEND1')
})

test('without the invite code yet, the chat share asks for it (WeChat waits for promise)', async () => {
  Taro.setStorageSync('wemart.token', 'tok')
  setParams({ id: '345', store_id: '12' })
  route('GET /api/v1/products/345', { statusCode: 200, data: product })
  route('GET /api/v1/me/referral', { statusCode: 200, data: { invite_code: 'MINE01', invited: 0, rewarded: 0 } })
  render(<ProductPage />)
  await screen.findByTestId('add-to-cart')
  const res = shares.app!() as { path: string; promise: Promise<{ path: string }> }
  expect(res.path).toBe('/pages/product/index?id=345&store_id=12')
  expect((await res.promise).path).toBe('/pages/product/index?id=345&store_id=12&inviter=MINE01')
})

test('me: points, unused coupons, the member code, and inviting friends with a share button', async () => {
  Taro.setStorageSync('wemart.token', 'tok')
  route('GET /api/v1/me', { statusCode: 200, data: { id: 9, nickname: '小明', avatar_url: '', phone: '13812345678' } })
  route('GET /api/v1/me/member', { statusCode: 200, data: { level: { name: '银卡', percent_off: 2, free_delivery: false }, spend_fen: 60000, next: null, points: { available: -30, pending: 24 }, checked_in_today: false } })
  route('GET /api/v1/coupons', (req) => ({ statusCode: 200, data: { items: req.url.includes('status=unused') ? [{ id: 1 }, { id: 2 }] : [] } }))
  route('GET /api/v1/me/referral', { statusCode: 200, data: { invite_code: 'MINE01', invited: 3, rewarded: 1 } })
  render(<Me />)
  await waitFor(() => expect(screen.getByTestId('me-points').getAttribute('data-points')).toBe('-30'))
  expect(screen.getByTestId('me-points').textContent).toContain('-30')
  expect(screen.getByTestId('me-points').querySelector('.me-stat-neg')).toBeTruthy()
  expect(screen.getByTestId('me-coupons').getAttribute('data-count')).toBe('2')
  expect(screen.getByTestId('me-level').textContent).toBe('银卡')
  const invite = screen.getByTestId('me-invite')
  expect(invite.getAttribute('data-code')).toBe('MINE01')
  expect(invite.textContent).toContain('已邀请 3 人')
  expect(screen.getByTestId('me-invite-share').getAttribute('data-open-type')).toBe('share')
  expect(shares.app!()).toEqual({ title: '我在 wemart 鲜到家买菜，送你一份好礼', path: '/pages/index/index?inviter=MINE01' })

  fireEvent.click(screen.getByTestId('me-member-code'))
  fireEvent.click(screen.getByTestId('me-points'))
  fireEvent.click(screen.getByTestId('me-coupons'))
  fireEvent.click(screen.getByTestId('me-coupon-center'))
  expect(navigations.map((n) => n.url)).toEqual(['/member/code/index', '/member/points/index', '/member/coupons/index?tab=mine', '/member/coupons/index'])
})

test('me on a server without the member endpoints still shows the profile', async () => {
  Taro.setStorageSync('wemart.token', 'tok')
  route('GET /api/v1/me', { statusCode: 200, data: { id: 9, nickname: '小明', avatar_url: '', phone: null } })
  render(<Me />)
  expect((await screen.findByTestId('me-nickname')).textContent).toBe('小明')
  await waitFor(() => expect(requests.some((r) => r.url.includes('/api/v1/me/referral'))).toBe(true))
  expect(screen.getByTestId('me-points').textContent).toContain('—')
  expect(screen.getByTestId('me-coupons').getAttribute('data-count')).toBe('')
  expect(screen.queryByTestId('state-error')).toBeNull()
})
