/** idempotencyKey is a fresh key for one checkout attempt (Idempotency-Key header). */
export function idempotencyKey(): string {
  const rnd = () => Math.random().toString(36).slice(2, 10)
  return `mp-${Date.now().toString(36)}-${rnd()}${rnd()}`
}

/** parseScene reads an in-store QR scene ("s=12", "p=345&s=12") into its parts. */
export function parseScene(scene: string | undefined | null): { store?: number; product?: number } {
  if (!scene) return {}
  let text = scene
  try {
    text = decodeURIComponent(scene)
  } catch {
    // keep the raw text
  }
  const out: { store?: number; product?: number } = {}
  for (const part of text.split('&')) {
    const [k, v] = part.split('=')
    const n = Number(v)
    if (!Number.isInteger(n) || n <= 0) continue
    if (k === 's') out.store = n
    if (k === 'p') out.product = n
  }
  return out
}

/** PENDING_KEY_MS is how long a pending checkout key is reused: the server's unpaid-order time. */
export const PENDING_KEY_MS = 15 * 60 * 1000

/**
 * AttemptKeys gives each checkout attempt its Idempotency-Key: the same key
 * again while the body is the same and the last try did not reach a verdict
 * (a network error), a new one once an order was created or refused, or the
 * body changed. The pending key is kept in storage too, so a retry after the
 * page was reopened still cannot place a second order; it is kept for as
 * long as an unpaid order can be (PENDING_KEY_MS), so an old key never
 * brings back an order of another visit.
 */
export class AttemptKeys {
  constructor(
    private storageKey: string,
    private storage: { getStorageSync(k: string): unknown; setStorageSync(k: string, v: unknown): void; removeStorageSync(k: string): void },
  ) {}

  /** keyFor returns the key for this body (reusing the pending one for the same body). */
  keyFor(body: unknown, now = Date.now()): string {
    const text = JSON.stringify(body)
    const kept = this.storage.getStorageSync(this.storageKey) as { key?: string; body?: string; at?: number } | ''
    if (kept && typeof kept === 'object' && kept.key && kept.body === text && typeof kept.at === 'number' && now - kept.at < PENDING_KEY_MS) {
      return kept.key
    }
    const key = idempotencyKey()
    this.storage.setStorageSync(this.storageKey, { key, body: text, at: now })
    return key
  }

  /** done forgets the pending key: the server gave a verdict for it. */
  done() {
    this.storage.removeStorageSync(this.storageKey)
  }
}
