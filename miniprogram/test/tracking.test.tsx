import { render, screen, fireEvent, waitFor, act } from '@testing-library/react'
import Taro, { reset, route, requests, setParams } from './mocks/taro'
import OrderPage from '../src/pages/order/index'
import { shipmentStatusLabel, shipmentStatusText, shipmentTone } from '../src/api/tracking'
import { canReceive, OrderStatus } from '../src/api/orders'
import { order } from './fixtures'
import { deliveryAddress, expressShipment, riderShipment, tracking } from './tracking-fixtures'

const gets = (path: string) => requests.filter((r) => r.method === 'GET' && r.url.split('?')[0].endsWith(path))
const posts = (path: string) => requests.filter((r) => r.method === 'POST' && r.url.endsWith(path))
const shipped = (over = {}) => order({ status: 'shipped', fulfilment: 'delivery', address: deliveryAddress, paid_at: '2026-12-01T12:01:00Z', shipped_at: '2026-12-01T12:10:00Z', receive_due_at: '2026-12-08T12:10:00+08:00', ...over })

/** advance moves fake time on, letting React apply what the reads brought. */
const advance = (ms: number) =>
  act(async () => {
    await jest.advanceTimersByTimeAsync(ms)
  })

beforeEach(() => {
  reset()
  jest.useRealTimers()
  Taro.setStorageSync('wemart.token', 'tok')
  setParams({ id: '7' })
})

test('a rider delivery shows the carrier, number, status, rider, map and events newest first', async () => {
  route('GET /api/v1/orders/7', { statusCode: 200, data: shipped() })
  route('GET /api/v1/orders/7/tracking', tracking(riderShipment()))
  render(<OrderPage />)
  const section = await screen.findByTestId('order-tracking')
  expect(section.textContent).toContain('沙箱骑手')
  expect(section.textContent).toContain('RD20261201001')
  expect(screen.getByTestId('shipment-status-31').textContent).toBe('骑手配送中')
  const events = screen.getAllByTestId('tracking-event')
  expect(events.map((e) => e.getAttribute('data-status'))).toEqual(['picked_up', 'arrived', 'accepted', 'requested'])
  expect(events[0].textContent).toContain('骑手已取货')
  // an event without words says its status
  expect(events[3].textContent).toContain('等待骑手接单')
  expect(screen.getByTestId('rider-31').textContent).toContain('刘师傅')
  expect(screen.getByTestId('rider-map')).toBeTruthy()
  expect(screen.getByTestId('rider-map').textContent).toContain('收货地址')

  fireEvent.click(screen.getByTestId('rider-call-31'))
  expect(Taro.makePhoneCall).toHaveBeenCalledWith({ phoneNumber: '13700001111' })
  fireEvent.click(screen.getByTestId('tracking-copy-31'))
  expect(Taro.setClipboardData).toHaveBeenCalledWith({ data: 'RD20261201001' })
  expect(screen.getByTestId('order-receive-due').textContent).toMatch(/^将于 12-08 \d\d:10 自动确认收货$/)
})

test('an express parcel shows its company and events but no rider map', async () => {
  route('GET /api/v1/orders/7', { statusCode: 200, data: shipped() })
  route('GET /api/v1/orders/7/tracking', tracking(expressShipment()))
  render(<OrderPage />)
  expect((await screen.findByTestId('order-tracking')).textContent).toContain('顺丰速运')
  expect(screen.getByTestId('shipment-status-32').textContent).toBe('运输中')
  expect(screen.getAllByTestId('tracking-event')).toHaveLength(2)
  expect(screen.queryByTestId('rider-map')).toBeNull()
})

test('a paid delivery not yet dispatched shows no tracking section; a pickup order never asks', async () => {
  route('GET /api/v1/orders/7', { statusCode: 200, data: order({ status: 'paid', fulfilment: 'delivery', address: deliveryAddress }) })
  route('GET /api/v1/orders/7/tracking', tracking())
  const { unmount } = render(<OrderPage />)
  await screen.findByTestId('order-status')
  await waitFor(() => expect(gets('/api/v1/orders/7/tracking')).toHaveLength(1))
  expect(screen.queryByTestId('order-tracking')).toBeNull()
  unmount()
  reset()
  Taro.setStorageSync('wemart.token', 'tok')
  setParams({ id: '7' })
  route('GET /api/v1/orders/7', { statusCode: 200, data: order({ status: 'paid', pickup_code: '1234' }) })
  render(<OrderPage />)
  await screen.findByTestId('pickup-code')
  expect(gets('/api/v1/orders/7/tracking')).toHaveLength(0)
})

test('a tracking error on a shipped order shows the message with a retry', async () => {
  let fail = true
  route('GET /api/v1/orders/7', { statusCode: 200, data: shipped() })
  route('GET /api/v1/orders/7/tracking', () => (fail ? { statusCode: 503, data: { error: { code: 'unavailable', message: '物流查询暂不可用' } } } : tracking(expressShipment())))
  render(<OrderPage />)
  expect((await screen.findByTestId('tracking-error')).textContent).toContain('物流查询暂不可用')
  fail = false
  fireEvent.click(screen.getByTestId('tracking-retry'))
  await screen.findByTestId('shipment-32')
  expect(screen.queryByTestId('tracking-error')).toBeNull()
})

test('every shipment status has a Chinese label and a tone; unknown ones show as given', () => {
  const all = ['created', 'collected', 'in_transit', 'out_for_delivery', 'signed', 'problem', 'returned', 'rejected', 'requested', 'accepted', 'arrived', 'picked_up', 'delivered', 'cancelled', 'failed']
  for (const s of all) expect(shipmentStatusText[s]).toMatch(/[\u4e00-\u9fff]/)
  expect(shipmentStatusLabel('signed')).toBe('已签收')
  expect(shipmentStatusLabel('out_for_delivery')).toBe('派送中')
  expect(shipmentStatusLabel('teleported')).toBe('teleported')
  expect(shipmentTone('delivered')).toBe('green')
  expect(shipmentTone('problem')).toBe('red')
  expect(shipmentTone('in_transit')).toBe('blue')
})

test.each<[OrderStatus, 'pickup' | 'delivery', boolean]>([
  ['shipped', 'delivery', true],
  ['delivered', 'delivery', true],
  ['paid', 'delivery', false],
  ['completed', 'delivery', false],
  ['pending_payment', 'delivery', false],
  ['refunding', 'delivery', false],
  ['ready_for_pickup', 'pickup', false],
])('确认收货 for a %s %s order: %s', async (status, fulfilment, shown) => {
  expect(canReceive({ status, fulfilment })).toBe(shown)
  route('GET /api/v1/orders/7', { statusCode: 200, data: order({ status, fulfilment, address: fulfilment === 'delivery' ? deliveryAddress : null, pickup_code: fulfilment === 'pickup' ? '1234' : null }) })
  route('GET /api/v1/orders/7/tracking', tracking())
  render(<OrderPage />)
  await screen.findByTestId('order-status')
  expect(!!screen.queryByTestId('order-receive')).toBe(shown)
})

test('确认收货 asks first, posts, re-reads the order and shows it completed', async () => {
  let done = false
  route('GET /api/v1/orders/7', () => ({ statusCode: 200, data: done ? order({ status: 'completed', fulfilment: 'delivery', address: deliveryAddress, delivered_at: '2026-12-01T12:40:00Z' }) : shipped({ status: 'delivered' }) }))
  route('GET /api/v1/orders/7/tracking', tracking(riderShipment({ status: 'delivered' })))
  route('POST /api/v1/orders/7/receive', () => {
    done = true
    return { statusCode: 200, data: order({ status: 'completed', fulfilment: 'delivery', address: deliveryAddress }) }
  })
  ;(Taro.showModal as jest.Mock).mockResolvedValueOnce({ confirm: false, cancel: true })
  render(<OrderPage />)
  fireEvent.click(await screen.findByTestId('order-receive'))
  await act(async () => {
    await Promise.resolve()
  })
  expect(posts('/api/v1/orders/7/receive')).toHaveLength(0)

  fireEvent.click(screen.getByTestId('order-receive'))
  await waitFor(() => expect(screen.getByTestId('order-status').getAttribute('data-status')).toBe('completed'))
  expect(posts('/api/v1/orders/7/receive')).toHaveLength(1)
  expect(JSON.parse(posts('/api/v1/orders/7/receive')[0].data || 'null')).toEqual({})
  await waitFor(() => expect(gets('/api/v1/orders/7').length).toBeGreaterThanOrEqual(2))
  expect(screen.queryByTestId('order-receive')).toBeNull()
  expect(screen.queryByTestId('order-receive-due')).toBeNull()
  expect(screen.getByText('送达时间')).toBeTruthy()
})

test('a refused receipt shows the server message', async () => {
  route('GET /api/v1/orders/7', { statusCode: 200, data: shipped() })
  route('GET /api/v1/orders/7/tracking', tracking(riderShipment()))
  route('POST /api/v1/orders/7/receive', { statusCode: 409, data: { error: { code: 'conflict', message: '订单已确认收货' } } })
  render(<OrderPage />)
  fireEvent.click(await screen.findByTestId('order-receive'))
  expect((await screen.findByTestId('order-error')).textContent).toContain('订单已确认收货')
})

test('while shipped it re-reads every 10 s, never two at once, and stops once delivered', async () => {
  jest.useFakeTimers()
  let reads = 0
  let inFlight = 0
  let most = 0
  route('GET /api/v1/orders/7', () => ({ statusCode: 200, data: reads >= 2 ? shipped({ status: 'delivered' }) : shipped() }))
  // (the order is read just before the tracking of the same tick)
  route('GET /api/v1/orders/7/tracking', async () => {
    reads++
    inFlight++
    most = Math.max(most, inFlight)
    // a slow answer: 12 s, longer than the interval
    await new Promise((r) => setTimeout(r, reads === 2 ? 12000 : 10))
    inFlight--
    return tracking(riderShipment())
  })
  render(<OrderPage />)
  await advance(100)
  expect(reads).toBe(1)
  await advance(10000)
  expect(reads).toBe(2)
  // the slow read is still going: no second one starts
  await advance(10000)
  expect(reads).toBe(2)
  await advance(12000)
  expect(reads).toBe(3)
  await advance(100)
  expect(screen.getByTestId('order-status').getAttribute('data-status')).toBe('delivered')
  await advance(60000)
  expect(reads).toBe(3)
  expect(most).toBe(1)
  jest.useRealTimers()
})

test('leaving the page stops the refresh', async () => {
  jest.useFakeTimers()
  let reads = 0
  route('GET /api/v1/orders/7', { statusCode: 200, data: shipped() })
  route('GET /api/v1/orders/7/tracking', () => {
    reads++
    return tracking(riderShipment())
  })
  const { unmount } = render(<OrderPage />)
  await advance(100)
  await advance(10000)
  expect(reads).toBe(2)
  unmount()
  await advance(60000)
  expect(reads).toBe(2)
  jest.useRealTimers()
})
