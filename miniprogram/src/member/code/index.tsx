import { useEffect, useRef, useState } from 'react'
import Taro, { useDidHide, useDidShow } from '@tarojs/taro'
import { View, Text } from '@tarojs/components'
import { errorText } from '../../api/client'
import { Member, MemberCode, benefits, getMember, getMemberCode, nextRefresh } from '../../api/members'
import { yuan } from '../../utils/format'
import State from '../../components/State'
import QRCode from '../../components/QRCode'
import '../member.css'

/** RETRY_MS is how soon a code that could not be fetched is asked for again. */
const RETRY_MS = 5000
function keepScreenOn(on: boolean) {
  // WeChat keeps the screen lit while the code is shown; the h5 preview cannot
  if (process.env.TARO_ENV === 'h5' || typeof Taro.setKeepScreenOn !== 'function') return
  try {
    Promise.resolve(Taro.setKeepScreenOn({ keepScreenOn: on })).catch(() => undefined)
  } catch {
    // not in this WeChat version
  }
}

/**
 * MemberCodePage (会员码): the shopper's level, what it gives and how far
 * the next level is, and the member code as a QR for the counter's scanner:
 * a new code every refresh_after_s seconds (and whenever one expires), with
 * a countdown; the screen stays on while it is shown.
 */
export default function MemberCodePage() {
  const [member, setMember] = useState<Member | null>(null)
  const [memberError, setMemberError] = useState('')
  const [code, setCode] = useState<MemberCode | null>(null)
  const [codeError, setCodeError] = useState('')
  const [now, setNow] = useState(Date.now())
  const next = useRef(0)
  const fetching = useRef(false)
  const timer = useRef<ReturnType<typeof setInterval> | null>(null)

  async function loadMember() {
    setMemberError('')
    try {
      setMember(await getMember())
    } catch (err) {
      setMemberError(errorText(err))
    }
  }

  async function refresh() {
    if (fetching.current) return
    fetching.current = true
    try {
      const c = await getMemberCode()
      const at = Date.now()
      next.current = nextRefresh(c, at)
      setCode(c)
      setCodeError('')
    } catch (err) {
      next.current = Date.now() + RETRY_MS
      setCodeError(errorText(err))
    } finally {
      fetching.current = false
      setNow(Date.now())
    }
  }

  function stop() {
    if (timer.current) clearInterval(timer.current)
    timer.current = null
    keepScreenOn(false)
  }

  function start() {
    stop()
    keepScreenOn(true)
    timer.current = setInterval(() => {
      const t = Date.now()
      setNow(t)
      if (t >= next.current) refresh()
    }, 1000)
  }

  useDidShow(() => {
    loadMember()
    refresh()
    start()
  })
  useDidHide(() => {
    stop()
  })
  useEffect(() => stop, [])

  const left = code ? Math.max(0, Math.ceil((next.current - now) / 1000)) : 0
  const progress = member && member.next && member.next.min_spend_fen > 0 ? Math.min(100, Math.round((member.spend_fen / member.next.min_spend_fen) * 100)) : 100

  return (
    <View className='page'>
      <View className='mc-card' data-testid='member-card'>
        {member ? (
          <View>
            <Text className='mc-level' data-testid='member-level' data-level={member.level.name}>
              {member.level.name}
            </Text>
            <View className='mc-benefits' data-testid='member-benefits'>
              {benefits(member.level).map((b) => (
                <Text key={b} className='mc-benefit'>
                  {b}
                </Text>
              ))}
            </View>
            <View className='mc-progress'>
              <View className='mc-progress-bar' style={{ width: `${progress}%` }} />
            </View>
            <View className='mc-next' data-testid='member-next'>
              {member.next ? `近一年消费 ${yuan(member.spend_fen)}，再消费 ${yuan(member.next.missing_fen)} 升级为${member.next.name}` : `近一年消费 ${yuan(member.spend_fen)}，已是最高等级`}
            </View>
            <View className='mc-next' data-testid='member-points' onClick={() => Taro.navigateTo({ url: '/member/points/index' })}>
              可用积分 {member.points.available}
              {member.points.pending ? ` · 待入账 ${member.points.pending}` : ''} ›
            </View>
          </View>
        ) : memberError ? (
          <View className='mc-next' data-testid='member-error' onClick={loadMember}>
            {memberError}（点此重试）
          </View>
        ) : (
          <View className='mc-next'>加载中…</View>
        )}
      </View>

      <View className='mc-code'>
        <Text className='mc-code-title'>会员码</Text>
        {code ? (
          <View data-testid='member-code' data-code={code.code} data-expires={code.expires_at}>
            <QRCode text={code.code} size={440} />
          </View>
        ) : (
          <State loading={!codeError} error={codeError} onRetry={refresh} noHome />
        )}
        {code && (
          <Text className='mc-count' data-testid='member-code-countdown'>
            {left > 0 ? `${left} 秒后自动刷新` : '正在刷新…'}
          </Text>
        )}
        {code && codeError && (
          <Text className='pt-msg' data-testid='member-code-error'>
            {codeError}
          </Text>
        )}
        {code && (
          <Text className='mc-refresh' data-testid='member-code-refresh' onClick={refresh}>
            刷新
          </Text>
        )}
        <Text className='mc-tip'>结账时向收银员出示此码，识别会员并累计积分；请勿截图给他人</Text>
      </View>
    </View>
  )
}
