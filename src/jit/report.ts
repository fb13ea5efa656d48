// What a removal did, in words that are true in every world: deleted means a confirmed delete,
// and each other outcome is counted and named apart. The action and the command add their own
// next step (the post step, or the ownership label to search by).
import type { Removal } from './cleanup.js'

/** "deleted 2 (a, b); already gone 1 (c); spared 1 (d: online); not found 1 (e); could not delete 1 (f: why)". */
export function describeRemoval(removal: Removal): string {
  const names = (list: { name: string }[]): string => list.map((entry) => entry.name).join(', ')
  const total = countOf(removal)
  const parts: string[] = []
  if (removal.deleted.length) {
    const all = removal.deleted.length === total && total > 1 ? 'all ' : ''
    parts.push(`deleted ${all}${removal.deleted.length} (${names(removal.deleted)})`)
  }
  if (removal.gone.length) parts.push(`already gone ${removal.gone.length} (${names(removal.gone)})`)
  if (removal.spared.length) {
    parts.push(`spared ${removal.spared.length} (${removal.spared.map(({ entry, why }) => `${entry.name}: ${why}`).join(', ')})`)
  }
  if (removal.unknown.length) parts.push(`not found ${removal.unknown.length} (${names(removal.unknown)})`)
  if (removal.failed.length) {
    const each = removal.failed.map(({ entry, error }) => `${entry.name}: ${error.replace(/\.$/, '')}`)
    parts.push(`could not delete ${removal.failed.length} (${each.join('; ')})`)
  }
  return parts.join('; ')
}

/** The runners a removal did not confirm gone: they may still exist. */
export function notConfirmedGone(removal: Removal): string[] {
  return [...removal.spared.map((s) => s.entry), ...removal.unknown, ...removal.failed.map((f) => f.entry)].map((entry) => entry.name)
}

function countOf(removal: Removal): number {
  return removal.deleted.length + removal.gone.length + removal.spared.length + removal.unknown.length + removal.failed.length
}
