// One step's lifecycle: its one abort signal and its deadline tree. Each step (the action's main
// step, its post step, the command) is stopped by its first SIGINT or SIGTERM; from that moment a
// cleanup phase runs with ONE budget, CLEANUP_PHASE_MS, for the rollback and the installation
// token's revoke together, and ends before the runner's SIGTERM (~7.5 s after SIGINT) and kill.
// While an installation token is live, REVOKE_SHARE_MS of that budget is held back for its revoke:
// the rollback (or the post step's removal) ends that much earlier. Every wait, request and
// revoke of the step takes its bounds from here; a request of the cleanup phase is torn down only
// when the phase ends, never by the signal that started it. Before a signal, the step's own
// budget (StepBudget: `timeout` and `max-attempts`) is shared by its calls in turn.
import { setMaxListeners } from 'node:events'
import { type Clock, systemClock } from './retry.js'

export type StopSignal = 'SIGINT' | 'SIGTERM'

/** The cleanup phase after the first signal: inside 7 s of it, with room to report and exit before 7.5 s. */
export const CLEANUP_PHASE_MS = 6500
/** The part of the cleanup phase kept for the revoke while an installation token is live. */
export const REVOKE_SHARE_MS = 2000

/** Why a phase's requests were cut off: its deadline came (not the step's signal). */
export class DeadlineReached extends Error {
  constructor(what = 'the cleanup deadline') {
    super(`cut off at ${what} while waiting for the answer; the request may have taken effect`)
  }
}

/** Why a phase was halted by the step's cancellation (a prune's deletes), not by its deadline. */
export class Cancelled extends Error {
  constructor() {
    super('the step was cancelled')
  }
}

/** The signal that stopped a step, if one did: an abort reason of 'SIGTERM' is SIGTERM, any other SIGINT. */
export function stopSignal(signal: AbortSignal | undefined): StopSignal | undefined {
  if (!signal?.aborted) return undefined
  return signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT'
}

/**
 * When one phase of a step (a batch, a rollback, a post step's removal, a revoke) must stop. Two
 * signals: `stop` (no new request, and every wait, a retry's sleep or a limiter's, ends at once)
 * and `teardown` (requests in flight are cut off). A cancellation brings the deadline forward.
 */
export class Deadline {
  private readonly stopper = new AbortController()
  private timer: NodeJS.Timeout | undefined

  /**
   * `teardown`: what cuts requests in flight short; by default the same as `stop` (a cleanup's
   * requests end at its deadline). A batch passes the step's cancellation signal instead, so that a
   * failure elsewhere in the batch lets the answers already on their way arrive.
   */
  constructor(
    private readonly clock: Clock,
    private at: number,
    private readonly teardownSignal?: AbortSignal,
  ) {
    // Every runner of a batch waits on these (a sleep, a slot, a request): up to 1,000 listeners
    // each, which is by design, not the leak Node's warning at 10 is about.
    setMaxListeners(0, this.stopper.signal)
    if (teardownSignal) setMaxListeners(0, teardownSignal)
  }

  /** Clock time after which no request starts. */
  get atMs(): number {
    return this.at
  }

  get stop(): AbortSignal {
    return this.stopper.signal
  }

  get teardown(): AbortSignal {
    return this.teardownSignal ?? this.stopper.signal
  }

  /** No new request; waits end now. `reason` says why to a request torn down by it. */
  halt(reason?: Error): void {
    this.stopper.abort(reason)
  }

  /** Moves the deadline to `atMs` if that is sooner; everything stops when it comes. */
  bringForward(atMs: number): void {
    if (atMs >= this.at) return
    this.at = atMs
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.halt(new DeadlineReached()), Math.max(0, atMs - this.clock.now()))
  }

  dispose(): void {
    clearTimeout(this.timer)
  }
}

/**
 * The step's own budget, before any signal: its `timeout` as one deadline and `max-attempts` − 1
 * retries, shared by calls made in turn (a GitHub App's lookup and token, then the work). Each
 * call's first attempt is its own; `attempts` counts every attempt of every call so far.
 */
export class StepBudget {
  attempts = 0
  private calls = 0

  constructor(
    readonly deadlineMs: number,
    private readonly maxAttempts: number,
  ) {}

  /** What the next call may spend: its first attempt and every retry left. */
  limits(): { maxAttempts: number; deadlineMs: number } {
    return { maxAttempts: this.maxAttempts - (this.attempts - this.calls), deadlineMs: this.deadlineMs }
  }

  spend(attempts: number): void {
    this.attempts += attempts
    this.calls++
  }
}

/** A step's one signal and its deadline tree. Entry points make one per step (`listen`); stepOf finds it. */
export class StepContext {
  private readonly controller = new AbortController()
  private signalledAt: number | undefined
  private heldBackMs = 0
  private readonly followers = new Set<() => void>()

  constructor(
    readonly clock: Clock = systemClock,
    /** A signal to follow (tests, and callers that cancel by their own AbortController). */
    follow?: AbortSignal,
  ) {
    setMaxListeners(0, this.controller.signal)
    const cancel = (): void => this.cancel(stopSignal(follow)!)
    if (follow?.aborted) cancel()
    else follow?.addEventListener('abort', cancel, { once: true })
    contexts.set(this.signal, this)
    if (follow) contexts.set(follow, this)
  }

  /** Aborted at the first SIGINT or SIGTERM, with its name as the reason. */
  get signal(): AbortSignal {
    return this.controller.signal
  }

  /** The first signal; later ones change nothing. Starts the cleanup phase. */
  cancel(signal: StopSignal): void {
    if (this.signalledAt !== undefined) return
    this.signalledAt = this.clock.now()
    this.controller.abort(signal)
    for (const follower of [...this.followers]) follower()
  }

  /** Clock time of the first signal; undefined while none has come. */
  get signalledAtMs(): number | undefined {
    return this.signalledAt
  }

  /** Which signal stopped the step; undefined while none has come (a runner may still be handed over). */
  get stoppedBy(): StopSignal | undefined {
    return stopSignal(this.signal)
  }

  /** Clock time at which the cleanup phase ends (rollback and revoke together); undefined before a signal. */
  get cleanupEndMs(): number | undefined {
    return this.signalledAt === undefined ? undefined : this.signalledAt + CLEANUP_PHASE_MS
  }

  /** When the cleanup work before the revoke ends: the phase's end, less what is held back for the revoke. */
  get workEndMs(): number | undefined {
    const end = this.cleanupEndMs
    return end === undefined ? undefined : end - this.heldBackMs
  }

  /** Holds back `ms` of the cleanup phase for a last act (the revoke of a live token); returns its release. */
  holdBack(ms: number): () => void {
    this.heldBackMs += ms
    let released = false
    return () => {
      if (!released) this.heldBackMs -= ms
      released = true
    }
  }

  /**
   * A phase that ends at `atMs`, or, once the step is signalled (already, or later), at `end` of
   * the cleanup phase: 'work' (the rollback, the post step's removal) or 'all' (the revoke). Its
   * requests end only at its own deadline. The caller disposes it.
   */
  phase(atMs: number, end: 'work' | 'all'): Deadline & { dispose(): void } {
    const deadline = new Deadline(this.clock, atMs)
    const follow = (): void => deadline.bringForward(end === 'work' ? this.workEndMs! : this.cleanupEndMs!)
    if (this.signalledAt !== undefined) follow()
    else this.followers.add(follow)
    const dispose = deadline.dispose.bind(deadline)
    deadline.dispose = () => {
      this.followers.delete(follow)
      dispose()
    }
    return deadline
  }

  /** Installs SIGINT and SIGTERM handlers on `process`; returns their removal. */
  listen(target: Pick<NodeJS.Process, 'on' | 'off'> = process): () => void {
    const handlers = (['SIGINT', 'SIGTERM'] as const).map((name) => [name, () => this.cancel(name)] as const)
    for (const [name, handler] of handlers) target.on(name, handler)
    return () => {
      for (const [name, handler] of handlers) target.off(name, handler)
    }
  }
}

const contexts = new WeakMap<AbortSignal, StepContext>()

/**
 * The step context whose signal `signal` is: the one an entry point made, else one made now that
 * follows it (so that it must be asked for before the signal comes, to know when it came).
 * Without a signal, a context no signal stops.
 */
export function stepOf(signal: AbortSignal | undefined, clock: Clock = systemClock): StepContext {
  if (!signal) return new StepContext(clock)
  return contexts.get(signal) ?? new StepContext(clock, signal)
}
