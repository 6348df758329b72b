import Taro from '@tarojs/taro'
import type { Point } from '../platform/types'

const POINT_KEY = 'wemart.point'

/** rememberPoint keeps where the shopper was last located (for distances on later pages). */
export function rememberPoint(p: Point) {
  Taro.setStorageSync(POINT_KEY, { lat: p.lat, lng: p.lng })
}

/** lastPoint is where the shopper was last located, if known. */
export function lastPoint(): Point | null {
  const v = Taro.getStorageSync(POINT_KEY)
  if (v && typeof v === 'object' && typeof (v as Point).lat === 'number' && typeof (v as Point).lng === 'number') return v as Point
  return null
}

/** metres is the great-circle distance between two points. */
export function metres(a: Point, b: Point): number {
  const rad = Math.PI / 180
  const dLat = (b.lat - a.lat) * rad
  const dLng = (b.lng - a.lng) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2
  return 2 * 6371000 * Math.asin(Math.min(1, Math.sqrt(h)))
}
