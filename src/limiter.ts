// Politeness for batches: how many requests may be in flight at once (AIMD: grows by about one
// per round of successes, halves when GitHub shows strain), and a pool of retries that every
// runner of the batch draws from, so a batch behaves like one client, not like fifty.
import type { Clock, RetryBudget } from './retry.js'
import { type Backoff, backoffCeiling } from './policy.js'

export type Signal = 'success' | 'overload' | 'neutral'

/** How long a paused request sleeps before it looks again. */
export const PAUSE_NAP_MS = 1000

export interface LimiterOptions {
  /** The limit at the start. */
  initial: number
  /** The limit never grows past this. */
  max: number
  /** ...nor shrinks below this. */
  min?: number
  /** For `pauseUntil`; without one, pauses are ignored. */
  clock?: Clock
}

/** A held slot; `epoch` tells whether the limit was cut after it was taken. */
export interface Slot {
  readonly epoch: number
}

export class ConcurrencyLimiter {
  private current: number
  private readonly min: number
  private active = 0
  private readonly waiting: (() => void)[] = []
  // Bumped at every cut: the failures of requests sent before a cut are one congestion event,
  // not one each, so they cut the limit once.
  private epoch = 0
  // GitHub asked the client to wait (retry-after, a rate-limit reset): no request starts before.
  private pausedUntil = 0
  /** The smallest and largest limit reached, for reports. */
  lowest: number
  highest: number

  constructor(private readonly options: LimiterOptions) {
    this.min = Math.max(1, options.min ?? 1)
    this.current = Math.min(Math.max(options.initial, this.min), options.max)
    this.lowest = this.highest = this.limit
  }

  /** Requests allowed in flight now. */
  get limit(): number {
    return Math.floor(this.current)
  }

  get inFlight(): number {
    return this.active
  }

  /** Waits for a free slot. Every slot must be given back with `release`. */
  async acquire(): Promise<Slot> {
    const { clock } = this.options
    for (;;) {
      const pause = clock ? this.pausedUntil - clock.now() : 0
      // In short naps, so that `resume` takes effect soon and no long timer outlives the work.
      if (pause > 0) await clock!.sleep(Math.min(pause, PAUSE_NAP_MS))
      else if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve))
      else break
    }
    this.active++
    return { epoch: this.epoch }
  }

  /** Holds every request not yet started until `atMs` (clock time): the client waits as one. */
  pauseUntil(atMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, atMs)
  }

  /** Ends a pause early: the work it held back is no longer wanted (the batch failed). */
  resume(): void {
    this.pausedUntil = 0
  }

  /** Gives a slot back with what its request showed: success grows the limit, overload cuts it. */
  release(slot: Slot, signal: Signal): void {
    this.active--
    if (signal === 'success') {
      // Additive increase: about +1 once a whole limit's worth of requests succeeded.
      this.current = Math.min(this.options.max, this.current + 1 / this.current)
    } else if (signal === 'overload' && slot.epoch === this.epoch) {
      this.current = Math.max(this.min, this.current / 2)
      this.epoch++
    }
    this.lowest = Math.min(this.lowest, this.limit)
    this.highest = Math.max(this.highest, this.limit)
    // Wake as many waiters as there are free slots; each re-checks the limit.
    for (let free = this.limit - this.active; free > 0 && this.waiting.length; free--) this.waiting.shift()!()
  }

  /** Runs `task` in a slot; `judge` turns its result or error into a signal. */
  async run<T>(task: () => Promise<T>, judge: (result: { value?: T; error?: unknown }) => Signal): Promise<T> {
    const slot = await this.acquire()
    let signal: Signal = 'neutral'
    try {
      const value = await task()
      signal = judge({ value })
      return value
    } catch (error) {
      signal = judge({ error })
      throw error
    } finally {
      this.release(slot, signal)
    }
  }
}

/** Rounds of retries: one round lasts the backoff ceiling of its number (see SharedRetryBudget). */
export interface RetryRounds {
  clock: Clock
  backoff: Backoff
}

/**
 * Retries shared by a batch, counted as a single mint counts them: in rounds. The first retry
 * taken outside an open round opens one (and uses one of `capacity`); the round stays open for
 * its backoff ceiling (initial-delay doubling, capped at max-delay), and the retries of other
 * runners inside it belong to it. So a batch in an outage gives up after `capacity` rounds spread
 * over about the time one mint would back off, not after `capacity` retries in its first burst of
 * failures. A success gives one back (never above `capacity`). Without `rounds`, every retry is
 * its own round.
 */
export class SharedRetryBudget implements RetryBudget {
  private left: number
  private roundEndsAt = -Infinity
  /** Retries granted so far, and retries refused. */
  granted = 0
  refused = 0

  constructor(
    readonly capacity: number,
    private readonly rounds?: RetryRounds,
  ) {
    this.left = capacity
  }

  get remaining(): number {
    return this.left
  }

  take(): boolean {
    const now = this.rounds?.clock.now() ?? 0
    if (this.rounds && now < this.roundEndsAt) {
      this.granted++
      return true
    }
    if (this.left < 1) {
      this.refused++
      return false
    }
    this.left--
    this.granted++
    if (this.rounds) this.roundEndsAt = now + backoffCeiling(this.capacity - this.left, this.rounds.backoff)
    return true
  }

  refund(): void {
    this.left = Math.min(this.capacity, this.left + 1)
  }
}
