import { useEffect, useState } from 'react'
import { Image, Text, View } from '@tarojs/components'
import './shop.css'

/**
 * ProductImage is a product's picture (an absolute URL, see pictureOf), or a
 * neutral placeholder when it has none or the picture fails to load.
 */
export default function ProductImage({ src, className, testid }: { src: string; className?: string; testid?: string }) {
  const [broken, setBroken] = useState(false)
  useEffect(() => setBroken(false), [src])
  return (
    <View className={`pic ${className || ''}`} data-testid={testid}>
      {src && !broken ? (
        <Image className='pic-img' src={src} mode='aspectFill' lazyLoad onError={() => setBroken(true)} />
      ) : (
        <View className='pic-empty' data-testid={testid ? `${testid}-placeholder` : undefined}>
          <Text className='pic-empty-mark'>wemart</Text>
          <Text>暂无图片</Text>
        </View>
      )}
    </View>
  )
}
