import { View } from '@tarojs/components'

/** StaffVerify: 核销取货 (to be built). */
export default function StaffVerify() {
  return <View className='page'>核销取货</View>
}
