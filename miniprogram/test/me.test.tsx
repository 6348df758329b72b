import { render, screen, fireEvent, waitFor } from '@testing-library/react'
import Taro, { reset, route, requests, navigations } from './mocks/taro'
import Me from '../src/pages/me/index'
import { uploadAvatar } from '../src/api/me'

const shopper = { id: 9, nickname: '', avatar_url: '', phone: null, created_at: '2026-12-01T00:00:00Z' }

beforeEach(() => {
  reset()
  Taro.setStorageSync('wemart.token', 'tok')
  route('GET /api/v1/me', { statusCode: 200, data: shopper })
})

test('saves the nickname with PATCH /api/v1/me', async () => {
  route('PATCH /api/v1/me', (req) => ({ statusCode: 200, data: { ...shopper, nickname: JSON.parse(req.data || '{}').nickname } }))
  render(<Me />)
  fireEvent.click(await screen.findByTestId('me-nickname-edit'))
  fireEvent.change(screen.getByTestId('me-nickname-input'), { target: { value: '  小明 ' } })
  fireEvent.click(screen.getByTestId('me-nickname-save'))
  await waitFor(() => expect(screen.getByTestId('me-nickname').textContent).toBe('小明'))
  const patch = requests.find((r) => r.method === 'PATCH')
  expect(JSON.parse(patch?.data || '{}')).toEqual({ nickname: '小明' })
  expect(patch?.header.Authorization).toBe('Bearer tok')
})

test('a server without PATCH /api/v1/me says so instead of failing', async () => {
  render(<Me />)
  fireEvent.click(await screen.findByTestId('me-nickname-edit'))
  fireEvent.change(screen.getByTestId('me-nickname-input'), { target: { value: '小明' } })
  fireEvent.click(screen.getByTestId('me-nickname-save'))
  expect((await screen.findByTestId('me-notice')).textContent).toContain('暂未开放')
})

test('binds the phone and links to orders, addresses and the staff entrance', async () => {
  route('POST /api/v1/auth/phone', { statusCode: 200, data: { ...shopper, phone: '13812345678' } })
  render(<Me />)
  const bind = await screen.findByTestId('me-bind-phone')
  expect(bind.getAttribute('data-open-type')).toBe('getPhoneNumber')
  fireEvent.click(screen.getByTestId('me-staff'))
  fireEvent.click(screen.getByTestId('me-addresses'))
  fireEvent.click(screen.getByTestId('me-orders'))
  expect(navigations.map((n) => n.url)).toEqual(['/staff/login/index', '/pages/addresses/index', '/pages/orders/index'])
})

test('uploadAvatar sends the file as multipart field file with the token', async () => {
  ;(Taro.uploadFile as jest.Mock).mockResolvedValueOnce({ statusCode: 200, data: JSON.stringify({ ...shopper, avatar_url: '/media/a.jpg' }) })
  const me = await uploadAvatar('wxfile://tmp/a.jpg')
  expect(me.avatar_url).toBe('/media/a.jpg')
  expect(Taro.uploadFile).toHaveBeenCalledWith(expect.objectContaining({ url: 'https://api.test/api/v1/me/avatar', filePath: 'wxfile://tmp/a.jpg', name: 'file', header: { Authorization: 'Bearer tok' } }))
  ;(Taro.uploadFile as jest.Mock).mockResolvedValueOnce({ statusCode: 404, data: '{"error":{"code":"not_found","message":"no route"}}' })
  await expect(uploadAvatar('wxfile://tmp/b.jpg')).rejects.toMatchObject({ status: 404 })
})
