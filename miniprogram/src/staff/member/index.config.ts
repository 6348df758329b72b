export default definePageConfig({ navigationBarTitleText: '会员识别' })
