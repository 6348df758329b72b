import { PropsWithChildren } from 'react'
import { View, Text } from '@tarojs/components'
import { CouponTerms, capNote, faceValue, scopeNote, threshold } from '../api/coupons'

/**
 * CouponCard is a coupon as a ticket: its value (¥ or 折) and threshold on
 * the left, its name, validity and scope on the right, and what the page
 * puts below (a button, a status). off greys it (used, expired).
 */
export default function CouponCard({ terms, validity, testid, off, children }: PropsWithChildren<{ terms: CouponTerms; validity: string; testid: string; off?: boolean }>) {
  const face = faceValue(terms)
  const cap = capNote(terms)
  return (
    <View className={`cc ${off ? 'cc-off' : ''}`} data-testid={testid}>
      <View className='cc-face'>
        <View className='cc-value'>
          {face.unit === '元' && <Text className='cc-yen'>¥</Text>}
          <Text className='cc-amount'>{face.amount}</Text>
          {face.unit === '折' && <Text className='cc-unit'>折</Text>}
        </View>
        <Text className='cc-threshold'>{threshold(terms)}</Text>
      </View>
      <View className='cc-body'>
        <Text className='cc-name'>{terms.name}</Text>
        {validity && <Text className='cc-line'>{validity}</Text>}
        <Text className='cc-line'>
          {scopeNote(terms)}
          {cap ? ` · ${cap}` : ''}
        </Text>
        {terms.description ? <Text className='cc-line'>{terms.description}</Text> : null}
        {children}
      </View>
    </View>
  )
}
