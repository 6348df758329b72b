// The shopper's address book: typed calls of /api/v1/addresses.
import Taro from '@tarojs/taro'
import { request } from './client'

/** Address is one entry of the address book (openapi Address). */
export interface Address {
  id: number
  contact: string
  phone: string
  province: string
  city: string
  district: string
  detail: string
  lat: number | null
  lng: number | null
  is_default: boolean
}

/** AddressInput is what POST and PUT take (openapi AddressInput). */
export interface AddressInput {
  contact: string
  phone: string
  province?: string
  city?: string
  district?: string
  detail: string
  lat?: number
  lng?: number
  is_default?: boolean
}

export async function listAddresses(): Promise<Address[]> {
  const res = await request<{ items: Address[] }>({ path: '/api/v1/addresses', auth: 'shopper' })
  return res.items || []
}

export function createAddress(a: AddressInput): Promise<Address> {
  return request<Address>({ method: 'POST', path: '/api/v1/addresses', body: a, auth: 'shopper' })
}

export function updateAddress(id: number, a: AddressInput): Promise<Address> {
  return request<Address>({ method: 'PUT', path: `/api/v1/addresses/${id}`, body: a, auth: 'shopper' })
}

export async function deleteAddress(id: number): Promise<void> {
  await request<unknown>({ method: 'DELETE', path: `/api/v1/addresses/${id}`, auth: 'shopper' })
}

/** inputOf is an address as PUT takes it (to change one field, e.g. the default). */
export function inputOf(a: Address): AddressInput {
  const out: AddressInput = { contact: a.contact, phone: a.phone, province: a.province, city: a.city, district: a.district, detail: a.detail, is_default: a.is_default }
  if (typeof a.lat === 'number' && typeof a.lng === 'number') {
    out.lat = a.lat
    out.lng = a.lng
  }
  return out
}

/** addressLine is the address's text on one line. */
export function addressLine(a: { province?: string; city?: string; district?: string; detail?: string }): string {
  return [a.province, a.city, a.district, a.detail].filter(Boolean).join(' ')
}

const CHOSEN_KEY = 'wemart.address.chosen'
const LAST_KEY = 'wemart.address.last'

/** handChosen is how the address page in choose mode hands the address back to checkout. */
export function handChosen(a: Address) {
  Taro.setStorageSync(CHOSEN_KEY, a)
}

/** takeChosen returns (once) the address the shopper just chose, if any. */
export function takeChosen(): Address | null {
  const v = Taro.getStorageSync(CHOSEN_KEY)
  if (v && typeof v === 'object' && typeof (v as Address).id === 'number') {
    Taro.removeStorageSync(CHOSEN_KEY)
    return v as Address
  }
  return null
}

/** lastUsedAddress is the id of the address of the shopper's last delivery checkout. */
export function lastUsedAddress(): number {
  const v = Taro.getStorageSync(LAST_KEY)
  return typeof v === 'number' ? v : 0
}

export function rememberLastAddress(id: number) {
  Taro.setStorageSync(LAST_KEY, id)
}
