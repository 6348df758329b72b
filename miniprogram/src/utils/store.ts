import Taro from '@tarojs/taro'

const STORE_KEY = 'wemart.store'

/** ChosenStore is what is remembered of the shopper's store between visits. */
export interface ChosenStore {
  id: number
  name: string
}

/** chosenStore returns the store the shopper picked last, if any. */
export function chosenStore(): ChosenStore | null {
  const v = Taro.getStorageSync(STORE_KEY)
  if (v && typeof v === 'object' && typeof (v as ChosenStore).id === 'number') return v as ChosenStore
  return null
}

/** chooseStore remembers the shopper's store. */
export function chooseStore(s: ChosenStore) {
  Taro.setStorageSync(STORE_KEY, { id: s.id, name: s.name })
}
