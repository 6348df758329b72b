import { useCallback, useRef, useState } from 'react'
import Taro, { useDidShow, usePullDownRefresh, useReachBottom } from '@tarojs/taro'
import { View, Text, Button } from '@tarojs/components'
import { errorText } from '../../api/client'
import { Order, listOrders } from '../../api/orders'
import { statusText, dateTime } from '../../utils/format'
import State from '../../components/State'
import Price from '../../components/Price'
import LineImage from '../../components/LineImage'
import './index.css'

/** The status filters (GET /api/v1/orders?status= takes statuses separated by commas). */
const orderTabs = [
  { key: 'all', label: '全部', status: '' },
  { key: 'unpaid', label: '待支付', status: 'pending_payment' },
  { key: 'open', label: '待取货/配送', status: 'paid,ready_for_pickup,shipped' },
  { key: 'done', label: '已完成', status: 'delivered,completed' },
  { key: 'refund', label: '退款', status: 'refunding,refunded' },
]

const pageSize = 10

function statusBadge(s: string) {
  if (s === 'pending_payment') return 'badge-red'
  if (s === 'cancelled' || s === 'refunded') return 'badge-grey'
  if (s === 'refunding') return 'badge-blue'
  return 'badge-green'
}

/** OrderCard is one order in the list: store, the first lines' pictures and titles, payable, status. */
function OrderCard({ o }: { o: Order }) {
  const first = o.items.slice(0, 4)
  const count = o.items.reduce((s, i) => s + i.quantity, 0)
  return (
    <View className='card ol-card' data-testid={`order-${o.id}`} onClick={() => Taro.navigateTo({ url: `/pages/order/index?id=${o.id}` })}>
      <View className='row between'>
        <Text className='ol-store ellipsis'>{o.store?.name || `门店 #${o.store_id}`}</Text>
        <Text className={`badge ${statusBadge(o.status)}`} data-status={o.status}>
          {statusText[o.status] || o.status}
        </Text>
      </View>
      <View className='row ol-lines'>
        {first.length === 1 ? (
          <View className='row grow'>
            <LineImage src={first[0].image_url || first[0].image} title={first[0].title} small />
            <View className='line-body'>
              <Text className='line-title'>{first[0].title}</Text>
              <Text className='muted'>{first[0].sku_name}</Text>
            </View>
          </View>
        ) : (
          <View className='grow ol-multi'>
            <View className='row ol-thumbs'>
              {first.map((i) => (
                <View key={i.id} className='ol-thumb'>
                  <LineImage src={i.image_url || i.image} title={i.title} small />
                </View>
              ))}
            </View>
            <Text className='ol-titles'>
              {o.items.map((i) => i.title).join('、')}
            </Text>
          </View>
        )}
      </View>
      <View className='row between'>
        <Text className='muted'>
          {dateTime(o.created_at)} · {o.fulfilment === 'pickup' ? '自提' : '配送'}
        </Text>
        <View>
          <Text className='muted'>共 {count} 件 {o.paid_at ? '实付' : o.status === 'pending_payment' ? '需付' : '金额'} </Text>
          <Price fen={o.payable_fen} />
        </View>
      </View>
    </View>
  )
}

/** Orders (我的订单, a tab): the shopper's orders by status, newest first, page by page. */
export default function Orders() {
  const [tab, setTab] = useState(orderTabs[0].key)
  const [items, setItems] = useState<Order[]>([])
  const [total, setTotal] = useState(0)
  const [page, setPage] = useState(0)
  const [loading, setLoading] = useState(true)
  const [more, setMore] = useState(false)
  const [error, setError] = useState('')
  const seq = useRef(0)

  const load = useCallback(async (key: string, next: number) => {
    const status = (orderTabs.find((t) => t.key === key) || orderTabs[0]).status
    const mine = ++seq.current
    if (next === 1) setLoading(true)
    else setMore(true)
    setError('')
    try {
      const res = await listOrders(status, next, pageSize)
      if (mine !== seq.current) return
      setItems((prev) => (next === 1 ? res.items : [...prev, ...res.items]))
      setTotal(res.total)
      setPage(next)
    } catch (err) {
      if (mine === seq.current) setError(errorText(err))
    } finally {
      if (mine === seq.current) {
        setLoading(false)
        setMore(false)
      }
      Taro.stopPullDownRefresh()
    }
  }, [])

  const tabRef = useRef(tab)
  tabRef.current = tab
  useDidShow(() => {
    load(tabRef.current, 1)
  })
  usePullDownRefresh(() => {
    load(tabRef.current, 1)
  })
  const hasMore = items.length < total
  useReachBottom(() => {
    if (hasMore && !more && !loading) load(tabRef.current, page + 1)
  })

  const pick = (key: string) => {
    if (key === tab) return
    setTab(key)
    setItems([])
    setTotal(0)
    load(key, 1)
  }

  return (
    <View className='page ol-page'>
      <View className='tabs'>
        {orderTabs.map((t) => (
          <View key={t.key} className={`tab ${t.key === tab ? 'tab-on' : ''}`} data-testid={`orders-tab-${t.key}`} onClick={() => pick(t.key)}>
            {t.label}
          </View>
        ))}
      </View>
      {items.length === 0 ? (
        <View>
          <State loading={loading} error={error} empty='还没有这类订单' onRetry={() => load(tab, 1)} />
          {!loading && !error && (
            <View className='ol-empty-action'>
              <Button className='btn btn-primary ol-go' size='mini' onClick={() => Taro.switchTab({ url: '/pages/index/index' })}>
                去逛逛
              </Button>
            </View>
          )}
        </View>
      ) : (
        <View data-testid='orders-list'>
          {items.map((o) => (
            <OrderCard key={o.id} o={o} />
          ))}
          {error && <State error={error} onRetry={() => load(tab, page + 1)} />}
          {hasMore && !error && (
            <View className='ol-more' data-testid='orders-more' onClick={() => !more && load(tab, page + 1)}>
              {more ? '加载中…' : '加载更多'}
            </View>
          )}
          {!hasMore && <View className='ol-more muted'>没有更多了</View>}
        </View>
      )}
    </View>
  )
}
