import { useState } from 'react'
import Taro, { useDidShow } from '@tarojs/taro'
import { View, Text, Input, Button } from '@tarojs/components'
import { staffSession } from '../../api/staff'
import { errorText } from '../../api/client'
import '../staff.css'

const ORDERS = '/staff/orders/index'

/** StaffLogin: 店员登录 with the username and password of a staff account. */
export default function StaffLogin() {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')

  useDidShow(() => {
    if (staffSession.signedIn()) Taro.redirectTo({ url: ORDERS })
  })

  async function submit() {
    if (busy) return
    const u = username.trim()
    if (!u || !password) {
      setError('请输入账号和密码')
      return
    }
    setBusy(true)
    setError('')
    try {
      await staffSession.signIn(u, password)
      setPassword('')
      Taro.redirectTo({ url: ORDERS })
    } catch (err) {
      setError(errorText(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <View className='page'>
      <View className='staff-login-logo'>
        <View className='staff-login-title'>门店工作台</View>
        <View className='muted' style={{ marginTop: '12px' }}>
          备货、核销取货，用店员账号登录
        </View>
      </View>
      <View className='card'>
        <View className='staff-field'>
          <View className='muted' style={{ marginBottom: '8px' }}>
            账号
          </View>
          <Input
            className='input'
            data-testid='staff-username'
            value={username}
            placeholder='店员账号'
            maxlength={64}
            onInput={(e) => setUsername(e.detail.value)}
          />
        </View>
        <View className='staff-field'>
          <View className='muted' style={{ marginBottom: '8px' }}>
            密码
          </View>
          <Input
            className='input'
            data-testid='staff-password'
            value={password}
            password
            placeholder='密码'
            maxlength={72}
            onInput={(e) => setPassword(e.detail.value)}
            onConfirm={submit}
          />
        </View>
        {error && (
          <View className='staff-msg' data-testid='staff-login-error'>
            <Text>{error}</Text>
          </View>
        )}
        <Button className='btn btn-primary staff-block' data-testid='staff-login' loading={busy} disabled={busy} onClick={submit}>
          登录
        </Button>
      </View>
    </View>
  )
}
