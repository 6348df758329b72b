import { View } from '@tarojs/components'

/** Checkout: 确认订单 (to be built). */
export default function Checkout() {
  return <View className='page'>确认订单</View>
}
