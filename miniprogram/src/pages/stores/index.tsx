import { View } from '@tarojs/components'

/** Stores: 附近门店 (to be built). */
export default function Stores() {
  return <View className='page'>附近门店</View>
}
