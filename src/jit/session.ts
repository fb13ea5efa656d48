// What the requests of one JIT step share: the API base and token, the limiter (requests in
// flight, rate-limit pauses), the deadline checks, and the ledger of runners it may have registered.
import type { Config } from '../types.js'
import { type ApiResponse, send } from '../github.js'
import { NetworkError } from '../network-error.js'
import { formatMs } from '../duration.js'
import { type Outcome, PERMANENT_NETWORK_CODES, decide } from '../policy.js'
import { type Clock, type RetryOptions, latestStart, systemClock } from '../retry.js'
import { type ConcurrencyLimiter, type Signal, WaitRefused } from '../limiter.js'
import { type MintDeps, responseOutcome } from '../mint.js'
import { scopePath } from '../scope.js'
import { ENTERPRISE_VERSION_HEADER } from '../ghes.js'
import type { Deadline } from './deadline.js'
import type { Ledger } from './ledger.js'

/** What a mint takes, and what only a JIT step needs besides. */
export interface JitDeps extends MintDeps {
  /** Called with every encoded_jit_config the moment it arrives, before anything else sees it. */
  mask?: (secret: string) => void
  /** The step's ledger (its ownership label, persisted as the caller chooses); else an unsaved one. */
  ledger?: Ledger
  /** Where the batch's limiter and budget stand at the end, for the log and the benchmark. */
  onStats?: (stats: BatchStats) => void
}

export interface BatchStats {
  requests: number
  attempts: number
  retriesGranted: number
  retriesRefused: number
  lowestLimit: number
  highestLimit: number
}

/** Requests in flight at the start of a batch, and the most ever (GitHub allows 100 per token). */
export const INITIAL_IN_FLIGHT = 4
export const MAX_IN_FLIGHT = 16

// Network failures where the request never reached GitHub (besides the permanent ones, which
// all fail before sending); after any other, it may have.
const NOT_SENT = /^(ECONNREFUSED|EAI_AGAIN|EDEADLINE|ECANCELED|EPROXY|ERR_TLS_)/

export function unknownOutcome(outcome: Outcome): boolean {
  if (outcome.kind === 'network') return !PERMANENT_NETWORK_CODES.test(outcome.code) && !NOT_SENT.test(outcome.code)
  return outcome.status >= 500 || (outcome.status >= 200 && outcome.status < 300)
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

/** The phase was halted (the batch failed elsewhere, the step was cancelled) before this request was sent. */
export class Halted extends Error {}

/** What the latest request of an attempt showed, for its log line and its error. */
export interface LastSeen {
  requestId?: string
  detail?: string
}

export interface RequestOptions {
  timeoutMs: number
  deadline: Deadline
  body?: unknown
  /** Called in the request's slot just before it is sent (the ledger records the name here). */
  onSend?: () => void
}

/** What the runners of one step share: the API, the limiter, the ledger and the counts. */
export class Session {
  readonly clock: Clock
  readonly random: () => number
  readonly log: (line: string) => void
  readonly base: string
  requests = 0
  attempts = 0
  /** The GHES version the answers named, if any (for the step summary). */
  serverVersion?: string

  constructor(
    readonly config: Config,
    readonly deps: JitDeps,
    readonly limiter: ConcurrencyLimiter,
    readonly ledger: Ledger,
  ) {
    this.clock = deps.clock ?? systemClock
    this.random = deps.random ?? Math.random
    this.log = deps.log ?? (() => {})
    this.base = `${config.apiUrl}${scopePath(config.scope)}/actions/runners`
  }

  /**
   * One request in a limiter slot. Not sent once the deadline's phase is halted (Halted), nor with
   * less time left than a useful attempt needs, nor after a wait GitHub asked for that would pass
   * the deadline (NetworkError EDEADLINE: never sent). Cut short at the deadline or on teardown.
   */
  async request(method: 'GET' | 'POST' | 'DELETE', url: string, options: RequestOptions): Promise<ApiResponse> {
    const { deadline } = options
    const lastStartMs = latestStart(deadline.atMs, this.config)
    try {
      return await this.limiter.run(
        async () => {
          if (deadline.stop.aborted) throw new Halted()
          const left = Math.min(options.timeoutMs, deadline.atMs - this.clock.now())
          // Read again: a cancellation may have brought the deadline forward while this waited.
          if (this.clock.now() > latestStart(deadline.atMs, this.config)) {
            throw new NetworkError('EDEADLINE', 'too little time was left before the deadline')
          }
          options.onSend?.()
          this.requests++
          const { body } = options
          const response = await send({ method, url, token: this.config.githubToken, body, timeoutMs: left, signal: deadline.teardown })
          this.serverVersion = response.headers[ENTERPRISE_VERSION_HEADER] ?? this.serverVersion
          return response
        },
        (result) => signalOf(result, this.notePause(result.value)),
        { latestStartMs: lastStartMs, signal: deadline.stop },
      )
    } catch (error) {
      if (!(error instanceof WaitRefused)) throw error
      if (error.reason === 'aborted') throw new Halted()
      if (error.reason === 'deadline') throw new NetworkError('EDEADLINE', 'no request slot came free before the deadline')
      const waitMs = (error.pausedUntilMs ?? 0) - this.clock.now()
      throw new NetworkError('EDEADLINE', `GitHub asked to wait ${formatMs(waitMs)}, past the deadline`)
    }
  }

  /**
   * request(), recording in `last` what it showed (GitHub's request id, or a network error's
   * text): the answer, or the outcome of a request that got none.
   */
  async exchange(
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    options: RequestOptions,
    last: LastSeen,
  ): Promise<ApiResponse | { outcome: Outcome }> {
    try {
      const response = await this.request(method, url, options)
      last.requestId = response.headers['x-github-request-id']
      return response
    } catch (error) {
      // Anything but a NetworkError (Halted, a bug) propagates.
      if (!(error instanceof NetworkError)) throw error
      // No answer, so no request id: the one an earlier request of the attempt got is not this one's.
      delete last.requestId
      last.detail = error.message
      return { outcome: { kind: 'network', code: error.code } }
    }
  }

  /** A rate limit holds the whole step, not just the request that was told. True when it was one. */
  private notePause(response: ApiResponse | undefined): boolean {
    if (!response || (response.status !== 429 && response.status !== 403)) return false
    const decision = decide(responseOutcome(response), this.clock.wallNow())
    if (decision.action !== 'retry') return false
    this.limiter.pauseUntil(this.clock.now() + (decision.askedMs ?? decision.minimumMs ?? 0))
    return true
  }

  /** The retry loop's options for a phase: its deadline, its stop signal, and JIT's own stops. */
  retryOptions(deadline: Deadline): RetryOptions {
    return {
      ...this.config,
      deadlineMs: deadline.atMs,
      signal: deadline.stop,
      clock: this.clock,
      random: this.random,
      // A deadline our own wait for a slot or a pause ran into is final: no retry could start in time.
      decide: (outcome, now, earlier401s) =>
        outcome.kind === 'network' && outcome.code === 'EDEADLINE' ? { action: 'fail' } : decide(outcome, now, earlier401s),
    }
  }
}
