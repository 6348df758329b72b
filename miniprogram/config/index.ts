import path from 'path'
import { defineConfig, type UserConfigExport } from '@tarojs/cli'

// The backend the weapp build talks to (HTTPS, on the mini program's request
// domain list). The h5 preview always talks to the origin that serves it.
const apiURL = process.env.WEMART_API_URL || 'https://api.example.com'
if (process.env.TARO_ENV === 'weapp' && !process.env.WEMART_API_URL) {
  console.warn('WEMART_API_URL is not set: this weapp build calls https://api.example.com; set it to your API (https) for a build to use')
}
// The h5 preview is served by `wemart serve` under /shop/.
const h5Base = '/shop/'

export default defineConfig<'webpack5'>(async () => {
  const isH5 = process.env.TARO_ENV === 'h5'
  // The sandbox bridge (platform/wechat.h5.ts: sandbox login, cashier) is for
  // the browser preview only: a weapp build asked to carry it is refused.
  if (!isH5 && process.env.WEMART_SANDBOX === '1') {
    throw new Error('WEMART_SANDBOX=1 is for the h5 preview only: a weapp build never carries the sandbox bridge')
  }
  const config: UserConfigExport<'webpack5'> = {
    projectName: 'wemart',
    date: '2026-12-1',
    designWidth: 750,
    deviceRatio: { 640: 2.34 / 2, 750: 1, 375: 2, 828: 1.81 / 2 },
    sourceRoot: 'src',
    outputRoot: isH5 ? 'dist-h5' : 'dist',
    plugins: [],
    defineConstants: {
      WEMART_API_URL: JSON.stringify(isH5 ? '' : apiURL),
      WEMART_SANDBOX: JSON.stringify(isH5),
    },
    alias: { '@': path.resolve(__dirname, '..', 'src') },
    // assets/ holds files WeChat components read by path (the map's marker icon).
    copy: {
      patterns: isH5
        ? []
        : [
            { from: 'src/sitemap.json', to: 'dist/sitemap.json' },
            { from: 'src/assets/', to: 'dist/assets/' },
          ],
      options: {},
    },
    framework: 'react',
    compiler: { type: 'webpack5', prebundle: { enable: false } },
    cache: { enable: false },
    mini: {
      postcss: {
        pxtransform: { enable: true, config: {} },
        cssModules: { enable: false },
      },
    },
    h5: {
      publicPath: h5Base,
      staticDirectory: 'static',
      router: { mode: 'hash' },
      output: { filename: 'js/[name].[contenthash:8].js', chunkFilename: 'js/[name].[contenthash:8].js' },
      miniCssExtractPluginOption: { ignoreOrder: true, filename: 'css/[name].[contenthash:8].css', chunkFilename: 'css/[name].[contenthash:8].css' },
      postcss: {
        autoprefixer: { enable: true, config: {} },
        cssModules: { enable: false },
      },
    },
  }
  return config
})
