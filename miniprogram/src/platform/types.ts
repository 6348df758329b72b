/** Point is a GCJ-02 coordinate. */
export interface Point {
  lat: number
  lng: number
}

/** PickedPlace is what the shopper pinned on a map. */
export interface PickedPlace extends Point {
  name: string
  address: string
}

/** PaymentParams is exactly the object the server returns for wx.requestPayment. */
export interface PaymentParams {
  timeStamp: string
  nonceStr: string
  package: string
  signType: string
  paySign: string
}

/** PaymentResult: paid, or the shopper closed the cashier (not an error). */
export type PaymentResult = 'paid' | 'cancelled'

/** SubscribeChoice is WeChat's answer for one template in the subscribe prompt. */
export type SubscribeChoice = 'accept' | 'reject' | 'ban' | 'filter'

/** SubscribeResult maps each asked template id to the shopper's answer. */
export type SubscribeResult = Record<string, SubscribeChoice>
