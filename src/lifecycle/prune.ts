// `type: prune`: deletes the runners an ownership label marks as ours that no host holds (offline,
// not busy), chosen by one label (the stop job) or by the age in their labels (the sweeper). It
// reads every page of the listing first (deleting while paging by offset would skip runners),
// then deletes through the limiter, each runner looked at by id right before its delete (the
// cleanup's own path: jit/cleanup.ts). GitHub has no conditional delete and deletes an idle online
// runner too: a host that connects between that look and the delete loses its runner.
import type { Config } from '../types.js'
import { ConcurrencyLimiter } from '../limiter.js'
import { type WriteBudget, describeBudget, pacerFor } from '../pacer.js'
import { formatMs } from '../duration.js'
import { systemClock } from '../retry.js'
import { waitSpread } from '../spread.js'
import { Cancelled, Deadline } from '../step.js'
import { Ledger } from '../jit/ledger.js'
import { type Removal, removalPaceMs, removalsWithinMs, removeRunners } from '../jit/cleanup.js'
import { INITIAL_IN_FLIGHT, type JitDeps, MAX_IN_FLIGHT, Session } from '../jit/session.js'
import { listRunners } from './listing.js'
import { type Selection, choose } from './select.js'

export interface NamedRunner {
  id: number
  name: string
}

export interface PruneResult {
  dryRun: boolean
  /** Every runner listed in the scope. */
  listed: number
  /** Listed runners the selection did not take in: no ownership label, or (by label) another one. */
  notSelected: number
  /** Dry run: what would have been deleted (nothing was). */
  wouldDelete: NamedRunner[]
  /** Left alone when listed (online, busy, too young, old-form label), and why. */
  spared: { runner: NamedRunner; why: string }[]
  /** The deletes: confirmed, already gone, spared at the look before the delete, not found, failed. */
  removal: Removal
}

export function selectionOf(config: Config): Selection {
  const prune = config.prune!
  return prune.ownershipLabel !== undefined ? { label: prune.ownershipLabel } : { olderThanMs: prune.olderThanMs! }
}

/**
 * Said before the first delete when the deletes cannot all fit the time left at the write pace:
 * those the pace does not reach in time are never looked at nor deleted, and are reported as not
 * deleted by name. Undefined when they fit.
 */
export function beyondTimeout(runners: number, budget: WriteBudget, leftMs: number): string | undefined {
  const paceMs = removalPaceMs(runners, budget)
  if (paceMs <= leftMs) return undefined
  const reach = Math.min(runners, removalsWithinMs(leftMs, budget))
  return (
    `Deleting ${runners} runner(s), a look and a delete each, takes at least ${formatMs(paceMs)} under the write budget of ` +
    `${describeBudget(budget)}; ${formatMs(Math.max(0, leftMs))} of the timeout is left: at most about ${reach} can be deleted in time, ` +
    'in the order listed. The others will be reported as not deleted, by name; raise the timeout, or run the prune again.'
  )
}

export async function prune(config: Config, deps: JitDeps = {}): Promise<PruneResult> {
  const clock = deps.clock ?? systemClock
  const random = deps.random ?? Math.random
  const log = deps.log ?? (() => {})
  const deadline = new Deadline(clock, clock.now() + config.timeoutMs)
  // A cancellation starts no new request and ends every wait; what was confirmed is still reported.
  const onCancel = (): void => deadline.halt(new Cancelled())
  if (deps.signal?.aborted) onCancel()
  deps.signal?.addEventListener('abort', onCancel, { once: true })
  try {
    await waitSpread(config.spreadMs, { clock, random, log, signal: deps.signal })
    const limiter = new ConcurrencyLimiter({ initial: INITIAL_IN_FLIGHT, max: MAX_IN_FLIGHT, clock })
    const selection = selectionOf(config)
    // The ledger only names the label the look before each delete checks; nothing is saved.
    // One pace for the listing's pages, the looks and the deletes: GitHub counts them per endpoint, whoever sends them.
    const pacer = pacerFor(config, clock)
    const sessionFor = (label: string): Session => new Session(config, deps, limiter, new Ledger(label), pacer)
    const lister = sessionFor('label' in selection ? selection.label : '')
    const runners = await listRunners(lister, deadline, 'Listing runners')
    const result: PruneResult = {
      dryRun: config.prune!.dryRun,
      listed: runners.length,
      notSelected: 0,
      wouldDelete: [],
      spared: [],
      removal: { deleted: [], gone: [], spared: [], unknown: [], failed: [] },
    }
    const byLabel = new Map<string, NamedRunner[]>()
    const wallNow = clock.wallNow()
    for (const runner of runners) {
      const choice = choose(runner, selection, wallNow)
      const named = { id: runner.id, name: runner.name }
      if (!choice) result.notSelected++
      else if ('spare' in choice) result.spared.push({ runner: named, why: choice.spare })
      else byLabel.set(choice.prune, [...(byLabel.get(choice.prune) ?? []), named])
    }
    const chosen = [...byLabel.values()].flat()
    if (result.dryRun || chosen.length === 0) {
      if (result.dryRun) result.wouldDelete = chosen
      return result
    }
    log(`Deleting ${chosen.length} runner(s), each looked at by id right before its delete.`)
    const late = pacer && beyondTimeout(chosen.length, pacer.budget, deadline.atMs - clock.now())
    if (late) log(late)
    const removals = await Promise.all(
      [...byLabel].map(([label, named]) =>
        removeRunners(
          named.map((r) => ({ name: r.name, id: r.id, maybe: true, handedOver: false })),
          'post',
          sessionFor(label),
          deadline,
        ),
      ),
    )
    for (const removal of removals) {
      for (const key of Object.keys(result.removal) as (keyof Removal)[]) {
        ;(result.removal[key] as unknown[]).push(...removal[key])
      }
    }
    return result
  } finally {
    deps.signal?.removeEventListener('abort', onCancel)
    deadline.dispose()
  }
}
