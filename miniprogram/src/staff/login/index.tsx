import { View } from '@tarojs/components'

/** StaffLogin: 店员登录 (to be built). */
export default function StaffLogin() {
  return <View className='page'>店员登录</View>
}
