// Subscribe messages (订阅消息): which templates the shop sends
// (GET /api/v1/subscriptions/templates) and what the shopper answered in
// WeChat's prompt (POST /api/v1/subscriptions). WeChat only shows the prompt
// inside a tap handler or a payment callback, so the list is read before
// payment and the prompt is asked in wx.requestPayment's success callback.
import { request } from './client'
import type { Fulfilment } from './orders'
import type { SubscribeChoice } from '../platform/types'

export type SubscribeEvent = 'paid' | 'ready_for_pickup' | 'shipped' | 'delivered' | 'refunded'

export interface SubscribeTemplate {
  event: SubscribeEvent
  template_id: string
  title: string
}

export function subscribeTemplates(): Promise<{ items: SubscribeTemplate[] }> {
  return request<{ items: SubscribeTemplate[] }>({ path: '/api/v1/subscriptions/templates', auth: 'shopper' })
}

export function reportSubscriptions(results: Record<string, SubscribeChoice>): Promise<{ grants: Record<string, number> }> {
  return request<{ grants: Record<string, number> }>({ method: 'POST', path: '/api/v1/subscriptions', body: { results }, auth: 'shopper' })
}

/** What an order of each kind will be told about, most wanted first. */
const wanted: Record<Fulfilment, SubscribeEvent[]> = {
  pickup: ['ready_for_pickup', 'refunded', 'paid'],
  delivery: ['shipped', 'delivered', 'refunded'],
}

/** MAX_TEMPLATES: WeChat shows at most 3 templates in one prompt (some docs say 5; 3 is safe). */
export const MAX_TEMPLATES = 3

/** pickTemplates chooses the template ids to ask for an order: the events that fit it, in order, at most 3. */
export function pickTemplates(items: SubscribeTemplate[], fulfilment: Fulfilment): string[] {
  const ids: string[] = []
  for (const ev of wanted[fulfilment] || []) {
    const t = items.find((x) => x.event === ev && x.template_id)
    if (t && !ids.includes(t.template_id)) ids.push(t.template_id)
    if (ids.length === MAX_TEMPLATES) break
  }
  return ids
}
