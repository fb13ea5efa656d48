// What the requests of one JIT step share: the API base and token, the limiter (requests in
// flight, rate-limit pauses), the write pacer (GitHub's secondary limit), the deadline, and the
// ledger of runners it may have registered. The call engine sends each request.
import type { Config } from '../types.js'
import { type Outcome, PERMANENT_NETWORK_CODES, decide } from '../policy.js'
import { type Clock, type RetryOptions, systemClock } from '../retry.js'
import type { ConcurrencyLimiter } from '../limiter.js'
import type { Reservation, WritePacer } from '../pacer.js'
import { type Answer, type ApiResponse, type CallDeps, type LastSeen, recorded, reservePace, sendInSlot } from '../engine/call.js'
import { NetworkError } from '../network-error.js'
import { scopePath } from '../scope.js'
import { ENTERPRISE_VERSION_HEADER } from '../ghes.js'
import type { Deadline } from '../step.js'
import type { Ledger } from './ledger.js'

/** What a mint takes, and what only a JIT step needs besides. */
export interface JitDeps extends CallDeps {
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

export { Halted, type LastSeen } from '../engine/call.js'

export interface RequestOptions {
  timeoutMs: number
  deadline: Deadline
  body?: unknown
  /** Called in the request's slot just before it is sent (the ledger records the name here). */
  onSend?: () => void
  /** Its points, held ahead by reserve(); and whether it follows an answer at once (first in line for a slot). */
  reserved?: Reservation
  followUp?: boolean
}

/** What the runners of one step share: the API, the limiter, the pacer, the ledger and the counts. */
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
    /** The step's one pacer, shared by every session of the step; none: writes are not paced. */
    readonly pacer?: WritePacer,
  ) {
    this.clock = deps.clock ?? systemClock
    this.random = deps.random ?? Math.random
    this.log = deps.log ?? (() => {})
    this.base = `${config.apiUrl}${scopePath(config.scope)}/actions/runners`
  }

  /** One request in the step's limiter and pace, within the deadline's phase: see sendInSlot. */
  async request(method: 'GET' | 'POST' | 'DELETE', url: string, options: RequestOptions): Promise<ApiResponse> {
    const { deadline, onSend, body, timeoutMs, reserved, followUp } = options
    const token = this.config.githubToken
    const sent = (): void => {
      onSend?.()
      this.requests++
    }
    const response = await sendInSlot(
      this.limiter,
      this.clock,
      this.config,
      { method, url, token, body, timeoutMs, onSend: sent, reserved, followUp },
      deadline,
      this.pacer,
    )
    this.serverVersion = response.headers[ENTERPRISE_VERSION_HEADER] ?? this.serverVersion
    return response
  }

  /**
   * request(), recording in `last` what it showed (GitHub's request id, or a network error's
   * text): the answer, or the outcome of a request that got none.
   */
  exchange(method: 'GET' | 'POST' | 'DELETE', url: string, options: RequestOptions, last: LastSeen): Promise<Answer> {
    return recorded(this.request(method, url, options), last)
  }

  /**
   * Holds ahead, in one wait for the pace, the points of the requests `methods` that will go to
   * `url`'s endpoint one right after the other (reservePace); they draw them (RequestOptions.reserved).
   * Undefined when writes are not paced; the outcome EDEADLINE, its words in `last`, when the
   * budget had no room before the deadline. Release what is left once they are done.
   */
  async reserve(
    url: string,
    methods: string[],
    deadline: Deadline,
    last: LastSeen,
  ): Promise<Reservation | undefined | { outcome: Outcome }> {
    try {
      return await reservePace(this.pacer, url, methods, deadline, this.config)
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error
      last.detail = error.message
      return { outcome: { kind: 'network', code: error.code } }
    }
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
