import { PropsWithChildren } from 'react'
import { View, Text } from '@tarojs/components'
import Price from '../components/Price'
import { dateTime, statusText } from '../utils/format'
import type { StaffOrder } from '../api/staffOrders'

const statusBadge: Record<string, string> = {
  paid: 'badge-red',
  ready_for_pickup: 'badge-blue',
  completed: 'badge-green',
  shipped: 'badge-blue',
  delivered: 'badge-green',
}

/** OrderCard shows an order as the counter needs it: number, time, what to pack, how it leaves. */
export default function OrderCard({ order, children }: PropsWithChildren<{ order: StaffOrder }>) {
  const a = order.address
  return (
    <View className='card' data-testid={`staff-order-${order.id}`} data-status={order.status}>
      <View className='row between'>
        <View className='row'>
          <Text className={`badge ${order.fulfilment === 'pickup' ? 'badge-green' : 'badge-blue'}`}>{order.fulfilment === 'pickup' ? '到店自提' : '配送'}</Text>
          <Text className={`badge ${statusBadge[order.status] || 'badge-grey'}`} data-testid={`staff-order-status-${order.id}`}>
            {statusText[order.status] || order.status}
          </Text>
        </View>
        <Text className='muted'>{dateTime(order.paid_at || order.created_at)}</Text>
      </View>
      <View className='staff-order-no' style={{ margin: '12px 0' }}>
        订单号 {order.order_no}
      </View>
      {order.items.map((it) => (
        <View key={it.id} className='staff-line'>
          <Text className='grow'>
            {it.title}
            {it.sku_name ? <Text className='muted'> {it.sku_name}</Text> : null}
          </Text>
          <Text className='staff-qty'>×{it.quantity}</Text>
        </View>
      ))}
      {order.fulfilment === 'delivery' && a && (
        <View className='muted' style={{ marginTop: '8px' }}>
          送至 {[a.city, a.district, a.detail].filter(Boolean).join('')} {a.contact} {a.phone}
        </View>
      )}
      {order.remark && (
        <View className='muted' style={{ marginTop: '8px' }}>
          备注：{order.remark}
        </View>
      )}
      <View className='row between' style={{ marginTop: '12px' }}>
        <Text className='muted'>共 {order.items.reduce((n, it) => n + it.quantity, 0)} 件</Text>
        <Price fen={order.payable_fen} />
      </View>
      {children}
    </View>
  )
}
