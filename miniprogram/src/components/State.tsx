import Taro from '@tarojs/taro'
import { View, Text, Button } from '@tarojs/components'

/** StateProps says what a page is waiting for or what went wrong. */
export interface StateProps {
  loading?: boolean
  error?: string
  empty?: string
  onRetry?: () => void
  /** noHome leaves out the way back to the shop's home page (the staff pages). */
  noHome?: boolean
}

/**
 * State shows a page's loading, error (the server's message, with a retry
 * and a way back to the home page) or
 * empty state; it renders nothing when there is content to show.
 */
export default function State({ loading, error, empty, onRetry, noHome }: StateProps) {
  if (error) {
    return (
      <View className='state state-error' data-testid='state-error'>
        <Text>{error}</Text>
        <View style={{ marginTop: '24px' }}>
          {onRetry && (
            <Button className='btn' size='mini' onClick={onRetry} data-testid='state-retry'>
              重试
            </Button>
          )}
          {/* A retry cannot bring back what is gone (a product taken off the shelf): a way home. */}
          {!noHome && (
            <Button className='btn' size='mini' style={{ marginLeft: onRetry ? '16px' : '0' }} onClick={() => Taro.reLaunch({ url: '/pages/index/index' })} data-testid='state-home'>
              返回首页
            </Button>
          )}
        </View>
      </View>
    )
  }
  if (loading) {
    return (
      <View className='state' data-testid='state-loading'>
        <Text>加载中…</Text>
      </View>
    )
  }
  if (empty) {
    return (
      <View className='state' data-testid='state-empty'>
        <Text>{empty}</Text>
      </View>
    )
  }
  return null
}
