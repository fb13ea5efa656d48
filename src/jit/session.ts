// What the requests of one JIT step share: the API base and token, the limiter (requests in
// flight, rate-limit pauses), the deadline checks, and the record of runners it may have registered.
import type { Config } from '../inputs.js'
import { type ApiResponse, NetworkError, send } from '../github.js'
import { type Outcome, PERMANENT_NETWORK_CODES, decide } from '../policy.js'
import { type Clock, systemClock } from '../retry.js'
import { type ConcurrencyLimiter, type Signal } from '../limiter.js'
import { responseOutcome, scopePath } from '../mint.js'
import type { RunnerRef } from './runners.js'

export interface JitDeps {
  clock?: Clock
  random?: () => number
  log?: (line: string) => void
  /** Called with every encoded_jit_config the moment it arrives, before anything else sees it. */
  mask?: (secret: string) => void
  /** Called whenever the set of runners this step may have registered changes. */
  onRegistered?: (runners: RunnerRef[]) => void
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
const NOT_SENT = /^(ECONNREFUSED|EAI_AGAIN|EDEADLINE|ERR_TLS_)/

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

export class BatchAborted extends Error {}

/** What the runners of one step share: the API, the limiter, the budget, the deadline, the record. */
export class Session {
  readonly clock: Clock
  readonly random: () => number
  readonly log: (line: string) => void
  readonly base: string
  readonly registered = new Map<string, RunnerRef>()
  requests = 0
  attempts = 0
  aborted = false

  constructor(
    readonly config: Config,
    readonly deps: JitDeps,
    readonly limiter: ConcurrencyLimiter,
  ) {
    this.clock = deps.clock ?? systemClock
    this.random = deps.random ?? Math.random
    this.log = deps.log ?? (() => {})
    this.base = `${config.apiUrl}${scopePath(config.scope)}/actions/runners`
  }

  /** One request in a limiter slot, cut short so it cannot outlive `deadlineMs`. */
  async request(
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    timeoutMs: number,
    deadlineMs: number,
    body?: unknown,
    /** Part of a batch's minting: not sent once the batch has failed (it may have waited for a slot). */
    abortable = false,
  ): Promise<ApiResponse> {
    return this.limiter.run(
      async () => {
        if (abortable && this.aborted) throw new BatchAborted()
        const left = Math.min(timeoutMs, deadlineMs - this.clock.now())
        if (left <= 0) throw new NetworkError('EDEADLINE', 'the deadline passed while waiting for a free request slot')
        this.requests++
        return send({ method, url, token: this.config.githubToken, body, timeoutMs: left })
      },
      (result) => {
        let rateLimited = false
        if (result.value && (result.value.status === 429 || result.value.status === 403)) {
          const now = this.clock.now()
          const decision = decide(responseOutcome(result.value), now)
          if (decision.action === 'retry') {
            rateLimited = true
            // A wait GitHub asked for holds the whole batch, not just the runner that was told.
            this.limiter.pauseUntil(now + (decision.askedMs ?? decision.minimumMs ?? 0))
          }
        }
        return signalOf(result, rateLimited)
      },
    )
  }

  track(name: string, ref: RunnerRef | undefined): void {
    if (ref) this.registered.set(name, ref)
    else this.registered.delete(name)
    this.deps.onRegistered?.([...this.registered.values()])
  }

  retryOptions(deadlineMs: number) {
    return { ...this.config, deadlineMs, clock: this.clock, random: this.random }
  }
}

/** Turns a thrown NetworkError into an outcome; anything else is a bug and propagates. */
export function networkOutcome(error: unknown): { outcome: Outcome; detail: string } {
  if (!(error instanceof NetworkError)) throw error
  return { outcome: { kind: 'network', code: error.code }, detail: error.message }
}
