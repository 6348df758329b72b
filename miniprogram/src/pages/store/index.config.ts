export default definePageConfig({
  navigationBarTitleText: '门店',
  enablePullDownRefresh: true,
  onReachBottomDistance: 200,
  // Taro registers the page's onShareAppMessage / onShareTimeline only with these.
  enableShareAppMessage: true,
  enableShareTimeline: true,
})
