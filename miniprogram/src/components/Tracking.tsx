import Taro from '@tarojs/taro'
import { Button, Text, View } from '@tarojs/components'
import { riderActive, Shipment, shipmentStatusLabel, shipmentTone } from '../api/tracking'
import type { Point } from '../platform/types'
import { dateTime, distance, yuan } from '../utils/format'
import RiderMap from './RiderMap'
import './tracking.css'

export interface TrackingProps {
  shipments: Shipment[]
  /** The order's address on the map, for the rider's map. */
  destination?: Point | null
  /** staff see what the rider costs the store and why a shipment was cancelled. */
  staff?: boolean
}

function copy(no: string) {
  Taro.setClipboardData({ data: no }).catch(() => undefined)
}

function call(phone: string) {
  Taro.makePhoneCall({ phoneNumber: phone }).catch(() => undefined)
}

function hasPoint(p: { lat: number | null; lng: number | null } | null | undefined): p is Point {
  return !!p && typeof p.lat === 'number' && typeof p.lng === 'number'
}

/** ShipmentView is one parcel or rider: carrier, number (copyable), status, the rider, the events newest first. */
function ShipmentView({ s, destination, staff }: { s: Shipment; destination: Point | null; staff?: boolean }) {
  const rider = s.kind === 'rider' ? s.rider : null
  return (
    <View className='trk-shipment' data-testid={`shipment-${s.id}`} data-status={s.status}>
      <View className='row between'>
        <Text className='trk-carrier'>
          {s.kind === 'rider' ? '骑手配送' : '快递'} · {s.carrier_name || s.carrier}
        </Text>
        <Text className={`badge badge-${shipmentTone(s.status)}`} data-testid={`shipment-status-${s.id}`} data-status={s.status}>
          {shipmentStatusLabel(s.status)}
        </Text>
      </View>
      {s.tracking_no && (
        <View className='row trk-no'>
          <Text className='muted trk-no-text'>{s.kind === 'rider' ? '配送单号' : '运单号'} {s.tracking_no}</Text>
          <Text className='trk-link' data-testid={`tracking-copy-${s.id}`} onClick={() => copy(s.tracking_no)}>
            复制
          </Text>
        </View>
      )}
      {staff && (typeof s.fee_fen === 'number' || typeof s.distance_m === 'number') && (
        <Text className='muted trk-line' data-testid={`shipment-fee-${s.id}`}>
          {typeof s.fee_fen === 'number' ? `配送费 ${yuan(s.fee_fen)}` : ''}
          {typeof s.distance_m === 'number' ? ` · 距离 ${distance(s.distance_m)}` : ''}
        </Text>
      )}
      {staff && s.reason && <Text className='muted trk-line'>原因：{s.reason}</Text>}
      {rider && rider.name && (
        <View className='row between trk-rider' data-testid={`rider-${s.id}`}>
          <View className='grow'>
            <Text className='trk-rider-name'>骑手 {rider.name}</Text>
            {rider.updated_at && <Text className='muted'> · {dateTime(rider.updated_at)} 更新位置</Text>}
          </View>
          {rider.phone && (
            <Button className='btn trk-call' size='mini' data-testid={`rider-call-${s.id}`} onClick={() => call(rider.phone)}>
              联系骑手
            </Button>
          )}
        </View>
      )}
      {rider && hasPoint(rider) && riderActive(s) && <RiderMap rider={{ lat: rider.lat, lng: rider.lng }} riderName={rider.name} destination={destination} />}
      {s.events.length > 0 ? (
        <View className='trk-events'>
          {s.events.map((e, i) => (
            <View className={`trk-event ${i === 0 ? 'trk-event-now' : ''}`} key={`${e.occurred_at}-${i}`} data-testid='tracking-event' data-status={e.status}>
              <View className='trk-dot' />
              <View className='grow'>
                <Text className='trk-event-text'>{e.description || shipmentStatusLabel(e.status)}</Text>
                <Text className='muted trk-event-meta'>
                  {dateTime(e.occurred_at)}
                  {e.location ? ` · ${e.location}` : ''}
                </Text>
              </View>
            </View>
          ))}
        </View>
      ) : (
        <Text className='muted trk-line'>暂无物流信息</Text>
      )}
    </View>
  )
}

/** Tracking shows an order's shipments: the newest first as the API lists them. */
export default function Tracking({ shipments, destination, staff }: TrackingProps) {
  return (
    <View>
      {shipments.map((s) => (
        <ShipmentView key={s.id} s={s} destination={destination || null} staff={staff} />
      ))}
    </View>
  )
}
