// API answers for tracking, receipt and subscriptions (order page, checkout, staff).
import type { Shipment, Tracking } from '../src/api/tracking'
import type { SubscribeTemplate } from '../src/api/subscriptions'

/** riderShipment is a rider on the way: newest event first, as the API lists them. */
export function riderShipment(over: Partial<Shipment> = {}): Shipment {
  return {
    id: 31, kind: 'rider', carrier: 'sandbox_rider', carrier_name: '沙箱骑手', tracking_no: 'RD20261201001', status: 'picked_up',
    shipped_at: '2026-12-01T12:10:00Z', delivered_at: null,
    rider: { name: '刘师傅', phone: '13700001111', lat: 31.2335, lng: 121.4762, updated_at: '2026-12-01T12:20:00Z' },
    events: [
      { status: 'picked_up', description: '骑手已取货，正在送往收货地址', location: '', occurred_at: '2026-12-01T12:20:00Z' },
      { status: 'arrived', description: '骑手已到店', location: 'wemart 人民广场店', occurred_at: '2026-12-01T12:15:00Z' },
      { status: 'accepted', description: '骑手已接单', location: '', occurred_at: '2026-12-01T12:11:00Z' },
      { status: 'requested', description: '', location: '', occurred_at: '2026-12-01T12:10:00Z' },
    ],
    ...over,
  }
}

/** expressShipment is a parcel with an express company. */
export function expressShipment(over: Partial<Shipment> = {}): Shipment {
  return {
    id: 32, kind: 'express', carrier: 'SF', carrier_name: '顺丰速运', tracking_no: 'SF1234567890123', status: 'in_transit',
    shipped_at: '2026-12-01T12:10:00Z', delivered_at: null, rider: null,
    events: [
      { status: 'in_transit', description: '快件已到达【上海转运中心】', location: '上海', occurred_at: '2026-12-01T18:00:00Z' },
      { status: 'collected', description: '顺丰速运 已收取快件', location: '上海黄浦', occurred_at: '2026-12-01T13:00:00Z' },
    ],
    ...over,
  }
}

export function tracking(...shipments: Shipment[]): { statusCode: number; data: Tracking } {
  return { statusCode: 200, data: { shipments } }
}

export const deliveryAddress = { address_id: 21, contact: '张三', phone: '13800000000', province: '上海', city: '上海', district: '黄浦区', detail: '人民大道200号', lat: 31.231, lng: 121.474 }

export const templates: SubscribeTemplate[] = [
  { event: 'paid', template_id: 'T-PAID', title: '支付成功通知' },
  { event: 'ready_for_pickup', template_id: 'T-READY', title: '取货提醒' },
  { event: 'shipped', template_id: 'T-SHIP', title: '订单发货通知' },
  { event: 'delivered', template_id: 'T-DONE', title: '订单送达通知' },
  { event: 'refunded', template_id: 'T-REFUND', title: '退款结果通知' },
]
