import { render, screen, fireEvent, waitFor } from '@testing-library/react'
import Taro, { reset, route, requests, setParams, toasts } from './mocks/taro'
import StaffShip from '../src/staff/ship/index'
import StaffOrders from '../src/staff/orders/index'
import { shipFormError, trackingNumber } from '../src/api/staffOrders'
import { page, refusal, staffAccount, staffOrder } from './staff-fixtures'
import { expressShipment, riderShipment, tracking } from './tracking-fixtures'

const address = { city: '上海市', district: '静安区', detail: '南京西路 1 号', contact: '李', phone: '138', lat: 31.22, lng: 121.45 }
const delivery = (id: number, over = {}) => staffOrder(id, { fulfilment: 'delivery', address, delivery_fee_fen: 500, ...over })
const posted = (path: string) => requests.filter((r) => r.method === 'POST' && r.url.endsWith(path)).map((r) => JSON.parse(r.data || 'null'))

beforeEach(() => {
  reset()
  Taro.setStorageSync('wemart.staff.token', 'staff-tok')
  route('GET /admin/v1/me', { statusCode: 200, data: staffAccount() })
  route('GET /admin/v1/stores/3', { statusCode: 200, data: { id: 3, name: '静安寺店' } })
  route('GET /admin/v1/express-companies', { statusCode: 200, data: { items: [{ id: 'SF', name: '顺丰速运' }, { id: 'ZTO', name: '中通快递' }] } })
})

test('trackingNumber and shipFormError: what the form checks itself (the shape is the server\'s)', () => {
  expect(trackingNumber(' sf 1234-5678 ')).toBe('SF12345678')
  expect(shipFormError('', 'SF1')).toBe('请选择快递公司')
  expect(shipFormError('SF', '')).toBe('请填写或扫描快递单号')
  expect(shipFormError('SF', 'X'.repeat(41))).toContain('太长')
  expect(shipFormError('SF', '123')).toBe('')
})

test('the ship form checks its fields, then shows the server\'s refusal, then ships', async () => {
  setParams({ id: '42' })
  route('GET /admin/v1/orders/42', { statusCode: 200, data: delivery(42) })
  let calls = 0
  route('POST /admin/v1/orders/42/ship', () => {
    calls++
    return calls === 1 ? refusal(422, 'invalid_argument', '顺丰运单号应为 SF 开头加 12 位数字') : { statusCode: 200, data: delivery(42, { status: 'shipped' }) }
  })
  render(<StaffShip />)
  const carriers = await screen.findByTestId('ship-carrier')
  expect(carriers.textContent).toContain('顺丰速运')
  expect(carriers.textContent).toContain('中通快递')
  expect(screen.getByTestId('staff-order-42').textContent).toContain('南京西路 1 号')

  fireEvent.click(screen.getByTestId('ship-submit'))
  expect(screen.getByTestId('ship-error').textContent).toBe('请选择快递公司')
  fireEvent.click(screen.getByTestId('ship-carrier-SF'))
  fireEvent.click(screen.getByTestId('ship-submit'))
  expect(screen.getByTestId('ship-error').textContent).toBe('请填写或扫描快递单号')
  expect(posted('/admin/v1/orders/42/ship')).toHaveLength(0)

  fireEvent.change(screen.getByTestId('ship-tracking-no'), { target: { value: '12345' } })
  fireEvent.click(screen.getByTestId('ship-submit'))
  expect((await screen.findByTestId('ship-error')).textContent).toContain('顺丰运单号应为 SF 开头加 12 位数字')
  expect(posted('/admin/v1/orders/42/ship')).toEqual([{ carrier: 'SF', tracking_no: '12345' }])

  fireEvent.change(screen.getByTestId('ship-tracking-no'), { target: { value: 'sf 123456789012' } })
  fireEvent.click(screen.getByTestId('ship-submit'))
  const result = await screen.findByTestId('ship-result')
  expect(result.getAttribute('data-status')).toBe('shipped')
  expect(result.textContent).toContain('顺丰速运 SF123456789012')
  expect(posted('/admin/v1/orders/42/ship')[1]).toEqual({ carrier: 'SF', tracking_no: 'SF123456789012' })
})

test('the scan button fills the number from the camera', async () => {
  setParams({ id: '42' })
  route('GET /admin/v1/orders/42', { statusCode: 200, data: delivery(42) })
  ;(Taro.scanCode as jest.Mock).mockResolvedValueOnce({ result: 'ZT 7300 1234 5678', scanType: 'CODE_128' })
  render(<StaffShip />)
  fireEvent.click(await screen.findByTestId('ship-scan'))
  await waitFor(() => expect((screen.getByTestId('ship-tracking-no') as HTMLInputElement).value).toBe('ZT730012345678'))
})

test('an order that cannot be shipped says so; a failed load offers a retry', async () => {
  setParams({ id: '43' })
  let fail = true
  route('GET /admin/v1/orders/43', () => (fail ? refusal(503, 'unavailable', '服务暂时不可用') : { statusCode: 200, data: delivery(43, { status: 'shipped' }) }))
  render(<StaffShip />)
  expect((await screen.findByTestId('state-error')).textContent).toContain('服务暂时不可用')
  fail = false
  fireEvent.click(screen.getByTestId('state-retry'))
  expect((await screen.findByTestId('ship-unavailable')).textContent).toContain('配送中')
  expect(screen.queryByTestId('ship-submit')).toBeNull()
})

test('a paid delivery order gets 派骑手 and 发快递; dispatch shows the rider status and fee', async () => {
  route('GET /admin/v1/orders', page([delivery(42), staffOrder(41)]))
  route('POST /admin/v1/orders/42/dispatch', {
    statusCode: 200,
    data: delivery(42, { shipments: [{ id: 9, kind: 'rider', carrier: 'sandbox_rider', tracking_no: 'RD9', status: 'requested', fee_fen: 650, distance_m: 1800 }] }),
  })
  render(<StaffOrders />)
  await screen.findByTestId('staff-dispatch-42')
  expect(screen.getByTestId('staff-ship-42')).toBeTruthy()
  expect(screen.queryByTestId('staff-dispatch-41')).toBeNull()
  fireEvent.click(screen.getByTestId('staff-ship-42'))
  expect(Taro.navigateTo).toHaveBeenCalledWith({ url: '/staff/ship/index?id=42' })

  fireEvent.click(screen.getByTestId('staff-dispatch-42'))
  const sh = await screen.findByTestId('staff-shipment-42')
  expect(sh.getAttribute('data-status')).toBe('requested')
  expect(sh.textContent).toContain('等待骑手接单')
  expect(sh.textContent).toContain('配送费 ¥6.50')
  expect(sh.textContent).toContain('1.8km')
  expect(toasts).toContain('已呼叫骑手')
  expect(posted('/admin/v1/orders/42/dispatch')).toEqual([{}])
  // called once: no second rider, no express
  expect(screen.queryByTestId('staff-dispatch-42')).toBeNull()
  expect(screen.queryByTestId('staff-ship-42')).toBeNull()
  expect(screen.getByTestId('staff-dispatch-cancel-42')).toBeTruthy()
})

test('a refused dispatch shows the server message on the order', async () => {
  route('GET /admin/v1/orders', page([delivery(42)]))
  route('POST /admin/v1/orders/42/dispatch', refusal(409, 'conflict', '当前没有可用骑手'))
  render(<StaffOrders />)
  fireEvent.click(await screen.findByTestId('staff-dispatch-42'))
  expect((await screen.findByTestId('order-error-42')).textContent).toContain('当前没有可用骑手')
})

test('a shipped order shows its tracking to staff, with the rider fee', async () => {
  route('GET /admin/v1/orders', page([delivery(44, { status: 'shipped' })]))
  route('GET /admin/v1/orders/44/tracking', tracking(riderShipment({ id: 12, fee_fen: 700, distance_m: 2100 }), expressShipment({ id: 13, status: 'cancelled', reason: '顾客改为骑手配送' })))
  render(<StaffOrders />)
  fireEvent.click(screen.getByTestId('staff-tab-shipped'))
  fireEvent.click(await screen.findByTestId('staff-tracking-44'))
  const view = await screen.findByTestId('staff-tracking-view-44')
  await waitFor(() => expect(view.textContent).toContain('刘师傅'))
  expect(screen.getByTestId('shipment-fee-12').textContent).toContain('配送费 ¥7.00')
  expect(view.textContent).toContain('顾客改为骑手配送')
  expect(screen.getAllByTestId('tracking-event').length).toBeGreaterThan(0)
})
