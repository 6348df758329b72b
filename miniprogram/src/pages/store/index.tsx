import { View } from '@tarojs/components'

/** Store: 门店 (to be built). */
export default function Store() {
  return <View className='page'>门店</View>
}
