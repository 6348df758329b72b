import { View } from '@tarojs/components'

/** Product: 商品详情 (to be built). */
export default function Product() {
  return <View className='page'>商品详情</View>
}
