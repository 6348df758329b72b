import { render, screen, fireEvent, waitFor } from '@testing-library/react'
import Taro, { reset, route, requests, navigations } from './mocks/taro'
import StaffMember from '../src/staff/member/index'
import StaffOrders from '../src/staff/orders/index'
import { parseYuan, saleFormError } from '../src/api/staffMembers'
import { page, staffAccount } from './staff-fixtures'

const scan = { scan_id: 77, member: { shopper_id: 9, nickname: '小明', level: '银卡', points_available: 320 }, expires_at: '2026-12-01T04:10:00Z' }
const posts = (path: string) => requests.filter((r) => r.method === 'POST' && r.url.endsWith(path)).map((r) => JSON.parse(r.data || '{}'))

beforeEach(() => {
  reset()
  Taro.setStorageSync('wemart.staff.token', 'staff-tok')
  route('GET /admin/v1/me', { statusCode: 200, data: staffAccount() })
  route('GET /admin/v1/stores/3', { statusCode: 200, data: { id: 3, name: '静安寺店' } })
  route('POST /admin/v1/members/scan', { statusCode: 200, data: scan })
})

test('scanning the member code shows the member; a till sale earns points', async () => {
  ;(Taro.scanCode as jest.Mock).mockResolvedValueOnce({ result: ' MC1.abc.sig ', scanType: 'QR_CODE' })
  route('POST /admin/v1/stores/3/counter-sales', { statusCode: 201, data: { id: 5, shopper_id: 9, amount_fen: 5850, points: 58, available: 378 } })
  render(<StaffMember />)
  fireEvent.click(await screen.findByTestId('staff-member-scan'))
  expect((await screen.findByTestId('staff-member-name')).textContent).toBe('小明')
  expect(screen.getByTestId('staff-member-level').textContent).toBe('银卡')
  expect(screen.getByTestId('staff-member-points').textContent).toBe('可用积分 320')
  expect(posts('/admin/v1/members/scan')).toEqual([{ code: 'MC1.abc.sig', store_id: 3 }])

  fireEvent.change(screen.getByTestId('staff-sale-amount'), { target: { value: '58.5' } })
  fireEvent.change(screen.getByTestId('staff-sale-receipt'), { target: { value: 'R20261201-001' } })
  fireEvent.click(screen.getByTestId('staff-sale-submit'))
  const got = await screen.findByTestId('staff-sale-points')
  expect(got.getAttribute('data-points')).toBe('58')
  expect(got.textContent).toBe('+58 积分')
  expect(screen.getByTestId('staff-sale-result').textContent).toContain('消费 ¥58.50 · 顾客现有可用积分 378')
  // The member card shows the balance the sale left, not the scanned one.
  expect(screen.getByTestId('staff-member-points').textContent).toBe('可用积分 378')
  expect(posts('/admin/v1/stores/3/counter-sales')).toEqual([{ scan_id: 77, amount_fen: 5850, receipt_no: 'R20261201-001' }])

  fireEvent.click(screen.getByTestId('staff-member-next'))
  expect(await screen.findByTestId('staff-member-code-input')).toBeTruthy()
})

test('a typed code the server refuses shows its message; a bad form is not sent', async () => {
  route('POST /admin/v1/members/scan', (req) =>
    JSON.parse(req.data || '{}').code === 'old'
      ? { statusCode: 409, data: { error: { code: 'conflict', message: '会员码已过期，请顾客刷新后重试' } } }
      : { statusCode: 200, data: { ...scan, member: { ...scan.member, level: { name: '金卡' } } } },
  )
  route('POST /admin/v1/stores/3/counter-sales', { statusCode: 409, data: { error: { code: 'conflict', message: '该小票号已用于另一笔消费' } } })
  render(<StaffMember />)
  fireEvent.click(await screen.findByTestId('staff-member-submit'))
  expect(screen.getByTestId('staff-member-error').textContent).toBe('请扫描或输入顾客的会员码')
  fireEvent.change(screen.getByTestId('staff-member-code-input'), { target: { value: 'old' } })
  fireEvent.click(screen.getByTestId('staff-member-submit'))
  expect((await screen.findByTestId('staff-member-error')).textContent).toBe('会员码已过期，请顾客刷新后重试')
  fireEvent.change(screen.getByTestId('staff-member-code-input'), { target: { value: 'MC1.new' } })
  fireEvent.click(screen.getByTestId('staff-member-submit'))
  expect((await screen.findByTestId('staff-member-level')).textContent).toBe('金卡')

  fireEvent.change(screen.getByTestId('staff-sale-amount'), { target: { value: '12.345' } })
  fireEvent.change(screen.getByTestId('staff-sale-receipt'), { target: { value: 'R1' } })
  fireEvent.click(screen.getByTestId('staff-sale-submit'))
  expect(screen.getByTestId('staff-sale-error').textContent).toBe('请输入消费金额，最多两位小数')
  expect(posts('/admin/v1/stores/3/counter-sales')).toHaveLength(0)
  fireEvent.change(screen.getByTestId('staff-sale-amount'), { target: { value: '12.30' } })
  fireEvent.click(screen.getByTestId('staff-sale-submit'))
  expect((await screen.findByTestId('staff-sale-error')).textContent).toBe('该小票号已用于另一笔消费')
  expect(posts('/admin/v1/stores/3/counter-sales')).toEqual([{ scan_id: 77, amount_fen: 1230, receipt_no: 'R1' }])
})

test('signed out, the page opens the staff login', async () => {
  Taro.removeStorageSync('wemart.staff.token')
  render(<StaffMember />)
  await waitFor(() => expect(navigations).toEqual([{ kind: 'redirectTo', url: '/staff/login/index' }]))
})

test('the orders page header opens 会员识别', async () => {
  route('GET /admin/v1/orders', page([]))
  render(<StaffOrders />)
  fireEvent.click(await screen.findByTestId('open-member'))
  expect(navigations).toEqual([{ kind: 'navigateTo', url: '/staff/member/index' }])
})

test('amounts in yuan to fen, receipts as the server takes them', () => {
  expect(parseYuan('12')).toBe(1200)
  expect(parseYuan('12.5')).toBe(1250)
  expect(parseYuan('0.07')).toBe(7)
  expect(parseYuan('¥19.99')).toBe(1999)
  expect(parseYuan('1.234')).toBeNull()
  expect(parseYuan('abc')).toBeNull()
  expect(parseYuan('')).toBeNull()
  expect(saleFormError('0', 'R1')).toBe('消费金额须大于 0')
  expect(saleFormError('100000.01', 'R1')).toBe('单笔消费金额不能超过 ¥100000.00')
  expect(saleFormError('100000', 'R1')).toBe('')
  expect(saleFormError('5', '小票')).toContain('请输入小票号')
  expect(saleFormError('5', 'x'.repeat(33))).toContain('请输入小票号')
})
