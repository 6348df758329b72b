import type { ShopCategory } from '../api/shop'

/** CategoryRow is a category in display order with its depth in the tree. */
export interface CategoryRow {
  category: ShopCategory
  depth: number
}

/**
 * categoryRows orders categories as a tree: each parent (in the server's
 * display order) followed by its subcategories. A category whose parent is
 * missing is shown at the top level.
 */
export function categoryRows(items: ShopCategory[]): CategoryRow[] {
  const ids = new Set(items.map((c) => c.id))
  const children = new Map<number, ShopCategory[]>()
  const roots: ShopCategory[] = []
  for (const c of items) {
    if (c.parent_id !== null && ids.has(c.parent_id) && c.parent_id !== c.id) {
      const list = children.get(c.parent_id) || []
      list.push(c)
      children.set(c.parent_id, list)
    } else {
      roots.push(c)
    }
  }
  const out: CategoryRow[] = []
  const seen = new Set<number>()
  const walk = (c: ShopCategory, depth: number) => {
    if (seen.has(c.id)) return
    seen.add(c.id)
    out.push({ category: c, depth })
    for (const k of children.get(c.id) || []) walk(k, depth + 1)
  }
  for (const r of roots) walk(r, 0)
  return out
}
