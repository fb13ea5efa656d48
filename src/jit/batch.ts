// A batch of JIT runners: registered concurrently through one limiter, one deadline and one
// shared retry budget, and all or nothing. When one runner fails, or the step is cancelled, the
// batch halts at once (sleeping retries wake, no new request starts) and every runner the ledger
// holds is rolled back; the caller gets a BatchFailed that says exactly what the rollback did.
import type { Config, FailureKind } from '../types.js'
import { ConcurrencyLimiter, SharedRetryBudget } from '../limiter.js'
import { MintError } from '../mint.js'
import { RetryError, systemClock } from '../retry.js'
import { failureKind } from '../explain.js'
import { Deadline, type StopSignal, stepOf, stopSignal } from '../step.js'
import { Ledger, type LedgerEntry, newOwnershipLabel } from './ledger.js'
import { runnerNames } from './names.js'
import type { JitRunner } from './runners.js'
import { type BatchStats, Halted, INITIAL_IN_FLIGHT, type JitDeps, MAX_IN_FLIGHT, Session } from './session.js'
import { mintOne } from './register.js'
import { CLEANUP_TIMEOUT_MS, type Removal, removeRunners } from './cleanup.js'
import { beforeRegistering } from './prepare.js'
import { type WritePacer, pacerFor } from '../pacer.js'

export interface MintedRunners {
  runners: JitRunner[]
  /** Attempts at generate-jitconfig, all runners together. */
  attempts: number
  /** The GitHub Enterprise Server version its answers named, if any. */
  serverVersion?: string
  /** The step's write pacer, for a rollback after the hand-over to go on at the same pace; none: not paced. */
  pacer?: WritePacer
}

/** A batch that failed or was cancelled, and what its rollback did; each caller words it for its own world. */
export class BatchFailed extends MintError {
  constructor(
    /** What went wrong: the first runner's failure, or the cancellation. */
    message: string,
    attempts: number,
    /** Undefined when the ledger held nothing: no runner can exist. */
    readonly rollback: Removal | undefined,
    readonly ownershipLabel: string,
    readonly stoppedBy?: StopSignal,
    kind?: FailureKind,
    /** The HTTP status that ended the first runner's failure, when an answer did. */
    status?: number,
  ) {
    super(message, attempts, kind, status)
  }
}

export { stopSignal } from '../step.js'

/**
 * Registers `config.jit.count` runners. All or nothing: if one cannot be registered before the
 * deadline, or `deps.signal` cancels the step, the others stop, every runner in the ledger is
 * rolled back, and it throws BatchFailed. The caller hands the runners over (and tells the ledger).
 */
export async function mintRunners(given: Config, env: Record<string, string | undefined>, deps: JitDeps = {}): Promise<MintedRunners> {
  const clock = deps.clock ?? systemClock
  // The step's context, from before any signal could come: the cleanup phase is timed from it.
  stepOf(deps.signal, clock)
  // The step's deadline starts here; the spread, the group lookup and the rate budget are inside it.
  const deadlineMs = clock.now() + given.timeoutMs
  const config = await beforeRegistering(given, deadlineMs, deps)
  const jit = config.jit!
  const limiter = new ConcurrencyLimiter({
    initial: Math.min(jit.count, INITIAL_IN_FLIGHT),
    max: Math.min(jit.count, MAX_IN_FLIGHT),
    clock,
  })
  const ledger = deps.ledger ?? new Ledger(newOwnershipLabel())
  // One pacer for every write of the step: registrations, and the rollback's looks and deletes.
  const pacer = pacerFor(config, clock)
  const session = new Session(config, deps, limiter, ledger, pacer)
  const budget = new SharedRetryBudget(config.maxAttempts - 1, { clock, backoff: config })
  // Requests in flight are torn down only by a cancellation (so never, without a signal to
  // cancel by); a failure lets their answers arrive, and the rollback deletes by the ids they give.
  const batch = new Deadline(clock, deadlineMs, deps.signal ?? new AbortController().signal)
  let cancelledAt: number | undefined
  const onCancel = (): void => {
    cancelledAt ??= clock.now()
    batch.halt()
  }
  if (deps.signal?.aborted) onCancel()
  deps.signal?.addEventListener('abort', onCancel, { once: true })
  const names = runnerNames(jit, env, session.random)
  const stats = (): BatchStats => ({
    requests: session.requests,
    attempts: session.attempts,
    retriesGranted: budget.granted,
    retriesRefused: budget.refused,
    lowestLimit: limiter.lowest,
    highestLimit: limiter.highest,
  })

  let firstError: Error | undefined
  const results = await Promise.allSettled(
    names.map((name) =>
      mintOne(name, session, budget, batch).catch((error: unknown) => {
        // The first real failure halts the batch: sleeping retries wake, waiting requests give up.
        if (!(error instanceof Halted) && !firstError) firstError = error as Error
        batch.halt()
        throw error
      }),
    ),
  )
  deps.signal?.removeEventListener('abort', onCancel)
  if (!firstError && cancelledAt === undefined) {
    deps.onStats?.(stats())
    const runners = results.map((r) => (r as PromiseFulfilledResult<JitRunner>).value)
    return {
      runners,
      attempts: session.attempts,
      ...(session.serverVersion ? { serverVersion: session.serverVersion } : {}),
      ...(pacer ? { pacer } : {}),
    }
  }
  const entries = ledger.notHandedOver
  let rollback: Removal | undefined
  if (entries.length) {
    session.log(`Rolling back: removing the ${entries.length} runner(s) that may have been registered (label ${ledger.label}).`)
    rollback = await rollBack(entries, session, deps.signal)
  }
  deps.onStats?.(stats())
  const stoppedBy = stopSignal(deps.signal)
  if (!firstError) {
    throw new BatchFailed(
      `Stopped by ${stoppedBy} while registering ${jit.count} just-in-time runner(s).`,
      session.attempts,
      rollback,
      ledger.label,
      stoppedBy,
      'aborted',
    )
  }
  const failed = results.filter((r) => r.status === 'rejected' && !(r.reason instanceof Halted)).length
  const intro = jit.count > 1 ? `${failed} of ${jit.count} runners could not be registered. ` : ''
  throw new BatchFailed(
    `${intro}${asSentence(firstError.message)}`,
    session.attempts,
    rollback,
    ledger.label,
    stoppedBy,
    kindOf(firstError),
    statusOf(firstError),
  )
}

/**
 * A failure's message as a sentence of its own, for the "Rollback: ..." that follows it: a
 * ledger that could not be saved ("could not save ...: EACCES: ..., open") has neither capital nor
 * full stop.
 */
function asSentence(message: string): string {
  const capital = message.charAt(0).toUpperCase() + message.slice(1)
  // Ended already: by a full stop, or one before a closing quote or bracket or a "(GitHub request id ...)".
  return /[.!?]["')\]]*( \([^()]*\))?$/.test(capital) ? capital : `${capital}.`
}

/**
 * Rolls back `entries` (what the ledger holds, not handed over), within the cleanup deadline:
 * CLEANUP_TIMEOUT_MS after a failure; after a signal (also one that arrives during the rollback)
 * the step's cleanup phase, less what it holds back for a revoke (step.ts), timed from the
 * signal itself (the step's context heard it first). Also the hand-over's (hand-over.ts), when the runners could not be handed over.
 */
export async function rollBack(entries: LedgerEntry[], session: Session, signal: AbortSignal | undefined): Promise<Removal> {
  const { clock, config } = session
  const deadline = stepOf(signal, clock).phase(clock.now() + Math.min(config.timeoutMs, CLEANUP_TIMEOUT_MS), 'work')
  try {
    return await removeRunners(entries, 'rollback', session, deadline)
  } finally {
    deadline.dispose()
  }
}

/** The HTTP status of the answer that ended a runner's failure, if an answer did. */
function statusOf(error: Error): number | undefined {
  if (error.cause instanceof RetryError) {
    const { outcome } = error.cause.failure
    return outcome.kind === 'response' ? outcome.status : undefined
  }
  return error instanceof MintError ? error.status : undefined
}

/** The kind of a runner's failure: its retry loop's end (register.ts), or what a MintError says. */
function kindOf(error: Error): FailureKind | undefined {
  if (error.cause instanceof RetryError) return failureKind(error.cause.failure)
  return error instanceof MintError ? error.kind : undefined
}
