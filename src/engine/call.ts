// The call engine: the one module that sends requests to GitHub. It sends (github.ts), turns what
// came back into an outcome for the policy, retries through the retry loop on the caller's limits
// (a shared retry budget and limiter included), honours the deadline and the abort signal, records
// every attempt for the step summary, and words one line per failed attempt. Every call (the
// token mint, the App's calls, JIT registrations, look-ups and deletes, listings, the rate check)
// comes through `exchange`, `sendInSlot` or `retryCall` here.
import { type ApiRequest, type ApiResponse, send } from '../github.js'
import { NetworkError } from '../network-error.js'
import { type Outcome, decide } from '../policy.js'
import {
  type AttemptLimits,
  type Clock,
  type ReportedAttempt,
  type RetryOptions,
  RetryError,
  latestStart,
  retry,
  systemClock,
} from '../retry.js'
import { type ConcurrencyLimiter, type Signal, WaitRefused } from '../limiter.js'
import { type Held, type Reservation, type WritePacer, describeBudget, endpointOf, pointsOf } from '../pacer.js'
import { formatMs } from '../duration.js'
import { DeadlineReached } from '../step.js'
import { failureLine, responseOutcome } from './answer.js'

export type { ApiResponse } from '../github.js'

/** What every call takes: the clock, randomness, the log, the step's signal, the attempt record. */
export interface CallDeps {
  clock?: Clock
  random?: () => number
  log?: (line: string) => void
  /**
   * The step's cancellation, aborted with 'SIGINT' or 'SIGTERM' as its reason: the request in
   * flight is torn down and no retry follows.
   */
  signal?: AbortSignal
  /** Every attempt, for the step summary; `detail` is a network error's text, `call` which call it was when not the mint. */
  onAttempt?: (record: ReportedAttempt) => void
  /** Masks a secret (a minted token, a JWT, a JIT config) the moment it is known, before anything could print it. */
  mask?: (secret: string) => void
}

/** What the latest request of an attempt showed, for its log line and its error. */
export interface LastSeen {
  requestId?: string
  detail?: string
}

/** An answer, or the outcome of a request that got none. */
export type Answer = ApiResponse | { outcome: Outcome }

/**
 * One request, not retried. Records in `last` what it showed: GitHub's request id, or a network
 * error's text (and then no request id: an earlier request's is not this one's).
 */
export function exchange(request: ApiRequest, last: LastSeen): Promise<Answer> {
  return recorded(send(request), last)
}

/** A request's answer, or the outcome of one that got none, recorded in `last` (see exchange). */
export async function recorded(sending: Promise<ApiResponse>, last: LastSeen): Promise<Answer> {
  try {
    const response = await sending
    last.requestId = response.headers['x-github-request-id']
    return response
  } catch (error) {
    // Anything but a NetworkError (Halted, a bug) propagates.
    if (!(error instanceof NetworkError)) throw error
    delete last.requestId
    last.detail = error.message
    return { outcome: { kind: 'network', code: error.code } }
  }
}

/**
 * A request whose time was cut to its phase's deadline and ran out was cut off by that deadline,
 * as the phase's teardown would have cut it a moment later: both say so the same way (ECUTOFF).
 */
function cutOffAt(sending: Promise<ApiResponse>, cutToDeadline: boolean): Promise<ApiResponse> {
  if (!cutToDeadline) return sending
  return sending.catch((error: unknown) => {
    throw error instanceof NetworkError && error.code === 'ETIMEDOUT' ? new NetworkError('ECUTOFF', new DeadlineReached().message) : error
  })
}

/** The phase was halted (the batch failed elsewhere, the step was cancelled) before this request was sent. */
export class Halted extends Error {}

/** When a phase stops: `stop` (no new request, waits end) and `teardown` (requests in flight are cut). */
export interface PhaseBounds {
  /** Clock time after which no request starts. */
  readonly atMs: number
  readonly stop: AbortSignal
  readonly teardown: AbortSignal
}

export interface SlotRequest extends Omit<ApiRequest, 'timeoutMs' | 'signal'> {
  timeoutMs: number
  /** Called in the request's slot just before it is sent (the ledger records the name here). */
  onSend?: () => void
  /** Points held ahead for it (reservePace): drawn instead of waiting for the pace, when of its endpoint and enough. */
  reserved?: Reservation
  /** It follows an answer at once (a delete after its look): first in line for a slot. */
  followUp?: boolean
}

/**
 * One request in a limiter slot. Not sent once the phase is halted (Halted), nor with less time
 * left than a useful attempt needs, nor after a wait GitHub asked for that would pass the deadline
 * (NetworkError EDEADLINE: never sent). Cut short at the deadline or on teardown. A rate limit in
 * the answer holds every request of the limiter, not only this one. With a `pacer`, the request
 * first waits for room in the write budget of its endpoint, within the same bounds.
 */
export async function sendInSlot(
  limiter: ConcurrencyLimiter,
  clock: Clock,
  limits: AttemptLimits,
  request: SlotRequest,
  phase: PhaseBounds,
  pacer?: WritePacer,
): Promise<ApiResponse> {
  // The pace before the slot: a request waiting for room in the budget holds no slot another could use.
  const { reserved, followUp = false, ...sending } = request
  const drawn = reserved?.draw(endpointOf(request.url), pointsOf(request.method))
  const held = drawn ?? (pacer && (await paced(pacer, request, latestStart(phase.atMs, limits), phase.stop)))
  try {
    return await inSlot(limiter, clock, limits, sending, phase, followUp)
  } finally {
    // The answer came, or none will: the points leave the window one window from now.
    held?.settle()
  }
}

/**
 * Holds the points of `methods` to `url`'s endpoint ahead, in one wait for the pace (WritePacer.reserve):
 * the requests that follow (SlotRequest.reserved) draw them and do not wait for the pace again.
 * Refused as a wait for a slot is (Halted, EDEADLINE); undefined when not paced.
 */
export function reservePace(
  pacer: WritePacer | undefined,
  url: string,
  methods: string[],
  phase: PhaseBounds,
  limits: AttemptLimits,
): Promise<Reservation> | undefined {
  const points = methods.reduce((sum, method) => sum + pointsOf(method), 0)
  const bounds = { latestStartMs: latestStart(phase.atMs, limits), signal: phase.stop }
  return pacer && refusedAs(pacer, pacer.reserve(endpointOf(url), points, bounds))
}

/** Waits for room in the write budget; refused as a wait for a slot is (Halted, EDEADLINE). */
function paced(pacer: WritePacer, request: SlotRequest, latestStartMs: number, stop: AbortSignal): Promise<Held> {
  return refusedAs(pacer, pacer.take(endpointOf(request.url), pointsOf(request.method), { latestStartMs, signal: stop }))
}

async function refusedAs<T>(pacer: WritePacer, waiting: Promise<T>): Promise<T> {
  try {
    return await waiting
  } catch (error) {
    if (!(error instanceof WaitRefused)) throw error
    if (error.reason === 'aborted') throw new Halted()
    throw new NetworkError('EDEADLINE', `the write budget of ${describeBudget(pacer.budget)} had no room before the deadline`)
  }
}

async function inSlot(
  limiter: ConcurrencyLimiter,
  clock: Clock,
  limits: AttemptLimits,
  request: Omit<SlotRequest, 'reserved' | 'followUp'>,
  phase: PhaseBounds,
  first: boolean,
): Promise<ApiResponse> {
  const { onSend, ...rest } = request
  try {
    return await limiter.run(
      async () => {
        if (phase.stop.aborted) throw new Halted()
        const left = Math.min(request.timeoutMs, phase.atMs - clock.now())
        // Read again: a cancellation may have brought the deadline forward while this waited.
        if (clock.now() > latestStart(phase.atMs, limits)) {
          throw new NetworkError('EDEADLINE', 'too little time was left before the deadline')
        }
        onSend?.()
        // A cleanup phase's requests end at its deadline: one whose own time was cut to it says so.
        const cutToDeadline = phase.teardown === phase.stop && clock.now() + left >= phase.atMs
        return cutOffAt(send({ ...rest, timeoutMs: left, signal: phase.teardown }), cutToDeadline)
      },
      (result) => signalOf(result, notePause(limiter, clock, result.value)),
      { latestStartMs: latestStart(phase.atMs, limits), signal: phase.stop, first },
    )
  } catch (error) {
    if (!(error instanceof WaitRefused)) throw error
    if (error.reason === 'aborted') throw new Halted()
    if (error.reason === 'deadline') throw new NetworkError('EDEADLINE', 'no request slot came free before the deadline')
    const waitMs = (error.pausedUntilMs ?? 0) - clock.now()
    throw new NetworkError('EDEADLINE', `GitHub asked to wait ${formatMs(waitMs)}, past the deadline`)
  }
}

/**
 * What an answer tells the limiter: strain (5xx, 429, rate limit, timeouts), success, or nothing.
 * `rateLimited` is the policy's verdict on a 403 or 429: GitHub wants a retry later.
 */
function signalOf(result: { value?: ApiResponse; error?: unknown }, rateLimited: boolean): Signal {
  if (result.error !== undefined) {
    const code = result.error instanceof NetworkError ? result.error.code : ''
    return /^(ETIMEDOUT|ECONNRESET|EPIPE|UND_ERR_SOCKET)$/.test(code) ? 'overload' : 'neutral'
  }
  const { status } = result.value!
  if (status >= 200 && status < 300) return 'success'
  if (status >= 500 || status === 429) return 'overload'
  if (status === 403) return rateLimited ? 'overload' : 'neutral'
  return 'neutral'
}

/** A rate limit holds the whole limiter, not just the request that was told. True when it was one. */
function notePause(limiter: ConcurrencyLimiter, clock: Clock, response: ApiResponse | undefined): boolean {
  if (!response || (response.status !== 429 && response.status !== 403)) return false
  const decision = decide(responseOutcome(response), clock.wallNow())
  if (decision.action !== 'retry') return false
  limiter.pauseUntil(clock.now() + (decision.askedMs ?? decision.minimumMs ?? 0))
  return true
}

/** One API call, retried: the request, its credential, and what a good answer holds. */
export interface RetriedCall<T> {
  method: 'GET' | 'POST' | 'DELETE'
  url: string
  /** The credential for each attempt; a function makes a fresh one every attempt (a GitHub App's JWT). */
  token: string | (() => string)
  body?: unknown
  /** The value of a 2xx answer; undefined when the body is not the documented one (that is retried). */
  parse: (response: ApiResponse) => T | undefined
  /** Sees every answer, good or not (the GHES version header). */
  onResponse?: (response: ApiResponse) => void
  /** Put before each failed attempt's log line, to say which call it was. */
  label?: string
  /** What tears a request in flight down, when not `deps.signal` (a cleanup's requests end at its own deadline). */
  teardown?: AbortSignal
}

/** How far a call may go: its attempts, and the time after which no request starts. */
export interface CallLimits {
  maxAttempts: number
  deadlineMs: number
}

/** The backoff and time limits of a call, as the config gives them. */
export type CallBackoff = Pick<RetryOptions, 'initialDelayMs' | 'maxDelayMs' | 'jitter' | 'attemptTimeoutMs' | 'timeoutMs'>

/** A call the retry loop gave up on, with what its last attempt saw (for the message). */
export class CallFailed extends Error {
  constructor(
    readonly retryError: RetryError,
    readonly requestId?: string,
    readonly detail?: string,
  ) {
    super(retryError.message)
  }
}

/** Runs one call through the retry loop; throws CallFailed when it gives up. Never logs a token. */
export async function retryCall<T>(
  call: RetriedCall<T>,
  backoff: CallBackoff,
  limits: CallLimits,
  deps: CallDeps = {},
): Promise<{ value: T; attempts: number }> {
  const log = deps.log ?? (() => {})
  // What the latest failed attempt said, for its log line and the final error.
  let last: LastSeen = {}
  try {
    return await retry(
      async (_attempt, timeoutMs) => {
        last = {}
        const token = typeof call.token === 'function' ? call.token() : call.token
        const signal = call.teardown ?? deps.signal
        // A call torn down by its phase (a revoke) whose time was cut to the phase's deadline says so.
        const cutToDeadline = call.teardown !== undefined && timeoutMs < backoff.attemptTimeoutMs
        const request = { method: call.method, url: call.url, token, body: call.body, timeoutMs, signal }
        const answer = await recorded(cutOffAt(send(request), cutToDeadline), last)
        if ('outcome' in answer) return answer
        call.onResponse?.(answer)
        if (answer.status < 200 || answer.status >= 300) return { outcome: responseOutcome(answer) }
        const value = call.parse(answer)
        return value === undefined ? { outcome: responseOutcome(answer, false) } : { value, outcome: responseOutcome(answer, true) }
      },
      {
        initialDelayMs: backoff.initialDelayMs,
        maxDelayMs: backoff.maxDelayMs,
        jitter: backoff.jitter,
        attemptTimeoutMs: backoff.attemptTimeoutMs,
        timeoutMs: backoff.timeoutMs,
        ...limits,
        clock: deps.clock ?? systemClock,
        random: deps.random ?? Math.random,
        signal: deps.signal,
        onFailure: (failure) => log(`${call.label ?? ''}${failureLine(failure, last.requestId, last.detail)}`),
        onAttempt: (record) =>
          deps.onAttempt?.({
            ...record,
            detail: last.detail,
            requestId: last.requestId,
            ...(call.label ? { call: call.label.replace(/:\s*$/, '') } : {}),
          }),
      },
    )
  } catch (error) {
    if (!(error instanceof RetryError)) throw error
    throw new CallFailed(error, last.requestId, last.detail)
  }
}
