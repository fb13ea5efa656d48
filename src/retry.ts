// The retry loop: runs attempts until one succeeds, the policy says stop, the attempts run out,
// the deadline would pass or the caller calls it off. Time and randomness are injected so tests
// can drive it exactly.
import { type Backoff, type Decision, type Outcome, type WaitReason, decide, waitFor } from './policy.js'

export interface Clock {
  /** Monotonic milliseconds, for deadlines, rounds and pauses: setting the system clock does not move it. */
  now(): number
  /** The wall clock (epoch milliseconds), only to read the times GitHub gives as dates. */
  wallNow(): number
  /** Resolves after `ms`, or at once when `signal` is aborted (then the caller looks at the signal). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve()
      const done = (): void => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      signal?.addEventListener('abort', done, { once: true })
    }),
}

/** The time limits a request's start is checked against. */
export interface AttemptLimits {
  attemptTimeoutMs: number
  /** The whole run's timeout: a short one scales the floor down, so its first requests still start. */
  timeoutMs?: number
}

/**
 * The latest clock time at which a request may start before `deadlineMs`: it must have a useful
 * attempt's worth of time left, min(attempt-timeout, 1 s, a tenth of the timeout). With less it
 * could only time out. The one place this floor is decided.
 */
export function latestStart(deadlineMs: number, limits: AttemptLimits): number {
  return deadlineMs - Math.min(limits.attemptTimeoutMs, 1000, (limits.timeoutMs ?? Infinity) / 10)
}

export interface RetryOptions extends Backoff, AttemptLimits {
  maxAttempts: number
  /** Absolute time (clock ms) after which no request may start. */
  deadlineMs: number
  clock: Clock
  random: () => number
  /** Calls the loop off: a sleeping retry wakes at once and no further attempt starts. */
  signal?: AbortSignal
  /** Called once for every failed attempt, after the policy chose what to do next. */
  onFailure?: (failure: AttemptFailure) => void
  /** Called once for every attempt, the one that succeeded too: a record of the run. */
  onAttempt?: (record: AttemptRecord) => void
  /** The retry decision; defaults to the policy's `decide`. A caller may know more (a conflict it has just resolved). */
  decide?: typeof decide
  /** Retries shared with other loops (a batch): a retry happens only if the budget grants it. */
  budget?: RetryBudget
}

/** A pool of retries that several retry loops draw from. */
export interface RetryBudget {
  /** Takes one retry from the pool; false when the pool is empty. */
  take(): boolean
}

/** An attempt either produced a value or an outcome for the policy to judge. */
export type AttemptResult<T> = { value: T; outcome: Outcome } | { value?: undefined; outcome: Outcome }

export interface AttemptFailure {
  attempt: number
  maxAttempts: number
  outcome: Outcome
  /** The wait before the next attempt; undefined when there is none. */
  waitMs?: number
  /** Why the policy wanted another attempt after this long (set whenever it wanted one, even if none follows). */
  why?: WaitReason
  /** Why there is no next attempt. */
  stop?: 'not-retryable' | 'attempts-exhausted' | 'deadline' | 'budget' | 'aborted'
}

/** One attempt as a record of the run keeps it: a failure with what came next, or the success. */
export interface AttemptRecord extends AttemptFailure {
  succeeded: boolean
}

/** An attempt as reported for the step summary: which runner or call it was, a network error's text, GitHub's request id. */
export type ReportedAttempt = AttemptRecord & { runner?: string; call?: string; detail?: string; requestId?: string }

export class RetryError extends Error {
  constructor(
    readonly failure: AttemptFailure,
    readonly attempts: number,
  ) {
    super(`gave up after ${attempts} attempt(s): ${failure.stop}`)
  }
}

/**
 * Calls `attempt(n, timeoutMs)` until it yields a value. The per-attempt timeout is clipped to
 * the time left, so no request outlives the deadline, and no attempt starts with less time left
 * than a useful one needs (see latestStart).
 */
export async function retry<T>(
  attempt: (attemptNumber: number, timeoutMs: number) => Promise<AttemptResult<T>>,
  options: RetryOptions,
): Promise<{ value: T; attempts: number }> {
  const { clock, signal } = options
  const lastStartMs = latestStart(options.deadlineMs, options)
  let earlier401s = 0
  let previousWaitMs = 0
  let previous: AttemptFailure | undefined
  for (let n = 1; ; n++) {
    // A timer may wake a little late, or the caller may have called the loop off while it slept.
    if (previous && signal?.aborted) throw new RetryError({ ...previous, stop: 'aborted' }, n - 1)
    if (previous && clock.now() > lastStartMs) throw new RetryError({ ...previous, stop: 'deadline' }, n - 1)
    const timeoutMs = Math.min(options.attemptTimeoutMs, options.deadlineMs - clock.now())
    const result = await attempt(n, timeoutMs)
    const now = clock.now()
    const decision: Decision = (options.decide ?? decide)(result.outcome, clock.wallNow(), earlier401s)
    if (decision.action === 'succeed' && result.value !== undefined) {
      options.onAttempt?.({ attempt: n, maxAttempts: options.maxAttempts, outcome: result.outcome, succeeded: true })
      return { value: result.value, attempts: n }
    }
    if (result.outcome.kind === 'response' && result.outcome.status === 401) earlier401s++

    const failure: AttemptFailure = { attempt: n, maxAttempts: options.maxAttempts, outcome: result.outcome }
    if (decision.action !== 'retry') failure.stop = 'not-retryable'
    else {
      failure.why = decision.why
      if (signal?.aborted) failure.stop = 'aborted'
      else if (n >= options.maxAttempts) failure.stop = 'attempts-exhausted'
      else {
        failure.waitMs = waitFor(decision, n, options, options.random(), previousWaitMs)
        // Waiting past the last useful start cannot help: say so now instead of sleeping into a failure.
        if (now + failure.waitMs > lastStartMs) failure.stop = 'deadline'
        else if (options.budget && !options.budget.take()) failure.stop = 'budget'
      }
    }
    options.onFailure?.(failure)
    options.onAttempt?.({ ...failure, succeeded: false })
    if (failure.stop) throw new RetryError(failure, n)
    previous = failure
    previousWaitMs = failure.waitMs ?? 0
    await clock.sleep(previousWaitMs, signal)
  }
}
