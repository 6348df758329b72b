import { View } from '@tarojs/components'

/** Addresses: 收货地址 (to be built). */
export default function Addresses() {
  return <View className='page'>收货地址</View>
}
