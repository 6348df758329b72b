import { useRef, useState } from 'react'
import Taro, { useDidShow, usePullDownRefresh } from '@tarojs/taro'
import { View, Text, Button } from '@tarojs/components'
import State from '../../components/State'
import OrderCard from '../OrderCard'
import Tracking from '../../components/Tracking'
import StorePicker from '../StorePicker'
import { staffSession } from '../../api/staff'
import { errorText } from '../../api/client'
import { LOGIN, staffLoad } from '../load'
import { activeShipment, cancelDispatch, counter, dispatch, order as readOrder, orders, pickStore, ready, type Counter, type CounterStore, type OrderStatus, type StaffOrder } from '../../api/staffOrders'
import { shipmentStatusLabel, shipmentTone, staffTracking, type Shipment } from '../../api/tracking'
import { distance, yuan } from '../../utils/format'
import '../staff.css'

type Tab = 'paid' | 'ready' | 'shipped' | 'all'

const tabs: { key: Tab; label: string; status: OrderStatus[] }[] = [
  { key: 'paid', label: '待备货', status: ['paid'] },
  { key: 'ready', label: '待取货', status: ['ready_for_pickup'] },
  { key: 'shipped', label: '配送中', status: ['shipped'] },
  { key: 'all', label: '全部', status: [] },
]

const PAGE_SIZE = 30

/**
 * StaffOrders: the store's orders to pack and hand over: 备货完成 for paid
 * pickup orders; 派骑手 (a same-city rider) or 发快递 (staff/ship) for paid
 * delivery orders; the shipment's status and its tracking for sent ones.
 */
export default function StaffOrders() {
  const [who, setWho] = useState<Counter | null>(null)
  const [picking, setPicking] = useState(false)
  const [tab, setTab] = useState<Tab>('paid')
  const [list, setList] = useState<StaffOrder[]>([])
  const [total, setTotal] = useState(0)
  const [page, setPage] = useState(1)
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(0)
  const [msg, setMsg] = useState<Record<number, string>>({})
  const seq = useRef(0)
  const [tracks, setTracks] = useState<Record<number, Shipment[] | string>>({})

  async function loadOrders(store: CounterStore, t: Tab, p = 1) {
    const n = ++seq.current
    if (p === 1) setLoading(true)
    setError('')
    try {
      const res = await orders({ store_id: store.id, status: tabs.find((x) => x.key === t)!.status, page: p, page_size: PAGE_SIZE })
      if (n !== seq.current) return
      setList((prev) => (p === 1 ? res.items : prev.concat(res.items)))
      setTotal(res.total)
      setPage(p)
      if (p === 1) setMsg({})
    } catch (err) {
      if (n === seq.current) setError(errorText(err))
    } finally {
      if (n === seq.current) setLoading(false)
    }
  }

  function load() {
    return staffLoad(setLoading, setError, async () => {
      const c = who || (await counter())
      setWho(c)
      if (!c.store) {
        setPicking(true)
        return
      }
      await loadOrders(c.store, tab)
    })
  }

  useDidShow(() => {
    load()
  })
  usePullDownRefresh(() => {
    load().finally(() => Taro.stopPullDownRefresh())
  })

  function switchTab(t: Tab) {
    if (t === tab) return
    setTab(t)
    if (who && who.store) loadOrders(who.store, t)
  }

  function choose(s: CounterStore) {
    pickStore(s)
    const c = { staff: who!.staff, store: s }
    setWho(c)
    setPicking(false)
    loadOrders(s, tab)
  }

  /** onOrder runs an action on one order: its button busy, the server's refusal shown on the order. */
  async function onOrder(o: StaffOrder, work: () => Promise<void>) {
    setBusy(o.id)
    setMsg((m) => ({ ...m, [o.id]: '' }))
    try {
      await work()
    } catch (err) {
      setMsg((m) => ({ ...m, [o.id]: errorText(err) }))
    } finally {
      setBusy(0)
    }
  }

  function replace(updated: StaffOrder) {
    setList((prev) => prev.map((x) => (x.id === updated.id ? { ...x, ...updated } : x)))
  }

  function markReady(o: StaffOrder) {
    return onOrder(o, async () => {
      const updated = await ready(o.id)
      setList((prev) => (tab === 'paid' ? prev.filter((x) => x.id !== o.id) : prev.map((x) => (x.id === o.id ? updated : x))))
      if (tab === 'paid') setTotal((t) => t - 1)
      Taro.showToast({ title: '已备货，待顾客取货', icon: 'success' })
    })
  }

  function callRider(o: StaffOrder) {
    return onOrder(o, async () => {
      replace(await dispatch(o.id))
      Taro.showToast({ title: '已呼叫骑手', icon: 'success' })
    })
  }

  async function callOff(o: StaffOrder) {
    const r = await Taro.showModal({ title: '取消派单', content: '确定取消这次骑手配送吗？', confirmText: '取消派单', cancelText: '再等等' })
    if (!r.confirm) return
    await onOrder(o, async () => {
      await cancelDispatch(o.id, '门店取消派单')
      // the order as it now is (with the cancelled shipment)
      replace(await readOrder(o.id))
    })
  }

  async function toggleTracking(o: StaffOrder) {
    if (tracks[o.id] !== undefined) {
      setTracks((t) => {
        const next = { ...t }
        delete next[o.id]
        return next
      })
      return
    }
    setTracks((t) => ({ ...t, [o.id]: [] }))
    try {
      const res = await staffTracking(o.id)
      setTracks((t) => ({ ...t, [o.id]: res.shipments }))
    } catch (err) {
      setTracks((t) => ({ ...t, [o.id]: errorText(err) }))
    }
  }

  function signOut() {
    staffSession.signOut()
    Taro.redirectTo({ url: LOGIN })
  }

  const store = who && who.store
  const chainWide = who && !who.staff.store_id

  return (
    <View className='page'>
      <View className='staff-head'>
        <View className='row between'>
          <View className='grow'>
            <View className='staff-store' data-testid='staff-store-name'>
              {store ? store.name : '门店工作台'}
            </View>
            <View className='muted' style={{ marginTop: '8px' }}>
              {who ? `${who.staff.display_name || who.staff.username} · ${roleText[who.staff.role] || who.staff.role}` : ' '}
            </View>
          </View>
          {chainWide && store && (
            <Text className='muted' data-testid='staff-switch-store' onClick={() => setPicking(true)} style={{ marginRight: '24px' }}>
              切换门店
            </Text>
          )}
          <Text className='muted' data-testid='staff-signout' onClick={signOut}>
            退出登录
          </Text>
        </View>
        {store && !picking && (
          <View className='staff-head-actions'>
            <Button className='btn btn-pay staff-head-btn' data-testid='open-verify' onClick={() => Taro.navigateTo({ url: '/staff/verify/index' })}>
              扫码核销取货
            </Button>
            <Button className='btn staff-head-btn' data-testid='open-member' onClick={() => Taro.navigateTo({ url: '/staff/member/index' })}>
              会员识别
            </Button>
          </View>
        )}
      </View>
      {picking ? (
        <StorePicker onPick={choose} />
      ) : (
        <View>
          <View className='staff-tabs'>
            {tabs.map((t) => (
              <View key={t.key} className={`staff-tab ${t.key === tab ? 'staff-tab-on' : ''}`} data-testid={`staff-tab-${t.key}`} onClick={() => switchTab(t.key)}>
                {t.label}
              </View>
            ))}
          </View>
          <State loading={loading} error={error} empty={list.length ? '' : emptyText[tab]} onRetry={load} noHome />
          {!loading && !error && (
            <View data-testid='staff-orders'>
              {list.map((o) => (
                <OrderCard key={o.id} order={o}>
                  {(o.shipments || []).map((sh) => (
                    <View key={sh.id} className='staff-shipment row between' data-testid={`staff-shipment-${o.id}`} data-status={sh.status}>
                      <Text className='grow'>
                        {sh.kind === 'rider' ? '骑手' : sh.carrier_name || sh.carrier} {sh.kind === 'express' ? sh.tracking_no : ''}
                        {typeof sh.fee_fen === 'number' ? ` · 配送费 ${yuan(sh.fee_fen)}` : ''}
                        {typeof sh.distance_m === 'number' ? ` · ${distance(sh.distance_m)}` : ''}
                      </Text>
                      <Text className={`badge badge-${shipmentTone(sh.status)}`}>{shipmentStatusLabel(sh.status)}</Text>
                    </View>
                  ))}
                  <View className='staff-actions'>
                    {o.fulfilment === 'delivery' && o.status === 'paid' && !activeShipment(o) && (
                      <>
                        <Button
                          className='btn btn-primary'
                          size='mini'
                          data-testid={`staff-dispatch-${o.id}`}
                          loading={busy === o.id}
                          disabled={busy === o.id}
                          onClick={() => callRider(o)}
                        >
                          派骑手
                        </Button>
                        <Button className='btn' size='mini' data-testid={`staff-ship-${o.id}`} onClick={() => Taro.navigateTo({ url: `/staff/ship/index?id=${o.id}` })}>
                          发快递
                        </Button>
                      </>
                    )}
                    {(o.shipments || []).some((sh) => sh.kind === 'rider' && (sh.status === 'requested' || sh.status === 'accepted')) && (
                      <Button className='btn' size='mini' data-testid={`staff-dispatch-cancel-${o.id}`} disabled={busy === o.id} onClick={() => callOff(o)}>
                        取消派单
                      </Button>
                    )}
                    {o.fulfilment === 'delivery' && (!!activeShipment(o) || ['shipped', 'delivered', 'completed'].includes(o.status)) && (
                      <Button className='btn' size='mini' data-testid={`staff-tracking-${o.id}`} onClick={() => toggleTracking(o)}>
                        {tracks[o.id] !== undefined ? '收起物流' : '查看物流'}
                      </Button>
                    )}
                    {o.fulfilment === 'pickup' && o.status === 'paid' && (
                      <Button
                        className='btn btn-primary'
                        size='mini'
                        data-testid={`order-ready-${o.id}`}
                        loading={busy === o.id}
                        disabled={busy === o.id}
                        onClick={() => markReady(o)}
                      >
                        备货完成
                      </Button>
                    )}
                    {o.fulfilment === 'pickup' && (o.status === 'paid' || o.status === 'ready_for_pickup') && (
                      <Button className='btn' size='mini' data-testid={`order-verify-${o.id}`} onClick={() => Taro.navigateTo({ url: `/staff/verify/index?id=${o.id}` })}>
                        核销取货
                      </Button>
                    )}
                  </View>
                  {tracks[o.id] !== undefined && (
                    <View className='staff-track' data-testid={`staff-tracking-view-${o.id}`}>
                      {typeof tracks[o.id] === 'string' ? (
                        <View className='staff-msg'>{tracks[o.id] as string}</View>
                      ) : (tracks[o.id] as Shipment[]).length ? (
                        <Tracking shipments={tracks[o.id] as Shipment[]} staff />
                      ) : (
                        <View className='muted'>暂无物流信息</View>
                      )}
                    </View>
                  )}
                  {msg[o.id] && (
                    <View className='staff-msg' data-testid={`order-error-${o.id}`}>
                      {msg[o.id]}
                    </View>
                  )}
                </OrderCard>
              ))}
              {list.length < total && store && (
                <View className='state' style={{ padding: '24px' }}>
                  <Button className='btn' size='mini' data-testid='staff-more' onClick={() => loadOrders(store, tab, page + 1)}>
                    加载更多
                  </Button>
                </View>
              )}
            </View>
          )}
        </View>
      )}
    </View>
  )
}

const roleText: Record<string, string> = { admin: '管理员', manager: '店长', clerk: '店员' }

const emptyText: Record<Tab, string> = {
  paid: '没有待备货的订单',
  ready: '没有待取货的订单',
  shipped: '没有配送中的订单',
  all: '这家门店还没有订单',
}
