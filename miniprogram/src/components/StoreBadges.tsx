import { Text, View } from '@tarojs/components'
import type { StoreCard } from '../api/shop'
import { isOpen } from '../utils/hours'
import './shop.css'

/** StoreBadges says whether a store is open now and how it serves (pickup, delivery). */
export default function StoreBadges({ store, testid }: { store: StoreCard; testid?: string }) {
  const open = isOpen(store)
  return (
    <View className='scard-badges' data-testid={testid}>
      <Text className={`tag ${open ? 'tag-open' : 'tag-closed'}`} data-testid={testid ? `${testid}-open` : undefined}>
        {store.status === 'closed' ? '暂停营业' : open ? '营业中' : '休息中'}
      </Text>
      {store.pickup && <Text className='tag tag-pickup'>到店自提</Text>}
      {store.delivery && <Text className='tag tag-delivery'>{store.delivers_here === false ? '配送（不在范围内）' : '配送到家'}</Text>}
      {!store.pickup && !store.delivery && <Text className='tag tag-muted'>暂不接单</Text>}
    </View>
  )
}
