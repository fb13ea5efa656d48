// When a phase of a JIT step (the batch, or the cleanup after it) must stop. Two signals: `stop`
// (no new request, and every wait, a retry's sleep or a limiter's, ends at once) and `teardown`
// (requests in flight are cut off). A cancellation brings the deadline forward.
import { setMaxListeners } from 'node:events'
import type { Clock } from '../retry.js'

/** How long the rollback may take after SIGINT or SIGTERM: the runner sends SIGTERM ~7.5 s after SIGINT, then kills. */
export const CANCEL_GRACE_MS = 6000

export type StopSignal = 'SIGINT' | 'SIGTERM'

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
    // Every runner of a batch waits on these (a sleep, a slot, a request): up to 100 listeners
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

  /** No new request; waits end now. */
  halt(): void {
    this.stopper.abort()
  }

  /** Moves the deadline to `atMs` if that is sooner; everything stops when it comes. */
  bringForward(atMs: number): void {
    if (atMs >= this.at) return
    this.at = atMs
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.halt(), Math.max(0, atMs - this.clock.now()))
  }

  dispose(): void {
    clearTimeout(this.timer)
  }
}
