import { PropsWithChildren } from 'react'
import Taro from '@tarojs/taro'
import { View } from '@tarojs/components'
import OrderCard from './OrderCard'
import { statusText } from '../utils/format'
import type { OrderStatus, StaffOrder } from '../api/staffOrders'

/** backToOrders returns to the store's order list (opening it when there is no page to go back to). */
export function backToOrders() {
  Taro.navigateBack().catch(() => Taro.redirectTo({ url: '/staff/orders/index' }))
}

/**
 * Result is what a counter action ended with: ✓, what happened (when the
 * order reached `want`, else its status), a detail line, the order, and the
 * page's buttons below.
 */
export default function Result({ testid, order, want, title, detail, children }: PropsWithChildren<{ testid: string; order: StaffOrder; want: OrderStatus; title: string; detail: string }>) {
  return (
    <View className='page'>
      <View className='card staff-result' data-testid={testid} data-status={order.status}>
        <View className='staff-result-icon staff-ok'>✓</View>
        <View className='section-title' style={{ marginTop: '16px' }}>
          {order.status === want ? title : `订单状态：${statusText[order.status] || order.status}`}
        </View>
        <View className='muted'>{detail}</View>
      </View>
      <OrderCard order={order} />
      <View style={{ padding: '0 24px' }}>{children}</View>
    </View>
  )
}
