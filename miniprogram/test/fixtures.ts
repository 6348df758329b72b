// Shared API answers for the checkout, order, orders and addresses tests.
import type { Order } from '../src/api/orders'

export const store = {
  id: 1, name: 'wemart 人民广场店', address: '上海市黄浦区西藏中路268号', city: '上海', phone: '021-1',
  lat: 31.23, lng: 121.47, status: 'open', open_now: true, pickup: true, delivery: true,
  delivery_radius_m: 3000, delivery_fee_fen: 500, delivery_min_fen: 2000,
}

export const cart = {
  store_id: 1,
  items: [
    { sku_id: 11, product_id: 5, title: '农夫山泉 550ml', sku_name: '单瓶', image: '', quantity: 2, selected: true, price_fen: 200, seen_price_fen: 200, price_changed: false, amount_fen: 400, stock: 10, available: true, problem: null },
    { sku_id: 12, product_id: 6, title: '光明牛奶 1L', sku_name: '盒装', image: '/media/milk.jpg', quantity: 1, selected: true, price_fen: 2000, seen_price_fen: 2000, price_changed: false, amount_fen: 2000, stock: 3, available: true, problem: null },
    { sku_id: 13, product_id: 7, title: '没选的', sku_name: '袋', image: '', quantity: 1, selected: false, price_fen: 100, seen_price_fen: 100, price_changed: false, amount_fen: 100, stock: 3, available: true, problem: null },
  ],
  goods_fen: 2400, selected_count: 3, has_changes: false, updated_at: null,
}

export const home = { id: 21, contact: '张三', phone: '13800000000', province: '上海', city: '上海', district: '黄浦区', detail: '人民大道200号', lat: 31.231, lng: 121.474, is_default: true }
export const far = { id: 22, contact: '李四', phone: '13900000000', province: '', city: '', district: '', detail: '嘉定某地', lat: 31.4, lng: 121.2, is_default: false }

export const payment = { timeStamp: '1', nonceStr: 'n', package: 'prepay_id=wx1', signType: 'RSA', paySign: 's' }

export function order(over: Partial<Order> = {}): Order {
  return {
    id: 7, order_no: 'WM202612010001', status: 'pending_payment', shopper_id: 1, store_id: 1, store: { id: 1, name: 'wemart 人民广场店' },
    fulfilment: 'pickup', pickup_code: null, address: null, delivery_distance_m: null,
    items: [
      { id: 101, sku_id: 11, product_id: 5, title: '农夫山泉 550ml', sku_name: '单瓶', price_fen: 200, quantity: 2, amount_fen: 400, refunded_quantity: 0 },
      { id: 102, sku_id: 12, product_id: 6, title: '光明牛奶 1L', sku_name: '盒装', price_fen: 2000, quantity: 1, amount_fen: 2000, refunded_quantity: 0 },
    ],
    goods_fen: 2400, delivery_fee_fen: 0, discount_fen: 0, payable_fen: 2400, refunded_fen: 0, remark: '',
    expires_at: new Date(Date.now() + 15 * 60 * 1000).toISOString(), paid_at: null, cancelled_at: null, cancel_reason: '',
    created_at: '2026-12-01T12:00:00Z', updated_at: '2026-12-01T12:00:00Z',
    timeline: [{ status: 'pending_payment', from_status: null, at: '2026-12-01T12:00:00Z', actor: 'shopper', actor_id: 1, note: '下单' }],
    refunds: [],
    ...over,
  }
}
