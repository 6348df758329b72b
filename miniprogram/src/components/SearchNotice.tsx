import { Text, View } from '@tarojs/components'
import type { SearchMatch } from '../api/shop'
import './shop.css'

/**
 * searchNoticeText says in the shopper's words how the results matched what
 * they typed; "" for an ordinary match (every word found).
 */
export function searchNoticeText(match: SearchMatch, q: string, ignored: string[]): string {
  switch (match) {
    case 'none':
      return `没有找到“${q}”相关的商品`
    case 'partial': {
      const left = ignored.filter((w) => w.trim()).join(' ')
      return left ? `没有同时包含全部关键词的商品，已忽略“${left}”` : '没有同时包含全部关键词的商品'
    }
    case 'fuzzy':
      return '已为你显示相近的结果'
    default:
      return ''
  }
}

/**
 * SearchNotice sits above search results that are not a plain match of every
 * word: a typo forgiven (fuzzy), words left out (partial), or nothing found
 * (none, when what follows are recommendations). data-match carries the kind.
 */
export default function SearchNotice({ match, q, ignored }: { match: SearchMatch; q: string; ignored: string[] }) {
  const text = searchNoticeText(match, q, ignored)
  if (!text) return null
  return (
    <View className={`search-notice search-notice-${match}`} data-testid='search-notice' data-match={match}>
      <Text>{text}</Text>
    </View>
  )
}
