export default definePageConfig({
  navigationBarTitleText: 'wemart 鲜到家',
  enablePullDownRefresh: true,
})
