import { View } from '@tarojs/components'

/** StaffOrders: 门店订单 (to be built). */
export default function StaffOrders() {
  return <View className='page'>门店订单</View>
}
