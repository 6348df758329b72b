import { useRef, useState } from 'react'
import Taro, { useDidShow, usePullDownRefresh, useReachBottom } from '@tarojs/taro'
import { View, Text, Button } from '@tarojs/components'
import { ApiError, errorText } from '../../api/client'
import { POINTS_PAGE, PointEntry, checkin, getMember, getPoints, kindText, signed } from '../../api/members'
import { dateTime, eventNote } from '../../utils/format'
import State from '../../components/State'
import '../member.css'

/** entryNote is what an entry says beside its kind: the server's words when Chinese, else its order. */
function entryNote(e: PointEntry): string {
  const words = eventNote(e.note)
  if (words) return words
  return e.order_id ? `订单 #${e.order_id}` : ''
}

/**
 * Points (我的积分): the balance (negative after a refund took back points
 * already spent, shown in red as it is), the points waiting for orders to
 * complete (待入账), 签到 once a day, and the ledger, newest first, page by
 * page (?before=<the last id>).
 */
export default function PointsPage() {
  const [available, setAvailable] = useState(0)
  const [pending, setPending] = useState(0)
  const [items, setItems] = useState<PointEntry[]>([])
  const [more, setMore] = useState(false)
  const [loading, setLoading] = useState(true)
  const [loadingMore, setLoadingMore] = useState(false)
  const [error, setError] = useState('')
  const [moreError, setMoreError] = useState('')
  const [checkedIn, setCheckedIn] = useState(false)
  const [checking, setChecking] = useState(false)
  const [checkinError, setCheckinError] = useState('')
  const [loaded, setLoaded] = useState(false)
  const seq = useRef(0)

  async function load() {
    const n = ++seq.current
    setError('')
    try {
      const [p, m] = await Promise.all([getPoints(), getMember().catch(() => null)])
      if (n !== seq.current) return
      setAvailable(p.available)
      setPending(p.pending)
      setItems(p.items || [])
      setMore((p.items || []).length >= POINTS_PAGE)
      setMoreError('')
      // a check-in this page saw stands, whatever an older read says
      if (m) setCheckedIn((done) => done || m.checked_in_today)
      setLoaded(true)
    } catch (err) {
      if (n === seq.current) setError(errorText(err))
    } finally {
      if (n === seq.current) setLoading(false)
    }
  }

  async function loadMore() {
    if (!more || loadingMore || !items.length) return
    const n = seq.current
    setLoadingMore(true)
    setMoreError('')
    try {
      const p = await getPoints(items[items.length - 1].id)
      if (n !== seq.current) return
      setItems((cur) => cur.concat((p.items || []).filter((e) => !cur.some((x) => x.id === e.id))))
      setMore((p.items || []).length >= POINTS_PAGE)
    } catch (err) {
      if (n === seq.current) setMoreError(errorText(err))
    } finally {
      setLoadingMore(false)
    }
  }

  useDidShow(() => {
    load()
  })
  usePullDownRefresh(() => {
    load().finally(() => Taro.stopPullDownRefresh())
  })
  useReachBottom(() => {
    loadMore()
  })

  async function signIn() {
    if (checking || checkedIn) return
    setChecking(true)
    setCheckinError('')
    try {
      const res = await checkin()
      setCheckedIn(true)
      setAvailable(res.available)
      Taro.showToast({ title: `签到成功 +${res.points}`, icon: 'success' })
      load()
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        setCheckedIn(true)
      } else {
        setCheckinError(errorText(err))
      }
    } finally {
      setChecking(false)
    }
  }

  if (!loaded) {
    return (
      <View className='page'>
        <State loading={loading} error={error} onRetry={() => { setLoading(true); load() }} />
      </View>
    )
  }

  return (
    <View className='page'>
      <View className='pt-head'>
        <Text className='pt-label'>可用积分</Text>
        <View className='pt-row'>
          <Text className={`pt-available ${available < 0 ? 'pt-negative' : ''}`} data-testid='points-available' data-points={available}>
            {available}
          </Text>
          <Button
            className={`btn ${checkedIn ? '' : 'btn-primary'} pt-checkin`}
            data-testid='checkin'
            data-done={checkedIn ? 'true' : 'false'}
            disabled={checkedIn || checking}
            loading={checking}
            onClick={signIn}
          >
            {checkedIn ? '今日已签到' : '签到'}
          </Button>
        </View>
        <Text className='pt-pending' data-testid='points-pending' data-points={pending}>
          待入账 {pending}
        </Text>
        <View className='pt-hint'>订单完成后待入账积分转为可用；100 积分可抵 ¥1.00</View>
        {checkinError && (
          <View className='pt-msg' data-testid='checkin-error'>
            {checkinError}
          </View>
        )}
        {error && (
          <View className='pt-msg' data-testid='points-error'>
            {error}
          </View>
        )}
      </View>

      <View className='card' data-testid='points-ledger'>
        <View className='section-title'>积分明细</View>
        {items.length === 0 && <State empty='还没有积分记录，签到或下单都能得积分' />}
        {items.map((e) => (
          <View
            key={e.id}
            className='pt-entry'
            data-testid={`points-entry-${e.id}`}
            data-kind={e.kind}
            onClick={() => e.order_id && Taro.navigateTo({ url: `/pages/order/index?id=${e.order_id}` })}
          >
            <View className='pt-entry-body'>
              <Text className='pt-kind'>{kindText[e.kind] || e.kind}</Text>
              <Text className='pt-note'>
                {dateTime(e.created_at)}
                {entryNote(e) ? ` · ${entryNote(e)}` : ''}
              </Text>
            </View>
            <View className='pt-deltas'>
              {e.available_delta !== 0 && <Text className={e.available_delta > 0 ? 'pt-plus' : 'pt-minus'}>{signed(e.available_delta)}</Text>}
              {e.pending_delta !== 0 && <Text className='pt-pend'>待入账 {signed(e.pending_delta)}</Text>}
            </View>
          </View>
        ))}
        {moreError && (
          <View className='pt-more' style={{ color: '#e4393c' }} onClick={loadMore} data-testid='points-more-error'>
            {moreError}（点此重试）
          </View>
        )}
        {more && !moreError && (
          <View className='pt-more' data-testid='points-more' onClick={loadMore}>
            {loadingMore ? '加载中…' : '加载更多'}
          </View>
        )}
        {!more && items.length > 0 && <View className='pt-more'>没有更多了</View>}
      </View>
    </View>
  )
}
