import { useCallback, useEffect, useState } from 'react'
import Taro, { useDidShow, useRouter } from '@tarojs/taro'
import { Button, Swiper, SwiperItem, Text, View } from '@tarojs/components'
import { errorText } from '../../api/client'
import { Cart, cartCount, getCart, getProduct, picturesOf, setCartItem, ShopProduct, ShopSku } from '../../api/shop'
import State from '../../components/State'
import Price from '../../components/Price'
import ProductImage from '../../components/ProductImage'
import SkuPicker, { firstAvailable } from '../../components/SkuPicker'
import { cartURL } from '../../components/CartButton'
import { chosenStore } from '../../utils/store'
import { useInviteShare } from '../../utils/share'
import { yuan } from '../../utils/format'
import '../../components/shop.css'
import './index.css'

/**
 * A product at a store: pictures, title, the chosen SKU's price and stock
 * there, and "加入购物车" (one more of that SKU) with the cart's count.
 * Shareable (chat and Moments) with the sharer's invite code.
 */
export default function ProductPage() {
  const { params } = useRouter()
  const id = params.id || ''
  const storeID = Number(params.store_id) || chosenStore()?.id || 0
  const [product, setProduct] = useState<ShopProduct | null>(null)
  const [error, setError] = useState('')
  const [sku, setSku] = useState<ShopSku | undefined>()
  const [cart, setCart] = useState<Cart | null>(null)
  const [adding, setAdding] = useState(false)
  const [addError, setAddError] = useState('')

  // Shared to a chat or Moments: this product (at this store), with the sharer's invite code.
  useInviteShare(() => ({
    title: product ? (sku ? `${yuan(sku.price_fen)} ${product.title}` : product.title) : 'wemart 鲜到家',
    path: `/pages/product/index?id=${id}${storeID ? `&store_id=${storeID}` : ''}`,
    imageUrl: product ? picturesOf(product)[0] : undefined,
  }))

  const load = useCallback(
    async (keepSku?: number) => {
      if (!id) {
        setError('缺少商品编号')
        return
      }
      setError('')
      try {
        const p = await getProduct(id, storeID || undefined)
        setProduct(p)
        setSku(p.skus.find((s) => s.id === keepSku) || firstAvailable(p.skus))
        Taro.setNavigationBarTitle({ title: p.title }).catch(() => undefined)
      } catch (err) {
        setError(errorText(err))
      }
    },
    [id, storeID],
  )

  useEffect(() => {
    load()
  }, [load])

  const loadCart = useCallback(async () => {
    if (!storeID) return null
    const c = await getCart(storeID)
    setCart(c)
    return c
  }, [storeID])

  useDidShow(() => {
    loadCart().catch(() => undefined)
  })

  const inCart = (c: Cart | null, skuID: number) => c?.items.find((l) => l.sku_id === skuID)?.quantity || 0

  const add = async () => {
    if (!sku || !storeID || adding) return
    setAdding(true)
    setAddError('')
    try {
      // The cart holds a quantity per SKU: adding one sets it to one more
      // than the cart has now (read first when this page has not yet).
      const current = cart || (await loadCart())
      const next = await setCartItem(storeID, sku.id, inCart(current, sku.id) + 1)
      setCart(next)
      Taro.showToast({ title: '已加入购物车', icon: 'success' })
    } catch (err) {
      const msg = errorText(err)
      setAddError(msg)
      Taro.showToast({ title: msg, icon: 'none' })
      // The stock may have moved: show what the store has now.
      load(sku.id)
    } finally {
      setAdding(false)
    }
  }

  if (!product) {
    return (
      <View className='page'>
        <State loading={!error} error={error} onRetry={() => load()} />
      </View>
    )
  }

  const pics = picturesOf(product)
  const stock = sku ? sku.stock : null
  const soldOut = stock !== null && stock <= 0
  const count = cartCount(cart)
  const have = sku ? inCart(cart, sku.id) : 0

  return (
    <View className='page' data-testid='pd-page'>
      <View className='pd-pics'>
        {pics.length > 1 ? (
          <Swiper className='pd-pics' indicatorDots circular data-testid='pd-pictures'>
            {pics.map((u) => (
              <SwiperItem key={u}>
                <ProductImage src={u} />
              </SwiperItem>
            ))}
          </Swiper>
        ) : (
          <ProductImage src={pics[0] || ''} testid='pd-picture' />
        )}
      </View>
      <View className='pd-info'>
        <View className='row'>
          {sku && <Price fen={sku.price_fen} className='pd-price' testid='pd-price' />}
          {storeID > 0 && sku && (
            <Text className={`pd-stock ${soldOut ? 'pd-stock-out' : ''}`} data-testid='pd-stock'>
              {soldOut ? '已售罄' : stock !== null ? `库存 ${stock}` : ''}
            </Text>
          )}
        </View>
        <View className='pd-title' data-testid='pd-title'>
          {product.title}
        </View>
        {product.subtitle && <View className='pd-sub'>{product.subtitle}</View>}
        {!storeID && <View className='pd-store'>选择门店后可查看该店价格和库存</View>}
      </View>
      {product.skus.length > 0 && (
        <View className='pd-block'>
          <View className='pd-label'>规格</View>
          <SkuPicker
            skus={product.skus}
            selected={sku?.id}
            onChange={(s) => {
              setSku(s)
              setAddError('')
            }}
          />
          {have > 0 && (
            <View className='pd-incart' data-testid='pd-in-cart'>
              购物车中已有 {have} 件
            </View>
          )}
        </View>
      )}
      {product.description && (
        <View className='pd-block'>
          <View className='pd-label'>商品详情</View>
          <View className='pd-desc'>{product.description}</View>
        </View>
      )}
      <View className='bar pd-bar'>
        {addError && (
          <View className='pd-error' data-testid='add-error' style={{ position: 'absolute', left: 0, right: 0, bottom: '100%' }}>
            {addError}
          </View>
        )}
        {storeID > 0 ? (
          <>
            <View className='pd-cart' data-testid='go-cart' onClick={() => Taro.navigateTo({ url: cartURL(storeID) })}>
              <Text className='pd-cart-icon'>购物车</Text>
              {count > 0 && (
                <Text className='cart-badge' data-testid='cart-badge'>
                  {count > 99 ? '99+' : count}
                </Text>
              )}
            </View>
            <Button className={`btn btn-primary pd-add ${!sku || soldOut ? 'btn-disabled' : ''}`} data-testid='add-to-cart' disabled={!sku || soldOut || adding} loading={adding} onClick={add}>
              {soldOut ? '已售罄' : '加入购物车'}
            </Button>
          </>
        ) : (
          <Button className='btn btn-primary pd-add' data-testid='choose-store' onClick={() => Taro.navigateTo({ url: '/pages/stores/index' })}>
            选择门店后购买
          </Button>
        )}
      </View>
    </View>
  )
}
