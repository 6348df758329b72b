import { Text, View } from '@tarojs/components'
import type { ShopSku } from '../api/shop'
import './shop.css'

/** firstAvailable is the SKU to preselect: the first one in stock, else the first. */
export function firstAvailable(skus: ShopSku[]): ShopSku | undefined {
  return skus.find((s) => s.stock === null || s.stock > 0) || skus[0]
}

/** SkuPicker shows a product's SKUs as chips; sold-out ones are greyed but can be looked at. */
export default function SkuPicker({ skus, selected, onChange }: { skus: ShopSku[]; selected?: number; onChange: (s: ShopSku) => void }) {
  return (
    <View className='chips' data-testid='sku-picker'>
      {skus.map((s) => (
        <View
          key={s.id}
          className={`chip ${s.id === selected ? 'chip-on' : ''} ${s.stock === 0 ? 'chip-off' : ''}`}
          data-testid={`sku-${s.id}`}
          data-selected={s.id === selected ? 'true' : 'false'}
          onClick={() => onChange(s)}
        >
          <Text>{s.name}</Text>
          {s.stock === 0 && <Text>（售罄）</Text>}
        </View>
      ))}
    </View>
  )
}
