/**
 * param reads a route parameter as text. Neither WeChat nor Taro's h5 router
 * decode the query of a page's URL, and callers encode what they put there
 * (encodeURIComponent), so it is decoded here; text that is not valid
 * percent-encoding is returned as it came.
 */
export function param(params: Record<string, string | undefined>, key: string): string {
  const v = params[key]
  if (!v) return ''
  try {
    return decodeURIComponent(v)
  } catch {
    return v
  }
}
