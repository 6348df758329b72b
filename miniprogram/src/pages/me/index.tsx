import { useCallback, useState } from 'react'
import Taro, { useDidShow } from '@tarojs/taro'
import { View, Text, Image, Button, Input } from '@tarojs/components'
import { errorText, mediaURL } from '../../api/client'
import { Shopper, bindPhone, getMe, notYet, setNickname, uploadAvatar } from '../../api/me'
import { Member, getMember } from '../../api/members'
import { listCoupons } from '../../api/coupons'
import { Referral, getReferral } from '../../api/referral'
import { useInviteShare } from '../../utils/share'
import { sandboxPhone } from '../../platform/wechat'
import State from '../../components/State'
import './index.css'

const isWeapp = process.env.TARO_ENV === 'weapp'

function maskPhone(p: string) {
  return p.length >= 11 ? `${p.slice(0, 3)}****${p.slice(-4)}` : p
}

/** Extras are the member parts of the page, each null while unknown (or on a server without it). */
interface Extras {
  member: Member | null
  unused: number | null
  referral: Referral | null
}

/**
 * Me (我的, a tab): the shopper's avatar and nickname (WeChat's chooseAvatar
 * and nickname input in the weapp), phone binding, the member's level,
 * points, coupons and code, inviting friends (a share button: the shared
 * home page carries the shopper's invite code), and links to orders,
 * addresses and the staff entrance.
 */
export default function Me() {
  const [me, setMe] = useState<Shopper | null>(null)
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState('')
  const [nick, setNick] = useState('')
  const [editing, setEditing] = useState(false)
  const [saving, setSaving] = useState(false)
  const [notice, setNotice] = useState('')
  const [extras, setExtras] = useState<Extras>({ member: null, unused: null, referral: null })

  useInviteShare(() => ({ title: '我在 wemart 鲜到家买菜，送你一份好礼', path: '/pages/index/index' }))

  const load = useCallback(async () => {
    setError('')
    // the member parts come alongside; one that fails only leaves its number out
    const member = getMember().catch(() => null)
    const unused = listCoupons('unused')
      .then((l) => l.length)
      .catch(() => null)
    const referral = getReferral().catch(() => null)
    try {
      const m = await getMe()
      setMe(m)
      setNick(m.nickname || '')
    } catch (err) {
      setError(errorText(err))
    } finally {
      setLoading(false)
    }
    const [mb, un, rf] = await Promise.all([member, unused, referral])
    setExtras({ member: mb, unused: un, referral: rf })
  }, [])

  useDidShow(() => {
    load()
  })

  const saveNickname = async (value: string) => {
    const v = value.trim()
    if (!me || saving) return
    if (!v || v === me.nickname) {
      setEditing(false)
      setNick(me.nickname || '')
      return
    }
    setSaving(true)
    setNotice('')
    try {
      const m = await setNickname(v)
      setMe(m)
      setNick(m.nickname || v)
      setEditing(false)
      Taro.showToast({ title: '昵称已保存', icon: 'success' })
    } catch (err) {
      setNotice(notYet(err) ? '修改昵称暂未开放，请稍后再试' : errorText(err))
    } finally {
      setSaving(false)
    }
  }

  const onChooseAvatar = async (e: { detail: { avatarUrl?: string } }) => {
    const file = e.detail.avatarUrl
    if (!file) return
    setNotice('')
    Taro.showLoading({ title: '上传中' })
    try {
      setMe(await uploadAvatar(file))
    } catch (err) {
      setNotice(notYet(err) ? '更换头像暂未开放，请稍后再试' : errorText(err))
    } finally {
      Taro.hideLoading()
    }
  }

  const bind = async (code: string | undefined) => {
    if (!code) {
      setNotice('未授权手机号')
      return
    }
    setNotice('')
    try {
      setMe(await bindPhone(code))
      Taro.showToast({ title: '手机号已绑定', icon: 'success' })
    } catch (err) {
      setNotice(errorText(err))
    }
  }

  if (!me) {
    return (
      <View className='page'>
        <State loading={loading} error={error} onRetry={() => { setLoading(true); load() }} />
      </View>
    )
  }

  const avatar = mediaURL(me.avatar_url)
  const avatarView = avatar ? (
    <Image className='me-avatar' src={avatar} mode='aspectFill' data-testid='me-avatar' />
  ) : (
    <View className='me-avatar me-avatar-none' data-testid='me-avatar'>
      <Text>{(me.nickname || '微').slice(0, 1)}</Text>
    </View>
  )

  return (
    <View className='page me-page'>
      <View className='me-head'>
        {isWeapp ? (
          <Button className='me-avatar-btn' openType='chooseAvatar' onChooseAvatar={onChooseAvatar} data-testid='me-choose-avatar'>
            {avatarView}
          </Button>
        ) : (
          avatarView
        )}
        <View className='me-info'>
          {editing || isWeapp ? (
            <Input
              className='me-nick-input'
              data-testid='me-nickname-input'
              type='nickname'
              value={nick}
              maxlength={32}
              placeholder='点击设置昵称'
              focus={editing && !isWeapp}
              onInput={(e) => setNick(e.detail.value)}
              onBlur={(e) => saveNickname(e.detail.value)}
              onConfirm={(e) => saveNickname(e.detail.value)}
            />
          ) : (
            <View className='row' onClick={() => setEditing(true)} data-testid='me-nickname-edit'>
              <Text className='me-nick' data-testid='me-nickname'>
                {me.nickname || '微信用户'}
              </Text>
              <Text className='me-edit'>编辑</Text>
            </View>
          )}
          {editing && !isWeapp && (
            <View className='row me-nick-actions'>
              <Text className='me-nick-save' data-testid='me-nickname-save' onClick={() => saveNickname(nick)}>
                {saving ? '保存中…' : '保存'}
              </Text>
              <Text className='me-nick-cancel' onClick={() => { setEditing(false); setNick(me.nickname || '') }}>
                取消
              </Text>
            </View>
          )}
          <Text className='me-phone' data-testid='me-phone'>
            {me.phone ? `手机号 ${maskPhone(me.phone)}` : '未绑定手机号'}
          </Text>
          {extras.member && (
            <Text className='me-level' data-testid='me-level' onClick={() => Taro.navigateTo({ url: '/member/code/index' })}>
              {extras.member.level.name}
            </Text>
          )}
        </View>
      </View>

      <View className='card me-stats'>
        <View className='me-stat' data-testid='me-points' data-points={extras.member ? extras.member.points.available : ''} onClick={() => Taro.navigateTo({ url: '/member/points/index' })}>
          <Text className={`me-stat-num ${extras.member && extras.member.points.available < 0 ? 'me-stat-neg' : ''}`}>{extras.member ? extras.member.points.available : '—'}</Text>
          <Text className='me-stat-label'>积分</Text>
        </View>
        <View className='me-stat' data-testid='me-coupons' data-count={extras.unused === null ? '' : extras.unused} onClick={() => Taro.navigateTo({ url: '/member/coupons/index?tab=mine' })}>
          <Text className='me-stat-num'>{extras.unused === null ? '—' : extras.unused}</Text>
          <Text className='me-stat-label'>优惠券</Text>
        </View>
        <View className='me-stat' data-testid='me-member-code' onClick={() => Taro.navigateTo({ url: '/member/code/index' })}>
          <Text className='me-stat-num me-stat-icon'>▦</Text>
          <Text className='me-stat-label'>会员码</Text>
        </View>
      </View>

      <View className='card me-invite' data-testid='me-invite' data-code={extras.referral ? extras.referral.invite_code : ''}>
        <View className='row between'>
          <View className='grow'>
            <Text className='me-bind-title'>邀请好友</Text>
            <Text className='muted me-bind-sub'>
              {extras.referral
                ? `我的邀请码 ${extras.referral.invite_code} · 已邀请 ${extras.referral.invited} 人${extras.referral.rewarded ? `，获奖励 ${extras.referral.rewarded} 次` : ''}`
                : '好友通过你的分享下单，你可获得奖励'}
            </Text>
          </View>
          <Button className='btn btn-primary me-bind' size='mini' openType='share' data-testid='me-invite-share'>
            分享
          </Button>
        </View>
      </View>

      {notice && (
        <View className='notice notice-red me-notice' data-testid='me-notice'>
          {notice}
        </View>
      )}

      {!me.phone && (
        <View className='card'>
          <View className='row between'>
            <View className='grow'>
              <Text className='me-bind-title'>绑定手机号</Text>
              <Text className='muted me-bind-sub'>便于门店联系你取货和配送</Text>
            </View>
            {sandboxPhone ? (
              <Button className='btn btn-primary me-bind' size='mini' data-testid='me-bind-phone' onClick={() => sandboxPhone && bind(sandboxPhone.code(me.id))}>
                {sandboxPhone.label}
              </Button>
            ) : (
              <Button className='btn btn-primary me-bind' size='mini' openType='getPhoneNumber' data-testid='me-bind-phone' onGetPhoneNumber={(e) => bind((e.detail as { code?: string }).code)}>
                绑定手机号
              </Button>
            )}
          </View>
        </View>
      )}

      <View className='card me-links'>
        <View className='link-row' data-testid='me-coupon-center' onClick={() => Taro.navigateTo({ url: '/member/coupons/index' })}>
          <Text>领券中心</Text>
          <Text className='chev'>›</Text>
        </View>
        <View className='link-row' data-testid='me-orders' onClick={() => Taro.switchTab({ url: '/pages/orders/index' })}>
          <Text>我的订单</Text>
          <Text className='chev'>›</Text>
        </View>
        <View className='link-row' data-testid='me-addresses' onClick={() => Taro.navigateTo({ url: '/pages/addresses/index' })}>
          <Text>收货地址</Text>
          <Text className='chev'>›</Text>
        </View>
      </View>

      <View className='card me-links'>
        <View className='link-row' data-testid='me-staff' onClick={() => Taro.navigateTo({ url: '/staff/login/index' })}>
          <Text>门店员工入口</Text>
          <Text className='chev'>›</Text>
        </View>
      </View>
    </View>
  )
}
