import { render, screen, fireEvent, waitFor } from '@testing-library/react'
import Taro, { reset, route, requests, navigations } from './mocks/taro'
import StaffLogin from '../src/staff/login/index'
import { refusal } from './staff-fixtures'

beforeEach(() => reset())

function fill(username: string, password: string) {
  fireEvent.change(screen.getByTestId('staff-username'), { target: { value: username } })
  fireEvent.change(screen.getByTestId('staff-password'), { target: { value: password } })
}

test('signing in keeps the staff token and opens the store orders', async () => {
  route('POST /admin/v1/login', { statusCode: 200, data: { token: 'staff-tok', expires_at: '', staff: { id: 1 } } })
  render(<StaffLogin />)
  fill(' clerk3 ', 'secret-pw')
  fireEvent.click(screen.getByTestId('staff-login'))
  await waitFor(() => expect(navigations).toContainEqual({ kind: 'redirectTo', url: '/staff/orders/index' }))
  expect(JSON.parse(requests[0].data || '{}')).toEqual({ username: 'clerk3', password: 'secret-pw' })
  expect(requests[0].header.Authorization).toBeUndefined()
  expect(Taro.getStorageSync('wemart.staff.token')).toBe('staff-tok')
})

test('a wrong password shows the server message and stays on the page', async () => {
  route('POST /admin/v1/login', refusal(401, 'unauthenticated', '账号或密码错误'))
  render(<StaffLogin />)
  fill('clerk3', 'wrong')
  fireEvent.keyDown(screen.getByTestId('staff-password'), { key: 'Enter' })
  expect((await screen.findByTestId('staff-login-error')).textContent).toContain('账号或密码错误')
  expect(navigations).toHaveLength(0)
  expect(Taro.getStorageSync('wemart.staff.token')).toBe('')
})

test('a rate-limited login shows the server message', async () => {
  route('POST /admin/v1/login', refusal(429, 'rate_limited', '尝试次数过多，请 30 秒后再试'))
  render(<StaffLogin />)
  fill('clerk3', 'wrong')
  fireEvent.click(screen.getByTestId('staff-login'))
  expect((await screen.findByTestId('staff-login-error')).textContent).toContain('尝试次数过多，请 30 秒后再试')
})

test('empty fields are asked for without calling the server', async () => {
  render(<StaffLogin />)
  fireEvent.click(screen.getByTestId('staff-login'))
  expect((await screen.findByTestId('staff-login-error')).textContent).toContain('请输入账号和密码')
  expect(requests).toHaveLength(0)
})

test('a signed-in clerk goes straight to the orders', () => {
  Taro.setStorageSync('wemart.staff.token', 'tok')
  render(<StaffLogin />)
  expect(navigations).toContainEqual({ kind: 'redirectTo', url: '/staff/orders/index' })
})
