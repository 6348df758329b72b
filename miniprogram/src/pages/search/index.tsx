import { useCallback, useEffect, useRef, useState } from 'react'
import Taro, { useReachBottom, useRouter } from '@tarojs/taro'
import { Button, Input, Text, View } from '@tarojs/components'
import { errorText } from '../../api/client'
import { matchOf, SearchItem, SearchMatch, searchProducts, suggestProducts, Suggestion } from '../../api/shop'
import State from '../../components/State'
import ProductCard from '../../components/ProductCard'
import SearchNotice from '../../components/SearchNotice'
import { param } from '../../utils/params'
import { chosenStore } from '../../utils/store'
import '../../components/shop.css'
import './index.css'

/** How long typing must pause before suggestions are asked for. */
export const SUGGEST_DELAY_MS = 200
const PAGE_SIZE = 20

interface Results {
  q: string
  items: SearchItem[]
  total: number
  page: number
  /** How the first page matched: later pages keep it, a new search replaces it. */
  match: SearchMatch
  /** The words a partial match left out. */
  ignored: string[]
}

/**
 * Search a store's catalogue: suggestions while typing (debounced; an answer
 * to an older text is dropped), then results at the store's prices with the
 * total, paged. The query lives in the page's state, starting from ?q=.
 * Results that are not a plain match of every word get a notice above them
 * (SearchNotice); when nothing matched, the items the server offers instead
 * are the store's best sellers: shown under 热卖推荐, never counted as results
 * and not paged.
 */
export default function SearchPage() {
  const { params } = useRouter()
  const storeID = params.store_id || String(chosenStore()?.id || '')
  const initial = param(params, 'q')
  const [text, setText] = useState(initial)
  const [suggestions, setSuggestions] = useState<Suggestion[]>([])
  const [results, setResults] = useState<Results | null>(null)
  const [loading, setLoading] = useState(false)
  const [loadingMore, setLoadingMore] = useState(false)
  const [error, setError] = useState('')
  const [lastQ, setLastQ] = useState<string | null>(null)
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null)
  // Every keystroke and every search bumps suggestSeq: a suggestion answer
  // for anything but the latest text is stale and ignored.
  const suggestSeq = useRef(0)
  const searchSeq = useRef(0)

  const stopSuggesting = () => {
    suggestSeq.current++
    if (timer.current) clearTimeout(timer.current)
    timer.current = null
    setSuggestions([])
  }

  const search = useCallback(
    async (raw: string) => {
      const q = raw.trim()
      stopSuggesting()
      setText(q)
      // An empty search asks for nothing (it would list the whole shelf).
      if (!q) {
        searchSeq.current++
        setLastQ('')
        setResults(null)
        setError('')
        setLoading(false)
        return
      }
      setLastQ(q)
      const mine = ++searchSeq.current
      setLoading(true)
      setError('')
      setResults(null)
      try {
        const res = await searchProducts({ q, store_id: storeID, page: 1, page_size: PAGE_SIZE })
        if (mine !== searchSeq.current) return
        setResults({ q, items: res.items, total: res.total, page: 1, match: matchOf(res), ignored: res.ignored || [] })
      } catch (err) {
        if (mine !== searchSeq.current) return
        setResults(null)
        setError(errorText(err))
      } finally {
        if (mine === searchSeq.current) setLoading(false)
      }
    },
    [storeID],
  )

  useEffect(() => {
    if (initial.trim()) search(initial)
    return () => {
      if (timer.current) clearTimeout(timer.current)
    }
  }, []) // eslint-disable-line react-hooks/exhaustive-deps

  const onType = (v: string) => {
    setText(v)
    const mine = ++suggestSeq.current
    if (timer.current) clearTimeout(timer.current)
    const q = v.trim()
    if (!q) {
      setSuggestions([])
      return
    }
    timer.current = setTimeout(() => {
      suggestProducts(q)
        .then((res) => {
          if (mine === suggestSeq.current) setSuggestions(res.items)
        })
        .catch(() => {
          if (mine === suggestSeq.current) setSuggestions([])
        })
    }, SUGGEST_DELAY_MS)
  }

  // Recommendations (match none) are one page of best sellers, not results.
  const recommending = results !== null && results.match === 'none'
  const more = results !== null && !recommending && results.items.length < results.total

  const loadMore = async () => {
    if (!results || !more || loadingMore) return
    const mine = searchSeq.current
    setLoadingMore(true)
    try {
      const res = await searchProducts({ q: results.q, store_id: storeID, page: results.page + 1, page_size: PAGE_SIZE })
      if (mine !== searchSeq.current) return
      setResults((old) => (old ? { ...old, items: [...old.items, ...res.items.filter((i) => !old.items.some((o) => o.id === i.id))], total: res.total, page: old.page + 1 } : old))
    } catch (err) {
      Taro.showToast({ title: errorText(err), icon: 'none' })
    } finally {
      setLoadingMore(false)
    }
  }

  useReachBottom(() => {
    loadMore()
  })

  return (
    <View className='page' data-testid='search-page'>
      <View className='search-top'>
        <View className='search-field'>
          <View className='icon-search' />
          <Input
            className='search-field-input search-input-h5'
            data-testid='search-input'
            value={text}
            focus={!initial}
            placeholder='搜索本店商品'
            confirmType='search'
            onInput={(e) => onType(e.detail.value)}
            onConfirm={(e) => search(e.detail.value)}
          />
          {text && (
            <Text
              className='search-clear'
              data-testid='search-clear'
              onClick={() => {
                stopSuggesting()
                setText('')
              }}
            >
              ✕
            </Text>
          )}
        </View>
        <Text className='search-go' data-testid='search-submit' onClick={() => search(text)}>
          搜索
        </Text>
      </View>
      {suggestions.length > 0 && (
        <View className='suggest' data-testid='suggestions'>
          {suggestions.map((s, i) => (
            <View key={s.id} className='suggest-item' data-testid={`suggestion-${i}`} onClick={() => search(s.title)}>
              {s.title}
            </View>
          ))}
        </View>
      )}
      {suggestions.length === 0 && (
        <>
          {results && <SearchNotice match={results.match} q={results.q} ignored={results.ignored} />}
          {results && results.items.length > 0 && (
            <>
              {recommending ? (
                <View className='search-recommend-title' data-testid='search-recommend'>
                  热卖推荐
                </View>
              ) : (
                <View className='search-total' data-testid='search-total'>
                  {results.match === 'fuzzy' || results.match === 'partial'
                    ? `共 ${results.total} 件相关商品` // not all of “q”: the notice says what was done
                    : `“${results.q || '全部'}” 共 ${results.total} 件商品`}
                </View>
              )}
              <View className='search-results' data-testid={recommending ? 'search-recommendations' : 'search-results'}>
                {results.items.map((item) => (
                  <ProductCard key={item.id} item={item} storeID={storeID} />
                ))}
              </View>
              {more && (
                <View className='load-more'>
                  <Button className='btn' size='mini' data-testid='load-more' loading={loadingMore} onClick={loadMore}>
                    加载更多
                  </Button>
                </View>
              )}
              {!more && !recommending && <View className='load-more'>没有更多了</View>}
            </>
          )}
          <State
            loading={loading}
            error={error}
            empty={!loading && results && results.items.length === 0 && !recommending ? '没有找到相关商品' : ''}
            onRetry={() => search(lastQ ?? text)}
          />
          {!results && !loading && !error && <View className='search-tip'>输入商品名称搜索，例如“牛奶”“可乐”“薯片”。</View>}
        </>
      )}
    </View>
  )
}
