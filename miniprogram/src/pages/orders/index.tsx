import { View } from '@tarojs/components'

/** Orders: 我的订单 (to be built). */
export default function Orders() {
  return <View className='page'>我的订单</View>
}
