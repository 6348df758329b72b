// The sandbox bridge: the WeChat-only calls as the h5 preview makes them,
// against a wemart running in sandbox mode on the same origin. Login uses a
// code kept per browser profile, location comes from the URL (?lat=&lng=) or a
// point in Shanghai, payment shows a sandbox cashier that calls POST
// /sandbox/pay, and scanning or pinning a place asks with a small dialog.
// Taro uses this file only for h5 builds; the weapp build takes wechat.ts.
import type { PaymentParams, PaymentResult, PickedPlace, Point, SubscribeResult } from './types'

export type { PaymentParams, PaymentResult, PickedPlace, Point, SubscribeChoice, SubscribeResult } from './types'

/** sandbox is true: this build talks to the local WeChat sandbox. */
export const sandbox = true

/** SandboxPhone binds a phone without WeChat's button (the preview only). */
export interface SandboxPhone {
  label: string
  code(shopperID: number): string
}

/** sandboxPhone: the sandbox accepts any code for getuserphonenumber. */
export const sandboxPhone: SandboxPhone | null = {
  label: '绑定手机号（沙箱）',
  code: (id) => `sandbox-phone-${id}`,
}

const CODE_KEY = 'wemart.sandbox.code'
const POINT_KEY = 'wemart.sandbox.point'

/** The preview's default position: People's Square, Shanghai (GCJ-02). */
export const defaultPoint: Point = { lat: 31.23237, lng: 121.47516 }

/** login returns this browser profile's sandbox code (the same shopper every time). */
export async function login(): Promise<string> {
  let code = window.localStorage.getItem(CODE_KEY)
  if (!code) {
    code = `h5-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`
    window.localStorage.setItem(CODE_KEY, code)
  }
  return code
}

function pointFrom(query: string): Point | null {
  const q = new URLSearchParams(query)
  const lat = Number(q.get('lat'))
  const lng = Number(q.get('lng'))
  if (q.get('lat') && q.get('lng') && Number.isFinite(lat) && Number.isFinite(lng) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180) {
    return { lat, lng }
  }
  return null
}

/** location is ?lat=&lng= from the URL (kept for the session), else the default point. */
export async function location(): Promise<Point> {
  const hash = window.location.hash
  const p = pointFrom(window.location.search) || pointFrom(hash.includes('?') ? hash.slice(hash.indexOf('?')) : '')
  if (p) {
    window.sessionStorage.setItem(POINT_KEY, JSON.stringify(p))
    return p
  }
  const kept = window.sessionStorage.getItem(POINT_KEY)
  if (kept) {
    try {
      return JSON.parse(kept) as Point
    } catch {
      window.sessionStorage.removeItem(POINT_KEY)
    }
  }
  return defaultPoint
}

interface Field {
  id: string
  label: string
  value?: string
}

/**
 * dialog shows a modal in the page and resolves with the fields' values when
 * the shopper confirms, or null when they cancel. confirm may reject to keep
 * the dialog open with its message.
 */
function dialog(opts: {
  testid: string
  title: string
  body?: string
  fields?: Field[]
  confirmText: string
  /** The buttons' words and test ids when not 取消 / <testid>-cancel and <testid>-confirm. */
  cancelText?: string
  confirmTestid?: string
  cancelTestid?: string
  onConfirm?: (values: Record<string, string>) => Promise<void>
}): Promise<Record<string, string> | null> {
  return new Promise((resolve) => {
    const mask = document.createElement('div')
    mask.setAttribute('data-testid', opts.testid)
    mask.setAttribute('style', 'position:fixed;inset:0;background:rgba(0,0,0,.55);z-index:10000;display:flex;align-items:flex-end;justify-content:center;font-family:sans-serif')
    const sheet = document.createElement('div')
    sheet.setAttribute('style', 'background:#fff;width:100%;max-width:480px;border-radius:12px 12px 0 0;padding:20px 16px 28px;box-sizing:border-box')
    const title = document.createElement('div')
    title.textContent = opts.title
    title.setAttribute('style', 'font-size:16px;font-weight:600;text-align:center;margin-bottom:12px')
    sheet.appendChild(title)
    if (opts.body) {
      const body = document.createElement('div')
      body.innerHTML = opts.body
      sheet.appendChild(body)
    }
    const inputs: Record<string, HTMLInputElement> = {}
    for (const f of opts.fields || []) {
      const label = document.createElement('label')
      label.setAttribute('style', 'display:block;font-size:13px;color:#666;margin:8px 0 4px')
      label.textContent = f.label
      const input = document.createElement('input')
      input.value = f.value || ''
      input.setAttribute('data-testid', `${opts.testid}-${f.id}`)
      input.setAttribute('style', 'width:100%;box-sizing:border-box;padding:8px;border:1px solid #ddd;border-radius:6px;font-size:15px')
      label.appendChild(input)
      sheet.appendChild(label)
      inputs[f.id] = input
    }
    const error = document.createElement('div')
    error.setAttribute('data-testid', `${opts.testid}-error`)
    error.setAttribute('style', 'color:#e4393c;font-size:13px;min-height:18px;margin:8px 0')
    sheet.appendChild(error)
    const buttons = document.createElement('div')
    buttons.setAttribute('style', 'display:flex;gap:12px')
    const cancel = document.createElement('button')
    cancel.textContent = opts.cancelText || '取消'
    cancel.setAttribute('data-testid', opts.cancelTestid || `${opts.testid}-cancel`)
    cancel.setAttribute('style', 'flex:1;padding:12px;border:1px solid #ddd;background:#fff;border-radius:8px;font-size:16px')
    const ok = document.createElement('button')
    ok.textContent = opts.confirmText
    ok.setAttribute('data-testid', opts.confirmTestid || `${opts.testid}-confirm`)
    ok.setAttribute('style', 'flex:2;padding:12px;border:0;background:#07c160;color:#fff;border-radius:8px;font-size:16px')
    buttons.appendChild(cancel)
    buttons.appendChild(ok)
    sheet.appendChild(buttons)
    mask.appendChild(sheet)
    document.body.appendChild(mask)
    const close = (v: Record<string, string> | null) => {
      mask.remove()
      resolve(v)
    }
    cancel.onclick = () => close(null)
    ok.onclick = async () => {
      const values: Record<string, string> = {}
      for (const [k, input] of Object.entries(inputs)) values[k] = input.value.trim()
      ok.disabled = true
      error.textContent = ''
      try {
        if (opts.onConfirm) await opts.onConfirm(values)
        close(values)
      } catch (err) {
        error.textContent = err instanceof Error ? err.message : String(err)
        ok.disabled = false
      }
    }
  })
}

function yuan(fen: number): string {
  return `¥${(fen / 100).toFixed(2)}`
}

/**
 * pay shows the sandbox cashier: the amount and a confirm button that calls
 * POST /sandbox/pay, as the shopper confirming in WeChat's cashier would.
 */
let cashier: Promise<PaymentResult> | null = null

export function pay(p: PaymentParams, amountFen: number, onPaid?: () => void): Promise<PaymentResult> {
  // One cashier at a time, as in WeChat: a second call while it is open
  // gets the answer of the one on screen. onPaid stands for WeChat's success
  // callback (where the subscribe prompt is asked).
  if (!cashier) {
    cashier = openCashier(p, amountFen)
      .then((r) => {
        if (r === 'paid' && onPaid) onPaid()
        return r
      })
      .finally(() => (cashier = null))
  }
  return cashier
}

async function openCashier(p: PaymentParams, amountFen: number): Promise<PaymentResult> {
  const prepayID = p.package.replace(/^prepay_id=/, '')
  const done = await dialog({
    testid: 'sandbox-pay',
    title: '微信支付（沙箱）',
    body: `<div style="text-align:center;margin:8px 0 16px"><div style="color:#666;font-size:13px">wemart 鲜到家</div><div data-testid="sandbox-pay-amount" style="font-size:32px;font-weight:600;margin-top:6px">${yuan(amountFen)}</div><div style="color:#999;font-size:12px;margin-top:6px">本地沙箱收银台，不会产生真实扣款</div></div>`,
    confirmText: '确认支付',
    onConfirm: async () => {
      const res = await fetch('/sandbox/pay', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ prepay_id: prepayID }),
      })
      if (!res.ok) {
        const body = await res.json().catch(() => ({}))
        throw new Error(body?.error?.message || `沙箱支付失败（HTTP ${res.status}）`)
      }
    },
  })
  return done ? 'paid' : 'cancelled'
}

function escapeHTML(t: string): string {
  return t.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/**
 * subscribe stands in for WeChat's subscribe prompt: a dialog listing the
 * templates with 允许 and 拒绝. An accept is recorded at the sandbox's WeChat
 * side (POST /sandbox/subscribe/grants with this browser's login code), as
 * WeChat itself records it; a template the sandbox refused counts as rejected.
 * The answer has WeChat's shape: template id → accept | reject.
 */
export async function subscribe(tmplIds: string[], titles: string[] = []): Promise<SubscribeResult> {
  const names = tmplIds.map((id, i) => titles[i] || id)
  const list = names.map((n) => `<div style="padding:8px 0;border-bottom:1px solid #f0f0f0;font-size:15px">✓ ${escapeHTML(n)}</div>`).join('')
  const ok = await dialog({
    testid: 'sandbox-subscribe',
    title: '订阅消息（沙箱）',
    body: `<div style="color:#666;font-size:13px;margin-bottom:8px">wemart 鲜到家 申请向你发送以下消息：</div>${list}<div style="color:#999;font-size:12px;margin-top:8px">本地沙箱，代替微信的订阅弹窗</div>`,
    confirmText: '允许',
    cancelText: '拒绝',
    confirmTestid: 'sandbox-subscribe-accept',
    cancelTestid: 'sandbox-subscribe-reject',
  })
  const out: SubscribeResult = {}
  for (const id of tmplIds) out[id] = 'reject'
  if (!ok) return out
  const code = await login()
  for (const id of tmplIds) {
    try {
      const res = await fetch('/sandbox/subscribe/grants', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ code, template_id: id }),
      })
      if (res.ok) out[id] = 'accept'
    } catch {
      // the sandbox did not record it: WeChat would not have either
    }
  }
  return out
}

/** scan asks for the text of the code (the preview has no camera). */
export async function scan(): Promise<string> {
  const v = await dialog({
    testid: 'sandbox-scan',
    title: '扫码（沙箱）',
    fields: [{ id: 'text', label: '二维码内容' }],
    confirmText: '确定',
  })
  if (!v) throw new Error('已取消扫码')
  return v.text
}

/** pickPlace asks for a place; it starts at the shopper's position. */
export async function pickPlace(near?: Point): Promise<PickedPlace | null> {
  const at = near || (await location())
  const v = await dialog({
    testid: 'sandbox-place',
    title: '选择位置（沙箱）',
    fields: [
      { id: 'name', label: '地点名称', value: '当前位置' },
      { id: 'address', label: '地址', value: '上海市黄浦区人民大道' },
      { id: 'lat', label: '纬度（GCJ-02）', value: String(at.lat) },
      { id: 'lng', label: '经度（GCJ-02）', value: String(at.lng) },
    ],
    confirmText: '确定',
    onConfirm: async (vals) => {
      if (!Number.isFinite(Number(vals.lat)) || !Number.isFinite(Number(vals.lng)) || !vals.lat || !vals.lng) {
        throw new Error('请填写有效的经纬度')
      }
    },
  })
  if (!v) return null
  return { name: v.name, address: v.address, lat: Number(v.lat), lng: Number(v.lng) }
}

/** openMap opens the place in a new tab's map search (the preview has no WeChat map). */
export async function openMap(p: PickedPlace): Promise<void> {
  window.alert(`${p.name}\n${p.address}\n(${p.lat}, ${p.lng})`)
}
