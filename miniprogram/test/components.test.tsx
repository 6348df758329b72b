import { render, screen, fireEvent } from '@testing-library/react'
import { reset, navigations } from './mocks/taro'
import Stepper from '../src/components/Stepper'
import SkuPicker, { firstAvailable } from '../src/components/SkuPicker'
import ProductCard from '../src/components/ProductCard'
import ProductImage from '../src/components/ProductImage'
import CartButton from '../src/components/CartButton'
import State from '../src/components/State'
import { item } from './shop-fixtures'

beforeEach(() => reset())

test('Stepper steps within its bounds and may go to zero only when allowed', () => {
  const onChange = jest.fn()
  const { rerender } = render(<Stepper value={1} max={2} testid='q' onChange={onChange} />)
  fireEvent.click(screen.getByTestId('q-minus'))
  expect(onChange).not.toHaveBeenCalled()
  fireEvent.click(screen.getByTestId('q-plus'))
  expect(onChange).toHaveBeenLastCalledWith(2)
  rerender(<Stepper value={2} max={2} testid='q' onChange={onChange} />)
  fireEvent.click(screen.getByTestId('q-plus'))
  expect(onChange).toHaveBeenCalledTimes(1)
  rerender(<Stepper value={1} allowZero testid='q' onChange={onChange} />)
  fireEvent.click(screen.getByTestId('q-minus'))
  expect(onChange).toHaveBeenLastCalledWith(0)
})

test('SkuPicker preselects the first SKU in stock and reports a choice', () => {
  const skus = [
    { id: 1, name: '大瓶', price_fen: 500, barcode: null, stock: 0 },
    { id: 2, name: '小瓶', price_fen: 300, barcode: null, stock: 4 },
  ]
  expect(firstAvailable(skus)?.id).toBe(2)
  expect(firstAvailable([skus[0]])?.id).toBe(1)
  const onChange = jest.fn()
  render(<SkuPicker skus={skus} selected={2} onChange={onChange} />)
  expect(screen.getByTestId('sku-1').textContent).toBe('大瓶（售罄）')
  fireEvent.click(screen.getByTestId('sku-1'))
  expect(onChange).toHaveBeenCalledWith(skus[0])
})

test('ProductCard shows a price range start, the picture or a placeholder, and opens the product', () => {
  render(<ProductCard item={item({ id: 9, image: '/media/x.jpg' })} storeID={3} />)
  expect(screen.getByTestId('product-9').textContent).toContain('¥10.90起')
  expect(screen.getByTestId('product-9').querySelector('img')?.getAttribute('src')).toBe('https://api.test/media/x.jpg')
  fireEvent.click(screen.getByTestId('product-9'))
  expect(navigations).toEqual([{ kind: 'navigateTo', url: '/pages/product/index?id=9&store_id=3' }])
  render(<ProductImage src='' testid='pic' />)
  expect(screen.getByTestId('pic-placeholder').textContent).toContain('暂无图片')
})

test('CartButton shows the count and opens the cart of the store', () => {
  const { rerender } = render(<CartButton storeID={5} count={0} />)
  expect(screen.queryByTestId('cart-badge')).toBeNull()
  rerender(<CartButton storeID={5} count={120} />)
  expect(screen.getByTestId('cart-badge').textContent).toBe('99+')
  fireEvent.click(screen.getByTestId('cart-entry'))
  expect(navigations[0].url).toBe('/pages/cart/index?store_id=5')
})

test('an error offers a retry and a way home; staff pages leave the way home out', () => {
  const retry = jest.fn()
  const { unmount } = render(<State error='内容不存在或已下架（no product 999）' onRetry={retry} />)
  expect(screen.getByTestId('state-error').textContent).toContain('no product 999')
  fireEvent.click(screen.getByTestId('state-retry'))
  expect(retry).toHaveBeenCalledTimes(1)
  fireEvent.click(screen.getByTestId('state-home'))
  expect(navigations.pop()).toEqual({ kind: 'reLaunch', url: '/pages/index/index' })
  unmount()
  render(<State error='x' onRetry={retry} noHome />)
  expect(screen.queryByTestId('state-home')).toBeNull()
})
