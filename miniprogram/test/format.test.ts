import { distance, eventNote, yuan } from '../src/utils/format'

test('yuan shows fen as ¥ with two decimals', () => {
  expect(yuan(1999)).toBe('¥19.99')
  expect(yuan(5)).toBe('¥0.05')
  expect(yuan(0)).toBe('¥0.00')
  expect(yuan(-250)).toBe('-¥2.50')
  expect(yuan(undefined)).toBe('¥0.00')
})

test('distance in metres or kilometres', () => {
  expect(distance(850)).toBe('850m')
  expect(distance(1234)).toBe('1.2km')
  expect(distance(undefined)).toBe('')
})

test('eventNote keeps what people typed and drops the server English', () => {
  expect(eventNote('ready for pickup')).toBe('')
  expect(eventNote('refund requested: 变质了')).toBe('变质了')
  expect(eventNote('刚买就坏了')).toBe('刚买就坏了')
  expect(eventNote(null)).toBe('')
})
