import { View } from '@tarojs/components'

/** Me: 我的 (to be built). */
export default function Me() {
  return <View className='page'>我的</View>
}
