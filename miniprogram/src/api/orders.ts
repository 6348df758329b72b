// The shopper's cart (read at checkout), stores' fulfilment facts, checkout
// and orders: typed calls of server/api/openapi.yaml's cart, shop and orders
// endpoints.
import { request } from './client'
import type { Cart, CartLine } from './shop'
import type { PaymentParams } from '../platform/types'

/** OrderStatus is an order's lifecycle state (openapi OrderStatus). */
export type OrderStatus =
  | 'pending_payment'
  | 'paid'
  | 'ready_for_pickup'
  | 'shipped'
  | 'delivered'
  | 'completed'
  | 'cancelled'
  | 'refunding'
  | 'refunded'

export type Fulfilment = 'pickup' | 'delivery'

/** The cart's types are the shop's (src/api/shop.ts): checkout reads the same cart. */

export type { Cart, CartLine }

/** StoreInfo is GET /api/v1/stores/{id} (openapi StoreCard). */
export interface StoreInfo {
  id: number
  name: string
  address: string
  city: string
  phone: string
  lat: number
  lng: number
  status: 'open' | 'closed'
  open_now: boolean
  pickup: boolean
  delivery: boolean
  delivery_radius_m: number
  delivery_fee_fen: number
  delivery_min_fen: number
}

/** DeliveryCheck says whether a store delivers to a point, how far and for what fee. */
export interface DeliveryCheck {
  store_id: number
  delivers: boolean
  distance_m: number
  reason?: 'no_delivery' | 'outside_radius' | 'outside_zone'
  delivery_fee_fen: number
  delivery_min_fen: number
}

export interface OrderItem {
  id: number
  sku_id: number
  product_id: number
  title: string
  sku_name: string
  price_fen: number
  quantity: number
  amount_fen: number
  refunded_quantity: number
  /** A picture, when the server gives one (not in the contract yet). */
  image_url?: string
  image?: string
}

export interface OrderEvent {
  status: OrderStatus
  from_status: OrderStatus | null
  at: string
  actor: 'shopper' | 'staff' | 'system' | 'wechat'
  actor_id: number | null
  note: string
}

export interface OrderRefund {
  id: number
  out_refund_no: string
  amount_fen: number
  status: 'requested' | 'rejected' | 'processing' | 'succeeded' | 'failed'
  initiator: 'shopper' | 'staff' | 'system'
  reason: string
  items: { order_item_id: number; quantity: number }[]
  review_note: string
  created_at: string
  succeeded_at: string | null
}

export interface OrderAddress {
  address_id?: number
  contact?: string
  phone?: string
  province?: string
  city?: string
  district?: string
  detail?: string
  lat?: number
  lng?: number
}

/** Order is one of the shopper's orders (timeline, refunds, payment only in the order view). */
export interface Order {
  id: number
  order_no: string
  status: OrderStatus
  shopper_id: number
  store_id: number
  store: { id: number; name: string } | null
  fulfilment: Fulfilment
  pickup_code: string | null
  address: OrderAddress | null
  delivery_distance_m: number | null
  items: OrderItem[]
  goods_fen: number
  delivery_fee_fen: number
  discount_fen: number
  payable_fen: number
  refunded_fen: number
  /** The discount's parts (issue 14; absent from older servers). */
  coupon_id?: number | null
  coupon_discount_fen?: number
  points_used?: number
  points_discount_fen?: number
  level_discount_fen?: number
  level_name?: string
  delivery_fee_waived_fen?: number
  remark: string
  expires_at: string
  paid_at: string | null
  cancelled_at: string | null
  cancel_reason: string
  created_at: string
  updated_at: string
  /** When a delivery order left the store, reached the shopper, and when it completes by itself. */
  shipped_at?: string | null
  delivered_at?: string | null
  receive_due_at?: string | null
  timeline?: OrderEvent[]
  refunds?: OrderRefund[]
  payment?: { status: 'pending' | 'paid' | 'closed'; transaction_id: string | null; paid_at: string | null }
}

/** Checkout is an order with what wx.requestPayment needs (null once it cannot be paid). */
export interface Checkout {
  order: Order
  payment: PaymentParams | null
}

export interface OrderPage {
  page: number
  page_size: number
  total: number
  items: Order[]
}

/** CheckoutBody is POST /api/v1/orders' body (no items: the cart's selected lines). */
export interface CheckoutBody {
  store_id: number
  fulfilment: Fulfilment
  address_id?: number
  remark?: string
  /** The coupon to apply; 0: none (the quote would otherwise pick the best). */
  coupon_id?: number
  /** Points to spend (1 point = 1 fen). */
  points?: number
  expected_payable_fen?: number
}

/** QuoteBody is POST /api/v1/orders/quote's body: the checkout's, without remark and key. */
export type QuoteBody = Omit<CheckoutBody, 'remark' | 'expected_payable_fen'>

/** CouponOffer is one of the shopper's coupons judged against the cart (best first). */
export interface CouponOffer {
  coupon_id: number
  template_id: number
  name: string
  /** What it would take off (0 when not usable). */
  discount_fen: number
  usable: boolean
  /** Why it is not usable ("" when usable). */
  reason: string
  lines?: number[]
  valid_until: string
}

/** Quote is POST /api/v1/orders/quote: what the checkout would charge, step by step. */
export interface Quote {
  goods_fen: number
  level: { name: string; percent_off: number; free_delivery: boolean } | null
  level_discount_fen: number
  coupons: CouponOffer[]
  /** The coupon applied: the one asked for, else the best usable; null: none. */
  coupon_id: number | null
  coupon_discount_fen: number
  points_available: number
  points_max: number
  points_used: number
  points_discount_fen: number
  delivery_fee_fen: number
  delivery_fee_waived_fen: number
  discount_fen: number
  payable_fen: number
  items: { sku_id: number; quantity: number; price_fen: number; amount_fen: number; discount_fen: number }[]
}

export interface RefundBody {
  reason: string
  items?: { order_item_id: number; quantity: number }[]
}

export function getCart(storeID: number): Promise<Cart> {
  return request<Cart>({ path: '/api/v1/cart', query: { store_id: storeID }, auth: 'shopper' })
}

export function getStore(id: number): Promise<StoreInfo> {
  return request<StoreInfo>({ path: `/api/v1/stores/${id}` })
}

export function checkDelivery(storeID: number, lat: number, lng: number): Promise<DeliveryCheck> {
  return request<DeliveryCheck>({ path: `/api/v1/stores/${storeID}/delivery`, query: { lat, lng } })
}

/** quote prices a checkout without placing it (level, coupon, points, delivery fee). */
export function quote(body: QuoteBody): Promise<Quote> {
  return request<Quote>({ method: 'POST', path: '/api/v1/orders/quote', body, auth: 'shopper' })
}

/** offerID is an offer's coupon id (coupon_id; id in case a server writes it so). */
export function offerID(o: CouponOffer): number {
  return o.coupon_id || (o as unknown as { id?: number }).id || 0
}

/** placeOrder checks out; key is the attempt's Idempotency-Key. */
export function placeOrder(body: CheckoutBody, key: string): Promise<Checkout> {
  return request<Checkout>({ method: 'POST', path: '/api/v1/orders', body, headers: { 'Idempotency-Key': key }, auth: 'shopper' })
}

export function listOrders(status: string, page: number, pageSize = 10): Promise<OrderPage> {
  return request<OrderPage>({ path: '/api/v1/orders', query: { status, page, page_size: pageSize }, auth: 'shopper' })
}

export function getOrder(id: number): Promise<Order> {
  return request<Order>({ path: `/api/v1/orders/${id}`, auth: 'shopper' })
}

export function payOrder(id: number): Promise<Checkout> {
  return request<Checkout>({ method: 'POST', path: `/api/v1/orders/${id}/pay`, auth: 'shopper' })
}

export function cancelOrder(id: number, reason?: string): Promise<Order> {
  return request<Order>({ method: 'POST', path: `/api/v1/orders/${id}/cancel`, body: reason ? { reason } : {}, auth: 'shopper' })
}

/** receiveOrder confirms a delivery order was received (it completes). */
export function receiveOrder(id: number): Promise<Order> {
  return request<Order>({ method: 'POST', path: `/api/v1/orders/${id}/receive`, body: {}, auth: 'shopper' })
}

export function refundOrder(id: number, body: RefundBody): Promise<Order> {
  return request<Order>({ method: 'POST', path: `/api/v1/orders/${id}/refund`, body, auth: 'shopper' })
}

/** canReceive: a delivery order on its way or delivered can be confirmed received (确认收货). */
export function canReceive(o: Pick<Order, 'fulfilment' | 'status'>): boolean {
  return o.fulfilment === 'delivery' && (o.status === 'shipped' || o.status === 'delivered')
}

/** refundStatusText is the Chinese name of a refund's status. */
export const refundStatusText: Record<OrderRefund['status'], string> = {
  requested: '待审核',
  rejected: '已拒绝',
  processing: '退款中',
  succeeded: '已退款',
  failed: '退款失败',
}
