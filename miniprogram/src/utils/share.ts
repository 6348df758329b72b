// Sharing along WeChat's relationship chain: a page shared to a chat
// (onShareAppMessage) or to Moments (onShareTimeline) carries the sharer's
// invite code as `inviter=<code>`; the page the friend opens remembers it for
// their first login. A page using useInviteShare needs enableShareAppMessage
// and enableShareTimeline in its page config (Taro registers the page's
// onShareAppMessage / onShareTimeline only then; in the h5 preview both
// hooks do nothing).
import { useEffect } from 'react'
import { useRouter, useShareAppMessage, useShareTimeline } from '@tarojs/taro'
import { getReferral, myInviteCode, withInviter } from '../api/referral'
import { rememberInviter } from '../api/session'

/** Share is what a page shares: a title and its own path with its query (starting with /). */
export interface Share {
  title: string
  path: string
  imageUrl?: string
}

/** shareMessage is onShareAppMessage's answer for a share: the path with inviter=<my code>. */
export function shareMessage(s: Share): { title: string; path: string; imageUrl?: string } {
  const out: { title: string; path: string; imageUrl?: string } = { title: s.title, path: withInviter(s.path) }
  if (s.imageUrl) out.imageUrl = s.imageUrl
  return out
}

/** shareTimeline is onShareTimeline's answer: Moments takes the page's query, not a path. */
export function shareTimeline(s: Share): { title: string; query: string; imageUrl?: string } {
  const i = s.path.indexOf('?')
  const out: { title: string; query: string; imageUrl?: string } = { title: s.title, query: withInviter(i < 0 ? '' : s.path.slice(i + 1)) }
  if (s.imageUrl) out.imageUrl = s.imageUrl
  return out
}

/** useInviter remembers the `inviter` of the page's own query (a shared page opened). */
export function useInviter() {
  const { params } = useRouter()
  const inviter = params.inviter
  useEffect(() => {
    rememberInviter(inviter)
  }, [inviter])
}

/**
 * useInviteShare makes the page shareable with the shopper's invite code:
 * make says what to share when the shopper shares. The code is kept from
 * GET /api/v1/me/referral (read at launch and on 我的); when it is not known
 * yet, the chat share asks for it (WeChat waits up to 3 s for `promise`,
 * else shares the path without it).
 */
export function useInviteShare(make: () => Share) {
  useInviter()
  useShareAppMessage(() => {
    const now = shareMessage(make())
    if (myInviteCode()) return now
    return {
      ...now,
      promise: getReferral().then(
        () => shareMessage(make()),
        () => now,
      ),
    }
  })
  useShareTimeline(() => shareTimeline(make()))
}
