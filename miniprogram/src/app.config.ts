// The tab bar's icons (src/assets/tab, 81×81 PNG, grey and the shop's red)
// were drawn for wemart. The mini program's pages (routes are part of wemart's contract), the staff
// subpackage, the tab bar and the private-information declarations WeChat
// requires for location.
export default defineAppConfig({
  pages: [
    'pages/index/index',
    'pages/stores/index',
    'pages/store/index',
    'pages/search/index',
    'pages/product/index',
    'pages/cart/index',
    'pages/checkout/index',
    'pages/orders/index',
    'pages/order/index',
    'pages/addresses/index',
    'pages/me/index',
  ],
  subPackages: [
    {
      root: 'staff',
      pages: ['login/index', 'orders/index', 'verify/index', 'ship/index', 'member/index'],
    },
    {
      // coupons, points and the member code: kept out of the main package
      root: 'member',
      pages: ['coupons/index', 'points/index', 'code/index'],
    },
  ],
  window: {
    backgroundTextStyle: 'light',
    navigationBarBackgroundColor: '#ffffff',
    navigationBarTitleText: 'wemart 鲜到家',
    navigationBarTextStyle: 'black',
    backgroundColor: '#f5f5f5',
  },
  tabBar: {
    color: '#666666',
    selectedColor: '#e4393c',
    backgroundColor: '#ffffff',
    borderStyle: 'black',
    list: [
      { pagePath: 'pages/index/index', text: '首页', iconPath: 'assets/tab/home.png', selectedIconPath: 'assets/tab/home-on.png' },
      { pagePath: 'pages/orders/index', text: '订单', iconPath: 'assets/tab/orders.png', selectedIconPath: 'assets/tab/orders-on.png' },
      { pagePath: 'pages/me/index', text: '我的', iconPath: 'assets/tab/me.png', selectedIconPath: 'assets/tab/me-on.png' },
    ],
  },
  permission: {
    'scope.userLocation': { desc: '用于为你查找附近的门店和计算配送范围' },
  },
  requiredPrivateInfos: ['getLocation', 'chooseLocation'],
  lazyCodeLoading: 'requiredComponents',
  sitemapLocation: 'sitemap.json',
  // The h5 preview turns page transitions off so screenshots never catch a
  // page mid-slide (an h5-only setting, left out of the weapp's app.json).
  ...(process.env.TARO_ENV === 'h5' ? { animation: false } : {}),
})
