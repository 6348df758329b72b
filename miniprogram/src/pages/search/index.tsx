import { View } from '@tarojs/components'

/** Search: 搜索 (to be built). */
export default function Search() {
  return <View className='page'>搜索</View>
}
