// The hand-over of a registered batch: the one place where runners become someone else's (the
// action's outputs and runners file, the command's stdout). It runs inside the installation
// token's lifetime, so that a hand-over that cannot happen is rolled back with that token. A
// runner is handed over only if no signal has arrived and every write succeeded; otherwise every
// runner of the batch is deleted in the step, and the caller gets a BatchFailed.
import { ConcurrencyLimiter } from '../limiter.js'
import { systemClock } from '../retry.js'
import { BatchFailed, type MintedRunners, rollBack, stopSignal } from './batch.js'
import type { Ledger } from './ledger.js'
import { INITIAL_IN_FLIGHT, type JitDeps, MAX_IN_FLIGHT, Session } from './session.js'

/** The step's config, as a session takes it (named through Session, so that this module imports nothing from the inputs above it). */
type Config = Session['config']

export interface HandOver {
  /** Work that hands nothing over yet and may fail (the runners file); a rejection rolls back. */
  prepare?: () => Promise<void>
  /**
   * The hand-over itself, started only if no signal has arrived: outputs set, configs written.
   * A rejection (a write that failed) means nothing was handed over: it rolls back.
   */
  deliver: () => Promise<void> | void
}

/**
 * Hands `minted` over, or rolls it back. After `deliver` the ledger marks the runners handed over.
 * On a signal before `deliver`, or a failure in `prepare`, `deliver` or the ledger's own write,
 * every runner in the ledger is deleted (after a signal, within the step's cleanup phase) and it throws a
 * BatchFailed saying why and what the rollback did. An error from `prepare` or `deliver` says
 * what could not be done, worded to follow "Registered N runner(s) but" ("could not write ...").
 */
export async function handOverOrRollBack(
  config: Config,
  minted: MintedRunners,
  deps: JitDeps & { ledger: Ledger },
  handOver: HandOver,
): Promise<void> {
  const { ledger, signal } = deps
  const clock = deps.clock ?? systemClock
  const names = minted.runners.map((runner) => runner.name)
  let cancelledAt: number | undefined
  const onCancel = (): void => void (cancelledAt ??= clock.now())
  if (signal?.aborted) onCancel()
  signal?.addEventListener('abort', onCancel, { once: true })
  let why: string
  try {
    await handOver.prepare?.()
    // Read here, with no await between it and the outputs: a signal's handler cannot run in between.
    if (cancelledAt === undefined) {
      await handOver.deliver()
      ledger.handOver(names)
      return
    }
    why = `Stopped by ${stopSignal(signal)} after registering ${names.length} just-in-time runner(s), before handing them over.`
  } catch (error) {
    why = `Registered ${names.length} runner(s) but ${(error as Error).message.replace(/\.$/, '')}.`
  } finally {
    signal?.removeEventListener('abort', onCancel)
  }
  // Every entry, whatever its mark: a ledger write that failed may have marked them in memory.
  const entries = ledger.entries
  const session = new Session(
    config,
    deps,
    new ConcurrencyLimiter({ initial: clamp(entries.length, INITIAL_IN_FLIGHT), max: clamp(entries.length, MAX_IN_FLIGHT), clock }),
    ledger,
    // The batch's pace goes on: its recoveries' deletes count against the same endpoint.
    minted.pacer,
  )
  session.log(`Rolling back: removing the ${entries.length} runner(s) that were not handed over (label ${ledger.label}).`)
  const rollback = await rollBack(entries, session, signal)
  throw new BatchFailed(why, minted.attempts, rollback, ledger.label, stopSignal(signal))
}

/** Between 1 and `most`: a limiter needs a slot. */
function clamp(count: number, most: number): number {
  return Math.max(1, Math.min(count, most))
}
