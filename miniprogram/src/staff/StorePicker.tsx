import { useEffect, useState } from 'react'
import { View, Text } from '@tarojs/components'
import State from '../components/State'
import { errorText } from '../api/client'
import { stores, type CounterStore, type StaffStore } from '../api/staffOrders'

/** StorePicker lets a chain-wide account (an admin) pick the store whose counter it runs. */
export default function StorePicker({ onPick }: { onPick: (s: CounterStore) => void }) {
  const [list, setList] = useState<StaffStore[]>([])
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState('')

  async function load() {
    setLoading(true)
    setError('')
    try {
      const page = await stores()
      setList(page.items)
    } catch (err) {
      setError(errorText(err))
    } finally {
      setLoading(false)
    }
  }

  useEffect(() => {
    load()
  }, [])

  return (
    <View data-testid='staff-store-picker'>
      <View className='card'>
        <View className='section-title'>选择门店</View>
        <View className='muted'>此账号不属于某一家门店，请选择要处理订单的门店。</View>
      </View>
      <State loading={loading} error={error} empty={list.length ? '' : '没有营业中的门店'} onRetry={load} noHome />
      {!loading &&
        !error &&
        list.map((s) => (
          <View key={s.id} className='card' data-testid={`staff-store-${s.id}`} onClick={() => onPick({ id: s.id, name: s.name })}>
            <View className='row between'>
              <Text style={{ fontWeight: 600 }}>{s.name}</Text>
              {s.pickup && <Text className='badge badge-green'>自提</Text>}
            </View>
            <View className='muted' style={{ marginTop: '8px' }}>
              {s.address}
            </View>
          </View>
        ))}
    </View>
  )
}
