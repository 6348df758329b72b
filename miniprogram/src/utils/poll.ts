/** How the order page waits for a payment to be confirmed. */
export const pollEvery = 1500
export const pollFor = 10000

/** How often the order page reads tracking again while a delivery is under way. */
export const trackEvery = 10000

/**
 * pollWhile calls read every `every` ms while more(value) holds, handing each
 * value to onValue, for at most `total` ms. It resolves with the last value
 * (or undefined when no read succeeded); stop() ends it early.
 */
export function pollWhile<T>(
  read: () => Promise<T>,
  more: (v: T) => boolean,
  onValue: (v: T) => void,
  opts: { every?: number; total?: number } = {},
): { done: Promise<T | undefined>; stop: () => void } {
  const every = opts.every ?? pollEvery
  const total = opts.total ?? pollFor
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const start = Date.now()
  let last: T | undefined
  const done = new Promise<T | undefined>((resolve) => {
    const tick = async () => {
      if (stopped) return resolve(last)
      try {
        last = await read()
        if (stopped) return resolve(last)
        onValue(last)
        if (!more(last)) return resolve(last)
      } catch {
        // a failed read is retried on the next tick
      }
      if (Date.now() - start + every > total) return resolve(last)
      timer = setTimeout(tick, every)
    }
    timer = setTimeout(tick, every)
  })
  return {
    done,
    stop: () => {
      stopped = true
      if (timer) clearTimeout(timer)
    },
  }
}

/** countdown formats the time left until iso as "mm:ss" ("" once past). */
export function countdown(iso: string, now: number): string {
  const left = Math.floor((new Date(iso).getTime() - now) / 1000)
  if (!Number.isFinite(left) || left <= 0) return ''
  const m = Math.floor(left / 60)
  const s = left % 60
  return `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`
}
