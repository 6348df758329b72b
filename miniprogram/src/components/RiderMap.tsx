import { Map, Text, View } from '@tarojs/components'
import type { Point } from '../platform/types'
import { distance } from '../utils/format'
import { metres } from '../utils/geo'

export interface RiderMapProps {
  rider: Point
  riderName: string
  /** Where the parcel goes (the order's address), when it has a map position. */
  destination: Point | null
}

/** place puts a point inside the drawn box: percentages of its width and height, with a margin. */
function place(p: Point, lo: Point, hi: Point) {
  const span = (a: number, b: number) => (b - a > 1e-9 ? b - a : 1)
  const x = hi.lng - lo.lng > 1e-9 ? (p.lng - lo.lng) / span(lo.lng, hi.lng) : 0.5
  const y = hi.lat - lo.lat > 1e-9 ? (hi.lat - p.lat) / span(lo.lat, hi.lat) : 0.5
  return { left: `${(12 + x * 76).toFixed(1)}%`, top: `${(18 + y * 64).toFixed(1)}%` }
}

/**
 * RiderMap shows where the rider is and where the parcel goes: WeChat's map
 * with both as markers in the weapp, and in the h5 preview (Taro's Map is a
 * WeChat component) a drawn stand-in with the two points placed to scale.
 */
export default function RiderMap({ rider, riderName, destination }: RiderMapProps) {
  const away = destination ? distance(metres(rider, destination)) : ''
  if (process.env.TARO_ENV === 'weapp') {
    const points = [{ latitude: rider.lat, longitude: rider.lng }]
    if (destination) points.push({ latitude: destination.lat, longitude: destination.lng })
    const marker = (id: number, p: Point, label: string) => ({
      id,
      latitude: p.lat,
      longitude: p.lng,
      title: label,
      iconPath: '/assets/marker.png',
      width: 28,
      height: 36,
      callout: { content: label, color: '#222222', fontSize: 12, borderRadius: 4, borderWidth: 0, borderColor: '#ffffff', bgColor: '#ffffff', padding: 4, display: 'ALWAYS' as const, textAlign: 'center' as const, anchorX: 0, anchorY: 0 },
    })
    return (
      <View>
        <Map
          className='trk-map'
          data-testid='rider-map'
          latitude={rider.lat}
          longitude={rider.lng}
          scale={15}
          includePoints={points}
          markers={destination ? [marker(1, rider, `骑手 ${riderName}`), marker(2, destination, '收货地址')] : [marker(1, rider, `骑手 ${riderName}`)]}
          onError={() => undefined}
        />
        {away && <Text className='muted'>骑手距收货地址约 {away}</Text>}
      </View>
    )
  }
  const lo = destination ? { lat: Math.min(rider.lat, destination.lat), lng: Math.min(rider.lng, destination.lng) } : rider
  const hi = destination ? { lat: Math.max(rider.lat, destination.lat), lng: Math.max(rider.lng, destination.lng) } : rider
  return (
    <View>
      <View className='trk-map trk-sketch' data-testid='rider-map' data-lat={rider.lat} data-lng={rider.lng}>
        <View className='trk-pin trk-pin-rider' style={place(rider, lo, hi)}>
          <View className='trk-pin-dot' />
          <Text className='trk-pin-label'>骑手 {riderName}</Text>
        </View>
        {destination && (
          <View className='trk-pin trk-pin-home' style={place(destination, lo, hi)}>
            <View className='trk-pin-dot' />
            <Text className='trk-pin-label'>收货地址</Text>
          </View>
        )}
      </View>
      {away && <Text className='muted'>骑手距收货地址约 {away}</Text>}
    </View>
  )
}
