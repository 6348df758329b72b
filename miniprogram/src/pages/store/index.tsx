import { useCallback, useEffect, useRef, useState } from 'react'
import Taro, { useDidShow, usePullDownRefresh, useReachBottom, useRouter } from '@tarojs/taro'
import { Button, Input, ScrollView, Text, View } from '@tarojs/components'
import { errorText } from '../../api/client'
import { cartCount, getCart, getStore, listCategories, searchProducts, SearchItem, ShopCategory, StoreCard } from '../../api/shop'
import State from '../../components/State'
import ProductCard from '../../components/ProductCard'
import StoreBadges from '../../components/StoreBadges'
import { CartBar } from '../../components/CartButton'
import { categoryRows } from '../../utils/catalog'
import { distance } from '../../utils/format'
import { lastPoint, metres } from '../../utils/geo'
import { isOpen, todayHours } from '../../utils/hours'
import { useInviteShare } from '../../utils/share'
import '../../components/shop.css'
import './index.css'

/** The number of products a shelf loads at a time. */
export const PAGE_SIZE = 20

interface Shelf {
  items: SearchItem[]
  total: number
  page: number
}

/** searchURL is the search page's route at a store. */
function searchURL(storeID: string, q: string) {
  return `/pages/search/index?store_id=${storeID}&q=${encodeURIComponent(q)}`
}

/**
 * The store's shelves: the store, a search box, the categories on the side
 * and the store's products (its prices, what is sold out there), paged.
 */
export default function StorePage() {
  const { params } = useRouter()
  const id = params.id || ''
  // The category to open on (the home page's category shortcuts), else 全部.
  const firstCat = Number(params.category_id) > 0 ? Number(params.category_id) : 0
  const [store, setStore] = useState<StoreCard | null>(null)
  const [storeError, setStoreError] = useState('')
  const [cats, setCats] = useState<ShopCategory[]>([])
  const [cat, setCat] = useState(0)
  const [shelf, setShelf] = useState<Shelf | null>(null)
  const [shelfError, setShelfError] = useState('')
  const [loadingMore, setLoadingMore] = useState(false)
  const [count, setCount] = useState(0)
  const [q, setQ] = useState('')
  // Only the answer to the latest shelf request is shown (switching category
  // while a page is on its way must not mix two shelves).
  const seq = useRef(0)

  // Shared to a chat or Moments: this store's shelves, with the sharer's invite code.
  useInviteShare(() => ({ title: store ? `${store.name} · wemart 鲜到家` : 'wemart 鲜到家', path: `/pages/store/index?id=${id}` }))

  const showShelf = useCallback((s: Shelf, append: boolean) => {
    setShelf((old) => (append && old ? { items: [...old.items, ...s.items.filter((i) => !old.items.some((o) => o.id === i.id))], total: s.total, page: s.page } : s))
  }, [])

  /**
   * load opens the store. PERFORMANCE CONTRACT: the first screen needs at
   * most two API round trips, so the store, the categories and the first page
   * of products are requested together in one wave (none waits for another);
   * the cart badge (useDidShow) goes out at the same time.
   */
  const load = useCallback(async () => {
    if (!id) {
      setStoreError('缺少门店编号')
      return
    }
    const mine = ++seq.current
    setStoreError('')
    setShelfError('')
    setCat(firstCat)
    const wave = [getStore(id), listCategories(), searchProducts({ store_id: id, category_id: firstCat || undefined, page: 1, page_size: PAGE_SIZE })] as const
    const [s, c, p] = await Promise.allSettled(wave)
    if (s.status === 'fulfilled') {
      setStore(s.value)
      Taro.setNavigationBarTitle({ title: s.value.name }).catch(() => undefined)
    } else {
      setStore(null)
      setStoreError(errorText(s.reason))
    }
    if (c.status === 'fulfilled') setCats(c.value.items)
    if (mine !== seq.current) return
    if (p.status === 'fulfilled') showShelf({ items: p.value.items, total: p.value.total, page: 1 }, false)
    else setShelfError(errorText(p.reason))
  }, [id, firstCat, showShelf])

  useEffect(() => {
    load()
  }, [load])

  const refreshCart = useCallback(() => {
    if (!id) return
    getCart(id)
      .then((c) => setCount(cartCount(c)))
      .catch(() => undefined)
  }, [id])

  useDidShow(() => {
    refreshCart()
  })

  usePullDownRefresh(() => {
    Promise.all([load(), refreshCart()]).finally(() => Taro.stopPullDownRefresh())
  })

  const openShelf = async (categoryID: number) => {
    const mine = ++seq.current
    setCat(categoryID)
    setShelf(null)
    setShelfError('')
    try {
      const p = await searchProducts({ store_id: id, category_id: categoryID || undefined, page: 1, page_size: PAGE_SIZE })
      if (mine === seq.current) showShelf({ items: p.items, total: p.total, page: 1 }, false)
    } catch (err) {
      if (mine === seq.current) setShelfError(errorText(err))
    }
  }

  const more = shelf !== null && shelf.items.length < shelf.total && shelf.page * PAGE_SIZE < shelf.total

  const loadMore = async () => {
    if (!shelf || !more || loadingMore) return
    const mine = seq.current
    setLoadingMore(true)
    try {
      const p = await searchProducts({ store_id: id, category_id: cat || undefined, page: shelf.page + 1, page_size: PAGE_SIZE })
      if (mine === seq.current) showShelf({ items: p.items, total: p.total, page: shelf.page + 1 }, true)
    } catch (err) {
      Taro.showToast({ title: errorText(err), icon: 'none' })
    } finally {
      setLoadingMore(false)
    }
  }

  useReachBottom(() => {
    loadMore()
  })

  if (!store) {
    return (
      <View className='page'>
        <State loading={!storeError} error={storeError} onRetry={load} />
        {storeError && (
          <View className='load-more'>
            <Text className='link' data-testid='shelf-choose-other' onClick={() => Taro.navigateTo({ url: '/pages/stores/index' })}>
              选择其他门店
            </Text>
          </View>
        )}
      </View>
    )
  }

  const here = lastPoint()
  const away = here ? distance(metres(here, { lat: store.lat, lng: store.lng })) : ''
  const hours = todayHours(store.opening_hours, new Date(), store.timezone)
  const open = isOpen(store)
  const rows = categoryRows(cats)

  return (
    <View className='page' data-testid='shelf-page'>
      <View className='store-head'>
        <View className='row'>
          <Text className='shelf-store-name' data-testid='shelf-store-name'>
            {store.name}
          </Text>
          <Text className='shelf-switch-store' data-testid='shelf-switch-store' onClick={() => Taro.navigateTo({ url: '/pages/stores/index' })}>
            切换门店
          </Text>
        </View>
        <StoreBadges store={store} testid='shelf-badges' />
        <Text className='store-meta'>
          {store.address}
          {away ? ` · 距你 ${away}` : ''}
          {hours ? ` · ${hours}` : ''}
        </Text>
        {!open && (
          <View className='store-notice' data-testid='shelf-closed'>
            {store.status === 'closed' ? '门店暂停营业，暂不接单' : '门店休息中，可先逛逛，营业后下单'}
          </View>
        )}
      </View>
      <View className='store-search'>
        <View className='search-box'>
          <View className='icon-search' />
          <Input
            className='search-box-input search-input-h5'
            data-testid='search-input'
            value={q}
            placeholder='搜索本店商品'
            confirmType='search'
            onInput={(e) => setQ(e.detail.value)}
            onConfirm={(e) => {
              Taro.navigateTo({ url: searchURL(id, (e.detail.value || q).trim()) })
            }}
          />
        </View>
      </View>
      <View className='shelves'>
        <ScrollView className='cats' scrollY data-testid='categories'>
          <View className={`cat ${cat === 0 ? 'cat-on' : ''}`} data-testid='category-all' onClick={() => openShelf(0)}>
            全部
          </View>
          {rows.map(({ category: c, depth }) => (
            <View
              key={c.id}
              className={`cat ${depth ? 'cat-sub' : ''} ${cat === c.id ? 'cat-on' : ''}`}
              data-testid={`category-${c.id}`}
              onClick={() => openShelf(c.id)}
            >
              {c.name}
            </View>
          ))}
          <View className='cats-end' />
        </ScrollView>
        <View className='goods' data-testid='shelf'>
          {shelf && shelf.items.length > 0 && <View className='goods-count'>共 {shelf.total} 件商品</View>}
          {shelf &&
            shelf.items.map((item) => (
              <ProductCard key={item.id} item={item} storeID={id} />
            ))}
          <State loading={!shelf && !shelfError} error={shelfError} empty={shelf && shelf.items.length === 0 ? '这个分类暂时没有商品' : ''} onRetry={() => openShelf(cat)} />
          {more && (
            <View className='load-more'>
              <Button className='btn' size='mini' data-testid='load-more' loading={loadingMore} onClick={loadMore}>
                加载更多
              </Button>
            </View>
          )}
          {shelf && !more && shelf.items.length > 0 && <View className='load-more'>没有更多了</View>}
        </View>
      </View>
      <CartBar storeID={id} count={count} />
    </View>
  )
}
