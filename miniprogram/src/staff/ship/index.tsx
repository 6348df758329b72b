import { useState } from 'react'
import { useDidShow, useRouter } from '@tarojs/taro'
import { View, Input, Button } from '@tarojs/components'
import State from '../../components/State'
import OrderCard from '../OrderCard'
import Result, { backToOrders } from '../Result'
import { errorText, isCancel } from '../../api/client'
import { staffLoad } from '../load'
import { expressCompanies, order as readOrder, ship, shipFormError, trackingNumber, type ExpressCompany, type StaffOrder } from '../../api/staffOrders'
import { scan } from '../../platform/wechat'
import { statusText } from '../../utils/format'
import '../staff.css'


/**
 * StaffShip (发快递) sends a paid delivery order with an express company:
 * pick the company (GET /admin/v1/express-companies), scan or type the
 * waybill number, POST /admin/v1/orders/{id}/ship. The server checks the
 * number's shape for the company; its message is shown when it refuses.
 */
export default function StaffShip() {
  const id = Number(useRouter().params.id) || 0
  const [order, setOrder] = useState<StaffOrder | null>(null)
  const [companies, setCompanies] = useState<ExpressCompany[]>([])
  const [carrier, setCarrier] = useState('')
  const [no, setNo] = useState('')
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  const [refusal, setRefusal] = useState('')
  const [done, setDone] = useState<StaffOrder | null>(null)

  function load() {
    return staffLoad(setLoading, setError, async () => {
      if (!id) throw new Error('缺少订单参数')
      const [o, list] = await Promise.all([readOrder(id), expressCompanies()])
      setOrder(o)
      setCompanies(list)
    })
  }

  useDidShow(() => {
    load()
  })

  async function scanNo() {
    setRefusal('')
    try {
      setNo(trackingNumber(await scan()))
    } catch (err) {
      if (!isCancel(err)) setRefusal(errorText(err))
    }
  }

  async function submit() {
    if (busy || !order) return
    const n = trackingNumber(no)
    const problem = shipFormError(carrier, n)
    setRefusal(problem)
    if (problem) return
    setBusy(true)
    try {
      setDone(await ship(order.id, carrier, n))
    } catch (err) {
      setRefusal(errorText(err))
    } finally {
      setBusy(false)
    }
  }

  if (done) {
    const name = companies.find((c) => c.id === carrier)?.name || carrier
    return (
      <Result testid='ship-result' order={done} want='shipped' title='已发货' detail={`${name} ${trackingNumber(no)}`}>
        <Button className='btn btn-primary staff-block' data-testid='ship-back' onClick={backToOrders}>
          返回订单
        </Button>
      </Result>
    )
  }


  if (loading || error || !order) {
    return (
      <View className='page'>
        <State loading={loading} error={error} onRetry={load} noHome />
      </View>
    )
  }

  const shippable = order.fulfilment === 'delivery' && order.status === 'paid'

  return (
    <View className='page'>
      <OrderCard order={order} />
      {!shippable ? (
        <View className='card'>
          <View className='notice' data-testid='ship-unavailable'>
            {order.fulfilment !== 'delivery' ? '自提订单无需发货' : `订单${statusText[order.status] || order.status}，不能发快递`}
          </View>
          <Button className='btn staff-block' onClick={backToOrders}>
            返回订单
          </Button>
        </View>
      ) : (
        <View className='card' data-testid='ship-form'>
          <View className='section-title'>快递公司</View>
          {companies.length === 0 ? (
            <View className='muted'>没有可用的快递公司，请联系管理员配置</View>
          ) : (
            <View className='staff-chips' data-testid='ship-carrier' data-value={carrier}>
              {companies.map((c) => (
                <View
                  key={c.id}
                  className={`staff-chip ${carrier === c.id ? 'staff-chip-on' : ''}`}
                  data-testid={`ship-carrier-${c.id}`}
                  data-selected={carrier === c.id}
                  onClick={() => {
                    setCarrier(c.id)
                    setRefusal('')
                  }}
                >
                  {c.name}
                </View>
              ))}
            </View>
          )}
          <View className='section-title' style={{ marginTop: '24px' }}>
            快递单号
          </View>
          <View className='row'>
            <Input
              className='input grow'
              data-testid='ship-tracking-no'
              value={no}
              placeholder='扫描或输入快递单号'
              maxlength={40}
              onInput={(e) => {
                setNo(e.detail.value)
                setRefusal('')
              }}
              onConfirm={() => submit()}
            />
            <Button className='btn staff-scan' size='mini' data-testid='ship-scan' onClick={scanNo} disabled={busy}>
              扫码
            </Button>
          </View>
          {refusal && (
            <View className='staff-msg' data-testid='ship-error'>
              {refusal}
            </View>
          )}
          <Button className='btn btn-primary staff-block' data-testid='ship-submit' loading={busy} disabled={busy} onClick={submit}>
            确认发货
          </Button>
        </View>
      )}
    </View>
  )
}
