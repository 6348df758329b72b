// The store counter's calls of the staff API (server/api/openapi.yaml, tags
// staff-auth, stores and staff-orders), all with the staff token.
import Taro from '@tarojs/taro'
import { request } from './client'
import type { Order, OrderAddress, OrderItem, OrderStatus } from './orders'

/** StaffRole: admin (everything), manager (a store or the chain), clerk (one store). */
export type StaffRole = 'admin' | 'manager' | 'clerk'

/** Staff is the signed-in account (GET /admin/v1/me). */
export interface Staff {
  id: number
  username: string
  display_name: string
  role: StaffRole
  /** The one store the account works for; null for a chain-wide account. */
  store_id: number | null
  disabled: boolean
  last_login_at: string | null
  created_at: string
}

/** StaffStore is what the counter needs of a store (GET /admin/v1/stores). */
export interface StaffStore {
  id: number
  name: string
  address: string
  city: string
  phone: string
  status: 'open' | 'closed'
  pickup: boolean
  delivery: boolean
}

/** Page is the API's paging envelope. */
export interface Page<T> {
  page: number
  page_size: number
  total: number
  items: T[]
}


export type { OrderAddress, OrderStatus }

/** StaffOrderItem is one line of an order. */
export type StaffOrderItem = OrderItem

/** StaffShipment is a delivery's parcel or rider as the staff API lists it on an order. */
export interface StaffShipment {
  id: number
  kind: 'express' | 'rider'
  carrier: string
  carrier_name?: string
  tracking_no: string
  status: string
  /** what the rider costs the store, and how far they go (rider only) */
  fee_fen?: number
  distance_m?: number
  reason?: string
}

/** StaffOrder is an order as staff see it (pickup_code is always null here). */
export type StaffOrder = Omit<Order, 'timeline' | 'refunds' | 'payment'> & { shipments?: StaffShipment[] }

/** ExpressCompany is a carrier the store can ship with (GET /admin/v1/express-companies). */
export interface ExpressCompany {
  id: string
  name: string
}

/** me is the signed-in staff account: its role and store. */
export function me(): Promise<Staff> {
  return request<Staff>({ path: '/admin/v1/me', auth: 'staff' })
}

/** stores lists the chain's open stores (for an account without a store to pick one). */
export function stores(page = 1): Promise<Page<StaffStore>> {
  return request<Page<StaffStore>>({ path: '/admin/v1/stores', query: { status: 'open', page, page_size: 100 }, auth: 'staff' })
}

/** OrderQuery filters GET /admin/v1/orders. */
export interface OrderQuery {
  store_id: number
  /** statuses, joined with commas; empty: every status. */
  status?: OrderStatus[]
  order_no?: string
  page?: number
  page_size?: number
}

/** orders lists a store's orders, newest first. */
export function orders(q: OrderQuery): Promise<Page<StaffOrder>> {
  return request<Page<StaffOrder>>({
    path: '/admin/v1/orders',
    query: {
      store_id: q.store_id,
      status: q.status && q.status.length ? q.status.join(',') : undefined,
      order_no: q.order_no,
      page: q.page,
      page_size: q.page_size,
    },
    auth: 'staff',
  })
}

/** order reads one order. */
export function order(id: number): Promise<StaffOrder> {
  return request<StaffOrder>({ path: `/admin/v1/orders/${id}`, auth: 'staff' })
}

/** ready marks a paid pickup order packed and waiting at the counter. */
export function ready(id: number): Promise<StaffOrder> {
  return request<StaffOrder>({ method: 'POST', path: `/admin/v1/orders/${id}/ready`, auth: 'staff' })
}

/** ship sends a paid delivery order with an express company (it becomes shipped). */
export function ship(id: number, carrier: string, trackingNo: string): Promise<StaffOrder> {
  return request<StaffOrder>({ method: 'POST', path: `/admin/v1/orders/${id}/ship`, body: { carrier, tracking_no: trackingNo }, auth: 'staff' })
}

/** dispatch calls a same-city rider for a paid delivery order. */
export function dispatch(id: number): Promise<StaffOrder> {
  return request<StaffOrder>({ method: 'POST', path: `/admin/v1/orders/${id}/dispatch`, body: {}, auth: 'staff' })
}

/** cancelDispatch calls the rider off (before they picked the parcel up). */
export function cancelDispatch(id: number, reason: string): Promise<unknown> {
  return request<unknown>({ method: 'POST', path: `/admin/v1/orders/${id}/dispatch/cancel`, body: { reason }, auth: 'staff' })
}

/** expressCompanies lists the carriers the store can ship with. */
export async function expressCompanies(): Promise<ExpressCompany[]> {
  const res = await request<{ items: { id: string | number; name: string }[] }>({ path: '/admin/v1/express-companies', auth: 'staff' })
  return (res.items || []).map((c) => ({ id: String(c.id), name: c.name }))
}

/**
 * trackingNumber reads a scanned or typed waybill number: spaces and dashes
 * people type are dropped, letters upper-cased (SF…, JD…). The number's shape
 * per carrier is the server's to check.
 */
export function trackingNumber(text: string): string {
  return (text || '').replace(/[\s-]/g, '').toUpperCase()
}

/** shipFormError is what is missing from the ship form ("" when it can be sent). */
export function shipFormError(carrier: string, trackingNo: string): string {
  if (!carrier) return '请选择快递公司'
  if (!trackingNo) return '请填写或扫描快递单号'
  if (trackingNo.length > 40) return '快递单号太长，请检查'
  return ''
}

/** activeShipment is the order's shipment still under way (a rider called, a parcel sent), if any. */
export function activeShipment(o: StaffOrder): StaffShipment | undefined {
  return (o.shipments || []).find((s) => s.status !== 'cancelled' && s.status !== 'failed')
}

/** pickedUp hands a pickup order over; the server checks the shopper's code. */
export function pickedUp(id: number, code: string): Promise<StaffOrder> {
  return request<StaffOrder>({ method: 'POST', path: `/admin/v1/orders/${id}/picked-up`, body: { pickup_code: code }, auth: 'staff' })
}

/**
 * pickupByCode hands over the store's waiting pickup order whose code the
 * shopper shows (POST /admin/v1/stores/{id}/pickups): no need to know the order.
 */
export function pickupByCode(storeId: number, code: string): Promise<StaffOrder> {
  return request<StaffOrder>({ method: 'POST', path: `/admin/v1/stores/${storeId}/pickups`, body: { pickup_code: code }, auth: 'staff' })
}

/** awaitingPickup are the statuses of a pickup order the counter still has to hand over. */
export const awaitingPickup: OrderStatus[] = ['paid', 'ready_for_pickup']

/** CounterStore is the store the counter works for. */
export interface CounterStore {
  id: number
  name: string
}

const COUNTER_STORE_KEY = 'wemart.staff.store'

/** pickedStore is the store a chain-wide account last picked for the counter. */
export function pickedStore(): CounterStore | null {
  const v = Taro.getStorageSync(COUNTER_STORE_KEY)
  if (v && typeof v === 'object' && typeof (v as CounterStore).id === 'number') return v as CounterStore
  return null
}

/** pickStore remembers the store a chain-wide account works at. */
export function pickStore(s: CounterStore | null) {
  if (s) Taro.setStorageSync(COUNTER_STORE_KEY, { id: s.id, name: s.name })
  else Taro.removeStorageSync(COUNTER_STORE_KEY)
}

/** Counter is who is at the counter and for which store (null: a chain-wide account that has not picked one). */
export interface Counter {
  staff: Staff
  store: CounterStore | null
}

/**
 * counter reads the signed-in account (GET /admin/v1/me): an account bound to
 * a store works there; a chain-wide one (an admin) at the store it picked.
 */
export async function counter(): Promise<Counter> {
  const staff = await me()
  if (staff.store_id) {
    const id = staff.store_id
    const s = await request<StaffStore>({ path: `/admin/v1/stores/${id}`, auth: 'staff' }).catch(() => null)
    return { staff, store: { id, name: s ? s.name : `门店 #${id}` } }
  }
  return { staff, store: pickedStore() }
}

/**
 * pickupCode reads what the counter scanned or typed: the shopper's QR holds
 * the pickup code's digits; spaces and dashes people type are dropped, and a
 * "code=…" or "pickup_code=…" form is read too.
 */
export function pickupCode(text: string): string {
  const t = (text || '').trim()
  const m = /(?:^|[?&])(?:pickup_code|code)=([^&]*)/.exec(t)
  const raw = m ? decodeURIComponent(m[1]) : t
  return raw.replace(/[\s-]/g, '')
}
