import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { pictureOf, SearchItem } from '../api/shop'
import Price from './Price'
import ProductImage from './ProductImage'
import './shop.css'

/** productURL is a product page's route at a store. */
export function productURL(id: number, storeID?: number | string): string {
  return `/pages/product/index?id=${id}${storeID ? `&store_id=${storeID}` : ''}`
}

/** soldOut says whether a listed product has nothing left at the store. */
export function soldOut(item: SearchItem): boolean {
  return item.available === false
}

/**
 * ProductCard is a product on a shelf or in search results: picture, title,
 * the store's price (from the lowest SKU price) and "已售罄" greyed out when
 * the store has none left. Tapping it opens the product page at the store.
 */
export default function ProductCard({ item, storeID, layout = 'row' }: { item: SearchItem; storeID?: number | string; layout?: 'row' | 'grid' }) {
  const out = soldOut(item)
  const open = () => {
    Taro.navigateTo({ url: productURL(item.id, storeID) })
  }
  const from = item.price_max_fen > item.price_fen
  const price = (
    <View className='row'>
      <Price fen={item.price_fen} className='pcard-price' testid={`price-${item.id}`} />
      {from && <Text className='pcard-from'>起</Text>}
    </View>
  )
  if (layout === 'grid') {
    return (
      <View className={`gcard ${out ? 'pcard-soldout' : ''}`} data-testid={`product-${item.id}`} onClick={open}>
        <ProductImage src={pictureOf(item)} />
        <View className='gcard-body'>
          <Text className='gcard-title'>{item.title}</Text>
          <View className='pcard-foot'>
            {price}
            {out && <Text className='pcard-tag'>已售罄</Text>}
          </View>
        </View>
      </View>
    )
  }
  return (
    <View className={`pcard ${out ? 'pcard-soldout' : ''}`} data-testid={`product-${item.id}`} onClick={open}>
      <ProductImage src={pictureOf(item)} className='thumb' />
      <View className='pcard-body'>
        <View>
          <Text className='pcard-title'>{item.title}</Text>
          {item.sales > 0 && <View className='pcard-sales'>已售 {item.sales}</View>}
        </View>
        <View className='pcard-foot'>
          {price}
          {out && (
            <Text className='pcard-tag' data-testid={`soldout-${item.id}`}>
              已售罄
            </Text>
          )}
        </View>
      </View>
    </View>
  )
}
