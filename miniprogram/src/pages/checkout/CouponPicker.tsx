import { View, Text } from '@tarojs/components'
import { CouponOffer, offerID } from '../../api/orders'
import { day } from '../../api/coupons'
import { yuan } from '../../utils/format'

/**
 * CouponPicker is the checkout's coupon sheet: the shopper's coupons as the
 * quote judged them, usable ones first with what each takes off, the others
 * greyed with the reason, and 不使用优惠券. onChoose gets the coupon's id, or
 * 0 for none.
 */
export default function CouponPicker({ offers, chosen, onChoose, onClose }: { offers: CouponOffer[]; chosen: number; onChoose: (id: number) => void; onClose: () => void }) {
  const sorted = offers.filter((o) => o.usable).concat(offers.filter((o) => !o.usable))
  return (
    <View className='mask' data-testid='checkout-coupon-picker' onClick={onClose}>
      <View className='sheet' onClick={(e) => e.stopPropagation()}>
        <View className='cp-head'>
          <Text className='cp-title'>选择优惠券</Text>
          <Text className='cp-close' data-testid='checkout-coupon-close' onClick={onClose}>
            关闭
          </Text>
        </View>
        <View className='cp-list'>
          {sorted.map((o) => {
            const id = offerID(o)
            return (
              <View
                key={id}
                className={`cp-option ${o.usable ? '' : 'cp-option-off'} ${id === chosen ? 'cp-option-on' : ''}`}
                data-testid={`checkout-coupon-option-${id}`}
                data-usable={o.usable ? 'true' : 'false'}
                onClick={() => o.usable && onChoose(id)}
              >
                <View className='cp-body'>
                  <Text className='cp-name'>{o.name}</Text>
                  {o.valid_until && <Text className='muted'>有效期至 {day(o.valid_until)}</Text>}
                  {!o.usable && <Text className='cp-reason'>{o.reason || '本单不可用'}</Text>}
                </View>
                {o.usable && <Text className='cp-amount'>-{yuan(o.discount_fen)}</Text>}
                <Text className='cp-check'>{id === chosen ? '✓' : ''}</Text>
              </View>
            )
          })}
        </View>
        <View className={`cp-option ${chosen === 0 ? 'cp-option-on' : ''}`} data-testid='checkout-coupon-none' onClick={() => onChoose(0)}>
          <View className='cp-body'>
            <Text className='cp-name'>不使用优惠券</Text>
          </View>
          <Text className='cp-check'>{chosen === 0 ? '✓' : ''}</Text>
        </View>
      </View>
    </View>
  )
}
