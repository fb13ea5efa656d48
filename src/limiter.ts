// Politeness for batches: how many requests may be in flight at once (AIMD: grows by about one
// per round of successes, halves when GitHub shows strain, and climbs back to the level of the
// last strain slowly), and a pool of retries that every runner of the batch draws from, so a
// batch behaves like one client, not like fifty.
import type { Clock, RetryBudget } from './retry.js'
import { type Backoff, backoffCeiling } from './policy.js'

export type Signal = 'success' | 'overload' | 'neutral'

/** How long a paused request sleeps before it looks again. */
export const PAUSE_NAP_MS = 1000

/**
 * Rounds of successes the step back up to the limit at which GitHub last showed strain takes,
 * instead of one: a long batch at a steady capacity then probes past it once in about this many
 * rounds, not at every round trip of the sawtooth (see ConcurrencyLimiter.release).
 */
export const PROBE_ROUNDS = 8

export interface LimiterOptions {
  /** The limit at the start. */
  initial: number
  /** The limit never grows past this (nor shrinks below one). */
  max: number
  /** For `pauseUntil`; without one, pauses are ignored. */
  clock?: Clock
}

/** How long a caller may wait for a slot: until `latestStartMs` (clock time), and not once `signal` is aborted. */
export interface WaitBounds {
  latestStartMs?: number
  signal?: AbortSignal
  /** Ahead of every waiter not first in line: a request that must follow an answer at once (a delete after its look). */
  first?: boolean
}

/** A wait for a slot given up: the caller was called off, or the wait would pass its deadline. */
export class WaitRefused extends Error {
  constructor(
    readonly reason: 'aborted' | 'deadline' | 'paused',
    /** For 'paused': when GitHub's pause ends (clock time). */
    readonly pausedUntilMs?: number,
  ) {
    super(
      reason === 'aborted'
        ? 'called off while waiting for a request slot'
        : reason === 'paused'
          ? 'GitHub asked to wait past the deadline'
          : 'no request slot came free before the deadline',
    )
  }
}

/** A held slot; `epoch` tells whether the limit was cut after it was taken. */
export interface Slot {
  readonly epoch: number
}

export class ConcurrencyLimiter {
  private current: number
  private active = 0
  private readonly waiting: (() => void)[] = []
  /** Waiters first in line (WaitBounds.first), woken before any in `waiting`. */
  private readonly waitingFirst: (() => void)[] = []
  // Bumped at every cut: the failures of requests sent before a cut are one congestion event,
  // not one each, so they cut the limit once.
  private epoch = 0
  // GitHub asked the client to wait (retry-after, a rate-limit reset): no request starts before.
  private pausedUntil = 0
  // The limit in force when GitHub last showed strain (0: never): the step back up to it is slow.
  private strainedAt = 0
  /** The smallest and largest limit reached, for reports. */
  lowest: number
  highest: number

  constructor(private readonly options: LimiterOptions) {
    this.current = Math.min(Math.max(options.initial, 1), options.max)
    this.lowest = this.highest = this.limit
  }

  /** Requests allowed in flight now. */
  get limit(): number {
    return Math.floor(this.current)
  }

  get inFlight(): number {
    return this.active
  }

  /**
   * Waits for a free slot, within the caller's bounds: it fails at once (WaitRefused) when the
   * signal is aborted, when GitHub's pause lasts past `latestStartMs`, or when a slot frees only
   * after it. Every slot must be given back with `release`.
   */
  async acquire(bounds: WaitBounds = {}): Promise<Slot> {
    const { clock } = this.options
    const { latestStartMs = Infinity, signal } = bounds
    const refuse = (refusal: WaitRefused): never => {
      // A wake-up this waiter got and will not use goes to the next one.
      this.wakeWaiters()
      throw refusal
    }
    for (;;) {
      if (signal?.aborted) refuse(new WaitRefused('aborted'))
      const now = clock?.now() ?? 0
      if (now > latestStartMs) refuse(new WaitRefused('deadline'))
      const pause = clock ? this.pausedUntil - now : 0
      if (pause > 0 && this.pausedUntil > latestStartMs) refuse(new WaitRefused('paused', this.pausedUntil))
      // In short naps, so that a longer pause set meanwhile or the signal takes effect soon.
      if (pause > 0) await clock!.sleep(Math.min(pause, PAUSE_NAP_MS), signal)
      else if (this.active >= this.limit) await this.waitForSlot(signal, bounds.first ? this.waitingFirst : this.waiting)
      else break
    }
    this.active++
    return { epoch: this.epoch }
  }

  /** Resolves when a slot may be free; rejects at once when `signal` is aborted. */
  private waitForSlot(signal: AbortSignal | undefined, line: (() => void)[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const index = line.indexOf(wake)
        if (index >= 0) line.splice(index, 1)
        reject(new WaitRefused('aborted'))
      }
      const wake = (): void => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      line.push(wake)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Holds every request not yet started until `atMs` (clock time): the client waits as one. */
  pauseUntil(atMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, atMs)
  }

  /**
   * Gives a slot back with what its request showed: success grows the limit, overload cuts it.
   * Additive increase: about +1 once a whole limit's worth of requests succeeded; but the step up
   * to the limit at which GitHub last showed strain takes PROBE_ROUNDS times as many, as TCP's
   * CUBIC lingers near the window where it last lost a packet. Against a steady capacity (5 in
   * flight, strain at 6) plain AIMD cuts to 3 and is back at 6 after 14 successes: one failed
   * request in 15 for as long as the batch lasts; this way one in 51. Past that level growth is
   * quick again, and a strain at a lower limit (an outage that cut it to 1) leaves no slow step.
   */
  release(slot: Slot, signal: Signal): void {
    this.active--
    if (signal === 'success') {
      const probing = this.limit + 1 === this.strainedAt
      this.current = Math.min(this.options.max, this.current + 1 / (this.current * (probing ? PROBE_ROUNDS : 1)))
    } else if (signal === 'overload' && slot.epoch === this.epoch) {
      this.strainedAt = this.limit
      this.current = Math.max(1, this.current / 2)
      this.epoch++
    }
    this.lowest = Math.min(this.lowest, this.limit)
    this.highest = Math.max(this.highest, this.limit)
    this.wakeWaiters()
  }

  /** Wakes as many waiters as there are free slots; each re-checks the limit and its own bounds. */
  private wakeWaiters(): void {
    for (let free = this.limit - this.active; free > 0; free--) {
      const wake = this.waitingFirst.shift() ?? this.waiting.shift()
      if (!wake) return
      wake()
    }
  }

  /** Runs `task` in a slot; `judge` turns its result or error into a signal. */
  async run<T>(task: () => Promise<T>, judge: (result: { value?: T; error?: unknown }) => Signal, bounds: WaitBounds = {}): Promise<T> {
    const slot = await this.acquire(bounds)
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
