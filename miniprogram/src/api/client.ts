import Taro from '@tarojs/taro'

/** ApiError is a non-2xx answer of the backend: its HTTP status and error envelope. */
export class ApiError extends Error {
  status: number
  code: string
  field?: string
  /** The envelope's details (details.reason says which conflict, say). */
  details?: Record<string, unknown>
  constructor(status: number, code: string, message: string, field?: string, details?: Record<string, unknown>) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.field = field
    this.details = details
  }
}

/** Which token a request carries. */
export type Auth = 'shopper' | 'staff' | 'none'

/** RequestOptions describes one call of the backend. */
export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  path: string
  query?: Record<string, string | number | boolean | undefined | null>
  body?: unknown
  headers?: Record<string, string>
  auth?: Auth
}

/** TokenSource gives a request its bearer token and renews it after a 401. */
export interface TokenSource {
  token(): Promise<string>
  /** renew drops the refused token and gets a new one; it rejects when it cannot. */
  renew(refused: string): Promise<string>
}

const sources: Partial<Record<Auth, TokenSource>> = {}

/** registerTokens registers where tokens of one kind come from (the session modules do). */
export function registerTokens(auth: Auth, src: TokenSource) {
  sources[auth] = src
}

/** apiBase is the backend's origin: empty (same origin) in the h5 preview. */
export const apiBase: string = typeof WEMART_API_URL === 'string' ? WEMART_API_URL : ''

/** url joins the API base, a path and a query, leaving out empty values. */
export function url(path: string, query?: RequestOptions['query']): string {
  const parts: string[] = []
  for (const [k, v] of Object.entries(query || {})) {
    if (v === undefined || v === null || v === '') continue
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
  }
  return apiBase + path + (parts.length ? `?${parts.join('&')}` : '')
}

/** mediaURL makes a root-relative picture URL absolute for the weapp build. */
export function mediaURL(u: string | undefined | null): string {
  if (!u) return ''
  return u.startsWith('/') ? apiBase + u : u
}

interface RawResponse {
  statusCode: number
  data: unknown
}

function envelope(res: RawResponse): ApiError {
  const body = res.data as { error?: { code?: string; message?: string; field?: string; details?: Record<string, unknown> } } | undefined
  const e = body && typeof body === 'object' ? body.error : undefined
  if (e && typeof e.message === 'string') {
    const details = e.details && typeof e.details === 'object' ? e.details : undefined
    return new ApiError(res.statusCode, e.code || 'internal', e.message, e.field, details)
  }
  return new ApiError(res.statusCode, res.statusCode >= 500 ? 'unavailable' : 'internal', `服务暂时不可用（HTTP ${res.statusCode}），请稍后重试`)
}

async function send(opts: RequestOptions, token: string): Promise<RawResponse> {
  const header: Record<string, string> = { ...(opts.headers || {}) }
  if (token) header.Authorization = `Bearer ${token}`
  if (opts.body !== undefined) header['Content-Type'] = 'application/json'
  try {
    const res = await Taro.request({
      url: url(opts.path, opts.query),
      method: opts.method || 'GET',
      data: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      header,
      dataType: 'json',
    })
    return { statusCode: res.statusCode, data: res.data }
  } catch (err) {
    const msg = err && typeof err === 'object' && 'errMsg' in err ? String((err as { errMsg: string }).errMsg) : String(err)
    throw new ApiError(0, 'network', `网络连接失败，请检查网络后重试（${msg}）`)
  }
}

/**
 * request calls the backend and resolves with the JSON body of a 2xx answer.
 * A non-2xx answer rejects with an ApiError carrying the server's message. A
 * 401 on a token-bearing call renews the token once and retries, so an expired
 * session never reaches the shopper.
 */
export async function request<T>(opts: RequestOptions): Promise<T> {
  const auth = opts.auth || 'none'
  const src = auth === 'none' ? undefined : sources[auth]
  let token = src ? await src.token() : ''
  let res = await send(opts, token)
  if (res.statusCode === 401 && src && token) {
    token = await src.renew(token)
    res = await send(opts, token)
  }
  if (res.statusCode >= 200 && res.statusCode < 300) return res.data as T
  throw envelope(res)
}

// What the shopper reads for each error code: the server's message follows
// in brackets when it is not Chinese (it is written for developers and logs),
// so the screen says what happened in the shopper's language and still
// carries the server's words.
const codeText: Record<string, string> = {
  invalid_argument: '输入有误',
  unauthenticated: '登录已失效或账号密码不正确',
  permission_denied: '没有权限',
  not_found: '内容不存在或已下架',
  conflict: '当前状态不允许此操作',
  out_of_stock: '库存不足',
  payload_too_large: '内容太大',
  rate_limited: '操作太频繁，请稍后再试',
  internal: '服务出错了，请稍后重试',
  unavailable: '服务暂时不可用，请稍后重试',
}

const chinese = /[\u3400-\u9fff]/

// What the shopper reads for a refusal whose details.reason says more
// than its code, and that no retry can mend: the order itself must change.
export const finalReasons: Record<string, string> = {
  nothing_to_pay: '本单应付 ¥0.00，微信支付至少 ¥0.01：请加购需要付款的商品',
  too_much_to_pay: '本单金额超过单笔支付上限（¥10,000,000），请分成几笔下单',
}

/** finalReason is the text of a refusal no retry can mend, or ''. */
export function finalReason(err: unknown): string {
  const reason = err instanceof ApiError && err.details ? err.details.reason : undefined
  return typeof reason === 'string' ? finalReasons[reason] || '' : ''
}

/**
 * errorText is what to show for anything a request or a WeChat call threw:
 * the server's message (in Chinese words when it is not Chinese), or the
 * errMsg of a WeChat API failure (Taro rejects with {errMsg}, not an Error).
 */
export function errorText(err: unknown): string {
  const final = finalReason(err)
  if (final) return final
  if (err instanceof ApiError) {
    if (chinese.test(err.message) || !codeText[err.code]) return err.message
    return `${codeText[err.code]}（${err.message}）`
  }
  if (err instanceof Error) return err.message
  if (err && typeof err === 'object' && 'errMsg' in err) return wxErrorText(String((err as { errMsg: unknown }).errMsg))
  return String(err)
}

/** isCancel reports a WeChat call the user cancelled (not an error to show). */
export function isCancel(err: unknown): boolean {
  const msg = err && typeof err === 'object' && 'errMsg' in err ? String((err as { errMsg: unknown }).errMsg) : err instanceof Error ? err.message : ''
  return /cancel/i.test(msg) || msg.includes('取消')
}

function wxErrorText(msg: string): string {
  if (/auth deny|auth denied|permission/i.test(msg)) return '未获得授权，请在设置中允许后重试'
  if (/cancel/i.test(msg)) return '已取消'
  return `微信调用失败（${msg}）`
}
