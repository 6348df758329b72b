import { Text, View } from '@tarojs/components'
import './shop.css'

/**
 * Stepper changes a quantity by one. Going below min calls onChange(min - 1)
 * when allowZero (the cart's "remove this line"), else does nothing.
 */
export default function Stepper({
  value,
  min = 1,
  max = 99,
  disabled,
  allowZero,
  testid,
  onChange,
}: {
  value: number
  min?: number
  max?: number
  disabled?: boolean
  allowZero?: boolean
  testid: string
  onChange: (n: number) => void
}) {
  const canDown = !disabled && (value > min || (allowZero && value > 0))
  const canUp = !disabled && value < max
  return (
    <View className='stepper' data-testid={testid}>
      <Text
        className={`stepper-btn ${canDown ? '' : 'stepper-btn-off'}`}
        data-testid={`${testid}-minus`}
        onClick={(e) => {
          e.stopPropagation()
          if (canDown) onChange(value - 1)
        }}
      >
        −
      </Text>
      <Text className='stepper-value' data-testid={`${testid}-value`}>
        {value}
      </Text>
      <Text
        className={`stepper-btn stepper-btn-plus ${canUp ? '' : 'stepper-btn-off'}`}
        data-testid={`${testid}-plus`}
        onClick={(e) => {
          e.stopPropagation()
          if (canUp) onChange(value + 1)
        }}
      >
        +
      </Text>
    </View>
  )
}
