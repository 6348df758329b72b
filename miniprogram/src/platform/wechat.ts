// The WeChat-only calls, as the weapp build makes them. The h5 preview build
// takes wechat.h5.ts instead (Taro picks the .h5.ts file), which stands in for
// WeChat with the local sandbox; nothing of that file reaches the weapp build.
import Taro from '@tarojs/taro'
import type { PaymentParams, PaymentResult, PickedPlace, Point, SubscribeChoice, SubscribeResult } from './types'

export type { PaymentParams, PaymentResult, PickedPlace, Point, SubscribeChoice, SubscribeResult } from './types'

/** sandbox is false: this is the real WeChat build. */
export const sandbox = false

/** SandboxPhone binds a phone without WeChat's button (the preview only). */
export interface SandboxPhone {
  label: string
  code(shopperID: number): string
}

/** sandboxPhone is null: WeChat's getPhoneNumber button gives the code. */
export const sandboxPhone: SandboxPhone | null = null

/** login returns a wx.login code for POST /api/v1/auth/login. */
export async function login(): Promise<string> {
  const res = await Taro.login()
  if (!res.code) throw new Error('微信登录失败，请重试')
  return res.code
}

/** location returns where the shopper is, in GCJ-02 (what the backend expects). */
export async function location(): Promise<Point> {
  const res = await Taro.getLocation({ type: 'gcj02' })
  return { lat: res.latitude, lng: res.longitude }
}

/**
 * pay opens WeChat's cashier with the server's payment object. onPaid runs
 * inside WeChat's success callback: the one place besides a tap where
 * wx.requestSubscribeMessage may be called (a promise's then is too late).
 */
export async function pay(p: PaymentParams, _amountFen: number, onPaid?: () => void): Promise<PaymentResult> {
  try {
    await Taro.requestPayment({
      timeStamp: p.timeStamp,
      nonceStr: p.nonceStr,
      package: p.package,
      signType: p.signType as 'RSA',
      paySign: p.paySign,
      success: () => {
        if (onPaid) onPaid()
      },
    })
    return 'paid'
  } catch (err) {
    const msg = err && typeof err === 'object' && 'errMsg' in err ? String((err as { errMsg: string }).errMsg) : ''
    if (msg.includes('cancel')) return 'cancelled'
    throw new Error(msg ? `支付未完成：${msg}` : '支付未完成，请重试')
  }
}

const choices: SubscribeChoice[] = ['accept', 'reject', 'ban', 'filter']

/**
 * subscribe shows WeChat's subscribe prompt for the template ids (WeChat
 * shows its own titles; the preview's stand-in uses titles). It must be
 * called synchronously in a tap handler or a payment callback (it is: the
 * call happens before this function's first await).
 */
export async function subscribe(tmplIds: string[], _titles: string[] = []): Promise<SubscribeResult> {
  const res = (await Taro.requestSubscribeMessage({ tmplIds } as Taro.requestSubscribeMessage.Option)) as unknown as Record<string, unknown>
  const out: SubscribeResult = {}
  for (const id of tmplIds) {
    const v = res[id]
    if (typeof v === 'string' && (choices as string[]).includes(v)) out[id] = v as SubscribeChoice
  }
  return out
}

/** scan reads a QR code with the camera and returns its text (or the scene of our own mini program code). */
export async function scan(): Promise<string> {
  const res = await Taro.scanCode({ onlyFromCamera: true, scanType: ['qrCode', 'wxCode', 'barCode'] as unknown as (keyof Taro.scanCode.ScanType)[] })
  const path = (res as { path?: string }).path
  if (path) {
    const m = /[?&]scene=([^&]*)/.exec(path)
    if (m) return decodeURIComponent(m[1])
  }
  return res.result
}

/** pickPlace lets the shopper pin an address on WeChat's map; null when they close it. */
export async function pickPlace(near?: Point): Promise<PickedPlace | null> {
  try {
    const res = await Taro.chooseLocation(near ? { latitude: near.lat, longitude: near.lng } : {})
    return { name: res.name, address: res.address, lat: res.latitude, lng: res.longitude }
  } catch (err) {
    const msg = err && typeof err === 'object' && 'errMsg' in err ? String((err as { errMsg: string }).errMsg) : ''
    if (msg.includes('cancel')) return null
    throw new Error(msg || '无法打开地图选点')
  }
}

/** openMap shows a place in WeChat's map (navigation to a store). */
export async function openMap(p: PickedPlace): Promise<void> {
  await Taro.openLocation({ latitude: p.lat, longitude: p.lng, name: p.name, address: p.address, scale: 16 })
}
