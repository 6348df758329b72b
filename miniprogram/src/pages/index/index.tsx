import { View } from '@tarojs/components'

/** Home: 鲜到家 (to be built). */
export default function Home() {
  return <View className='page'>鲜到家</View>
}
