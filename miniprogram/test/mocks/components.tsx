// Stand-ins for @tarojs/components in jsdom: the same elements Taro's h5 build
// renders, with Taro's event shapes (onInput/onConfirm get {detail: {value}}).
import React from 'react'

type Props = Record<string, unknown> & { children?: React.ReactNode }

function strip(p: Props) {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(p)) {
    if (k === 'className' || k === 'style' || k === 'children' || k === 'onClick' || k.startsWith('data-') || k === 'id') out[k] = v
  }
  return out
}

function box(tag: string) {
  return function Box(p: Props) {
    return React.createElement(tag, strip(p), p.children)
  }
}

export const View = box('div')
export const Text = box('span')
export const ScrollView = box('div')
export const Swiper = box('div')
export const SwiperItem = box('div')
export const Label = box('label')
export const Form = box('form')
export const Map = box('div')
export const Navigator = box('a')
export const Canvas = box('canvas')
export const Block = ({ children }: Props) => <>{children}</>

export function Button(p: Props) {
  return (
    <button {...strip(p)} disabled={Boolean(p.disabled) || Boolean(p.loading)} data-open-type={p.openType as string}>
      {p.children}
    </button>
  )
}

export function Image(p: Props) {
  return <img {...strip(p)} src={p.src as string} alt='' />
}

function field(tag: 'input' | 'textarea') {
  return function Field(p: Props) {
    const onInput = p.onInput as ((e: { detail: { value: string } }) => void) | undefined
    const onConfirm = p.onConfirm as ((e: { detail: { value: string } }) => void) | undefined
    return React.createElement(tag, {
      ...strip(p),
      value: p.value as string,
      placeholder: p.placeholder as string,
      type: p.type === 'number' || p.type === 'digit' ? 'text' : ((p.password ? 'password' : 'text') as string),
      onChange: (e: React.ChangeEvent<HTMLInputElement>) => onInput && onInput({ detail: { value: e.target.value } }),
      onKeyDown: (e: React.KeyboardEvent<HTMLInputElement>) => {
        if (e.key === 'Enter' && onConfirm) onConfirm({ detail: { value: (e.target as HTMLInputElement).value } })
      },
    })
  }
}

export const Input = field('input')
export const Textarea = field('textarea')

export function Checkbox(p: Props) {
  return <input type='checkbox' {...strip(p)} checked={Boolean(p.checked)} readOnly />
}

export function Switch(p: Props) {
  const onChange = p.onChange as ((e: { detail: { value: boolean } }) => void) | undefined
  return <input type='checkbox' {...strip(p)} checked={Boolean(p.checked)} onChange={(e) => onChange && onChange({ detail: { value: e.target.checked } })} />
}

export function Picker(p: Props) {
  return <div {...strip(p)}>{p.children}</div>
}
