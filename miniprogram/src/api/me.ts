// The signed-in shopper: profile, avatar, nickname and phone binding.
// POST /api/v1/me/avatar and PATCH /api/v1/me come with a parallel backend
// change; until a server has them they answer 404, which the page handles.
import Taro from '@tarojs/taro'
import { ApiError, request, url } from './client'
import { session, Shopper } from './session'

export type { Shopper } from './session'

export function getMe(): Promise<Shopper> {
  return request<Shopper>({ path: '/api/v1/me', auth: 'shopper' })
}

/** setNickname saves the shopper's nickname (PATCH /api/v1/me). */
export function setNickname(nickname: string): Promise<Shopper> {
  return request<Shopper>({ method: 'PATCH', path: '/api/v1/me', body: { nickname }, auth: 'shopper' })
}

/** bindPhone binds the number behind a getPhoneNumber code. */
export function bindPhone(code: string): Promise<Shopper> {
  return request<Shopper>({ method: 'POST', path: '/api/v1/auth/phone', body: { code }, auth: 'shopper' })
}

function uploadError(statusCode: number, data: unknown): ApiError {
  let body: unknown = data
  if (typeof data === 'string') {
    try {
      body = JSON.parse(data)
    } catch {
      body = undefined
    }
  }
  const e = body && typeof body === 'object' ? (body as { error?: { code?: string; message?: string } }).error : undefined
  if (e && e.message) return new ApiError(statusCode, e.code || 'internal', e.message)
  return new ApiError(statusCode, statusCode === 404 ? 'not_found' : 'internal', `头像上传失败（HTTP ${statusCode}）`)
}

/**
 * uploadAvatar sends the chosen avatar's temp file as multipart field `file`
 * to POST /api/v1/me/avatar with the shopper's token (renewed once on 401).
 */
export async function uploadAvatar(filePath: string): Promise<Shopper> {
  let token = await session.token()
  for (let attempt = 0; ; attempt++) {
    let res: { statusCode: number; data: unknown }
    try {
      res = await Taro.uploadFile({ url: url('/api/v1/me/avatar'), filePath, name: 'file', header: { Authorization: `Bearer ${token}` } })
    } catch (err) {
      const msg = err && typeof err === 'object' && 'errMsg' in err ? String((err as { errMsg: string }).errMsg) : String(err)
      throw new ApiError(0, 'network', `网络连接失败，请检查网络后重试（${msg}）`)
    }
    if (res.statusCode === 401 && attempt === 0) {
      token = await session.renew(token)
      continue
    }
    if (res.statusCode >= 200 && res.statusCode < 300) {
      return (typeof res.data === 'string' ? JSON.parse(res.data) : res.data) as Shopper
    }
    throw uploadError(res.statusCode, res.data)
  }
}

/** notYet says whether an error means the server does not have the endpoint yet. */
export function notYet(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 404 || err.status === 405)
}
