export default definePageConfig({ navigationBarTitleText: '鲜到家' })
