import { render, screen, fireEvent, waitFor } from '@testing-library/react'
import Taro, { reset, route, requests, navigations, toasts } from './mocks/taro'
import StaffOrders from '../src/staff/orders/index'
import { page, query, refusal, staffAccount, staffOrder } from './staff-fixtures'

beforeEach(() => {
  reset()
  Taro.setStorageSync('wemart.staff.token', 'staff-tok')
  route('GET /admin/v1/stores/3', { statusCode: 200, data: { id: 3, name: '静安寺店' } })
})

function ordersAsked() {
  return requests.filter((r) => r.method === 'GET' && r.url.includes('/admin/v1/orders')).map((r) => query(r.url))
}

test('a clerk sees the paid orders of their own store and marks a pickup order ready', async () => {
  route('GET /admin/v1/me', { statusCode: 200, data: staffAccount() })
  route('GET /admin/v1/orders', page([staffOrder(41), staffOrder(42, { fulfilment: 'delivery', address: { city: '上海市', detail: '南京西路 1 号', contact: '李', phone: '138' } })]))
  route('POST /admin/v1/orders/41/ready', { statusCode: 200, data: staffOrder(41, { status: 'ready_for_pickup' }) })
  render(<StaffOrders />)

  expect((await screen.findByTestId('staff-order-41')).textContent).toContain('WM2026120100041')
  expect(screen.getByTestId('staff-order-41').textContent).toContain('光明鲜牛奶')
  expect(screen.getByTestId('staff-order-41').textContent).toContain('×2')
  expect(screen.getByTestId('staff-store-name').textContent).toBe('静安寺店')
  expect(ordersAsked()[0]).toMatchObject({ store_id: '3', status: 'paid' })
  expect(requests[0].header.Authorization).toBe('Bearer staff-tok')
  // a delivery order is listed but cannot be marked ready for pickup
  expect(screen.getByTestId('staff-order-42').textContent).toContain('南京西路 1 号')
  expect(screen.queryByTestId('order-ready-42')).toBeNull()

  fireEvent.click(screen.getByTestId('order-ready-41'))
  await waitFor(() => expect(screen.queryByTestId('staff-order-41')).toBeNull())
  expect(requests.some((r) => r.method === 'POST' && r.url.endsWith('/admin/v1/orders/41/ready'))).toBe(true)
  expect(toasts).toContain('已备货，待顾客取货')
})

test('a refused ready shows the server message on the order', async () => {
  route('GET /admin/v1/me', { statusCode: 200, data: staffAccount() })
  route('GET /admin/v1/orders', page([staffOrder(41)]))
  route('POST /admin/v1/orders/41/ready', refusal(409, 'conflict', '订单状态已变化，无法备货'))
  render(<StaffOrders />)
  fireEvent.click(await screen.findByTestId('order-ready-41'))
  expect((await screen.findByTestId('order-error-41')).textContent).toContain('订单状态已变化，无法备货')
  expect(screen.getByTestId('staff-order-41')).toBeTruthy()
})

test('the tabs ask for ready orders and for every order', async () => {
  route('GET /admin/v1/me', { statusCode: 200, data: staffAccount() })
  route('GET /admin/v1/orders', (req) => {
    const st = query(req.url).status
    return page(st === 'ready_for_pickup' ? [staffOrder(50, { status: 'ready_for_pickup' })] : st ? [] : [staffOrder(60, { status: 'completed' })])
  })
  render(<StaffOrders />)
  expect((await screen.findByTestId('state-empty')).textContent).toContain('没有待备货的订单')

  fireEvent.click(screen.getByTestId('staff-tab-ready'))
  expect(await screen.findByTestId('staff-order-50')).toBeTruthy()
  expect(screen.getByTestId('order-verify-50')).toBeTruthy()
  expect(screen.queryByTestId('order-ready-50')).toBeNull()
  fireEvent.click(screen.getByTestId('order-verify-50'))
  expect(navigations).toContainEqual({ kind: 'navigateTo', url: '/staff/verify/index?id=50' })

  fireEvent.click(screen.getByTestId('staff-tab-all'))
  expect(await screen.findByTestId('staff-order-60')).toBeTruthy()
  expect(ordersAsked().map((q) => q.status)).toEqual(['paid', 'ready_for_pickup', undefined])
})

test('an admin without a store picks one, and it is remembered', async () => {
  route('GET /admin/v1/me', { statusCode: 200, data: staffAccount({ role: 'admin', store_id: null, username: 'admin', display_name: '' }) })
  route('GET /admin/v1/stores', page([{ id: 8, name: '徐家汇店', address: '虹桥路 1 号', city: '上海', phone: '', status: 'open', pickup: true, delivery: true }]))
  route('GET /admin/v1/orders', page([staffOrder(70, { store_id: 8 })]))
  render(<StaffOrders />)
  fireEvent.click(await screen.findByTestId('staff-store-8'))
  expect(await screen.findByTestId('staff-order-70')).toBeTruthy()
  expect(ordersAsked()[0]).toMatchObject({ store_id: '8', status: 'paid' })
  expect(Taro.getStorageSync('wemart.staff.store')).toEqual({ id: 8, name: '徐家汇店' })
  expect(screen.getByTestId('staff-store-name').textContent).toBe('徐家汇店')
})

test('a failed list shows the server message and retries', async () => {
  route('GET /admin/v1/me', { statusCode: 200, data: staffAccount() })
  let calls = 0
  route('GET /admin/v1/orders', () => (++calls === 1 ? refusal(503, 'unavailable', '数据库暂时不可用') : page([staffOrder(41)])))
  render(<StaffOrders />)
  expect((await screen.findByTestId('state-error')).textContent).toContain('数据库暂时不可用')
  fireEvent.click(screen.getByTestId('state-retry'))
  expect(await screen.findByTestId('staff-order-41')).toBeTruthy()
})

test('without a staff token the login opens; signing out drops the token', async () => {
  Taro.removeStorageSync('wemart.staff.token')
  const first = render(<StaffOrders />)
  expect(navigations).toContainEqual({ kind: 'redirectTo', url: '/staff/login/index' })
  expect(requests).toHaveLength(0)
  first.unmount()

  reset()
  Taro.setStorageSync('wemart.staff.token', 'staff-tok')
  route('GET /admin/v1/me', { statusCode: 200, data: staffAccount() })
  route('GET /admin/v1/stores/3', { statusCode: 200, data: { id: 3, name: '静安寺店' } })
  route('GET /admin/v1/orders', page([]))
  render(<StaffOrders />)
  await screen.findByTestId('state-empty')
  fireEvent.click(screen.getByTestId('staff-signout'))
  expect(Taro.getStorageSync('wemart.staff.token')).toBe('')
  expect(navigations).toContainEqual({ kind: 'redirectTo', url: '/staff/login/index' })
})
