import { View } from '@tarojs/components'

/** Order: 订单详情 (to be built). */
export default function Order() {
  return <View className='page'>订单详情</View>
}
