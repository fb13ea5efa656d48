// What a prune did, in words that are true in every world: "deleted" only for a confirmed delete;
// already gone, kept (and why) and could not delete counted and named apart. The action and the
// command print these lines; the JSON is the command's --json.
import { formatMs } from '../duration.js'
import { describeRemoval } from '../jit/report.js'
import type { NamedRunner, PruneResult } from './prune.js'
import type { Selection } from './select.js'

export function selectionText(selection: Selection): string {
  return 'label' in selection
    ? `the ownership label ${selection.label}`
    : `an ownership label older than ${formatMs(selection.olderThanMs)}`
}

/** Runners left alone: at the listing, and at the look right before a delete. */
export function kept(result: PruneResult): { runner: NamedRunner; why: string }[] {
  return [
    ...result.spared,
    ...result.removal.spared.map(({ entry, why }) => ({ runner: { id: entry.id ?? 0, name: entry.name }, why: `${why} when looked at` })),
  ]
}

/** Runners that may still be registered though chosen: an error, the deadline, or not found. */
export function notDeleted(result: PruneResult): { runner: NamedRunner; why: string }[] {
  const { failed, unknown } = result.removal
  return [
    ...failed.map(({ entry, error }) => ({ runner: { id: entry.id ?? 0, name: entry.name }, why: error.replace(/\.$/, '') })),
    ...unknown.map((entry) => ({ runner: { id: entry.id ?? 0, name: entry.name }, why: 'not found by id or name: it may still exist' })),
  ]
}

/** The report's lines: what was listed, what was (or would be) deleted, kept and not deleted, by name. */
export function pruneLines(result: PruneResult, selection: Selection): string[] {
  const names = (list: { name: string }[]): string => list.map((r) => r.name).join(', ')
  const lines = [
    `Listed ${result.listed} runner(s); ${result.notSelected} without ${'label' in selection ? 'that label' : 'an ownership label'} were not looked at.`,
  ]
  if (result.dryRun) {
    lines.push(
      result.wouldDelete.length
        ? `Dry run: would delete ${result.wouldDelete.length} (${names(result.wouldDelete)}); deleted nothing.`
        : 'Dry run: would delete none; deleted nothing.',
    )
  }
  const spared = result.spared.map(({ runner, why }) => `${runner.name}: ${why}`)
  if (spared.length) lines.push(`Kept ${spared.length} (${spared.join(', ')}).`)
  const removed = describeRemoval(result.removal)
  if (removed) lines.push(`Deletes: ${removed}.`)
  if (!result.dryRun && countChosen(result) === 0)
    lines.push(`No runner with ${selectionText(selection)} is offline and idle: deleted none.`)
  return lines
}

function countChosen(result: PruneResult): number {
  const r = result.removal
  return r.deleted.length + r.gone.length + r.spared.length + r.unknown.length + r.failed.length
}

/** The failure when a chosen runner could not be confirmed deleted; undefined when every delete was settled. */
export function pruneFailure(result: PruneResult, selection: Selection): string | undefined {
  const left = notDeleted(result)
  if (!left.length) return undefined
  const each = left.map(({ runner, why }) => `${runner.name}: ${why}`).join('; ')
  return `Could not delete ${left.length} runner(s) with ${selectionText(selection)}: ${each}. Deleted ${result.removal.deleted.length}; run the prune again to retry.`
}

/** The command's --json: GitHub's snake_case, every runner by id and name. */
export function pruneJson(result: PruneResult): Record<string, unknown> {
  const entries = (list: { id?: number; name: string }[]) => list.map((r) => ({ id: r.id, name: r.name }))
  return {
    dry_run: result.dryRun,
    pruned: result.removal.deleted.length,
    kept: kept(result).length,
    listed: result.listed,
    not_selected: result.notSelected,
    deleted: entries(result.removal.deleted),
    already_gone: entries(result.removal.gone),
    would_delete: entries(result.wouldDelete),
    spared: kept(result).map(({ runner, why }) => ({ id: runner.id, name: runner.name, why })),
    not_deleted: notDeleted(result).map(({ runner, why }) => ({ id: runner.id, name: runner.name, why })),
  }
}
