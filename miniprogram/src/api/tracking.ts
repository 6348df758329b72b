// Where a delivery order is: GET /api/v1/orders/{id}/tracking (the shopper)
// and GET /admin/v1/orders/{id}/tracking (staff, with the fee and reason).
// A shipment is a parcel with an express company or a same-city rider.
import { request } from './client'

export type ExpressStatus = 'created' | 'collected' | 'in_transit' | 'out_for_delivery' | 'signed' | 'problem' | 'returned' | 'rejected'
export type RiderStatus = 'requested' | 'accepted' | 'arrived' | 'picked_up' | 'delivered'
export type ShipmentStatus = ExpressStatus | RiderStatus | 'cancelled' | 'failed'

/** TrackingEvent is one step of a shipment, newest first in the list. */
export interface TrackingEvent {
  status: string
  description: string
  location: string
  occurred_at: string
}

/** Rider is the same-city courier and where they last were (GCJ-02). */
export interface Rider {
  name: string
  phone: string
  lat: number | null
  lng: number | null
  updated_at: string | null
}

export interface Shipment {
  id: number
  kind: 'express' | 'rider'
  carrier: string
  carrier_name: string
  tracking_no: string
  status: ShipmentStatus | string
  shipped_at: string | null
  delivered_at: string | null
  rider: Rider | null
  events: TrackingEvent[]
  /** staff only: what the rider costs the store, and why it was cancelled or failed. */
  fee_fen?: number
  distance_m?: number
  reason?: string
}

export interface Tracking {
  shipments: Shipment[]
}

export function getTracking(orderID: number): Promise<Tracking> {
  return request<Tracking>({ path: `/api/v1/orders/${orderID}/tracking`, auth: 'shopper' })
}

export function staffTracking(orderID: number): Promise<Tracking> {
  return request<Tracking>({ path: `/admin/v1/orders/${orderID}/tracking`, auth: 'staff' })
}

/** shipmentStatusText is the Chinese name of a shipment's status (express and rider). */
export const shipmentStatusText: Record<string, string> = {
  created: '待揽收',
  collected: '已揽收',
  in_transit: '运输中',
  out_for_delivery: '派送中',
  signed: '已签收',
  problem: '异常件',
  returned: '已退回',
  rejected: '已拒收',
  requested: '等待骑手接单',
  accepted: '骑手已接单',
  arrived: '骑手已到店',
  picked_up: '骑手配送中',
  delivered: '已送达',
  cancelled: '已取消',
  failed: '配送失败',
}

/** shipmentStatusLabel names a status, falling back to the API's word for one it does not know. */
export function shipmentStatusLabel(status: string): string {
  return shipmentStatusText[status] || status
}

/** shipmentTone is a badge colour: done green, trouble red, under way blue. */
export function shipmentTone(status: string): 'green' | 'red' | 'blue' | 'grey' {
  if (status === 'signed' || status === 'delivered') return 'green'
  if (status === 'problem' || status === 'returned' || status === 'rejected' || status === 'failed') return 'red'
  if (status === 'cancelled') return 'grey'
  return 'blue'
}

/** riderActive: a rider who still has the parcel to bring (their position is worth showing). */
export function riderActive(s: Shipment): boolean {
  return s.kind === 'rider' && ['accepted', 'arrived', 'picked_up'].includes(s.status)
}
