import { useCallback, useEffect, useRef, useState } from 'react'
import Taro, { useDidShow, useRouter } from '@tarojs/taro'
import { View, Text, Input, Button, Switch } from '@tarojs/components'
import { ApiError, errorText, finalReason, finalReasons } from '../../api/client'
import { Cart, DeliveryCheck, Fulfilment, StoreInfo, CheckoutBody, Quote, QuoteBody, checkDelivery, getCart, getStore, offerID, placeOrder, quote } from '../../api/orders'
import { notYet } from '../../api/me'
import { Address, addressLine, lastUsedAddress, listAddresses, rememberLastAddress, takeChosen } from '../../api/addresses'
import { pay } from '../../platform/wechat'
import { AttemptKeys } from '../../utils/ids'
import { useSubscribePrompt } from '../../utils/subscribe'
import { distance, yuan } from '../../utils/format'
import State from '../../components/State'
import Price from '../../components/Price'
import LineImage from '../../components/LineImage'
import CouponPicker from './CouponPicker'
import './index.css'

const problemText: Record<string, string> = {
  removed: '商品已删除',
  unlisted: '商品已下架',
  not_sold_here: '本店不售',
  sold_out: '已售罄',
  not_enough: '库存不足',
}

const reasonText: Record<string, string> = {
  no_delivery: '该门店暂不提供配送',
  outside_radius: '该地址超出门店配送范围',
  outside_zone: '该地址超出门店配送范围',
}

/** storage is Taro's storage for AttemptKeys (Taro's h5 functions are not methods of one object). */
const storage = {
  getStorageSync: (k: string): unknown => Taro.getStorageSync(k),
  setStorageSync: (k: string, v: unknown) => Taro.setStorageSync(k, v),
  removeStorageSync: (k: string) => Taro.removeStorageSync(k),
}

/**
 * priceIt asks for a quote; with points wanted it spends the most the quote
 * allows (points_max, which does not depend on the points asked for): asked
 * again with that number when the first answer used another, and asked
 * without points first when the number asked for was refused.
 */
async function priceIt(body: QuoteBody, wantPoints: boolean, lastMax: number): Promise<Quote> {
  if (!wantPoints) return quote(body)
  let q: Quote
  try {
    q = await quote(lastMax > 0 ? { ...body, points: lastMax } : body)
  } catch (err) {
    if (!(lastMax > 0 && err instanceof ApiError && (err.status === 400 || err.status === 409))) throw err
    q = await quote(body)
  }
  if (q.points_max > 0 && q.points_used !== q.points_max) q = await quote({ ...body, points: q.points_max })
  return q
}

/** couponSummary is the coupon row's text when no coupon is applied. */
function couponSummary(q: Quote, choice: number | null): string {
  const usable = q.coupons.filter((o) => o.usable).length
  if (usable > 0) return choice === 0 ? `不使用（${usable} 张可用）` : `${usable} 张可用`
  return q.coupons.length > 0 ? '暂无可用' : '暂无优惠券'
}

/** lineKey sums up the cart's selected lines: a change asks for a new quote. */
function lineKey(cart: Cart | null): string {
  if (!cart) return ''
  return cart.items
    .filter((l) => l.selected)
    .map((l) => `${l.sku_id}:${l.quantity}:${l.price_fen}:${l.available ? 1 : 0}`)
    .join(',')
}

/** pickAddress keeps the current address if it still exists, else the last used, the default or the first. */
function pickAddress(list: Address[], current: Address | null): Address | null {
  const byID = (id: number) => list.find((a) => a.id === id) || null
  return (current && byID(current.id)) || byID(lastUsedAddress()) || list.find((a) => a.is_default) || list[0] || null
}

/**
 * Checkout (确认订单): the cart's selected lines at one store, pickup or
 * delivery, the delivery address and whether the store delivers there, the
 * amounts, a remark, and place-order: POST /api/v1/orders with an
 * Idempotency-Key, then WeChat Pay, then the order page.
 */
export default function Checkout() {
  const { params } = useRouter()
  const storeID = Number(params.store_id) || 0
  const keys = useRef(new AttemptKeys(`wemart.checkout.attempt.${storeID}`, storage)).current

  const [cart, setCart] = useState<Cart | null>(null)
  const [store, setStore] = useState<StoreInfo | null>(null)
  const [loading, setLoading] = useState(true)
  const [loadError, setLoadError] = useState('')
  const [fulfilment, setFulfilment] = useState<Fulfilment>('pickup')
  const [address, setAddress] = useState<Address | null>(null)
  const [check, setCheck] = useState<DeliveryCheck | null>(null)
  const [checkError, setCheckError] = useState('')
  const [checking, setChecking] = useState(false)
  const [remark, setRemark] = useState('')
  const [placing, setPlacing] = useState(false)
  const [placeError, setPlaceError] = useState('')
  const addressRef = useRef<Address | null>(null)
  const placingRef = useRef(false)
  const fulfilmentRef = useRef<Fulfilment | null>(null)
  // The quote (POST /api/v1/orders/quote): asked whenever what the order
  // would be changes. couponChoice: null lets the server pick the best
  // usable coupon, 0 is none, else the coupon the shopper picked.
  const [couponChoice, setCouponChoice] = useState<number | null>(null)
  const [usePoints, setUsePoints] = useState(false)
  const [priced, setPriced] = useState<Quote | null>(null)
  const [quoting, setQuoting] = useState(false)
  const [quoteError, setQuoteError] = useState('')
  // A refusal no retry mends (nothing or too much to pay): no 重试 then.
  const [quoteFinal, setQuoteFinal] = useState(false)
  const [noQuote, setNoQuote] = useState(false)
  const [quoteNonce, setQuoteNonce] = useState(0)
  const [choosingCoupon, setChoosingCoupon] = useState(false)
  const quoteSeq = useRef(0)
  const quoteRun = useRef<Promise<unknown> | null>(null)
  const quoted = useRef<{ quote: Quote | null; error: string; none: boolean }>({ quote: null, error: '', none: false })
  const pointsMax = useRef(0)
  // The subscribe templates are read now: after payment there is no time to.
  const prompt = useSubscribePrompt(true)

  const runCheck = useCallback(
    async (a: Address | null) => {
      setCheck(null)
      setCheckError('')
      if (!a || typeof a.lat !== 'number' || typeof a.lng !== 'number') return
      setChecking(true)
      try {
        setCheck(await checkDelivery(storeID, a.lat, a.lng))
      } catch (err) {
        setCheckError(errorText(err))
      } finally {
        setChecking(false)
      }
    },
    [storeID],
  )

  const applyAddress = useCallback(
    (a: Address | null) => {
      addressRef.current = a
      setAddress(a)
      runCheck(a)
    },
    [runCheck],
  )

  const load = useCallback(async () => {
    if (!storeID) {
      setLoadError('缺少门店参数')
      setLoading(false)
      return
    }
    setLoadError('')
    try {
      const [c, s] = await Promise.all([getCart(storeID), getStore(storeID)])
      setCart(c)
      setStore(s)
      let f = fulfilmentRef.current
      if (!f || (f === 'pickup' && !s.pickup) || (f === 'delivery' && !s.delivery)) f = s.pickup ? 'pickup' : 'delivery'
      fulfilmentRef.current = f
      setFulfilment(f)
      if (s.delivery) {
        const chosen = takeChosen()
        const list = await listAddresses()
        applyAddress(chosen || pickAddress(list, addressRef.current))
      }
    } catch (err) {
      setLoadError(errorText(err))
    } finally {
      setLoading(false)
    }
  }, [storeID, applyAddress])

  useDidShow(() => {
    load()
  })

  // What the quote is asked with, or '' while the order cannot be priced yet
  // (a delivery address not placed or not checked, lines that cannot be ordered).
  const selected = cart ? cart.items.filter((l) => l.selected) : []
  let quoteKey = ''
  if (cart && store && selected.length > 0 && selected.every((l) => l.available)) {
    const body: QuoteBody = { store_id: storeID, fulfilment }
    let ready = true
    if (fulfilment === 'delivery') {
      ready = !!address && typeof address.lat === 'number' && typeof address.lng === 'number' && !checking && !!check && check.delivers
      if (address) body.address_id = address.id
    }
    if (couponChoice !== null) body.coupon_id = couponChoice
    if (ready) quoteKey = JSON.stringify({ body, usePoints, nonce: quoteNonce, lines: lineKey(cart) })
  }

  useEffect(() => {
    const n = ++quoteSeq.current
    if (!quoteKey || quoted.current.none) {
      quoted.current = { ...quoted.current, quote: null, error: '' }
      setPriced(null)
      setQuoteError('')
      setQuoting(false)
      quoteRun.current = null
      return
    }
    const { body, usePoints: wantPoints } = JSON.parse(quoteKey) as { body: QuoteBody; usePoints: boolean }
    setQuoting(true)
    setQuoteError('')
    const run = priceIt(body, wantPoints, pointsMax.current).then(
      (q) => {
        if (n !== quoteSeq.current) return
        pointsMax.current = q.points_max
        quoted.current = { quote: q, error: '', none: false }
        setPriced(q)
      },
      (err) => {
        if (n !== quoteSeq.current) return
        if (notYet(err)) {
          // a server without the quote: the amounts as the cart says, no discounts
          quoted.current = { quote: null, error: '', none: true }
          setNoQuote(true)
        } else {
          quoted.current = { quote: null, error: errorText(err), none: false }
          setQuoteError(errorText(err))
          setQuoteFinal(!!finalReason(err))
        }
        setPriced(null)
      },
    )
    const done = run.finally(() => {
      if (n !== quoteSeq.current) return
      setQuoting(false)
      quoteRun.current = null
    })
    quoteRun.current = done
  }, [quoteKey])

  const choose = (f: Fulfilment) => {
    fulfilmentRef.current = f
    setFulfilment(f)
    setPlaceError('')
  }

  const chooseAddress = () => {
    Taro.navigateTo({ url: '/pages/addresses/index?choose=1' })
  }

  if (loading || loadError || !cart || !store) {
    return (
      <View className='page'>
        <State loading={loading} error={loadError} onRetry={() => { setLoading(true); load() }} />
      </View>
    )
  }

  const lines = cart.items.filter((l) => l.selected)
  if (lines.length === 0) {
    return (
      <View className='page'>
        <State empty='没有要结算的商品，去购物车选几件吧' />
        <View className='co-center'>
          <Button className='btn btn-primary co-back' onClick={() => Taro.navigateBack().catch(() => Taro.redirectTo({ url: `/pages/cart/index?store_id=${storeID}` }))}>
            返回购物车
          </Button>
        </View>
      </View>
    )
  }

  const delivery = fulfilment === 'delivery'
  const q = noQuote ? null : priced
  const goods = q ? q.goods_fen : cart.goods_fen
  const fee = q ? q.delivery_fee_fen : delivery ? (check ? check.delivery_fee_fen : store.delivery_fee_fen) : 0
  const discount = q ? q.discount_fen : 0
  const payable = q ? q.payable_fen : goods + fee - discount
  const minFen = check ? check.delivery_min_fen : store.delivery_min_fen
  const located = !!address && typeof address.lat === 'number' && typeof address.lng === 'number'
  const outOfRange = delivery && !!check && !check.delivers
  const belowMin = delivery && goods < minFen
  const unorderable = lines.some((l) => !l.available)

  let blocked = ''
  if (delivery && !address) blocked = '请选择收货地址'
  else if (delivery && !located) blocked = '请先在地图上为该地址选点'
  else if (delivery && checking) blocked = '正在确认配送范围…'
  else if (outOfRange) blocked = '该地址超出门店配送范围'
  else if (delivery && (checkError || !check)) blocked = '暂时无法确认配送范围'
  else if (belowMin) blocked = `还差 ${yuan(minFen - goods)} 起送`
  // Gifts (0-fen SKUs) are fine beside a fee or other goods; an order of
  // nothing the server refuses by its quote (or, with no quote, here).
  else if (noQuote && payable <= 0) blocked = finalReasons.nothing_to_pay
  else if (quoteError && !quoting) blocked = quoteError

  const place = async () => {
    // A ref, not the state: taps in quick succession all run before React
    // renders the disabled button, and each would start a payment.
    if (placingRef.current || blocked) return
    placingRef.current = true
    setPlacing(true)
    setPlaceError('')
    // A tap while the quote is being asked for waits for it: the order is
    // placed at the amount the shopper then sees.
    while (quoteRun.current) await quoteRun.current
    const now = quoted.current
    if (!now.quote && !now.none) {
      setPlaceError(now.error || '订单金额还没算好，请稍后重试')
      setPlacing(false)
      placingRef.current = false
      return
    }
    const body: CheckoutBody = { store_id: storeID, fulfilment }
    if (delivery && address) body.address_id = address.id
    const text = remark.trim()
    if (text) body.remark = text
    if (now.quote) {
      if (now.quote.coupon_id) body.coupon_id = now.quote.coupon_id
      else if (couponChoice === 0 && now.quote.coupons.length > 0) body.coupon_id = 0
      if (now.quote.points_used > 0) body.points = now.quote.points_used
      body.expected_payable_fen = now.quote.payable_fen
    } else {
      body.expected_payable_fen = payable
    }
    const key = keys.keyFor(body)
    let res
    try {
      res = await placeOrder(body, key)
      keys.done()
    } catch (err) {
      // A network error or a 5xx (a gateway timing out, say) leaves the key
      // for a retry of the same body: if the order was created after all,
      // the server answers with that order instead of making a second one.
      if (!(err instanceof ApiError && (err.status === 0 || err.status >= 500))) keys.done()
      setPlaceError(errorText(err))
      setPlacing(false)
      placingRef.current = false
      if (err instanceof ApiError && (err.code === 'out_of_stock' || err.code === 'conflict')) {
        // the stock, a price, the coupon or the points moved: what is true now
        getCart(storeID).then(setCart).catch(() => undefined)
        setQuoteNonce((n) => n + 1)
      }
      return
    }
    if (delivery && address) rememberLastAddress(address.id)
    const order = res.order
    const orderURL = `/pages/order/index?id=${order.id}`
    if (!res.payment || order.status !== 'pending_payment') {
      setPlacing(false)
      placingRef.current = false
      Taro.redirectTo({ url: order.status === 'pending_payment' ? orderURL : `${orderURL}&paid=1` })
      return
    }
    try {
      const result = await pay(res.payment, order.payable_fen, () => prompt.ask(order.fulfilment))
      // The order page opens once the shopper answered the subscribe prompt
      // (never failing: a reject or an error is just no subscription).
      if (result === 'paid') await prompt.answered()
      Taro.redirectTo({ url: result === 'paid' ? `${orderURL}&paid=1` : orderURL })
    } catch (err) {
      // The order exists and can be paid again from its page.
      Taro.showToast({ title: errorText(err), icon: 'none', duration: 2500 })
      Taro.redirectTo({ url: orderURL })
    } finally {
      setPlacing(false)
      placingRef.current = false
    }
  }

  return (
    <View className='page co-page'>
      <View className='card'>
        <View className='row between'>
          <Text className='co-store'>{store.name}</Text>
          {store.status === 'closed' || !store.open_now ? <Text className='badge badge-grey'>休息中</Text> : <Text className='badge badge-green'>营业中</Text>}
        </View>
        <View className='seg co-seg'>
          {store.pickup && (
            <View className={`seg-item ${fulfilment === 'pickup' ? 'seg-item-on' : ''}`} data-testid='fulfilment-pickup' data-selected={fulfilment === 'pickup'} onClick={() => choose('pickup')}>
              到店自提
            </View>
          )}
          {store.delivery && (
            <View className={`seg-item ${fulfilment === 'delivery' ? 'seg-item-on' : ''}`} data-testid='fulfilment-delivery' data-selected={fulfilment === 'delivery'} onClick={() => choose('delivery')}>
              外卖配送
            </View>
          )}
        </View>
        {!store.delivery && <Text className='muted co-hint'>本店暂不提供配送，仅支持到店自提</Text>}
        {!store.pickup && <Text className='muted co-hint'>本店暂不支持自提，仅提供配送</Text>}

        {!delivery && (
          <View className='co-pickup'>
            <Text className='co-label'>自提门店</Text>
            <Text className='co-addr'>{store.address}</Text>
            <Text className='muted'>付款后凭取货码到店取货</Text>
          </View>
        )}

        {delivery && (
          <View className='co-address' data-testid='checkout-address' onClick={chooseAddress}>
            {address ? (
              <View className='row'>
                <View className='grow'>
                  <View>
                    <Text className='co-contact'>{address.contact}</Text>
                    <Text className='muted co-phone'>{address.phone}</Text>
                  </View>
                  <Text className='co-addr'>{addressLine(address)}</Text>
                </View>
                <Text className='chev'>›</Text>
              </View>
            ) : (
              <View className='row between' data-testid='checkout-choose-address'>
                <Text className='co-choose'>选择收货地址</Text>
                <Text className='chev'>›</Text>
              </View>
            )}
          </View>
        )}
        {delivery && address && (
          <View data-testid='delivery-check'>
            {!located && <View className='notice'>该地址还没有地图位置，请点上方地址，编辑并“在地图上选点”</View>}
            {checking && <Text className='muted'>正在确认配送范围…</Text>}
            {checkError && <View className='notice notice-red'>{checkError}</View>}
            {check && check.delivers && (
              <Text className='muted'>
                距门店 {distance(check.distance_m)} · 配送费 {yuan(check.delivery_fee_fen)}
              </Text>
            )}
            {outOfRange && (
              <View className='notice notice-red' data-testid='delivery-out-of-range'>
                {reasonText[check?.reason || 'outside_radius'] || '该地址超出门店配送范围'}
                {check && check.distance_m > 0 ? `（距门店 ${distance(check.distance_m)}）` : ''}
              </View>
            )}
          </View>
        )}
      </View>

      <View className='card'>
        <Text className='section-title'>商品（{cart.selected_count} 件）</Text>
        {lines.map((l) => (
          <View className='line' key={l.sku_id} data-testid={`checkout-line-${l.sku_id}`}>
            <LineImage src={l.image_url || l.image} title={l.title} small />
            <View className='line-body'>
              <Text className='line-title'>{l.title}</Text>
              <Text className='muted'>{l.sku_name}</Text>
              {!l.available && <Text className='co-problem'>{problemText[l.problem || ''] || '暂不可下单'}</Text>}
              {l.available && l.price_changed && <Text className='co-problem'>价格有变动，原价 {yuan(l.seen_price_fen)}</Text>}
            </View>
            <View className='co-line-right'>
              <Price fen={l.price_fen} />
              <Text className='muted'>×{l.quantity}</Text>
            </View>
          </View>
        ))}
        {unorderable && <View className='notice'>有商品暂不可下单，请返回购物车调整</View>}
      </View>

      <View className='card' data-testid='checkout-amounts' data-quoted={q ? 'true' : 'false'}>
        <View className='kv'>
          <Text className='kv-label'>商品金额</Text>
          <Text data-testid='amount-goods'>{yuan(goods)}</Text>
        </View>
        {q && q.level_discount_fen > 0 && (
          <View className='kv' data-testid='checkout-level-discount' data-fen={q.level_discount_fen}>
            <Text className='kv-label'>会员折扣{q.level && q.level.name ? `（${q.level.name}）` : ''}</Text>
            <Text className='co-minus'>-{yuan(q.level_discount_fen)}</Text>
          </View>
        )}
        {q && (
          <View className='kv co-tap' data-testid='checkout-coupon' data-coupon-id={q.coupon_id || 0} onClick={() => setChoosingCoupon(true)}>
            <View className='co-kv-left'>
              <Text className='kv-label'>优惠券</Text>
              {q.coupon_id ? <Text className='muted co-coupon-name'>{(q.coupons.find((o) => offerID(o) === q.coupon_id) || { name: '' }).name}</Text> : null}
            </View>
            <View className='row co-kv-right'>
              {q.coupon_id ? (
                <Text className='co-minus' data-testid='checkout-coupon-discount'>-{yuan(q.coupon_discount_fen)}</Text>
              ) : (
                <Text className='muted'>{couponSummary(q, couponChoice)}</Text>
              )}
              <Text className='chev co-chev'>›</Text>
            </View>
          </View>
        )}
        {q && (
          <View className='kv'>
            <View className='co-kv-left'>
              <Text className='kv-label'>积分抵扣</Text>
              <Text className='muted co-coupon-name' data-testid='checkout-points-note'>
                {q.points_max > 0 ? `共 ${q.points_available} 积分，可用 ${q.points_max} 积分抵 ${yuan(q.points_max)}` : `共 ${q.points_available} 积分，本单不可用`}
              </Text>
            </View>
            <View className='row co-kv-right'>
              {q.points_used > 0 && <Text className='co-minus co-points-off'>-{yuan(q.points_discount_fen)}</Text>}
              <Switch
                className='co-switch'
                data-testid='checkout-points'
                data-checked={usePoints ? 'true' : 'false'}
                checked={usePoints}
                disabled={q.points_max <= 0 && !usePoints}
                color='#e4393c'
                onChange={(e) => setUsePoints(!!e.detail.value)}
              />
            </View>
          </View>
        )}
        {delivery && (
          <View className='kv'>
            <Text className='kv-label'>配送费</Text>
            <Text data-testid='amount-delivery'>{yuan(fee)}</Text>
          </View>
        )}
        {delivery && q && q.delivery_fee_waived_fen > 0 && (
          <View className='kv' data-testid='checkout-fee-waived'>
            <Text className='kv-label'>会员免配送费</Text>
            <Text className='co-minus'>已省 {yuan(q.delivery_fee_waived_fen)}</Text>
          </View>
        )}
        <View className='kv' data-testid='checkout-discount' data-fen={discount}>
          <Text className='kv-label'>优惠合计</Text>
          <Text data-testid='amount-discount' className={discount > 0 ? 'co-minus' : ''}>{discount > 0 ? `-${yuan(discount)}` : yuan(0)}</Text>
        </View>
        <View className='kv'>
          <Text className='kv-label'>实付</Text>
          <Price fen={payable} testid='amount-payable' />
        </View>
        {quoting && !q && <Text className='muted' data-testid='checkout-quoting'>正在计算优惠…</Text>}
        {quoteError && !quoting && (
          <View className='notice notice-red row between' data-testid='checkout-quote-error'>
            <Text className='grow'>{quoteError}</Text>
            {!quoteFinal && (
              <Text className='co-retry' onClick={() => setQuoteNonce((n) => n + 1)}>
                重试
              </Text>
            )}
          </View>
        )}
        {delivery && minFen > 0 && <Text className='muted'>满 {yuan(minFen)} 起送</Text>}
      </View>

      <View className='card'>
        <View className='field co-remark'>
          <Text className='field-label'>备注</Text>
          <Input className='field-input' data-testid='checkout-remark' value={remark} maxlength={200} placeholder='口味、送达时间等（选填）' onInput={(e) => setRemark(e.detail.value)} />
        </View>
      </View>

      {(placeError || blocked) && (
        <View className={`co-alert ${placeError ? 'co-alert-red' : ''}`} data-testid={placeError ? 'checkout-error' : 'checkout-blocked'}>
          {placeError || blocked}
        </View>
      )}
      <View className='bar'>
        <View className='grow'>
          <Text>合计 </Text>
          <Price fen={payable} className='co-total' />
        </View>
        <Button className='btn btn-pay co-place' data-testid='place-order' disabled={!!blocked || placing || undefined} onClick={place}>
          {placing ? '提交中' : '提交订单'}
        </Button>
      </View>
      {choosingCoupon && q && (
        <CouponPicker
          offers={q.coupons}
          chosen={q.coupon_id || 0}
          onChoose={(id) => {
            setChoosingCoupon(false)
            setCouponChoice(id)
          }}
          onClose={() => setChoosingCoupon(false)}
        />
      )}
    </View>
  )
}
