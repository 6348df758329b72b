import { useCallback, useEffect, useRef, useState } from 'react'
import Taro, { useDidShow, usePullDownRefresh, useRouter } from '@tarojs/taro'
import { Button, Text, View } from '@tarojs/components'
import { ApiError, errorText } from '../../api/client'
import { cartCount, getCart, getStore, listCategories, nearbyStores, resolveScene, searchProducts, SearchItem, ShopCategory, StoreCard } from '../../api/shop'
import { location } from '../../platform/wechat'
import State from '../../components/State'
import ProductCard from '../../components/ProductCard'
import CartButton from '../../components/CartButton'
import { distance } from '../../utils/format'
import { lastPoint, metres, rememberPoint } from '../../utils/geo'
import { isOpen } from '../../utils/hours'
import { parseScene } from '../../utils/ids'
import { chosenStore, chooseStore } from '../../utils/store'
import { useInviter } from '../../utils/share'
import '../../components/shop.css'
import './index.css'

/** How many products the home page shows before "查看全部". */
const HOME_PRODUCTS = 10

const catColours = ['#ff7a45', '#36cfc9', '#597ef7', '#f759ab', '#73d13d', '#ffc53d', '#9254de', '#40a9ff', '#ff4d4f', '#13c2c2']

/**
 * openScene follows an in-store QR code ("s=12" or "p=345&s=12"): it resolves
 * the scene with the server, remembers the store and opens the store's page,
 * or the product's page at that store. It says whether it navigated.
 */
async function openScene(raw: string): Promise<boolean> {
  let scene = raw
  try {
    scene = decodeURIComponent(raw)
  } catch {
    // keep the raw scene
  }
  if (!parseScene(scene).store) return false
  const res = await resolveScene(scene)
  chooseStore(res.store)
  const url = res.product ? `/pages/product/index?id=${res.product.id}&store_id=${res.store.id}` : `/pages/store/index?id=${res.store.id}`
  await Taro.navigateTo({ url })
  return true
}

interface Home {
  store: StoreCard
  distanceM?: number
}

/**
 * Home: the shopper's store (the one they picked, else the nearest), a search
 * box, the categories and the store's products, and the cart. Opened through
 * an in-store QR code, it goes straight to that store or product.
 */
export default function Index() {
  const { params } = useRouter()
  // a friend's invitation (我的 › 邀请好友 shares this page with inviter=<code>)
  useInviter()
  const [home, setHome] = useState<Home | null>(null)
  const [error, setError] = useState('')
  const [empty, setEmpty] = useState(false)
  const [cats, setCats] = useState<ShopCategory[]>([])
  const [items, setItems] = useState<SearchItem[] | null>(null)
  const [itemsError, setItemsError] = useState('')
  const [count, setCount] = useState(0)
  const loading = useRef(false)

  // What a store's home shows: its categories, products and cart, in parallel.
  const loadShelves = useCallback(async (storeID: number) => {
    getCart(storeID)
      .then((c) => setCount(cartCount(c)))
      .catch(() => undefined)
    const [c, p] = await Promise.allSettled([listCategories(), searchProducts({ store_id: storeID, page: 1, page_size: HOME_PRODUCTS })])
    if (c.status === 'fulfilled') setCats(c.value.items)
    if (p.status === 'fulfilled') {
      setItems(p.value.items)
      setItemsError('')
    } else {
      setItemsError(errorText(p.reason))
    }
  }, [])

  const load = useCallback(async () => {
    if (loading.current) return
    loading.current = true
    setError('')
    setEmpty(false)
    try {
      const chosen = chosenStore()
      if (chosen) {
        // The picked store: its page, categories and products in one wave.
        const shelves = loadShelves(chosen.id)
        try {
          const store = await getStore(chosen.id)
          const here = lastPoint()
          setHome({ store, distanceM: here ? metres(here, { lat: store.lat, lng: store.lng }) : undefined })
          await shelves
          return
        } catch (err) {
          // A store that is gone falls back to the nearest one.
          if (!(err instanceof ApiError && err.status === 404)) throw err
        }
      }
      const at = await location()
      rememberPoint(at)
      const res = await nearbyStores(at)
      const nearest = res.items[0]
      if (!nearest) {
        setHome(null)
        setEmpty(true)
        return
      }
      setHome({ store: nearest, distanceM: nearest.distance_m })
      await loadShelves(nearest.id)
    } catch (err) {
      setError(errorText(err))
    } finally {
      loading.current = false
    }
  }, [loadShelves])

  useEffect(() => {
    const scene = params.scene
    if (!scene) return
    openScene(scene).catch((err) => Taro.showToast({ title: errorText(err), icon: 'none' }))
  }, [params.scene])

  useDidShow(() => {
    load()
  })

  usePullDownRefresh(() => {
    load().finally(() => Taro.stopPullDownRefresh())
  })

  const toStores = () => Taro.navigateTo({ url: '/pages/stores/index' })

  if (!home) {
    return (
      <View className='page' data-testid='home'>
        <State loading={!error && !empty} error={error} empty={empty ? '附近 5 公里内没有门店' : ''} onRetry={load} />
        {(error || empty) && (
          <View className='home-actions'>
            <Button className='btn btn-primary' data-testid='home-choose-store' onClick={toStores}>
              选择门店
            </Button>
          </View>
        )}
      </View>
    )
  }

  const { store } = home
  const open = isOpen(store)
  return (
    <View className='page' data-testid='home'>
      <View className='home-top'>
        <View className='home-store'>
          <Text className='home-store-name' data-testid='home-store' onClick={() => Taro.navigateTo({ url: `/pages/store/index?id=${store.id}` })}>
            {store.name}
          </Text>
          <Text className='home-switch' data-testid='home-switch-store' onClick={toStores}>
            切换门店
          </Text>
        </View>
        <View className='home-store-meta'>
          <Text className='home-open'>{store.status === 'closed' ? '暂停营业' : open ? '营业中' : '休息中'}</Text>
          {store.pickup && <Text className='home-open'>自提</Text>}
          {store.delivery && <Text className='home-open'>配送</Text>}
          <Text>
            {' '}
            {home.distanceM !== undefined ? `${distance(home.distanceM)} · ` : ''}
            {store.address}
          </Text>
        </View>
        <View className='home-search' data-testid='home-search' onClick={() => Taro.navigateTo({ url: `/pages/search/index?store_id=${store.id}` })}>
          <View className='icon-search' />
          <Text>牛奶、水果、零食…</Text>
        </View>
      </View>
      {cats.length > 0 && (
        <View className='home-cats' data-testid='home-categories'>
          {cats
            .filter((c) => c.parent_id === null)
            .slice(0, 10)
            .map((c, i) => (
              <View
                key={c.id}
                className='home-cat'
                data-testid={`home-category-${c.id}`}
                onClick={() => Taro.navigateTo({ url: `/pages/store/index?id=${store.id}&category_id=${c.id}` })}
              >
                <View className='home-cat-icon' style={{ background: catColours[i % catColours.length] }}>
                  {c.name.slice(0, 1)}
                </View>
                <Text className='home-cat-name'>{c.name}</Text>
              </View>
            ))}
        </View>
      )}
      <View className='home-section'>
        <Text className='home-section-title'>本店热卖</Text>
        <Text className='home-more' data-testid='home-all' onClick={() => Taro.navigateTo({ url: `/pages/store/index?id=${store.id}` })}>
          查看全部 ›
        </Text>
      </View>
      {items && items.length > 0 && (
        <View className='pgrid'>
          {items.map((it) => (
            <View className='pgrid-cell' key={it.id}>
              <ProductCard item={it} storeID={store.id} layout='grid' />
            </View>
          ))}
        </View>
      )}
      <State loading={!items && !itemsError} error={itemsError} empty={items && items.length === 0 ? '这家门店还没有上架商品' : ''} onRetry={() => loadShelves(store.id)} />
      <CartButton storeID={store.id} count={count} />
    </View>
  )
}
