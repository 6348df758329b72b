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
