import { Text } from '@tarojs/components'
import { yuan } from '../utils/format'

/** Price shows an amount in fen as ¥ with two decimals. */
export default function Price({ fen, className, testid }: { fen: number; className?: string; testid?: string }) {
  return (
    <Text className={`price ${className || ''}`} data-testid={testid}>
      {yuan(fen)}
    </Text>
  )
}
