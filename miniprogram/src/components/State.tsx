import { View, Text, Button } from '@tarojs/components'

/** StateProps says what a page is waiting for or what went wrong. */
export interface StateProps {
  loading?: boolean
  error?: string
  empty?: string
  onRetry?: () => void
}

/**
 * State shows a page's loading, error (the server's message, with a retry) or
 * empty state; it renders nothing when there is content to show.
 */
export default function State({ loading, error, empty, onRetry }: StateProps) {
  if (error) {
    return (
      <View className='state state-error' data-testid='state-error'>
        <Text>{error}</Text>
        {onRetry && (
          <View style={{ marginTop: '24px' }}>
            <Button className='btn' size='mini' onClick={onRetry} data-testid='state-retry'>
              重试
            </Button>
          </View>
        )}
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
