// A stand-in for @tarojs/taro in jsdom: storage in a Map, request answered by
// a route table the test sets, navigation recorded, and the WeChat calls as
// jest mocks the test can program.
type Handler = (req: MockRequest) => { statusCode: number; data: unknown } | Promise<{ statusCode: number; data: unknown }>

/** MockRequest is what a page or the client sent to Taro.request. */
export interface MockRequest {
  url: string
  method: string
  data?: string
  header: Record<string, string>
}

const store = new Map<string, unknown>()
const routes = new Map<string, Handler>()
export const requests: MockRequest[] = []
export const navigations: { kind: string; url: string }[] = []
export const toasts: string[] = []
/** shares holds the page's latest onShareAppMessage / onShareTimeline callbacks. */
export const shares: { app: ((o?: unknown) => unknown) | null; timeline: (() => unknown) | null } = { app: null, timeline: null }
/** launchQuery is the query useLaunch and the app's useDidShow pass (setLaunchQuery). */
let launchQuery: Record<string, string> = {}
let routerParams: Record<string, string> = {}

/** route answers `METHOD /path` (query excluded) with handler. */
export function route(key: string, handler: Handler | { statusCode: number; data: unknown }) {
  routes.set(key, typeof handler === 'function' ? handler : () => handler)
}

/** reset clears storage, routes and recorded calls between tests. */
export function reset() {
  store.clear()
  routes.clear()
  requests.length = 0
  navigations.length = 0
  toasts.length = 0
  routerParams = {}
  launchQuery = {}
  shares.app = null
  shares.timeline = null
}

/** setLaunchQuery sets the query of the launch options useLaunch / useDidShow get. */
export function setLaunchQuery(q: Record<string, string>) {
  launchQuery = q
}

/** setParams sets what useRouter().params returns. */
export function setParams(p: Record<string, string>) {
  routerParams = p
}

const Taro = {
  getStorageSync: (k: string) => (store.has(k) ? store.get(k) : ''),
  setStorageSync: (k: string, v: unknown) => {
    store.set(k, v)
  },
  removeStorageSync: (k: string) => {
    store.delete(k)
  },
  async request(opts: { url: string; method?: string; data?: string; header?: Record<string, string> }) {
    const req: MockRequest = { url: opts.url, method: opts.method || 'GET', data: opts.data, header: opts.header || {} }
    requests.push(req)
    const path = opts.url.replace(/^https?:\/\/[^/]+/, '').split('?')[0]
    const h = routes.get(`${req.method} ${path}`)
    if (!h) return { statusCode: 404, data: { error: { code: 'not_found', message: `no route ${req.method} ${path}` } } }
    await Promise.resolve()
    return h(req)
  },
  login: jest.fn(async () => ({ code: 'CODE-1', errMsg: 'login:ok' })),
  getLocation: jest.fn(async () => ({ latitude: 31.23, longitude: 121.47 })),
  // like Taro's weapp promisify: the success callback runs, then the promise resolves
  requestPayment: jest.fn(async (opts: { success?: (r: unknown) => void }) => {
    const res = { errMsg: 'requestPayment:ok' }
    if (opts && opts.success) opts.success(res)
    return res
  }),
  requestSubscribeMessage: jest.fn(async (opts: { tmplIds: string[] }) => {
    const res: Record<string, string> = { errMsg: 'requestSubscribeMessage:ok' }
    for (const id of opts.tmplIds) res[id] = 'accept'
    return res
  }),
  setClipboardData: jest.fn(async () => ({ errMsg: 'setClipboardData:ok' })),
  makePhoneCall: jest.fn(async () => ({ errMsg: 'makePhoneCall:ok' })),
  scanCode: jest.fn(async () => ({ result: '', scanType: 'QR_CODE' })),
  chooseLocation: jest.fn(async () => ({ name: 'x', address: 'y', latitude: 31.2, longitude: 121.4 })),
  openLocation: jest.fn(async () => ({})),
  uploadFile: jest.fn(async () => ({ statusCode: 200, data: '{}' })),
  navigateTo: jest.fn(async ({ url }: { url: string }) => {
    navigations.push({ kind: 'navigateTo', url })
  }),
  redirectTo: jest.fn(async ({ url }: { url: string }) => {
    navigations.push({ kind: 'redirectTo', url })
  }),
  switchTab: jest.fn(async ({ url }: { url: string }) => {
    navigations.push({ kind: 'switchTab', url })
  }),
  reLaunch: jest.fn(async ({ url }: { url: string }) => {
    navigations.push({ kind: 'reLaunch', url })
  }),
  navigateBack: jest.fn(async () => {
    navigations.push({ kind: 'navigateBack', url: '' })
  }),
  showToast: jest.fn(async ({ title }: { title: string }) => {
    toasts.push(title)
  }),
  showModal: jest.fn(async () => ({ confirm: true, cancel: false })),
  showLoading: jest.fn(async () => ({})),
  hideLoading: jest.fn(async () => ({})),
  stopPullDownRefresh: jest.fn(),
  setKeepScreenOn: jest.fn(async () => ({ errMsg: 'setKeepScreenOn:ok' })),
  setNavigationBarTitle: jest.fn(async () => ({})),
  pxTransform: (n: number) => `${n / 2}px`,
  getEnv: () => 'WEAPP',
  ENV_TYPE: { WEAPP: 'WEAPP', WEB: 'WEB' },
}

export function useRouter() {
  return { params: routerParams, path: '' }
}
export function useLaunch(fn: (o: { path: string; query: Record<string, string>; scene: number }) => void) {
  fn({ path: '', query: launchQuery, scene: 1001 })
}
export function useDidShow(fn: (o?: { path: string; query: Record<string, string>; scene: number }) => void) {
  // pages run their show effect once on mount in tests
  const React = require('react')
  React.useEffect(() => fn({ path: '', query: launchQuery, scene: 1001 }), []) // eslint-disable-line react-hooks/exhaustive-deps
}
export function useDidHide() {}
export function usePullDownRefresh() {}
export function useReachBottom() {}
export function useShareAppMessage(fn: (o?: unknown) => unknown) {
  shares.app = fn
}
export function useShareTimeline(fn: () => unknown) {
  shares.timeline = fn
}
export function useLoad(fn: (p: Record<string, string>) => void) {
  const React = require('react')
  React.useEffect(() => fn(routerParams), []) // eslint-disable-line react-hooks/exhaustive-deps
}

export default Taro
