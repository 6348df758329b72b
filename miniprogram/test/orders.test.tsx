import { render, screen, fireEvent, waitFor } from '@testing-library/react'
import Taro, { reset, route, requests, navigations } from './mocks/taro'
import Orders from '../src/pages/orders/index'
import { order } from './fixtures'

beforeEach(() => {
  reset()
  Taro.setStorageSync('wemart.token', 'tok')
})

test('lists orders, filters by status, pages and opens an order', async () => {
  route('GET /api/v1/orders', (req) => {
    const page = Number(/page=(\d+)/.exec(req.url)?.[1])
    return { statusCode: 200, data: { page, page_size: 10, total: 11, items: page === 1 ? [order()] : [order({ id: 8, status: 'completed' })] } }
  })
  render(<Orders />)
  const card = await screen.findByTestId('order-7')
  expect(card.textContent).toContain('wemart 人民广场店')
  expect(card.textContent).toContain('待支付')
  expect(card.textContent).toContain('¥24.00')
  fireEvent.click(screen.getByTestId('orders-more'))
  expect(await screen.findByTestId('order-8')).toBeTruthy()
  fireEvent.click(screen.getByTestId('orders-tab-open'))
  await waitFor(() => expect(requests[requests.length - 1].url).toContain('status=paid%2Cready_for_pickup%2Cshipped'))
  fireEvent.click(await screen.findByTestId('order-7'))
  expect(navigations).toEqual([{ kind: 'navigateTo', url: '/pages/order/index?id=7' }])
})

test('an empty list says so', async () => {
  route('GET /api/v1/orders', { statusCode: 200, data: { page: 1, page_size: 10, total: 0, items: [] } })
  render(<Orders />)
  expect((await screen.findByTestId('state-empty')).textContent).toContain('还没有')
})
