export default definePageConfig({ navigationBarTitleText: '发快递' })
