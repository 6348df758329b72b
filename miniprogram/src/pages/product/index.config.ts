// enableShare*: Taro registers the page's onShareAppMessage / onShareTimeline only with these.
export default definePageConfig({ navigationBarTitleText: '商品详情', enableShareAppMessage: true, enableShareTimeline: true })
