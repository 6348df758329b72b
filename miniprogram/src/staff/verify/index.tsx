import { useState } from 'react'
import { useDidShow, useRouter } from '@tarojs/taro'
import { View, Text, Input, Button } from '@tarojs/components'
import State from '../../components/State'
import Result, { backToOrders } from '../Result'
import { errorText, isCancel } from '../../api/client'
import { counterStore, staffLoad } from '../load'
import { awaitingPickup, orders, pickedUp, pickupByCode, pickupCode, type CounterStore, type StaffOrder } from '../../api/staffOrders'
import { scan } from '../../platform/wechat'
import '../staff.css'

/**
 * StaffVerify hands a pickup order over at the counter: the shopper shows the
 * pickup code (or its QR, which holds the code) and the clerk scans or types
 * it: POST /admin/v1/stores/{id}/pickups finds the store's waiting order with
 * that code and hands it over. Opened from one order of the list (or with an
 * order tapped below), the code is checked against that order instead
 * (POST /admin/v1/orders/{id}/picked-up).
 */
export default function StaffVerify() {
  const params = useRouter().params
  const wanted = Number(params.id) || 0
  const [store, setStore] = useState<CounterStore | null>(null)
  const [waiting, setWaiting] = useState<StaffOrder[]>([])
  const [chosen, setChosen] = useState(wanted)
  const [code, setCode] = useState('')
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  const [refusal, setRefusal] = useState('')
  const [done, setDone] = useState<StaffOrder | null>(null)

  function load() {
    return staffLoad(setLoading, setError, async () => {
      const st = await counterStore()
      if (!st) return
      setStore(st)
      const res = await orders({ store_id: st.id, status: awaitingPickup, page_size: 100 })
      const list = res.items.filter((o) => o.fulfilment === 'pickup')
      setWaiting(list)
      setChosen((cur) => (cur && list.some((o) => o.id === cur) ? cur : 0))
    })
  }

  useDidShow(() => {
    load()
  })

  async function scanCode() {
    setRefusal('')
    try {
      const text = await scan()
      const c = pickupCode(text)
      setCode(c)
      if (c) await submit(c)
    } catch (err) {
      if (!isCancel(err)) setRefusal(errorText(err))
    }
  }

  async function submit(typed?: string) {
    if (busy) return
    const c = pickupCode(typed === undefined ? code : typed)
    setRefusal('')
    if (!c) {
      setRefusal('请输入或扫描顾客的取货码')
      return
    }
    if (!store) return
    setBusy(true)
    try {
      const o = chosen ? await pickedUp(chosen, c) : await pickupByCode(store.id, c)
      setDone(o)
      setCode('')
      setWaiting((prev) => prev.filter((x) => x.id !== o.id))
    } catch (err) {
      setRefusal(errorText(err))
    } finally {
      setBusy(false)
    }
  }

  function next() {
    setDone(null)
    setChosen(0)
    load()
  }

  if (done) {
    return (
      <Result testid='verify-result' order={done} want='completed' title='已核销，交给顾客' detail={`订单号 ${done.order_no}`}>
        <Button className='btn btn-primary staff-block' data-testid='verify-next' onClick={next}>
          继续核销
        </Button>
        <Button className='btn staff-block' onClick={backToOrders}>
          返回订单
        </Button>
      </Result>
    )
  }


  const selected = waiting.find((o) => o.id === chosen)

  return (
    <View className='page'>
      <View className='staff-head'>
        <View className='staff-store'>{store ? store.name : '核销取货'}</View>
        <View className='muted' style={{ marginTop: '8px' }}>
          扫描顾客订单页的取货码，或输入取货码数字
        </View>
      </View>
      <View className='card'>
        <Button className='btn btn-pay staff-block' data-testid='verify-scan' onClick={scanCode} disabled={busy}>
          扫码核销
        </Button>
        <View className='muted' style={{ textAlign: 'center', margin: '24px 0 16px' }}>
          或输入取货码
        </View>
        <Input
          className='input staff-code'
          data-testid='verify-code-input'
          type='number'
          value={code}
          placeholder='取货码'
          maxlength={12}
          onInput={(e) => {
            setCode(e.detail.value)
            setRefusal('')
          }}
          onConfirm={(e) => submit(e.detail.value)}
        />
        {selected && (
          <View className='muted row between' style={{ marginTop: '16px' }} data-testid='verify-chosen'>
            <Text>核销订单 {selected.order_no}</Text>
            <Text className='staff-link' data-testid='verify-any' onClick={() => setChosen(0)}>
              按取货码查找
            </Text>
          </View>
        )}
        {refusal && (
          <View className='staff-msg' data-testid='verify-error'>
            {refusal}
          </View>
        )}
        <Button className='btn btn-primary staff-block' data-testid='verify-submit' loading={busy} disabled={busy} onClick={() => submit()}>
          确认核销
        </Button>
      </View>
      <View className='card'>
        <View className='section-title'>待取货订单</View>
        <State loading={loading} error={error} empty={waiting.length ? '' : '没有待取货的订单'} onRetry={load} noHome />
        {!loading &&
          !error &&
          waiting.map((o) => (
            <View
              key={o.id}
              className={`staff-pick ${o.id === chosen ? 'staff-pick-on' : ''}`}
              data-testid={`verify-order-${o.id}`}
              onClick={() => {
                setChosen(o.id)
                setRefusal('')
              }}
            >
              <View className='row between'>
                <Text style={{ fontWeight: 600 }}>…{o.order_no.slice(-6)}</Text>
                <Text className={`badge ${o.status === 'ready_for_pickup' ? 'badge-blue' : 'badge-red'}`}>{o.status === 'ready_for_pickup' ? '已备货' : '未备货'}</Text>
              </View>
              <View className='muted' style={{ marginTop: '8px' }}>
                {o.items.map((it) => `${it.title}×${it.quantity}`).join('，')}
              </View>
            </View>
          ))}
      </View>
    </View>
  )
}
