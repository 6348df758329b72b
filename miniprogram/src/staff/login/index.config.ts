export default definePageConfig({ navigationBarTitleText: '店员登录' })
