import { render, screen, fireEvent } from '@testing-library/react'
import { reset, route, requests, navigations } from './mocks/taro'
import Stores from '../src/pages/stores/index'
import StoreCard from '../src/components/StoreCard'
import { chosenStore } from '../src/utils/store'
import { fail, ok, store } from './shop-fixtures'

beforeEach(() => reset())

test('lists nearby stores with distance, hours and services; a tap remembers the store and opens it', async () => {
  route(
    'GET /api/v1/stores/nearby',
    ok({
      items: [
        store({ id: 1, name: '人民广场店', distance_m: 420 }),
        store({ id: 2, name: '田子坊店', distance_m: 2345, open_now: false, delivery: false }),
      ],
    }),
  )
  render(<Stores />)
  const first = await screen.findByTestId('store-1')
  expect(first.textContent).toContain('420m')
  expect(first.textContent).toContain('营业中')
  expect(first.textContent).toContain('到店自提')
  expect(first.textContent).toContain('配送到家')
  expect(first.textContent).toContain('黄浦区西藏中路268号')
  const second = screen.getByTestId('store-2')
  expect(second.textContent).toContain('2.3km')
  expect(second.textContent).toContain('休息中')
  expect(second.textContent).not.toContain('配送')
  expect(requests[0].url).toBe('https://api.test/api/v1/stores/nearby?lat=31.23&lng=121.47')

  fireEvent.click(second)
  expect(chosenStore()).toEqual({ id: 2, name: '田子坊店' })
  expect(navigations).toEqual([{ kind: 'navigateTo', url: '/pages/store/index?id=2' }])
})

test('no store within 5 km', async () => {
  route('GET /api/v1/stores/nearby', ok({ items: [] }))
  render(<Stores />)
  expect(await screen.findByText('附近 5 公里内没有门店')).toBeTruthy()
})

test('an error shows the server message; retry asks again', async () => {
  route('GET /api/v1/stores/nearby', fail(400, 'invalid_argument', 'lat must be between -90 and 90'))
  render(<Stores />)
  expect(await screen.findByText(/输入有误（lat must be between -90 and 90）/)).toBeTruthy()
  route('GET /api/v1/stores/nearby', ok({ items: [store({ id: 3 })] }))
  fireEvent.click(screen.getByTestId('state-retry'))
  expect(await screen.findByTestId('store-3')).toBeTruthy()
})

test('a store closed by staff says so whatever its hours', () => {
  render(<StoreCard store={store({ id: 4, status: 'closed', open_now: true })} />)
  expect(screen.getByTestId('storebadges-4-open').textContent).toBe('暂停营业')
})
