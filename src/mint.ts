// Minting: which endpoint to call for a scope and token type, what counts as a good answer,
// and the retry loop around it. Reports progress through `log`; never logs the token.
import type { Config } from './inputs.js'
import type { Scope } from './scope.js'
import { type ApiResponse, send } from './github.js'
import { NetworkError } from './network-error.js'
import { type Outcome } from './policy.js'
import { type AttemptFailure, type Clock, type ReportedAttempt, RetryError, latestStart, retry, systemClock } from './retry.js'
import { WAIT_REASONS, describeScope, explainFailure, explainGiveUp, outcomeLabel, sharedAttemptsNote } from './explain.js'
import { formatMs } from './duration.js'
import { escapeControls } from './server-text.js'
import { parseJson } from './json.js'
import { waitSpread } from './spread.js'
import { ENTERPRISE_VERSION_HEADER } from './ghes.js'
import { credentialsIn, redact } from './redaction.js'

export interface MintedToken {
  token: string
  expiresAt: string
  attempts: number
  /** The GitHub Enterprise Server version its answers named (X-GitHub-Enterprise-Version), if any. */
  serverVersion?: string
}

export interface MintDeps {
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

/** A mint that failed; the message is one line, says what to do, and never holds a secret. */
export class MintError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    /** The HTTP status of the answer that ended it, when one did (what a caller may add a word about). */
    readonly status?: number,
  ) {
    super(message)
  }
}

export function scopePath(scope: Scope): string {
  const e = encodeURIComponent
  switch (scope.kind) {
    case 'repository':
      return `/repos/${e(scope.owner)}/${e(scope.repo)}`
    case 'organization':
      return `/orgs/${e(scope.name)}`
    case 'enterprise':
      return `/enterprises/${e(scope.name)}`
  }
}

export function tokenUrl(config: Pick<Config, 'apiUrl' | 'scope' | 'type'>): string {
  const endpoint = config.type === 'remove' ? 'remove-token' : 'registration-token'
  return `${config.apiUrl}${scopePath(config.scope)}/actions/runners/${endpoint}`
}

/** The documented body: `{token, expires_at}`, a non-empty token and a readable date-time. */
export function parseTokenBody(body: string): { token: string; expiresAt: string } | undefined {
  const { token, expires_at: expiresAt } = (parseJson(body) ?? {}) as Record<string, unknown>
  if (typeof token !== 'string' || !token || typeof expiresAt !== 'string' || Number.isNaN(Date.parse(expiresAt))) return undefined
  return { token, expiresAt }
}

/** GitHub's error `message`, if the body has one: at most 200 characters, control characters escaped. */
export function githubMessage(body: string): string | undefined {
  // Not JSON (a proxy's HTML page, say), or no message: nothing worth quoting.
  const message = (parseJson(body) as { message?: unknown } | undefined)?.message
  // Redacted before it is cut: a credential the server echoed is not quoted, not even in part.
  return typeof message === 'string' && message.trim() ? escapeControls([...redact(message.trim())].slice(0, 200).join('')) : undefined
}

export function responseOutcome(response: ApiResponse, validBody?: boolean): Outcome {
  return { kind: 'response', status: response.status, headers: response.headers, message: githubMessage(response.body), validBody }
}

/** One attempt line: number, what happened, GitHub's request id, and what comes next. */
export function failureLine(failure: AttemptFailure, requestId?: string, detail?: string): string {
  const what = detail ? `${outcomeLabel(failure.outcome)} (${detail})` : outcomeLabel(failure.outcome)
  const id = requestId ? ` [request id ${requestId}]` : ''
  const next = failure.stop ? 'not retrying' : `retrying in ${formatMs(failure.waitMs ?? 0)}${whyText(failure)}`
  const of = Number.isFinite(failure.maxAttempts) ? `/${failure.maxAttempts}` : ''
  return `Attempt ${failure.attempt}${of} failed: ${what}${id}; ${next}.`
}

/** Why the wait is what it is, when it is not our own backoff: " (retry-after)", " (rate-limit reset)". */
function whyText(failure: AttemptFailure): string {
  return failure.why && failure.why !== 'backoff' ? ` (${WAIT_REASONS[failure.why]})` : ''
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
}

/** How far a call may go: its attempts, and the time after which no request starts. */
export interface CallLimits {
  maxAttempts: number
  deadlineMs: number
}

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
  backoff: Pick<Config, 'initialDelayMs' | 'maxDelayMs' | 'jitter' | 'attemptTimeoutMs' | 'timeoutMs'>,
  limits: CallLimits,
  deps: MintDeps = {},
): Promise<{ value: T; attempts: number }> {
  const log = deps.log ?? (() => {})
  // What the latest failed attempt said, for its log line and the final error.
  let last: { requestId?: string; detail?: string } = {}
  try {
    return await retry(
      async (_attempt, timeoutMs) => {
        last = {}
        try {
          const token = typeof call.token === 'function' ? call.token() : call.token
          const response = await send({ method: call.method, url: call.url, token, body: call.body, timeoutMs, signal: deps.signal })
          last.requestId = response.headers['x-github-request-id']
          call.onResponse?.(response)
          if (response.status < 200 || response.status >= 300) return { outcome: responseOutcome(response) }
          const value = call.parse(response)
          return value === undefined ? { outcome: responseOutcome(response, false) } : { value, outcome: responseOutcome(response, true) }
        } catch (error) {
          if (!(error instanceof NetworkError)) throw error
          last.detail = error.message
          return { outcome: { kind: 'network', code: error.code } }
        }
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
          deps.onAttempt?.({ ...record, detail: last.detail, ...(call.label ? { call: call.label.replace(/:\s*$/, '') } : {}) }),
      },
    )
  } catch (error) {
    if (!(error instanceof RetryError)) throw error
    throw new CallFailed(error, last.requestId, last.detail)
  }
}

/** The line before a mint, in the action's log and on the command's stderr alike. */
export function mintingLine(config: Pick<Config, 'type' | 'scope' | 'apiUrl'>): string {
  return `Minting a ${config.type} token for ${describeScope(config.scope)} via ${config.apiUrl}`
}

/** The line after a successful mint. */
export function mintedLine(config: Pick<Config, 'type' | 'scope'>, minted: MintedToken): string {
  return `Minted a ${config.type} token for ${describeScope(config.scope)}; it expires at ${minted.expiresAt} (${minted.attempts} attempt(s)).`
}

/**
 * The start spread of a step that mints (with a token, or an App's installation token first),
 * inside a deadline already running. Cancelled during the wait, the step ends before its first request.
 */
export async function spreadFirstRequest(spreadMs: number | undefined, deps: MintDeps): Promise<void> {
  const { clock = systemClock, random = Math.random, log = () => {}, signal } = deps
  await waitSpread(spreadMs, { clock, random, log, signal })
  if (signal?.aborted) throw new MintError('Cancelled before the first request; no token was minted.', 0)
}

/**
 * After the start spread, as before any retry: a first request with too little time left could
 * only time out, so none is sent, and the message says the spread used the time.
 */
export function checkTimeLeftAfterSpread(
  config: Pick<Config, 'spreadMs' | 'timeoutMs' | 'attemptTimeoutMs'>,
  deadlineMs: number,
  clock: Clock,
): void {
  if (clock.now() <= latestStart(deadlineMs, config)) return
  const waitedMs = clock.now() - (deadlineMs - config.timeoutMs)
  throw new MintError(
    `The start spread ("spread", ${formatMs(config.spreadMs ?? 0)}) waited ${formatMs(waitedMs)} of the ${formatMs(config.timeoutMs)} "timeout", leaving too little for a request; none was sent. Make "spread" shorter, or "timeout" longer.`,
    0,
  )
}

export async function mintToken(config: Config, deps: MintDeps = {}): Promise<MintedToken> {
  const clock = deps.clock ?? systemClock
  const random = deps.random ?? Math.random
  let serverVersion: string | undefined
  // The step's deadline starts now; the start spread is spent inside it.
  const deadlineMs = clock.now() + config.timeoutMs
  await spreadFirstRequest(config.spreadMs, deps)
  checkTimeLeftAfterSpread(config, deadlineMs, clock)

  try {
    const { value, attempts } = await retryCall(
      {
        method: 'POST',
        url: tokenUrl(config),
        token: config.githubToken,
        parse: (response) => {
          // Before the body is checked: a token with an unreadable expires_at is still a token.
          for (const secret of credentialsIn(response.body)) deps.mask?.(secret)
          return parseTokenBody(response.body)
        },
        onResponse: (response) => (serverVersion = response.headers[ENTERPRISE_VERSION_HEADER] ?? serverVersion),
      },
      config,
      { maxAttempts: config.maxAttempts, deadlineMs },
      { ...deps, clock, random },
    )
    return { ...value, attempts, ...(serverVersion ? { serverVersion } : {}) }
  } catch (error) {
    if (!(error instanceof CallFailed)) throw error
    const { failure, attempts } = error.retryError
    const why = explainFailure(failure.outcome, config.scope, error.detail)
    const status = failure.outcome.kind === 'response' ? failure.outcome.status : undefined
    // On what is left of a step (after a GitHub App's calls), the message counts and quotes the step's.
    const { step } = config
    const counted = step ? new RetryError(failure, attempts + step.attemptsBefore) : error.retryError
    const message = step
      ? explainGiveUp(counted, why, step.timeoutMs, error.requestId, undefined, sharedAttemptsNote(step.maxAttempts))
      : explainGiveUp(counted, why, config.timeoutMs, error.requestId)
    throw new MintError(message, attempts, status)
  }
}
