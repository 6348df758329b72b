import { useCallback, useState } from 'react'
import Taro, { useDidShow, useRouter } from '@tarojs/taro'
import { View, Text, Input, Button, Switch } from '@tarojs/components'
import { ApiError, errorText } from '../../api/client'
import { Address, AddressInput, addressLine, createAddress, deleteAddress, handChosen, inputOf, listAddresses, updateAddress } from '../../api/addresses'
import { pickPlace } from '../../platform/wechat'
import State from '../../components/State'
import './index.css'

interface Form {
  id: number
  contact: string
  phone: string
  province: string
  city: string
  district: string
  detail: string
  lat: number | null
  lng: number | null
  place: string
  is_default: boolean
}

const blank: Form = { id: 0, contact: '', phone: '', province: '', city: '', district: '', detail: '', lat: null, lng: null, place: '', is_default: false }

const fieldLabel: Record<string, string> = { contact: '收货人', phone: '手机号', detail: '详细地址', lat: '位置', lng: '位置' }

function formOf(a: Address): Form {
  return { ...blank, ...a, lat: a.lat, lng: a.lng, place: '' }
}

/**
 * Addresses (收货地址): the address book — list, add and edit (with a map pin
 * from pickPlace), delete, set the default. Opened with choose=1 (from
 * checkout) tapping an address hands it back and returns.
 */
export default function Addresses() {
  const { params } = useRouter()
  const choosing = params.choose === '1'
  const [list, setList] = useState<Address[]>([])
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState('')
  const [form, setForm] = useState<Form | null>(null)
  const [saving, setSaving] = useState(false)
  const [formError, setFormError] = useState('')
  const [fieldError, setFieldError] = useState<Record<string, string>>({})

  const load = useCallback(async () => {
    setError('')
    try {
      setList(await listAddresses())
    } catch (err) {
      setError(errorText(err))
    } finally {
      setLoading(false)
    }
  }, [])

  useDidShow(() => {
    load()
  })

  const choose = (a: Address) => {
    handChosen(a)
    Taro.navigateBack()
  }

  const open = (f: Form) => {
    setForm(f)
    setFormError('')
    setFieldError({})
    Taro.setNavigationBarTitle({ title: f.id ? '编辑地址' : '新增地址' })
  }

  const close = () => {
    setForm(null)
    Taro.setNavigationBarTitle({ title: '收货地址' })
  }

  const set = (patch: Partial<Form>) => setForm((f) => (f ? { ...f, ...patch } : f))

  const pick = async () => {
    if (!form) return
    try {
      const near = typeof form.lat === 'number' && typeof form.lng === 'number' ? { lat: form.lat, lng: form.lng } : undefined
      const p = await pickPlace(near)
      if (!p) return
      const place = [p.address, p.name && p.name !== p.address ? p.name : ''].filter(Boolean).join(' ')
      set({ lat: p.lat, lng: p.lng, place, detail: form.detail.trim() ? form.detail : place })
      setFieldError((e) => ({ ...e, lat: '', lng: '' }))
    } catch (err) {
      Taro.showToast({ title: errorText(err), icon: 'none' })
    }
  }

  const save = async () => {
    if (!form || saving) return
    const body: AddressInput = { contact: form.contact.trim(), phone: form.phone.trim(), detail: form.detail.trim(), is_default: form.is_default }
    if (form.province) body.province = form.province
    if (form.city) body.city = form.city
    if (form.district) body.district = form.district
    if (typeof form.lat === 'number' && typeof form.lng === 'number') {
      body.lat = form.lat
      body.lng = form.lng
    }
    setSaving(true)
    setFormError('')
    setFieldError({})
    try {
      const saved = form.id ? await updateAddress(form.id, body) : await createAddress(body)
      if (choosing && !form.id) {
        choose(saved)
        return
      }
      close()
      Taro.showToast({ title: '已保存', icon: 'success' })
      load()
    } catch (err) {
      if (err instanceof ApiError && err.field && fieldLabel[err.field]) {
        setFieldError({ [err.field]: `${fieldLabel[err.field]}：${err.message}` })
      } else {
        setFormError(errorText(err))
      }
    } finally {
      setSaving(false)
    }
  }

  const remove = async (a: Address) => {
    const r = await Taro.showModal({ title: '删除地址', content: `确定删除“${a.contact} ${a.detail}”吗？`, confirmText: '删除', confirmColor: '#e4393c' })
    if (!r.confirm) return
    try {
      await deleteAddress(a.id)
      setList((l) => l.filter((x) => x.id !== a.id))
      load()
    } catch (err) {
      Taro.showToast({ title: errorText(err), icon: 'none' })
    }
  }

  const makeDefault = async (a: Address) => {
    try {
      await updateAddress(a.id, { ...inputOf(a), is_default: true })
      load()
    } catch (err) {
      Taro.showToast({ title: errorText(err), icon: 'none' })
    }
  }

  if (form) {
    const located = typeof form.lat === 'number' && typeof form.lng === 'number'
    return (
      <View className='page ad-page'>
        <View className='card' data-testid='address-form'>
          <View className='field'>
            <Text className='field-label'>收货人</Text>
            <Input className='field-input' data-testid='address-name' value={form.contact} maxlength={50} placeholder='姓名' onInput={(e) => set({ contact: e.detail.value })} />
          </View>
          {fieldError.contact && <View className='field-error' data-testid='address-error-contact'>{fieldError.contact}</View>}
          <View className='field'>
            <Text className='field-label'>手机号</Text>
            <Input className='field-input' data-testid='address-phone' type='number' value={form.phone} maxlength={20} placeholder='收货人手机号' onInput={(e) => set({ phone: e.detail.value })} />
          </View>
          {fieldError.phone && <View className='field-error' data-testid='address-error-phone'>{fieldError.phone}</View>}
          <View className='field' onClick={pick} data-testid='address-pick-location'>
            <Text className='field-label'>所在位置</Text>
            <View className='field-input'>
              {located ? (
                <Text data-testid='address-located'>{form.place || '已在地图上定位'}</Text>
              ) : (
                <Text className='ad-pick'>在地图上选点</Text>
              )}
            </View>
            <Text className='chev'>›</Text>
          </View>
          {(fieldError.lat || fieldError.lng) && <View className='field-error'>{fieldError.lat || fieldError.lng}</View>}
          <View className='field'>
            <Text className='field-label'>详细地址</Text>
            <Input className='field-input' data-testid='address-detail' value={form.detail} maxlength={200} placeholder='街道、楼栋、门牌号' onInput={(e) => set({ detail: e.detail.value })} />
          </View>
          {fieldError.detail && <View className='field-error' data-testid='address-error-detail'>{fieldError.detail}</View>}
          <View className='field ad-default-row'>
            <Text className='field-label grow'>设为默认地址</Text>
            <Switch data-testid='address-default' checked={form.is_default} color='#e4393c' onChange={(e) => set({ is_default: e.detail.value })} />
          </View>
          {!located && <Text className='muted ad-tip'>配送需要地址的地图位置，请点“在地图上选点”</Text>}
        </View>
        {formError && (
          <View className='notice notice-red ad-error' data-testid='address-error'>
            {formError}
          </View>
        )}
        <View className='ad-actions'>
          <Button className='btn btn-primary ad-btn' data-testid='address-save' disabled={saving || undefined} onClick={save}>
            {saving ? '保存中…' : '保存'}
          </Button>
          <Button className='btn ad-btn' data-testid='address-cancel' onClick={close}>
            取消
          </Button>
        </View>
      </View>
    )
  }

  return (
    <View className='page'>
      {choosing && list.length > 0 && <View className='ad-choose-tip'>点击地址即可选用</View>}
      {list.length === 0 ? (
        <State loading={loading} error={error} empty='还没有收货地址，添加一个吧' onRetry={() => { setLoading(true); load() }} />
      ) : (
        list.map((a) => (
          <View className='card ad-card' key={a.id} data-testid={`address-${a.id}`} onClick={() => (choosing ? choose(a) : open(formOf(a)))}>
            <View className='row'>
              <Text className='ad-contact'>{a.contact}</Text>
              <Text className='muted'>{a.phone}</Text>
              {a.is_default && <Text className='badge badge-red ad-badge'>默认</Text>}
            </View>
            <Text className='ad-line'>{addressLine(a)}</Text>
            {(typeof a.lat !== 'number' || typeof a.lng !== 'number') && <Text className='ad-warn'>未在地图上定位，无法用于配送</Text>}
            <View className='row between ad-ops' onClick={(e) => e.stopPropagation()}>
              {a.is_default ? (
                <Text className='muted'>默认地址</Text>
              ) : (
                <Text className='ad-op ad-op-first' data-testid={`address-default-${a.id}`} onClick={() => makeDefault(a)}>
                  设为默认
                </Text>
              )}
              <View className='row'>
                <Text className='ad-op' data-testid={`address-edit-${a.id}`} onClick={() => open(formOf(a))}>
                  编辑
                </Text>
                <Text className='ad-op ad-op-del' data-testid={`address-delete-${a.id}`} onClick={() => remove(a)}>
                  删除
                </Text>
              </View>
            </View>
          </View>
        ))
      )}
      <View className='bar'>
        <Button className='btn btn-primary grow ad-add' data-testid='address-add' onClick={() => open({ ...blank, is_default: list.length === 0 })}>
          + 新增收货地址
        </Button>
      </View>
    </View>
  )
}
