// The invite button (open-type="share") and the menu share the home page
// with the shopper's invite code: Taro registers onShareAppMessage /
// onShareTimeline for a page only with these set.
export default definePageConfig({ navigationBarTitleText: '我的', enableShareAppMessage: true, enableShareTimeline: true })
