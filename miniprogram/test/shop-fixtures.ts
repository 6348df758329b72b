// Builders of API answers for the shop pages' tests (shapes of openapi.yaml).
import { route } from './mocks/taro'
import type { Cart, CartLine, SearchItem, SearchPage, ShopProduct, StoreCard } from '../src/api/shop'

export function store(over: Partial<StoreCard> = {}): StoreCard {
  return {
    id: 12,
    name: '人民广场店',
    address: '黄浦区西藏中路268号',
    city: '上海',
    phone: '021-00000000',
    lat: 31.23237,
    lng: 121.47516,
    status: 'open',
    open_now: true,
    pickup: true,
    delivery: true,
    delivery_radius_m: 3000,
    delivery_fee_fen: 500,
    delivery_min_fen: 2000,
    ...over,
  }
}

export function item(over: Partial<SearchItem> = {}): SearchItem {
  return {
    id: 345,
    title: '光明 优倍 鲜牛奶',
    title_highlight: '光明 优倍 鲜牛奶',
    price_fen: 1090,
    price_max_fen: 1890,
    category_id: 1,
    image: '',
    sales: 10,
    available: true,
    ...over,
  }
}

export function page(items: SearchItem[], total = items.length, p = 1): SearchPage {
  return { items, total, page: p, page_size: 20, facets: { categories: [] } }
}

export function product(over: Partial<ShopProduct> = {}): ShopProduct {
  return {
    id: 345,
    title: '光明 优倍 鲜牛奶',
    subtitle: '巴氏杀菌 冷藏',
    description: '产地：上海',
    category_id: 1,
    images: [],
    store_id: 12,
    available: true,
    skus: [
      { id: 901, name: '950ml', price_fen: 1890, barcode: null, stock: 0 },
      { id: 902, name: '450ml', price_fen: 1090, barcode: null, stock: 7 },
    ],
    ...over,
  }
}

export function line(over: Partial<CartLine> = {}): CartLine {
  return {
    sku_id: 902,
    product_id: 345,
    title: '光明 优倍 鲜牛奶',
    sku_name: '450ml',
    image: '',
    quantity: 2,
    selected: true,
    price_fen: 1090,
    seen_price_fen: 1090,
    price_changed: false,
    amount_fen: 2180,
    stock: 7,
    available: true,
    problem: null,
    ...over,
  }
}

export function cart(items: CartLine[] = [], over: Partial<Cart> = {}): Cart {
  const orderable = items.filter((l) => l.available && l.selected)
  return {
    store_id: 12,
    items,
    goods_fen: orderable.reduce((n, l) => n + l.price_fen * l.quantity, 0),
    selected_count: orderable.reduce((n, l) => n + l.quantity, 0),
    has_changes: items.some((l) => l.price_changed || !l.available),
    updated_at: null,
    ...over,
  }
}

/** ok is a 200 answer. */
export function ok(data: unknown) {
  return { statusCode: 200, data }
}

/** fail is an error envelope answer. */
export function fail(statusCode: number, code: string, message: string) {
  return { statusCode, data: { error: { code, message } } }
}

/** signIn answers the shopper's login, as every cart call needs. */
export function signIn() {
  route('POST /api/v1/auth/login', ok({ token: 'tok', expires_at: '', new: false, user: { id: 1 } }))
}

/** deferred is a promise the test resolves when it chooses. */
export function deferred<T>() {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

/** body is the JSON body of a recorded request. */
export function body(req: { data?: string }) {
  return JSON.parse(req.data || 'null')
}
