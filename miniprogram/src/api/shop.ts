// The shopper's browsing API: stores near them, a store's shelves, search,
// products, in-store QR scans and the cart (server/api/openapi.yaml, tags
// shop and cart). Types are the response shapes the pages use.
import { mediaURL, request } from './client'
// The cart calls carry the shopper's token: make sure its source is registered.
import './session'
import type { Point } from '../platform/types'

/** OpeningPeriod is one opening interval on an ISO weekday in the store's zone. */
export interface OpeningPeriod {
  weekday: number
  open: string
  close: string
}

/** StoreCard is a store as shoppers see it (lists and the store page). */
export interface StoreCard {
  id: number
  name: string
  address: string
  city: string
  phone: string
  lat: number
  lng: number
  /** From the query point (lists only). */
  distance_m?: number
  /** closed: closed by staff, whatever the hours. */
  status: 'open' | 'closed'
  /** Open at this moment in the store's time zone. */
  open_now: boolean
  pickup: boolean
  delivery: boolean
  /** Delivers to the query point (lists only). */
  delivers_here?: boolean
  delivery_radius_m: number
  delivery_fee_fen: number
  delivery_min_fen: number
  /** Store page only. */
  opening_hours?: OpeningPeriod[]
  /** Store page only. */
  timezone?: string
  location?: { latitude: number; longitude: number; name: string; address: string; scale: number }
}

/** ShopCategory is a category shoppers can browse. */
export interface ShopCategory {
  id: number
  name: string
  parent_id: number | null
  sort: number
  product_count: number
}

/** SearchItem is a product in search results (and on a store's shelves). */
export interface SearchItem {
  id: number
  title: string
  title_highlight: string
  /** The lowest SKU price (at store_id, when given). */
  price_fen: number
  price_max_fen: number
  category_id: number | null
  image: string
  /** The product's picture (root-relative /media/... or absolute, "" when none). */
  image_url?: string
  sales: number
  /** Some SKU is available at store_id (with store_id only). */
  available?: boolean
}

/**
 * SearchMatch says how a search's items matched the query: all (every word),
 * fuzzy (every word, some with a typo forgiven), partial (the first words only;
 * SearchPage.ignored lists the rest) or none (nothing matched: the items are the
 * store's best sellers, offered instead, and are not results).
 */
export type SearchMatch = 'all' | 'fuzzy' | 'partial' | 'none'

/** SearchPage is a page of search results. */
export interface SearchPage {
  items: SearchItem[]
  total: number
  page: number
  page_size: number
  facets: { categories: { id: number; count: number }[] }
  /** How the items matched q; "all" without q. Older servers leave it out. */
  match?: SearchMatch
  /** The query words a partial match left out ([] otherwise). */
  ignored?: string[]
}

/** Suggestion is a completion for the search box. */
export interface Suggestion {
  id: number
  title: string
}

/** ShopSku is a SKU with its price and stock at the store. */
export interface ShopSku {
  id: number
  name: string
  price_fen: number
  barcode: string | null
  /** Available at the store; null without a store. */
  stock: number | null
}

/** ShopProduct is a product page. */
export interface ShopProduct {
  id: number
  title: string
  subtitle: string
  description: string
  category_id: number | null
  images: string[]
  image_url?: string
  store_id: number | null
  available: boolean | null
  skus: ShopSku[]
}

/** ScanResult is what an in-store QR code points at. */
export interface ScanResult {
  store: StoreCard
  product: ShopProduct | null
}

/** CartProblem says why a cart line cannot be ordered as it stands. */
export type CartProblem = 'removed' | 'unlisted' | 'not_sold_here' | 'sold_out' | 'not_enough' | null

/** CartLine is one SKU in the cart, priced and checked now. */
export interface CartLine {
  sku_id: number
  product_id: number
  title: string
  sku_name: string
  image: string
  image_url?: string
  quantity: number
  selected: boolean
  price_fen: number
  seen_price_fen: number
  price_changed: boolean
  amount_fen: number
  stock: number
  available: boolean
  problem: CartProblem
}

/** Cart is the shopper's cart at one store. */
export interface Cart {
  store_id: number
  items: CartLine[]
  /** Total of the selected, orderable lines. */
  goods_fen: number
  /** Units on selected, orderable lines. */
  selected_count: number
  has_changes: boolean
  updated_at: string | null
}

/** nearbyStores lists the stores within radius (5 km by default), nearest first. */
export function nearbyStores(at: Point, opts: { radius_m?: number; limit?: number } = {}) {
  return request<{ items: StoreCard[] }>({
    path: '/api/v1/stores/nearby',
    query: { lat: at.lat, lng: at.lng, radius_m: opts.radius_m, limit: opts.limit },
  })
}

/** getStore is one store's page. */
export function getStore(id: number | string) {
  return request<StoreCard>({ path: `/api/v1/stores/${id}` })
}

/** listCategories lists the categories shoppers can browse, in display order. */
export function listCategories() {
  return request<{ items: ShopCategory[] }>({ path: '/api/v1/categories' })
}

/** SearchQuery is what searchProducts asks. */
export interface SearchQuery {
  q?: string
  store_id?: number | string
  category_id?: number
  in_stock?: boolean
  sort?: 'relevance' | 'price_asc' | 'price_desc' | 'sales'
  page?: number
  page_size?: number
}

/** searchProducts searches (or, with an empty q, lists) the catalogue at a store. */
export function searchProducts(q: SearchQuery) {
  return request<SearchPage>({ path: '/api/v1/products', query: { ...q } })
}

const MATCHES: readonly SearchMatch[] = ['all', 'fuzzy', 'partial', 'none']

/**
 * matchOf is how a search page matched: its match, or "all" when the server
 * says nothing (an older server) or names a kind this build does not know.
 */
export function matchOf(p: Pick<SearchPage, 'match'>): SearchMatch {
  return p.match && MATCHES.includes(p.match) ? p.match : 'all'
}

/** suggestProducts completes what the shopper is typing. */
export function suggestProducts(q: string, limit = 8) {
  return request<{ items: Suggestion[] }>({ path: '/api/v1/products/suggest', query: { q, limit } })
}

/** getProduct is a product with its SKUs' prices and stock at a store. */
export function getProduct(id: number | string, storeID?: number | string) {
  return request<ShopProduct>({ path: `/api/v1/products/${id}`, query: { store_id: storeID } })
}

/** resolveScene says what an in-store QR scene points at. */
export function resolveScene(scene: string) {
  return request<ScanResult>({ path: '/api/v1/scan', query: { scene } })
}

/** getCart is the shopper's cart at a store. */
export function getCart(storeID: number | string) {
  return request<Cart>({ path: '/api/v1/cart', query: { store_id: storeID }, auth: 'shopper' })
}

/** setCartItem sets a SKU's quantity in the cart (0 removes the line). */
export function setCartItem(storeID: number, skuID: number, quantity: number, selected?: boolean) {
  const body: { store_id: number; sku_id: number; quantity: number; selected?: boolean } = { store_id: storeID, sku_id: skuID, quantity }
  if (selected !== undefined) body.selected = selected
  return request<Cart>({ method: 'PUT', path: '/api/v1/cart/items', body, auth: 'shopper' })
}

/** selectCart selects or deselects some lines (all of them without skuIDs). */
export function selectCart(storeID: number, selected: boolean, skuIDs?: number[]) {
  const body: { store_id: number; selected: boolean; sku_ids?: number[] } = { store_id: storeID, selected }
  if (skuIDs) body.sku_ids = skuIDs
  return request<Cart>({ method: 'POST', path: '/api/v1/cart/select', body, auth: 'shopper' })
}

/** cartCount is how many units the cart holds. */
export function cartCount(cart: Cart | null | undefined): number {
  if (!cart) return 0
  return cart.items.reduce((n, l) => n + l.quantity, 0)
}

/** pictureOf is the URL of a product's (or cart line's) picture, "" when it has none. */
export function pictureOf(p: { image_url?: string; image?: string; images?: string[] }): string {
  return mediaURL(p.image_url || p.image || (p.images && p.images[0]) || '')
}

/** picturesOf is every picture of a product, image_url first, without repeats. */
export function picturesOf(p: ShopProduct): string[] {
  const out: string[] = []
  for (const u of [p.image_url || '', ...(p.images || [])]) {
    const abs = mediaURL(u)
    if (abs && !out.includes(abs)) out.push(abs)
  }
  return out
}
