// Shared answers of the staff API for the staff page tests.
import type { Staff, StaffOrder } from '../src/api/staffOrders'

export function staffAccount(over: Partial<Staff> = {}): Staff {
  return {
    id: 7,
    username: 'clerk3',
    display_name: '王店员',
    role: 'clerk',
    store_id: 3,
    disabled: false,
    last_login_at: null,
    created_at: '2026-12-01T08:00:00Z',
    ...over,
  }
}

export function staffOrder(id: number, over: Partial<StaffOrder> = {}): StaffOrder {
  return {
    id,
    order_no: `WM20261201000${id}`,
    status: 'paid',
    shopper_id: 11,
    store_id: 3,
    store: { id: 3, name: '静安寺店' },
    fulfilment: 'pickup',
    pickup_code: null,
    address: null,
    delivery_distance_m: null,
    items: [
      { id: id * 10, sku_id: 5, product_id: 2, title: '光明鲜牛奶', sku_name: '950ml', price_fen: 1380, quantity: 2, amount_fen: 2760, refunded_quantity: 0 },
    ],
    goods_fen: 2760,
    delivery_fee_fen: 0,
    discount_fen: 0,
    payable_fen: 2760,
    refunded_fen: 0,
    remark: '',
    expires_at: '2026-12-01T08:15:00Z',
    paid_at: '2026-12-01T08:01:00Z',
    cancelled_at: null,
    cancel_reason: '',
    created_at: '2026-12-01T08:00:00Z',
    updated_at: '2026-12-01T08:01:00Z',
    ...over,
  }
}

export function page<T>(items: T[]) {
  return { statusCode: 200, data: { page: 1, page_size: 30, total: items.length, items } }
}

export function refusal(statusCode: number, code: string, message: string) {
  return { statusCode, data: { error: { code, message } } }
}

/** query returns the query parameters of a recorded request's URL. */
export function query(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url).searchParams.entries())
}
