// The subscribe prompt after payment. WeChat refuses
// wx.requestSubscribeMessage outside a tap or a payment callback, so the
// template list is read when the page opens (before payment) and the prompt
// is asked from the payment's success callback. Nothing of this ever blocks
// or fails the payment: errors are swallowed, a reject is a normal answer.
import { useEffect, useRef } from 'react'
import { pickTemplates, reportSubscriptions, subscribeTemplates, SubscribeTemplate } from '../api/subscriptions'
import type { Fulfilment } from '../api/orders'
import { subscribe, SubscribeResult } from '../platform/wechat'

export class SubscribePrompt {
  private items: SubscribeTemplate[] = []
  private loading: Promise<void> | null = null
  private answer: Promise<void> = Promise.resolve()

  /** load reads the template list once (again after a failure). */
  load(): Promise<void> {
    if (!this.loading) {
      this.loading = subscribeTemplates()
        .then((r) => {
          this.items = Array.isArray(r.items) ? r.items : []
        })
        .catch(() => {
          this.loading = null
        })
    }
    return this.loading || Promise.resolve()
  }

  /**
   * ask shows the prompt for the templates that fit the order; call it
   * synchronously in the payment's success callback. The shopper's answers
   * are reported to the server in the background.
   */
  ask(fulfilment: Fulfilment): void {
    const ids = pickTemplates(this.items, fulfilment)
    if (!ids.length) return
    const titles = ids.map((id) => this.items.find((t) => t.template_id === id)?.title || '')
    let answered: Promise<SubscribeResult>
    try {
      answered = subscribe(ids, titles)
    } catch {
      return
    }
    this.answer = answered.then(
      (results) => {
        if (Object.keys(results).length) reportSubscriptions(results).catch(() => undefined)
      },
      () => undefined,
    )
  }

  /** answered resolves once the shopper answered the last prompt (at once if none was shown); it never rejects. */
  answered(): Promise<void> {
    return this.answer
  }
}

/** useSubscribePrompt gives a page its prompt; the template list is read when load is true. */
export function useSubscribePrompt(load: boolean): SubscribePrompt {
  const prompt = useRef<SubscribePrompt | null>(null)
  if (!prompt.current) prompt.current = new SubscribePrompt()
  const p = prompt.current
  useEffect(() => {
    if (load) p.load()
  }, [load, p])
  return p
}
