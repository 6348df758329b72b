import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import './shop.css'

/** cartURL is the cart page's route for a store. */
export function cartURL(storeID: number | string): string {
  return `/pages/cart/index?store_id=${storeID}`
}

/** CartButton is the floating cart entry with a badge of the units in the store's cart. */
export default function CartButton({ storeID, count }: { storeID: number | string; count: number }) {
  return (
    <View className='cart-fab' data-testid='cart-entry' onClick={() => Taro.navigateTo({ url: cartURL(storeID) })}>
      <Text className='cart-fab-icon'>购物车</Text>
      {count > 0 && (
        <Text className='cart-badge' data-testid='cart-badge'>
          {count > 99 ? '99+' : count}
        </Text>
      )}
    </View>
  )
}
