import { useCallback, useState } from 'react'
import Taro, { useDidShow, usePullDownRefresh, useRouter } from '@tarojs/taro'
import { Button, Text, View } from '@tarojs/components'
import { errorText } from '../../api/client'
import { Cart, CartLine, getCart, getStore, pictureOf, selectCart, setCartItem, StoreCard } from '../../api/shop'
import State from '../../components/State'
import Price from '../../components/Price'
import ProductImage from '../../components/ProductImage'
import Stepper from '../../components/Stepper'
import { productURL } from '../../components/ProductCard'
import { yuan } from '../../utils/format'
import { chosenStore } from '../../utils/store'
import '../../components/shop.css'
import './index.css'

/** flagText says what is wrong with a line and what to do about it ("" when nothing is). */
export function flagText(l: CartLine): string {
  switch (l.problem) {
    case 'sold_out':
      return '已售罄，请删除'
    case 'removed':
    case 'unlisted':
      return '商品已下架，请删除'
    case 'not_sold_here':
      return '本店不售此商品，请删除'
    case 'not_enough':
      return `库存不足，仅剩 ${l.stock} 件，请减少数量`
  }
  if (!l.available) return '暂时无法购买，请删除'
  if (l.price_changed) return `价格已变动：原 ${yuan(l.seen_price_fen)} 现 ${yuan(l.price_fen)}`
  return ''
}

/** dead says whether a line can never be ordered as it is (only removing it helps). */
function dead(l: CartLine): boolean {
  return !l.available && l.problem !== 'not_enough'
}

function Check({ on, testid, onTap }: { on: boolean; testid: string; onTap: () => void }) {
  return (
    <View className={`check ${on ? 'check-on' : ''}`} data-testid={testid} data-checked={on ? 'true' : 'false'} onClick={onTap}>
      {on ? '✓' : ''}
    </View>
  )
}

/**
 * The cart at a store, priced now: select lines, change quantities (0
 * removes, after asking), see what changed (sold out, price moved) and what
 * to do, and go to checkout with the selected lines.
 */
export default function CartPage() {
  const { params } = useRouter()
  const storeID = Number(params.store_id) || chosenStore()?.id || 0
  const [cart, setCart] = useState<Cart | null>(null)
  const [store, setStore] = useState<StoreCard | null>(null)
  const [error, setError] = useState('')
  const [actionError, setActionError] = useState('')
  const [busy, setBusy] = useState(false)

  const load = useCallback(async () => {
    if (!storeID) {
      setError('请先选择门店')
      return
    }
    setError('')
    getStore(storeID)
      .then(setStore)
      .catch(() => undefined)
    try {
      setCart(await getCart(storeID))
    } catch (err) {
      setError(errorText(err))
    }
  }, [storeID])

  useDidShow(() => {
    load()
  })

  usePullDownRefresh(() => {
    load().finally(() => Taro.stopPullDownRefresh())
  })

  // change runs one cart change at a time and shows the cart it returns.
  const change = async (fn: () => Promise<Cart>) => {
    if (busy) return
    setBusy(true)
    setActionError('')
    try {
      setCart(await fn())
    } catch (err) {
      const msg = errorText(err)
      setActionError(msg)
      Taro.showToast({ title: msg, icon: 'none' })
    } finally {
      setBusy(false)
    }
  }

  const setQuantity = async (l: CartLine, n: number) => {
    if (n <= 0) {
      const ok = await Taro.showModal({ title: '删除商品', content: `确定从购物车删除“${l.title}”吗？`, confirmText: '删除', confirmColor: '#e4393c' })
      if (!ok.confirm) return
    }
    await change(() => setCartItem(storeID, l.sku_id, Math.max(0, n)))
  }

  const removeDead = async () => {
    const lines = (cart?.items || []).filter(dead)
    if (!lines.length) return
    const ok = await Taro.showModal({ title: '清除失效商品', content: `清除 ${lines.length} 件无法购买的商品？`, confirmText: '清除', confirmColor: '#e4393c' })
    if (!ok.confirm) return
    await change(async () => {
      let last = cart as Cart
      for (const l of lines) last = await setCartItem(storeID, l.sku_id, 0)
      return last
    })
  }

  if (!cart) {
    return (
      <View className='page'>
        <State loading={!error} error={error} onRetry={load} />
        {!storeID && (
          <View className='cart-empty-act'>
            <Button className='btn btn-primary' onClick={() => Taro.navigateTo({ url: '/pages/stores/index' })}>
              选择门店
            </Button>
          </View>
        )}
      </View>
    )
  }

  const toStore = () => Taro.navigateTo({ url: `/pages/store/index?id=${storeID}` })

  if (cart.items.length === 0) {
    return (
      <View className='page' data-testid='cart-page'>
        <State empty='购物车是空的，去挑点好东西吧' />
        <View className='cart-empty-act'>
          <Button className='btn btn-primary' data-testid='cart-go-shopping' onClick={toStore}>
            去逛逛{store ? ` ${store.name}` : ''}
          </Button>
        </View>
      </View>
    )
  }

  const live = cart.items.filter((l) => !dead(l))
  const allOn = live.length > 0 && live.every((l) => l.selected)
  const deadCount = cart.items.length - live.length

  return (
    <View className='page' data-testid='cart-page'>
      <View className='cart-store'>
        <Text className='cart-store-name'>{store ? store.name : `门店 #${storeID}`}</Text>
        <Text className='cart-more' data-testid='cart-go-store' onClick={toStore}>
          继续逛逛 ›
        </Text>
      </View>
      {cart.has_changes && (
        <View className='cart-notice' data-testid='cart-changes'>
          部分商品的价格或库存有变动，请核对后再结算
        </View>
      )}
      {actionError && (
        <View className='cart-error' data-testid='cart-error'>
          {actionError}
        </View>
      )}
      {deadCount > 0 && (
        <View className='cart-tools'>
          <Text className='muted'>{deadCount} 件商品已失效</Text>
          <Text className='cart-clean' data-testid='cart-clean' onClick={removeDead}>
            清除失效商品
          </Text>
        </View>
      )}
      <View className='cart-lines'>
        {cart.items.map((l) => {
          const flag = flagText(l)
          const off = dead(l)
          return (
            <View key={l.sku_id} className={`cart-line ${off ? 'cart-line-off' : ''}`} data-testid={`cart-line-${l.sku_id}`}>
              {off ? (
                <Text className='cart-dead'>失效</Text>
              ) : (
                <Check on={l.selected} testid={`cart-select-${l.sku_id}`} onTap={() => change(() => selectCart(storeID, !l.selected, [l.sku_id]))} />
              )}
              <View onClick={() => Taro.navigateTo({ url: productURL(l.product_id, storeID) })}>
                <ProductImage src={pictureOf(l)} className='thumb' />
              </View>
              <View className='cart-line-body'>
                <View className='cart-line-title'>{l.title}</View>
                {l.sku_name && <Text className='cart-line-sku'>{l.sku_name}</Text>}
                {flag && (
                  <View className={`cart-flag ${l.available ? 'cart-flag-warn' : ''}`} data-testid={`cart-flag-${l.sku_id}`}>
                    {flag}
                    {l.available && l.price_changed && (
                      <Text className='cart-flag-act' data-testid={`cart-ack-${l.sku_id}`} onClick={() => change(() => setCartItem(storeID, l.sku_id, l.quantity))}>
                        知道了
                      </Text>
                    )}
                  </View>
                )}
                <View className='cart-line-foot'>
                  <Price fen={l.price_fen} testid={`cart-price-${l.sku_id}`} />
                  {off ? (
                    <Text className='cart-del' data-testid={`cart-remove-${l.sku_id}`} onClick={() => setQuantity(l, 0)}>
                      删除
                    </Text>
                  ) : (
                    <Stepper
                      value={l.quantity}
                      max={99}
                      allowZero
                      disabled={busy}
                      testid={`cart-qty-${l.sku_id}`}
                      onChange={(n) => setQuantity(l, n)}
                    />
                  )}
                </View>
              </View>
            </View>
          )
        })}
      </View>
      <View className='bar'>
        <View className='cart-bar-all'>
          <Check on={allOn} testid='cart-select-all' onTap={() => change(() => selectCart(storeID, !allOn))} />
          <Text>全选</Text>
        </View>
        <View className='cart-total'>
          <Text>合计 </Text>
          <Price fen={cart.goods_fen} testid='cart-total' />
        </View>
        <Button
          className={`btn btn-primary cart-go ${cart.selected_count === 0 || busy ? 'btn-disabled' : ''}`}
          data-testid='cart-checkout'
          disabled={cart.selected_count === 0 || busy}
          onClick={() => Taro.navigateTo({ url: `/pages/checkout/index?store_id=${storeID}` })}
        >
          去结算{cart.selected_count > 0 ? `(${cart.selected_count})` : ''}
        </Button>
      </View>
    </View>
  )
}
