import { View } from '@tarojs/components'

/** Cart: 购物车 (to be built). */
export default function Cart() {
  return <View className='page'>购物车</View>
}
