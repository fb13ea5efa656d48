// Which listed runners `type: prune` deletes, and why it leaves each other one alone. Pure: a
// runner, what was asked, and the wall clock in; a choice out. Only a runner with an ownership
// label is ever chosen, and only one that is offline and not busy.
import { formatMs } from '../duration.js'
import { readOwnershipLabel } from '../jit/ownership.js'
import { type ListedRunner, carriesLabel } from '../jit/runners.js'

/** What to prune: one ownership label exactly, or every ownership label at least this old. */
export type Selection = { label: string } | { olderThanMs: number }

/**
 * `prune` with the label to look for again right before the delete (for the age, the runner's
 * youngest ownership label); `spare` with why; undefined when the selection does not take it in
 * (no ownership label, another label): such a runner is not looked at at all.
 */
export type Choice = { prune: string } | { spare: string } | undefined

export function choose(runner: ListedRunner, selection: Selection, wallNowMs: number): Choice {
  if ('label' in selection) {
    if (!carriesLabel(runner, selection.label)) return undefined
    return busyOrOnline(runner) ?? { prune: selection.label }
  }
  const owned = runner.labels.map((l) => ({ name: l.name.toLowerCase(), read: readOwnershipLabel(l.name) })).filter((l) => l.read)
  if (owned.length === 0) return undefined
  const held = busyOrOnline(runner)
  if (held) return held
  if (owned.some((l) => l.read!.form === 'old')) return { spare: 'old-form label, age unknown (pruned only by its exact label)' }
  // The youngest label decides: a runner is as young as its youngest claim.
  const youngest = owned.reduce((a, b) => (created(a.read) >= created(b.read) ? a : b))
  const ageMs = wallNowMs - created(youngest.read)
  if (ageMs < selection.olderThanMs) {
    return { spare: `younger than ${formatMs(selection.olderThanMs)} (label ${youngest.name}, ${formatMs(Math.max(0, ageMs))} old)` }
  }
  return { prune: youngest.name }
}

function created(read: ReturnType<typeof readOwnershipLabel>): number {
  return read?.form === 'timed' ? read.createdAtMs : 0
}

function busyOrOnline(runner: ListedRunner): { spare: string } | undefined {
  if (runner.busy) return { spare: 'busy' }
  if (runner.status !== 'offline') return { spare: runner.status === 'online' ? 'online' : `status ${runner.status}` }
  return undefined
}
