import { useCallback, useState } from 'react'
import Taro, { useDidShow, usePullDownRefresh } from '@tarojs/taro'
import { Map, Text, View } from '@tarojs/components'
import { errorText } from '../../api/client'
import { nearbyStores, StoreCard as Store } from '../../api/shop'
import { location, Point } from '../../platform/wechat'
import State from '../../components/State'
import StoreCard from '../../components/StoreCard'
import { rememberPoint } from '../../utils/geo'
import { chosenStore, chooseStore } from '../../utils/store'
import '../../components/shop.css'
import './index.css'

/** storeURL is a store page's route. */
function storeURL(id: number) {
  return `/pages/store/index?id=${id}`
}

/**
 * The stores near the shopper, nearest first: distance, open now, pickup /
 * delivery and the address (a map above the list in WeChat). Tapping one
 * remembers it as the shopper's store and opens its shelves.
 */
export default function StoresPage() {
  const [at, setAt] = useState<Point | null>(null)
  const [stores, setStores] = useState<Store[] | null>(null)
  const [error, setError] = useState('')
  const [current, setCurrent] = useState(0)

  const load = useCallback(async () => {
    setError('')
    setCurrent(chosenStore()?.id || 0)
    try {
      const p = await location()
      rememberPoint(p)
      setAt(p)
      const res = await nearbyStores(p)
      setStores(res.items)
    } catch (err) {
      setStores(null)
      setError(errorText(err))
    }
  }, [])

  useDidShow(() => {
    load()
  })

  usePullDownRefresh(() => {
    load().finally(() => Taro.stopPullDownRefresh())
  })

  const pick = (s: Store) => {
    chooseStore(s)
    setCurrent(s.id)
    Taro.navigateTo({ url: storeURL(s.id) })
  }

  const markerTap = (e: { detail: { markerId?: number | string } }) => {
    const s = stores?.find((x) => x.id === Number(e.detail.markerId))
    if (s) pick(s)
  }

  return (
    <View className='page' data-testid='stores-page'>
      {/* Taro's Map is a WeChat component: the h5 preview shows the list only. */}
      {process.env.TARO_ENV === 'weapp' && at && stores && stores.length > 0 && (
        <Map
          className='stores-map'
          latitude={at.lat}
          longitude={at.lng}
          scale={14}
          showLocation
          includePoints={[{ latitude: at.lat, longitude: at.lng }, ...stores.slice(0, 5).map((s) => ({ latitude: s.lat, longitude: s.lng }))]}
          markers={stores.map((s) => ({
            id: s.id,
            latitude: s.lat,
            longitude: s.lng,
            title: s.name,
            iconPath: '/assets/marker.png',
            width: 28,
            height: 36,
            callout: { content: s.name, color: '#222222', fontSize: 12, borderRadius: 4, borderWidth: 0, borderColor: '#ffffff', bgColor: '#ffffff', padding: 4, display: 'BYCLICK', textAlign: 'center', anchorX: 0, anchorY: 0 },
          }))}
          onMarkerTap={markerTap}
          onError={() => undefined}
        />
      )}
      {stores && stores.length > 0 && (
        <View className='stores-head'>
          <Text className='stores-title'>附近门店</Text>
          <Text className='stores-hint'>按距离排序 · 共 {stores.length} 家</Text>
        </View>
      )}
      {stores && stores.map((s) => <StoreCard key={s.id} store={s} active={s.id === current} onTap={pick} />)}
      <State loading={!stores && !error} error={error} empty={stores && stores.length === 0 ? '附近 5 公里内没有门店' : ''} onRetry={load} />
    </View>
  )
}
