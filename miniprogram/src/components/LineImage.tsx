import { View, Image, Text } from '@tarojs/components'
import { mediaURL } from '../api/client'

/**
 * LineImage is a product line's picture (cart, checkout, orders): the
 * picture when there is one, else a neutral tile with the title's first
 * character.
 */
export default function LineImage({ src, title, small }: { src?: string | null; title: string; small?: boolean }) {
  const url = mediaURL(src)
  const cls = `line-img ${small ? 'line-img-small' : ''}`
  if (url) return <Image className={cls} src={url} mode='aspectFill' lazyLoad />
  return (
    <View className={`${cls} line-img-none`}>
      <Text>{(title || '商品').slice(0, 1)}</Text>
    </View>
  )
}
