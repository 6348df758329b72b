import { render, screen, fireEvent, waitFor } from '@testing-library/react'
import Taro, { reset, route, requests, setParams } from './mocks/taro'
import StaffVerify from '../src/staff/verify/index'
import { pickupCode } from '../src/api/staffOrders'
import { page, query, refusal, staffAccount, staffOrder } from './staff-fixtures'

beforeEach(() => {
  reset()
  Taro.setStorageSync('wemart.staff.token', 'staff-tok')
  route('GET /admin/v1/me', { statusCode: 200, data: staffAccount() })
  route('GET /admin/v1/stores/3', { statusCode: 200, data: { id: 3, name: '静安寺店' } })
})

function handOvers() {
  return requests.filter((r) => r.method === 'POST' && r.url.includes('/picked-up'))
}

function typeCode(code: string) {
  fireEvent.change(screen.getByTestId('verify-code-input'), { target: { value: code } })
}

function byCode() {
  return requests.filter((r) => r.method === 'POST' && r.url.includes('/pickups'))
}

test('typing the code hands over the store\'s order with that code and shows it completed', async () => {
  route('GET /admin/v1/orders', page([staffOrder(41, { status: 'ready_for_pickup' }), staffOrder(42, { fulfilment: 'delivery' })]))
  route('POST /admin/v1/stores/3/pickups', { statusCode: 200, data: staffOrder(41, { status: 'completed' }) })
  render(<StaffVerify />)
  await screen.findByTestId('verify-order-41')
  // only pickup orders can be handed over at the counter
  expect(screen.queryByTestId('verify-order-42')).toBeNull()
  expect(screen.queryByTestId('verify-chosen')).toBeNull()
  const asked = query(requests.find((r) => r.url.includes('/admin/v1/orders'))!.url)
  expect(asked).toMatchObject({ store_id: '3', status: 'paid,ready_for_pickup' })

  typeCode('123 456')
  fireEvent.click(screen.getByTestId('verify-submit'))
  const result = await screen.findByTestId('verify-result')
  expect(result.getAttribute('data-status')).toBe('completed')
  expect(result.textContent).toContain('已核销')
  expect(handOvers()).toHaveLength(0)
  expect(byCode()).toHaveLength(1)
  expect(JSON.parse(byCode()[0].data || '{}')).toEqual({ pickup_code: '123456' })
})

test('a code of no waiting order shows the server refusal and keeps the page', async () => {
  route('GET /admin/v1/orders', page([staffOrder(41)]))
  route('POST /admin/v1/stores/3/pickups', refusal(404, 'not_found', '没有待取货订单使用此取货码'))
  render(<StaffVerify />)
  await screen.findByTestId('verify-order-41')
  typeCode('000000')
  fireEvent.keyDown(screen.getByTestId('verify-code-input'), { key: 'Enter' })
  expect((await screen.findByTestId('verify-error')).textContent).toContain('没有待取货订单使用此取货码')
  expect(screen.queryByTestId('verify-result')).toBeNull()
})

test('a tapped order is checked against the code, and can be let go', async () => {
  route('GET /admin/v1/orders', page([staffOrder(41), staffOrder(43, { status: 'ready_for_pickup' })]))
  route('POST /admin/v1/orders/43/picked-up', { statusCode: 200, data: staffOrder(43, { status: 'completed' }) })
  render(<StaffVerify />)
  await screen.findByTestId('verify-order-43')
  fireEvent.click(screen.getByTestId('verify-order-41'))
  expect((await screen.findByTestId('verify-chosen')).textContent).toContain('WM2026120100041')
  fireEvent.click(screen.getByTestId('verify-any'))
  expect(screen.queryByTestId('verify-chosen')).toBeNull()
  fireEvent.click(screen.getByTestId('verify-order-43'))
  typeCode('654321')
  fireEvent.click(screen.getByTestId('verify-submit'))
  expect((await screen.findByTestId('verify-result')).getAttribute('data-status')).toBe('completed')
  expect(handOvers().map((r) => r.url.replace(/^.*\/orders\//, ''))).toEqual(['43/picked-up'])
  expect(byCode()).toHaveLength(0)
})

test('coming from an order in the list preselects it', async () => {
  setParams({ id: '43' })
  route('GET /admin/v1/orders', page([staffOrder(41), staffOrder(43)]))
  route('POST /admin/v1/orders/43/picked-up', refusal(409, 'conflict', '订单已核销'))
  render(<StaffVerify />)
  expect((await screen.findByTestId('verify-chosen')).textContent).toContain('WM2026120100043')
  typeCode('111111')
  fireEvent.click(screen.getByTestId('verify-submit'))
  expect((await screen.findByTestId('verify-error')).textContent).toContain('订单已核销')
  expect(handOvers()[0].url).toMatch(/\/orders\/43\/picked-up$/)
})

test('scanning the shopper’s QR submits its code', async () => {
  ;(Taro.scanCode as jest.Mock).mockResolvedValueOnce({ result: '246810', scanType: 'QR_CODE' })
  route('GET /admin/v1/orders', page([staffOrder(41, { status: 'ready_for_pickup' })]))
  route('POST /admin/v1/stores/3/pickups', { statusCode: 200, data: staffOrder(41, { status: 'completed' }) })
  render(<StaffVerify />)
  await screen.findByTestId('verify-order-41')
  fireEvent.click(screen.getByTestId('verify-scan'))
  await waitFor(() => expect(byCode()).toHaveLength(1))
  expect(JSON.parse(byCode()[0].data || '{}')).toEqual({ pickup_code: '246810' })
  expect((await screen.findByTestId('verify-result')).getAttribute('data-status')).toBe('completed')
})

test('no code typed is asked for without calling the server', async () => {
  route('GET /admin/v1/orders', page([staffOrder(41)]))
  render(<StaffVerify />)
  await screen.findByTestId('verify-order-41')
  fireEvent.click(screen.getByTestId('verify-submit'))
  expect((await screen.findByTestId('verify-error')).textContent).toContain('请输入或扫描顾客的取货码')
  expect(handOvers()).toHaveLength(0)
  expect(byCode()).toHaveLength(0)
})

test('pickupCode reads digits, spaces and dashes dropped, and a code= form', () => {
  expect(pickupCode(' 12 34-56 ')).toBe('123456')
  expect(pickupCode('https://x/?order=9&code=778899')).toBe('778899')
  expect(pickupCode('pickup_code=001122')).toBe('001122')
  expect(pickupCode('')).toBe('')
})
