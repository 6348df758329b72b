import { useCallback, useEffect, useRef, useState } from 'react'
import Taro, { useDidHide, useDidShow, usePullDownRefresh, useRouter } from '@tarojs/taro'
import { View, Text, Button, Input } from '@tarojs/components'
import { errorText } from '../../api/client'
import { Order, OrderItem, canReceive, cancelOrder, getOrder, payOrder, receiveOrder, refundOrder, refundStatusText, RefundBody } from '../../api/orders'
import { getTracking, Tracking as TrackingData } from '../../api/tracking'
import { addressLine } from '../../api/addresses'
import { pay } from '../../platform/wechat'
import { dateTime, distance, eventNote, statusText, yuan } from '../../utils/format'
import { countdown, pollWhile, trackEvery } from '../../utils/poll'
import { useSubscribePrompt } from '../../utils/subscribe'
import State from '../../components/State'
import Price from '../../components/Price'
import LineImage from '../../components/LineImage'
import QRCode from '../../components/QRCode'
import Tracking from '../../components/Tracking'
import './index.css'

const statusHint: Record<string, string> = {
  pending_payment: '请在倒计时结束前完成支付，超时订单将自动取消',
  paid: '已付款，门店正在备货',
  ready_for_pickup: '商品已备好，请凭取货码到店取货',
  shipped: '商品已出库，正在配送中',
  delivered: '商品已送达，请确认收货',
  completed: '订单已完成，感谢光临',
  cancelled: '订单已取消',
  refunding: '退款申请已提交，等待门店审核',
  refunded: '退款已完成，款项将原路退回',
}

const refundable = ['paid', 'ready_for_pickup', 'shipped', 'delivered', 'completed']

/** tracked: a delivery order that may have shipments to show. */
function tracked(o: Order): boolean {
  return o.fulfilment === 'delivery' && ['paid', 'shipped', 'delivered', 'completed', 'refunding', 'refunded'].includes(o.status)
}

const reasons = ['不想要了', '商品缺货', '买错了/买多了', '商品质量问题']

function left(i: OrderItem) {
  return i.quantity - i.refunded_quantity
}

/**
 * Order (订单详情): the order's status and timeline, its lines and amounts;
 * the pickup code and its QR for a paid pickup order; paying again or
 * cancelling an unpaid one; asking for a refund of a paid one; for a
 * delivery, where it is (express parcel or rider, re-read every 10 s while
 * it is under way and the page is shown) and 确认收货. Opened with paid=1
 * after the cashier, it re-reads the order until the payment shows.
 */
export default function OrderPage() {
  const { params } = useRouter()
  const id = Number(params.id) || 0
  const [order, setOrder] = useState<Order | null>(null)
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState('')
  const [confirming, setConfirming] = useState(false)
  const [busy, setBusy] = useState(false)
  const [actionError, setActionError] = useState('')
  const [now, setNow] = useState(Date.now())
  const [refundOpen, setRefundOpen] = useState(false)
  const [refundAll, setRefundAll] = useState(true)
  const [refundQty, setRefundQty] = useState<Record<number, number>>({})
  const [reason, setReason] = useState('')
  const [refundError, setRefundError] = useState('')
  const [tracking, setTracking] = useState<TrackingData | null>(null)
  const [trackingError, setTrackingError] = useState('')
  const [shown, setShown] = useState(false)
  const poller = useRef<{ stop: () => void } | null>(null)
  const polledOnce = useRef(false)
  // Paying again asks for subscriptions in the payment callback: the list is read before.
  const prompt = useSubscribePrompt(order?.status === 'pending_payment')

  const loadTracking = useCallback(async (o: Order) => {
    if (!tracked(o)) {
      setTracking(null)
      return
    }
    try {
      setTracking(await getTracking(o.id))
      setTrackingError('')
    } catch (err) {
      setTrackingError(errorText(err))
    }
  }, [])

  const confirmPayment = useCallback(() => {
    if (poller.current) poller.current.stop()
    setConfirming(true)
    const p = pollWhile(
      () => getOrder(id),
      (o) => o.status === 'pending_payment',
      (o) => setOrder(o),
    )
    poller.current = p
    p.done.then(() => {
      if (poller.current === p) {
        poller.current = null
        setConfirming(false)
      }
    })
  }, [id])

  useEffect(() => () => poller.current?.stop(), [])

  const load = useCallback(async () => {
    if (!id) {
      setError('缺少订单参数')
      setLoading(false)
      return
    }
    setError('')
    try {
      const o = await getOrder(id)
      setOrder(o)
      loadTracking(o)
      if (params.paid === '1' && o.status === 'pending_payment' && !polledOnce.current) {
        polledOnce.current = true
        confirmPayment()
      }
    } catch (err) {
      setError(errorText(err))
    } finally {
      setLoading(false)
      Taro.stopPullDownRefresh()
    }
  }, [id, params.paid, confirmPayment, loadTracking])

  useDidShow(() => {
    setShown(true)
    load()
  })
  useDidHide(() => {
    setShown(false)
  })

  // While a delivery is under way, read the order and its tracking again
  // every 10 s; the next read waits for the last (no overlapping requests),
  // and it stops when the page is hidden or closed or the delivery is done.
  const live = !!order && order.fulfilment === 'delivery' && (order.status === 'shipped' || (order.status === 'paid' && !!tracking && tracking.shipments.length > 0))
  useEffect(() => {
    if (!shown || !live) return
    let stopped = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const tick = async () => {
      try {
        const [o, t] = await Promise.all([getOrder(id), getTracking(id)])
        if (stopped) return
        setOrder(o)
        setTracking(t)
        setTrackingError('')
      } catch {
        // the next tick tries again
      }
      if (!stopped) timer = setTimeout(tick, trackEvery)
    }
    timer = setTimeout(tick, trackEvery)
    return () => {
      stopped = true
      if (timer) clearTimeout(timer)
    }
  }, [shown, live, id])
  usePullDownRefresh(() => {
    load()
  })

  const pending = order?.status === 'pending_payment'
  useEffect(() => {
    if (!pending) return
    const t = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(t)
  }, [pending])

  // Once an unpaid order's time is up, read it again (the server cancels it).
  const expired = pending && !!order && now > new Date(order.expires_at).getTime() + 2000
  const reloadedExpired = useRef(false)
  useEffect(() => {
    if (expired && !reloadedExpired.current) {
      reloadedExpired.current = true
      load()
    }
  }, [expired, load])

  if (loading || error || !order) {
    return (
      <View className='page'>
        <State loading={loading} error={error} onRetry={() => { setLoading(true); load() }} />
      </View>
    )
  }

  const o = order
  const timeLeft = pending ? countdown(o.expires_at, now) : ''
  const showCode = o.fulfilment === 'pickup' && !!o.pickup_code && (o.status === 'paid' || o.status === 'ready_for_pickup')
  const canRefund = refundable.includes(o.status) && o.items.some((i) => left(i) > 0)
  const receivable = canReceive(o)
  const shipments = tracking ? tracking.shipments : []
  const showTracking = o.fulfilment === 'delivery' && (shipments.length > 0 || (!!trackingError && (o.status === 'shipped' || o.status === 'delivered')))
  const times = ([['下单时间', o.created_at], ['付款时间', o.paid_at], ['发货时间', o.shipped_at], ['送达时间', o.delivered_at]] as [string, string | null | undefined][]).filter(
    (t): t is [string, string] => !!t[1],
  )
  const destination = o.address && typeof o.address.lat === 'number' && typeof o.address.lng === 'number' ? { lat: o.address.lat, lng: o.address.lng } : null

  const payAgain = async () => {
    setBusy(true)
    setActionError('')
    try {
      const res = await payOrder(o.id)
      setOrder(res.order)
      if (!res.payment) {
        await load()
        return
      }
      const fulfilment = res.order.fulfilment
      const result = await pay(res.payment, res.order.payable_fen, () => prompt.ask(fulfilment))
      if (result === 'paid') confirmPayment()
    } catch (err) {
      setActionError(errorText(err))
      load()
    } finally {
      setBusy(false)
    }
  }

  const cancel = async () => {
    const r = await Taro.showModal({ title: '取消订单', content: '确定要取消这个订单吗？', confirmText: '取消订单', cancelText: '再想想' })
    if (!r.confirm) return
    setBusy(true)
    setActionError('')
    try {
      setOrder(await cancelOrder(o.id, '用户取消'))
      Taro.showToast({ title: '订单已取消', icon: 'success' })
    } catch (err) {
      setActionError(errorText(err))
      load()
    } finally {
      setBusy(false)
    }
  }

  const receive = async () => {
    const r = await Taro.showModal({ title: '确认收货', content: '请确认已收到全部商品，确认后订单完成。', confirmText: '确认收货', cancelText: '还没收到' })
    if (!r.confirm) return
    setBusy(true)
    setActionError('')
    try {
      setOrder(await receiveOrder(o.id))
      Taro.showToast({ title: '已确认收货', icon: 'success' })
      const fresh = await getOrder(o.id).catch(() => null)
      if (fresh) {
        setOrder(fresh)
        loadTracking(fresh)
      }
    } catch (err) {
      setActionError(errorText(err))
      load()
    } finally {
      setBusy(false)
    }
  }

  const openRefund = () => {
    const q: Record<number, number> = {}
    for (const i of o.items) q[i.id] = 0
    setRefundQty(q)
    setRefundAll(true)
    setReason('')
    setRefundError('')
    setRefundOpen(true)
  }

  const step = (item: OrderItem, d: number) => {
    setRefundQty((q) => ({ ...q, [item.id]: Math.min(left(item), Math.max(0, (q[item.id] || 0) + d)) }))
  }

  const submitRefund = async () => {
    const body: RefundBody = { reason: reason.trim() }
    if (!body.reason) {
      setRefundError('请选择或填写退款原因')
      return
    }
    if (!refundAll) {
      body.items = o.items.filter((i) => (refundQty[i.id] || 0) > 0).map((i) => ({ order_item_id: i.id, quantity: refundQty[i.id] }))
      if (body.items.length === 0) {
        setRefundError('请选择要退的商品和数量')
        return
      }
    }
    setBusy(true)
    setRefundError('')
    try {
      setOrder(await refundOrder(o.id, body))
      setRefundOpen(false)
      Taro.showToast({ title: '退款申请已提交', icon: 'success' })
    } catch (err) {
      setRefundError(errorText(err))
    } finally {
      setBusy(false)
    }
  }

  const refundSum = refundAll
    ? o.payable_fen - o.refunded_fen
    : o.items.reduce((s, i) => s + (refundQty[i.id] || 0) * i.price_fen, 0)

  return (
    <View className='page od-page'>
      <View className={`od-head od-head-${o.status}`}>
        <View className='od-status' data-testid='order-status' data-status={o.status}>
          {statusText[o.status] || o.status}
        </View>
        <Text className='od-hint'>{confirming ? '正在确认支付结果…' : statusHint[o.status] || ''}</Text>
        {receivable && o.receive_due_at && (
          <Text className='od-countdown' data-testid='order-receive-due'>
            将于 {dateTime(o.receive_due_at)} 自动确认收货
          </Text>
        )}
        {pending && timeLeft && (
          <Text className='od-countdown' data-testid='order-countdown'>
            剩余 {timeLeft} 自动取消
          </Text>
        )}
      </View>

      {showCode && (
        <View className='card od-code-card'>
          <Text className='muted'>取货码</Text>
          <Text className='od-code' data-testid='pickup-code'>
            {o.pickup_code}
          </Text>
          <QRCode text={o.pickup_code || ''} size={360} testid='pickup-qr' />
          <Text className='muted od-code-tip'>到店后向店员出示取货码或二维码</Text>
        </View>
      )}

      {showTracking && (
        <View className='card' data-testid='order-tracking'>
          <Text className='section-title'>物流跟踪</Text>
          {trackingError && (
            <View className='notice notice-red' data-testid='tracking-error'>
              {trackingError}
              <Text className='od-retry' data-testid='tracking-retry' onClick={() => loadTracking(o)}>
                重试
              </Text>
            </View>
          )}
          <Tracking shipments={shipments} destination={destination} />
        </View>
      )}

      {o.fulfilment === 'delivery' && o.address && (
        <View className='card'>
          <Text className='section-title'>收货地址</Text>
          <View>
            <Text className='od-contact'>{o.address.contact}</Text>
            <Text className='muted'>{o.address.phone}</Text>
          </View>
          <Text className='od-addr' data-testid='order-address'>{addressLine(o.address)}</Text>
          {typeof o.delivery_distance_m === 'number' && <Text className='muted'>距门店 {distance(o.delivery_distance_m)}</Text>}
        </View>
      )}

      <View className='card'>
        <View className='row between od-store'>
          <Text className='section-title od-store-name'>{o.store?.name || `门店 #${o.store_id}`}</Text>
          <Text className={`badge ${o.fulfilment === 'pickup' ? 'badge-blue' : 'badge-green'}`}>{o.fulfilment === 'pickup' ? '到店自提' : '外卖配送'}</Text>
        </View>
        {o.items.map((i) => (
          <View className='line' key={i.id} data-testid={`order-item-${i.id}`}>
            <LineImage src={i.image_url || i.image} title={i.title} small />
            <View className='line-body'>
              <Text className='line-title'>{i.title}</Text>
              <Text className='muted'>
                {i.sku_name} · {yuan(i.price_fen)} ×{i.quantity}
              </Text>
              {i.refunded_quantity > 0 && <Text className='od-refunded'>已退 {i.refunded_quantity} 件</Text>}
            </View>
            <Price fen={i.amount_fen} />
          </View>
        ))}
        <View className='od-amounts'>
          <View className='kv'>
            <Text className='kv-label'>商品金额</Text>
            <Text>{yuan(o.goods_fen)}</Text>
          </View>
          {o.fulfilment === 'delivery' && (
            <View className='kv'>
              <Text className='kv-label'>配送费</Text>
              <Text>{yuan(o.delivery_fee_fen)}</Text>
            </View>
          )}
          {(o.level_discount_fen || 0) > 0 && (
            <View className='kv' data-testid='order-level-discount'>
              <Text className='kv-label'>会员折扣{o.level_name ? `（${o.level_name}）` : ''}</Text>
              <Text>-{yuan(o.level_discount_fen)}</Text>
            </View>
          )}
          {(o.coupon_discount_fen || 0) > 0 && (
            <View className='kv' data-testid='order-coupon-discount'>
              <Text className='kv-label'>优惠券</Text>
              <Text>-{yuan(o.coupon_discount_fen)}</Text>
            </View>
          )}
          {(o.points_discount_fen || 0) > 0 && (
            <View className='kv' data-testid='order-points-discount'>
              <Text className='kv-label'>积分抵扣{o.points_used ? `（${o.points_used} 积分）` : ''}</Text>
              <Text>-{yuan(o.points_discount_fen)}</Text>
            </View>
          )}
          {o.fulfilment === 'delivery' && (o.delivery_fee_waived_fen || 0) > 0 && (
            <View className='kv'>
              <Text className='kv-label'>会员免配送费</Text>
              <Text>已省 {yuan(o.delivery_fee_waived_fen)}</Text>
            </View>
          )}
          {o.discount_fen > 0 && (
            <View className='kv' data-testid='order-discount' data-fen={o.discount_fen}>
              <Text className='kv-label'>{(o.level_discount_fen || 0) + (o.coupon_discount_fen || 0) + (o.points_discount_fen || 0) > 0 ? '优惠合计' : '优惠'}</Text>
              <Text>-{yuan(o.discount_fen)}</Text>
            </View>
          )}
          <View className='kv'>
            <Text className='kv-label'>{pending ? '需付款' : o.paid_at ? '实付款' : '订单金额'}</Text>
            <Price fen={o.payable_fen} testid='order-payable' className='od-payable' />
          </View>
          {o.refunded_fen > 0 && (
            <View className='kv'>
              <Text className='kv-label'>已退款</Text>
              <Text className='price'>{yuan(o.refunded_fen)}</Text>
            </View>
          )}
        </View>
      </View>

      {o.refunds && o.refunds.length > 0 && (
        <View className='card' data-testid='order-refunds'>
          <Text className='section-title'>退款记录</Text>
          {o.refunds.map((r) => (
            <View className='od-refund' key={r.id} data-testid={`refund-${r.id}`} data-status={r.status}>
              <View className='row between'>
                <Text>{r.items.length ? '部分退款' : '整单退款'} {yuan(r.amount_fen)}</Text>
                <Text className={`badge ${r.status === 'succeeded' ? 'badge-green' : r.status === 'rejected' || r.status === 'failed' ? 'badge-red' : 'badge-blue'}`}>
                  {refundStatusText[r.status] || r.status}
                </Text>
              </View>
              <Text className='muted'>原因：{r.reason}</Text>
              {r.review_note && <Text className='muted'>门店回复：{r.review_note}</Text>}
              <Text className='muted'>{dateTime(r.created_at)}</Text>
            </View>
          ))}
        </View>
      )}

      <View className='card'>
        <Text className='section-title'>订单信息</Text>
        <View className='kv'>
          <Text className='kv-label'>订单编号</Text>
          <Text className='od-no'>{o.order_no}</Text>
        </View>
        {times.map(([label, at]) => (
          <View className='kv' key={label}>
            <Text className='kv-label'>{label}</Text>
            <Text>{dateTime(at)}</Text>
          </View>
        ))}
        {o.remark && (
          <View className='kv'>
            <Text className='kv-label'>备注</Text>
            <Text className='od-remark'>{o.remark}</Text>
          </View>
        )}
        {o.cancel_reason && (
          <View className='kv'>
            <Text className='kv-label'>取消原因</Text>
            <Text>{o.cancel_reason}</Text>
          </View>
        )}
      </View>

      {o.timeline && o.timeline.length > 0 && (
        <View className='card' data-testid='order-timeline'>
          <Text className='section-title'>订单进度</Text>
          {[...o.timeline].reverse().map((e, i) => (
            <View className={`od-event ${i === 0 ? 'od-event-now' : ''}`} key={`${e.at}-${i}`}>
              <View className='od-dot' />
              <View className='grow'>
                <View className='row between'>
                  <Text className='od-event-status'>{statusText[e.status] || e.status}</Text>
                  <Text className='muted'>{dateTime(e.at)}</Text>
                </View>
                {eventNote(e.note) && <Text className='muted'>{eventNote(e.note)}</Text>}
              </View>
            </View>
          ))}
        </View>
      )}

      {actionError && (
        <View className='notice notice-red od-error' data-testid='order-error'>
          {actionError}
        </View>
      )}

      {(pending || canRefund || receivable) && (
        <View className='bar od-bar'>
          <View className='grow' />
          {pending && (
            <Button className='btn od-btn' data-testid='order-cancel' disabled={busy || undefined} onClick={cancel}>
              取消订单
            </Button>
          )}
          {pending && (
            <Button className='btn btn-pay od-btn' data-testid='order-pay' disabled={busy || confirming || undefined} onClick={payAgain}>
              去支付 {yuan(o.payable_fen)}
            </Button>
          )}
          {canRefund && (
            <Button className='btn od-btn' data-testid='refund-open' disabled={busy || undefined} onClick={openRefund}>
              申请退款
            </Button>
          )}
          {receivable && (
            <Button className='btn btn-primary od-btn' data-testid='order-receive' disabled={busy || undefined} onClick={receive}>
              确认收货
            </Button>
          )}
        </View>
      )}

      {refundOpen && (
        <View className='mask' onClick={() => setRefundOpen(false)}>
          <View className='sheet' data-testid='refund-sheet' onClick={(e) => e.stopPropagation()}>
            <Text className='section-title'>申请退款</Text>
            <View className='seg od-refund-seg'>
              <View className={`seg-item ${refundAll ? 'seg-item-on' : ''}`} data-testid='refund-mode-all' onClick={() => setRefundAll(true)}>
                整单退款
              </View>
              <View className={`seg-item ${!refundAll ? 'seg-item-on' : ''}`} data-testid='refund-mode-lines' onClick={() => setRefundAll(false)}>
                部分商品
              </View>
            </View>
            {!refundAll &&
              o.items
                .filter((i) => left(i) > 0)
                .map((i) => (
                  <View className='line' key={i.id}>
                    <View className='line-body od-refund-line'>
                      <Text className='line-title'>{i.title}</Text>
                      <Text className='muted'>
                        {i.sku_name} · 可退 {left(i)} 件
                      </Text>
                    </View>
                    <View className='stepper'>
                      <View className='stepper-btn' data-testid={`refund-minus-${i.id}`} onClick={() => step(i, -1)}>
                        -
                      </View>
                      <Text className='stepper-num' data-testid={`refund-qty-${i.id}`}>
                        {refundQty[i.id] || 0}
                      </Text>
                      <View className='stepper-btn' data-testid={`refund-plus-${i.id}`} onClick={() => step(i, 1)}>
                        +
                      </View>
                    </View>
                  </View>
                ))}
            <Text className='od-sheet-label'>退款原因</Text>
            <View className='od-chips'>
              {reasons.map((r) => (
                <View key={r} className={`od-chip ${reason === r ? 'od-chip-on' : ''}`} onClick={() => setReason(r)}>
                  {r}
                </View>
              ))}
            </View>
            <Input className='input od-reason' data-testid='refund-reason' value={reason} maxlength={200} placeholder='也可以自己填写原因' onInput={(e) => setReason(e.detail.value)} />
            <View className='kv'>
              <Text className='kv-label'>{refundAll ? '退款金额（含配送费）' : '预计退款（不含配送费）'}</Text>
              <Price fen={refundSum} testid='refund-amount' />
            </View>
            {refundError && (
              <View className='notice notice-red' data-testid='refund-error'>
                {refundError}
              </View>
            )}
            <View className='row od-sheet-btns'>
              <Button className='btn grow' onClick={() => setRefundOpen(false)}>
                取消
              </Button>
              <Button className='btn btn-primary grow' data-testid='refund-submit' disabled={busy || undefined} onClick={submitRefund}>
                提交申请
              </Button>
            </View>
          </View>
        </View>
      )}
    </View>
  )
}
