import { Text, View } from '@tarojs/components'
import type { StoreCard as Store } from '../api/shop'
import { distance } from '../utils/format'
import { isOpen } from '../utils/hours'
import StoreBadges from './StoreBadges'
import './shop.css'

/** StoreCard is a store in the stores list: name, distance, open now, pickup / delivery, address. */
export default function StoreCard({ store, active, onTap }: { store: Store; active?: boolean; onTap?: (s: Store) => void }) {
  return (
    <View
      className={`scard ${active ? 'scard-active' : ''} ${isOpen(store) ? '' : 'scard-closed'}`}
      data-testid={`store-${store.id}`}
      onClick={() => onTap && onTap(store)}
    >
      <View className='row'>
        <Text className='scard-name'>{store.name}</Text>
        {active && <Text className='tag tag-pickup'>当前门店</Text>}
        {typeof store.distance_m === 'number' && <Text className='scard-dist'>{distance(store.distance_m)}</Text>}
      </View>
      <StoreBadges store={store} testid={`storebadges-${store.id}`} />
      <Text className='scard-addr'>{store.address}</Text>
    </View>
  )
}
