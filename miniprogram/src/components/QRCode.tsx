import { useMemo } from 'react'
import Taro from '@tarojs/taro'
import { View } from '@tarojs/components'
import qrcodeGenerator from 'qrcode-generator'

/** QRMatrix is a QR code's modules, row by row (true: dark). */
export function qrMatrix(text: string): boolean[][] {
  const qr = qrcodeGenerator(0, 'M')
  qr.addData(text)
  qr.make()
  const n = qr.getModuleCount()
  const rows: boolean[][] = []
  for (let r = 0; r < n; r++) {
    const row: boolean[] = []
    for (let c = 0; c < n; c++) row.push(qr.isDark(r, c))
    rows.push(row)
  }
  return rows
}

/** runs splits a row into runs of equal modules: [dark, length]. */
function runs(row: boolean[]): [boolean, number][] {
  const out: [boolean, number][] = []
  for (const d of row) {
    const last = out[out.length - 1]
    if (last && last[0] === d) last[1]++
    else out.push([d, 1])
  }
  return out
}

/**
 * QRCode draws a QR code of text as rows of Views (no canvas, so it renders
 * the same in the weapp and the h5 preview). size is the code's width in
 * design px (750 wide); each module gets a whole even number of them, so no
 * seams show between modules.
 */
export default function QRCode({ text, size = 400, testid }: { text: string; size?: number; testid?: string }) {
  const rows = useMemo(() => qrMatrix(text), [text])
  const n = rows.length
  const cell = Math.max(2, 2 * Math.floor(size / n / 2))
  const px = (v: number) => Taro.pxTransform(v)
  return (
    <View className='qr' data-testid={testid} data-modules={n} style={{ padding: px(cell * 3), background: '#fff', display: 'inline-block' }}>
      {rows.map((row, r) => (
        <View key={r} className='qr-row' style={{ display: 'flex', flexDirection: 'row', height: px(cell), width: px(cell * n) }}>
          {runs(row).map(([dark, len], i) => (
            <View key={i} className={dark ? 'qr-dark' : 'qr-light'} style={{ width: px(cell * len), height: px(cell), background: dark ? '#111' : '#fff', flexShrink: 0 }} />
          ))}
        </View>
      ))}
    </View>
  )
}
