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

/** CartBar is the cart entry along the bottom of a store's shelves: the count and 去购物车. */
export function CartBar({ storeID, count }: { storeID: number | string; count: number }) {
  const open = () => Taro.navigateTo({ url: cartURL(storeID) })
  return (
    <View className='cart-bar-mini' data-testid='cart-entry' onClick={open}>
      <View className='cart-bar-icon'>
        <Text>购物车</Text>
        {count > 0 && (
          <Text className='cart-badge' data-testid='cart-badge'>
            {count > 99 ? '99+' : count}
          </Text>
        )}
      </View>
      <Text className={`cart-bar-text ${count > 0 ? '' : 'cart-bar-text-empty'}`}>{count > 0 ? `已加购 ${count} 件` : '购物车是空的'}</Text>
      <Text className={`cart-bar-go ${count > 0 ? '' : 'cart-bar-go-off'}`}>去购物车</Text>
    </View>
  )
}
