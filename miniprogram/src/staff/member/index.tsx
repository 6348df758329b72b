import { useState } from 'react'
import { useDidShow } from '@tarojs/taro'
import { View, Text, Input, Button } from '@tarojs/components'
import State from '../../components/State'
import { errorText, isCancel } from '../../api/client'
import { counterStore, staffLoad } from '../load'
import { type CounterStore } from '../../api/staffOrders'
import { CounterSale, MemberScan, counterSale, levelName, parseYuan, saleFormError, scanMember } from '../../api/staffMembers'
import { scan } from '../../platform/wechat'
import { yuan } from '../../utils/format'
import '../staff.css'

/**
 * StaffMember (会员识别) at the counter: scan the member code on the
 * shopper's phone (or type it): POST /admin/v1/members/scan shows who they
 * are, their level and points; then 收银积分 records the till's sale (amount
 * and receipt number, POST /admin/v1/stores/{id}/counter-sales) and shows
 * the points it earned. The same receipt sent again is the same sale.
 */
export default function StaffMember() {
  const [store, setStore] = useState<CounterStore | null>(null)
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState('')
  const [code, setCode] = useState('')
  const [busy, setBusy] = useState(false)
  const [refusal, setRefusal] = useState('')
  const [found, setFound] = useState<MemberScan | null>(null)
  const [amount, setAmount] = useState('')
  const [receipt, setReceipt] = useState('')
  const [saleError, setSaleError] = useState('')
  const [sale, setSale] = useState<CounterSale | null>(null)

  function load() {
    return staffLoad(setLoading, setError, async () => {
      const st = await counterStore()
      if (st) setStore(st)
    })
  }

  useDidShow(() => {
    if (!store) load()
  })

  async function identify(typed?: string) {
    if (busy || !store) return
    const c = (typed === undefined ? code : typed).trim()
    setRefusal('')
    if (!c) {
      setRefusal('请扫描或输入顾客的会员码')
      return
    }
    setBusy(true)
    try {
      const res = await scanMember(c, store.id)
      setFound(res)
      setSale(null)
      setSaleError('')
      setAmount('')
      setReceipt('')
      setCode('')
    } catch (err) {
      setRefusal(errorText(err))
    } finally {
      setBusy(false)
    }
  }

  async function scanCode() {
    setRefusal('')
    try {
      const text = (await scan()).trim()
      setCode(text)
      if (text) await identify(text)
    } catch (err) {
      if (!isCancel(err)) setRefusal(errorText(err))
    }
  }

  async function record() {
    if (busy || !store || !found) return
    const problem = saleFormError(amount, receipt)
    setSaleError(problem)
    if (problem) return
    setBusy(true)
    try {
      const done = await counterSale(store.id, found.scan_id, parseYuan(amount) as number, receipt.trim())
      setSale(done)
      // The member card above shows the balance the sale left, not the one scanned.
      setFound({ ...found, member: { ...found.member, points_available: done.available } })
    } catch (err) {
      setSaleError(errorText(err))
    } finally {
      setBusy(false)
    }
  }

  function next() {
    setFound(null)
    setSale(null)
    setCode('')
    setAmount('')
    setReceipt('')
    setSaleError('')
    setRefusal('')
  }

  if (loading || error || !store) {
    return (
      <View className='page'>
        <State loading={loading} error={error} onRetry={load} noHome />
      </View>
    )
  }

  const m = found && found.member

  return (
    <View className='page'>
      <View className='staff-head'>
        <View className='staff-store'>{store.name}</View>
        <View className='muted' style={{ marginTop: '8px' }}>
          扫描顾客“我的 › 会员码”，识别会员后录入收银小票累计积分
        </View>
      </View>

      {!m && (
        <View className='card'>
          <Button className='btn btn-pay staff-block' data-testid='staff-member-scan' onClick={scanCode} disabled={busy}>
            扫会员码
          </Button>
          <View className='muted' style={{ textAlign: 'center', margin: '24px 0 16px' }}>
            或输入会员码
          </View>
          <Input
            className='input staff-field'
            data-testid='staff-member-code-input'
            value={code}
            placeholder='会员码'
            maxlength={128}
            onInput={(e) => {
              setCode(e.detail.value)
              setRefusal('')
            }}
            onConfirm={(e) => identify(e.detail.value)}
          />
          {refusal && (
            <View className='staff-msg' data-testid='staff-member-error'>
              {refusal}
            </View>
          )}
          <Button className='btn btn-primary staff-block' data-testid='staff-member-submit' loading={busy} disabled={busy} onClick={() => identify()}>
            识别会员
          </Button>
        </View>
      )}

      {m && (
        <View className='card' data-testid='staff-member' data-shopper={m.shopper_id}>
          <View className='row between'>
            <Text className='section-title' data-testid='staff-member-name' style={{ marginBottom: 0 }}>
              {m.nickname || `顾客 #${m.shopper_id}`}
            </Text>
            <Text className='badge badge-red' data-testid='staff-member-level'>
              {levelName(m.level) || '会员'}
            </Text>
          </View>
          <View className='muted' style={{ marginTop: '12px' }} data-testid='staff-member-points' data-points={m.points_available}>
            可用积分 {m.points_available}
          </View>
        </View>
      )}

      {m && !sale && (
        <View className='card'>
          <View className='section-title'>收银积分</View>
          <View className='staff-field'>
            <View className='muted' style={{ marginBottom: '8px' }}>
              消费金额（元）
            </View>
            <Input
              className='input'
              data-testid='staff-sale-amount'
              type='digit'
              value={amount}
              placeholder='例如 58.50'
              maxlength={12}
              onInput={(e) => {
                setAmount(e.detail.value)
                setSaleError('')
              }}
            />
          </View>
          <View className='staff-field'>
            <View className='muted' style={{ marginBottom: '8px' }}>
              小票号
            </View>
            <Input
              className='input'
              data-testid='staff-sale-receipt'
              value={receipt}
              placeholder='收银小票上的单号'
              maxlength={32}
              onInput={(e) => {
                setReceipt(e.detail.value)
                setSaleError('')
              }}
              onConfirm={record}
            />
          </View>
          {parseYuan(amount) !== null && (parseYuan(amount) as number) > 0 && <View className='muted'>金额 {yuan(parseYuan(amount) as number)}</View>}
          {saleError && (
            <View className='staff-msg' data-testid='staff-sale-error'>
              {saleError}
            </View>
          )}
          <Button className='btn btn-primary staff-block' data-testid='staff-sale-submit' loading={busy} disabled={busy} onClick={record}>
            确认积分
          </Button>
          <Button className='btn staff-block' data-testid='staff-member-cancel' onClick={next}>
            换一位顾客
          </Button>
        </View>
      )}

      {sale && (
        <View className='card staff-result' data-testid='staff-sale-result'>
          <View className='staff-result-icon staff-ok'>✓</View>
          <View className='section-title' style={{ marginTop: '16px' }}>
            已积分
          </View>
          <View className='staff-sale-points' data-testid='staff-sale-points' data-points={sale.points}>
            +{sale.points} 积分
          </View>
          <View className='muted' style={{ marginTop: '12px' }}>
            消费 {yuan(sale.amount_fen)} · 顾客现有可用积分 {sale.available}
          </View>
          <Button className='btn btn-primary staff-block' data-testid='staff-member-next' onClick={next}>
            下一位顾客
          </Button>
        </View>
      )}
    </View>
  )
}
