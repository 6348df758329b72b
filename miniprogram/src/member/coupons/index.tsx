import { useRef, useState } from 'react'
import Taro, { useDidShow, usePullDownRefresh, useRouter } from '@tarojs/taro'
import { View, Text, Button } from '@tarojs/components'
import { errorText } from '../../api/client'
import { Coupon, CouponTemplate, claim, couponValidity, listCoupons, listTemplates, templateValidity } from '../../api/coupons'
import { dateTime } from '../../utils/format'
import State from '../../components/State'
import CouponCard from '../CouponCard'
import '../member.css'

type Tab = 'center' | 'mine'
type MineTab = 'unused' | 'used' | 'expired'

const mineTabs: { key: MineTab; label: string }[] = [
  { key: 'unused', label: '未使用' },
  { key: 'used', label: '已使用' },
  { key: 'expired', label: '已过期' },
]

const emptyText: Record<MineTab, string> = {
  unused: '还没有可用的优惠券，去领券中心看看吧',
  used: '还没有用过优惠券',
  expired: '没有过期的优惠券',
}

/** claimLabel is a template's button: 领取, 再领一张, 已领取, 已抢光. */
function claimLabel(t: CouponTemplate): string {
  if (t.can_claim) return t.claimed_by_me > 0 ? '再领一张' : '领取'
  if (t.claimed_by_me > 0) return '已领取'
  return t.remaining <= 0 ? '已抢光' : '暂不可领'
}

/**
 * merge takes a fresh template list and keeps the templates the shopper
 * has just claimed that it no longer lists (the last one was taken, say),
 * so their card still says 已领取.
 */
function merge(fresh: CouponTemplate[], before: CouponTemplate[], claimedID: number): CouponTemplate[] {
  if (fresh.some((t) => t.id === claimedID)) return fresh
  const kept = before.find((t) => t.id === claimedID)
  return kept ? fresh.concat({ ...kept, can_claim: false }) : fresh
}

/**
 * Coupons (优惠券): 领券中心, the coupons the shopper may claim now with a
 * 领取 button each (the server's refusal shown on the card), and 我的券, the
 * shopper's coupons by status. ?tab=mine opens 我的券.
 */
export default function CouponsPage() {
  const { params } = useRouter()
  const [tab, setTab] = useState<Tab>(params.tab === 'mine' ? 'mine' : 'center')
  const [mineTab, setMineTab] = useState<MineTab>('unused')
  const [templates, setTemplates] = useState<CouponTemplate[]>([])
  const [mine, setMine] = useState<Coupon[]>([])
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(0)
  const [refusals, setRefusals] = useState<Record<number, string>>({})
  const seq = useRef(0)

  async function load(t: Tab = tab, m: MineTab = mineTab) {
    const n = ++seq.current
    setLoading(true)
    setError('')
    try {
      if (t === 'center') {
        const list = await listTemplates()
        if (n === seq.current) setTemplates(list)
      } else {
        // an unused coupon held by an unpaid order (locked) is still the shopper's
        const [a, b] = await Promise.all([listCoupons(m), m === 'unused' ? listCoupons('locked') : Promise.resolve([] as Coupon[])])
        if (n === seq.current) setMine(a.concat(b))
      }
    } catch (err) {
      if (n === seq.current) setError(errorText(err))
    } finally {
      if (n === seq.current) setLoading(false)
    }
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
    load(t, mineTab)
  }

  function switchMine(m: MineTab) {
    if (m === mineTab) return
    setMineTab(m)
    load('mine', m)
  }

  async function take(t: CouponTemplate) {
    if (busy) return
    setBusy(t.id)
    setRefusals((r) => ({ ...r, [t.id]: '' }))
    try {
      await claim(t.id)
      Taro.showToast({ title: '领取成功', icon: 'success' })
      const mineNow = t.claimed_by_me + 1
      const local = templates.map((x) =>
        x.id === t.id ? { ...x, claimed_by_me: mineNow, remaining: Math.max(0, x.remaining - 1), can_claim: mineNow < x.per_shopper && x.remaining - 1 > 0 } : x,
      )
      setTemplates(local)
      try {
        setTemplates(merge(await listTemplates(), local, t.id))
      } catch {
        // the claim stands; the list says so already
      }
    } catch (err) {
      const msg = errorText(err)
      setRefusals((r) => ({ ...r, [t.id]: msg }))
      Taro.showToast({ title: msg, icon: 'none' })
      // what the server says of the template now (all claimed, the shopper's share taken)
      listTemplates()
        .then((fresh) => setTemplates((cur) => merge(fresh, cur, t.id)))
        .catch(() => undefined)
    } finally {
      setBusy(0)
    }
  }

  function couponStatus(c: Coupon): string {
    if (c.status === 'locked') return '待支付订单占用中'
    if (c.status === 'used') return c.used_at ? `${dateTime(c.used_at)} 已使用` : '已使用'
    if (c.status === 'expired') return '已过期'
    if (c.status === 'revoked') return '已收回'
    return ''
  }

  return (
    <View className='page'>
      <View className='mb-tabs'>
        <View className={`mb-tab ${tab === 'center' ? 'mb-tab-on' : ''}`} data-testid='coupons-tab-center' onClick={() => switchTab('center')}>
          领券中心
        </View>
        <View className={`mb-tab ${tab === 'mine' ? 'mb-tab-on' : ''}`} data-testid='coupons-tab-mine' onClick={() => switchTab('mine')}>
          我的券
        </View>
      </View>

      {tab === 'mine' && (
        <View className='mb-subtabs'>
          {mineTabs.map((m) => (
            <Text key={m.key} className={`mb-subtab ${m.key === mineTab ? 'mb-subtab-on' : ''}`} data-testid={`coupons-status-${m.key}`} onClick={() => switchMine(m.key)}>
              {m.label}
            </Text>
          ))}
        </View>
      )}

      <State
        loading={loading}
        error={error}
        empty={loading || error ? '' : tab === 'center' ? (templates.length ? '' : '暂时没有可以领取的优惠券') : mine.length ? '' : emptyText[mineTab]}
        onRetry={() => load()}
      />

      {!loading && !error && tab === 'center' && (
        <View data-testid='coupon-templates'>
          {templates.map((t) => (
            <CouponCard key={t.id} terms={t} validity={templateValidity(t)} testid={`coupon-template-${t.id}`}>
              <View className='cc-foot'>
                <Text className='cc-status'>{t.remaining > 0 ? `剩余 ${t.remaining} 张` : '已抢光'}</Text>
                <Button
                  className={`btn ${t.can_claim ? 'btn-primary' : ''} cc-btn`}
                  size='mini'
                  data-testid={`coupon-claim-${t.id}`}
                  data-state={t.can_claim ? 'claimable' : t.claimed_by_me > 0 ? 'claimed' : 'closed'}
                  disabled={!t.can_claim || busy === t.id}
                  loading={busy === t.id}
                  onClick={() => take(t)}
                >
                  {claimLabel(t)}
                </Button>
              </View>
              {refusals[t.id] ? (
                <Text className='cc-error' data-testid={`coupon-claim-error-${t.id}`}>
                  {refusals[t.id]}
                </Text>
              ) : null}
            </CouponCard>
          ))}
        </View>
      )}

      {!loading && !error && tab === 'mine' && (
        <View data-testid='my-coupons'>
          {mine.map((c) => (
            <CouponCard key={c.id} terms={c} validity={couponValidity(c)} testid={`coupon-${c.id}`} off={c.status !== 'unused' && c.status !== 'locked'}>
              <View className='cc-foot' data-status={c.status}>
                <Text className={c.status === 'locked' ? 'cc-badge' : 'cc-status'}>{couponStatus(c)}</Text>
                {c.status === 'unused' && (
                  <Button className='btn btn-primary cc-btn' size='mini' data-testid={`coupon-use-${c.id}`} onClick={() => Taro.switchTab({ url: '/pages/index/index' })}>
                    去使用
                  </Button>
                )}
              </View>
            </CouponCard>
          ))}
        </View>
      )}
    </View>
  )
}
