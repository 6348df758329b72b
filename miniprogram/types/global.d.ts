/// <reference types="@tarojs/taro" />

declare module '*.png'
declare module '*.svg'
declare module '*.css'

/** Where the weapp build sends API requests ("" in the h5 preview: same origin). */
declare const WEMART_API_URL: string
/** True in the h5 preview build, which carries the sandbox bridge; never in weapp. */
declare const WEMART_SANDBOX: boolean

declare namespace NodeJS {
  interface ProcessEnv {
    TARO_ENV: 'weapp' | 'swan' | 'alipay' | 'h5' | 'rn' | 'tt' | 'quickapp' | 'qq' | 'jd'
  }
}
