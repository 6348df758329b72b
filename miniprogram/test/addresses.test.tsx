import { render, screen, fireEvent, waitFor } from '@testing-library/react'
import Taro, { reset, route, requests, setParams, navigations } from './mocks/taro'
import Addresses from '../src/pages/addresses/index'
import { far, home } from './fixtures'

let book: typeof home[] = []

beforeEach(() => {
  reset()
  Taro.setStorageSync('wemart.token', 'tok')
  book = [home]
  route('GET /api/v1/addresses', () => ({ statusCode: 200, data: { items: book } }))
  ;(Taro.chooseLocation as jest.Mock).mockResolvedValue({ name: '来福士广场', address: '上海市黄浦区西藏中路268号', latitude: 31.2331, longitude: 121.4752 })
})

test('adds an address with a place pinned on the map', async () => {
  route('POST /api/v1/addresses', (req) => {
    const a = { ...JSON.parse(req.data || '{}'), id: 30, province: '', city: '', district: '' }
    book = [...book, a]
    return { statusCode: 201, data: a }
  })
  render(<Addresses />)
  expect((await screen.findByTestId('address-21')).textContent).toContain('张三')
  fireEvent.click(screen.getByTestId('address-add'))
  fireEvent.change(screen.getByTestId('address-name'), { target: { value: '王五' } })
  fireEvent.change(screen.getByTestId('address-phone'), { target: { value: '13700000000' } })
  fireEvent.click(screen.getByTestId('address-pick-location'))
  await waitFor(() => expect(screen.getByTestId('address-located').textContent).toContain('来福士广场'))
  expect((screen.getByTestId('address-detail') as HTMLInputElement).value).toBe('上海市黄浦区西藏中路268号 来福士广场')
  fireEvent.change(screen.getByTestId('address-detail'), { target: { value: '上海市黄浦区西藏中路268号 来福士广场 3楼' } })
  fireEvent.click(screen.getByTestId('address-save'))
  expect(await screen.findByTestId('address-30')).toBeTruthy()
  const post = requests.find((r) => r.method === 'POST')
  expect(JSON.parse(post?.data || '{}')).toEqual({ contact: '王五', phone: '13700000000', detail: '上海市黄浦区西藏中路268号 来福士广场 3楼', lat: 31.2331, lng: 121.4752, is_default: false })
})

test('shows the server validation message at its field', async () => {
  route('POST /api/v1/addresses', { statusCode: 400, data: { error: { code: 'invalid_argument', message: 'must be a phone number', field: 'phone' } } })
  render(<Addresses />)
  fireEvent.click(await screen.findByTestId('address-add'))
  fireEvent.change(screen.getByTestId('address-name'), { target: { value: '王五' } })
  fireEvent.change(screen.getByTestId('address-phone'), { target: { value: 'abc' } })
  fireEvent.change(screen.getByTestId('address-detail'), { target: { value: 'x' } })
  fireEvent.click(screen.getByTestId('address-save'))
  expect((await screen.findByTestId('address-error-phone')).textContent).toBe('手机号：must be a phone number')
  expect(screen.getByTestId('address-form')).toBeTruthy()
})

test('edits, sets the default and deletes after confirming', async () => {
  book = [home, far]
  route('PUT /api/v1/addresses/22', (req) => ({ statusCode: 200, data: { ...far, ...JSON.parse(req.data || '{}') } }))
  route('DELETE /api/v1/addresses/22', { statusCode: 204, data: '' })
  render(<Addresses />)
  fireEvent.click(await screen.findByTestId('address-default-22'))
  await waitFor(() => expect(requests.some((r) => r.method === 'PUT')).toBe(true))
  expect(JSON.parse(requests.find((r) => r.method === 'PUT')?.data || '{}')).toMatchObject({ contact: '李四', is_default: true, lat: 31.4, lng: 121.2 })
  fireEvent.click(screen.getByTestId('address-delete-22'))
  await waitFor(() => expect(requests.some((r) => r.method === 'DELETE' && r.url.endsWith('/api/v1/addresses/22'))).toBe(true))
  expect(Taro.showModal).toHaveBeenCalled()
})

test('in choose mode a tap hands the address back to checkout', async () => {
  setParams({ choose: '1' })
  render(<Addresses />)
  fireEvent.click(await screen.findByTestId('address-21'))
  expect(Taro.getStorageSync('wemart.address.chosen')).toMatchObject({ id: 21 })
  expect(navigations).toEqual([{ kind: 'navigateBack', url: '' }])
})
