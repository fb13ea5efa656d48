// The retry policy: which outcomes are worth another attempt, and how long to wait first.
// Pure functions only: no clock, no randomness, no I/O. The retry loop (retry.ts) feeds them.

import type { Jitter } from './types.js'

export { JITTER_MODES, type Jitter } from './types.js'

export interface Backoff {
  initialDelayMs: number
  maxDelayMs: number
  jitter: Jitter
}

export type Headers = Readonly<Record<string, string | undefined>>

/** What one attempt produced, as far as the policy cares. */
export type Outcome =
  { kind: 'response'; status: number; headers: Headers; message?: string; validBody?: boolean } | { kind: 'network'; code: string }

/**
 * Why a retry waits as long as it does: our own backoff, GitHub's `retry-after`, the rate-limit
 * reset, or a rate limit that names no time (GitHub's rule: wait at least a minute).
 */
export type WaitReason = 'backoff' | 'retry-after' | 'rate-limit-reset' | 'rate-limit-floor'

export type Decision =
  | { action: 'succeed' }
  | { action: 'fail' }
  // askedMs: how long GitHub asked us to wait (retry-after or the rate-limit reset); the wait
  // honours it exactly. minimumMs: a floor of our own (GitHub's "at least a minute" rule).
  | { action: 'retry'; why: WaitReason; askedMs?: number; minimumMs?: number }

const BACKOFF: Decision = { action: 'retry', why: 'backoff' }

export const SECONDARY_LIMIT_FLOOR_MS = 60_000
const FLOOR: Decision = { action: 'retry', why: 'rate-limit-floor', minimumMs: SECONDARY_LIMIT_FLOOR_MS }

// A transient server fault: GitHub's own guidance plus the gateway codes seen under bursts.
const TRANSIENT_STATUSES = new Set([408, 500, 502, 503, 504])

// Network failures that no retry can fix: the host does not resolve, TLS says it is not GitHub,
// a redirect would take the token to another host, or the proxy refuses our credentials (407).
export const PERMANENT_NETWORK_CODES =
  /^(ENOTFOUND|EREDIRECT|EPROXYAUTH|ERR_INVALID_URL|ERR_TLS_CERT_ALTNAME_INVALID|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET|VERIFY)_)/

/**
 * Decides what to do after an attempt. `wallNowMs` is the local wall clock (epoch ms); the answer's
 * own `Date` header, when readable, stands in for it, since GitHub states a reset or a dated
 * retry-after in its own time. `earlier401s` counts 401 answers before this one: a GitHub App
 * installation token can take a moment to become valid, so one 401 earns one more try.
 */
export function decide(outcome: Outcome, wallNowMs: number, earlier401s = 0): Decision {
  if (outcome.kind === 'network') {
    return PERMANENT_NETWORK_CODES.test(outcome.code) ? { action: 'fail' } : BACKOFF
  }
  const nowMs = parseHttpDate(outcome.headers.date) ?? wallNowMs
  const decision = decideResponse(outcome, nowMs, earlier401s)
  if (decision.action !== 'retry') return decision
  // A retry-after on any answer worth retrying (a rate limit, or a 503 during maintenance) is
  // GitHub asking us to wait that long: never retry sooner.
  const retryAfter = parseRetryAfter(outcome.headers['retry-after'], nowMs)
  return retryAfter ? { action: 'retry', why: 'retry-after', askedMs: retryAfter } : decision
}

function decideResponse(outcome: Extract<Outcome, { kind: 'response' }>, nowMs: number, earlier401s: number): Decision {
  const { status } = outcome
  if (status >= 200 && status < 300) {
    // A 2xx without the documented body never becomes an output: ask again.
    return outcome.validBody === false ? BACKOFF : { action: 'succeed' }
  }
  if (status === 403 || status === 429) {
    const limit = rateLimitWait(outcome, nowMs)
    if (limit) return limit
    // A 403 with no rate-limit signal is a permission problem; a bare 429 is still a limit.
    return status === 429 ? FLOOR : { action: 'fail' }
  }
  if (status === 401) return earlier401s > 0 ? { action: 'fail' } : BACKOFF
  return TRANSIENT_STATUSES.has(status) ? BACKOFF : { action: 'fail' }
}

/** The latest epoch second a Date can hold: a reset beyond it is unreadable, not a wait. */
export const LATEST_EPOCH_S = 8_640_000_000_000

/** GitHub's rate-limit rules, in its documented order; undefined when the answer is no rate limit. */
function rateLimitWait(outcome: Extract<Outcome, { kind: 'response' }>, nowMs: number): Decision | undefined {
  // A readable retry-after outranks the other signals; decide() applies it (0: our own backoff).
  if (parseRetryAfter(outcome.headers['retry-after'], nowMs) !== undefined) return BACKOFF
  if (outcome.headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(outcome.headers['x-ratelimit-reset'])
    if (Number.isFinite(reset) && reset > 0 && reset <= LATEST_EPOCH_S) {
      const untilReset = reset * 1000 - nowMs
      return untilReset > 0 ? { action: 'retry', why: 'rate-limit-reset', askedMs: untilReset } : BACKOFF
    }
    return FLOOR
  }
  if (/secondary rate limit/i.test(outcome.message ?? '')) return FLOOR
  return undefined
}

/**
 * `retry-after` as milliseconds from now: delay-seconds or an HTTP date. A date in the past is 0.
 * Anything else (negative, garbage) is ignored: undefined, as if the header were absent.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000)
  const at = parseHttpDate(text)
  return at === undefined ? undefined : Math.max(0, at - nowMs)
}

/** An HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`) as epoch ms; undefined for anything else. */
export function parseHttpDate(value: string | undefined): number | undefined {
  const text = value?.trim() ?? ''
  // An HTTP date always names a weekday and a time; Date.parse alone accepts far too much.
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : at
}

/** The ceiling of the wait before retry number `retry` (1 for the first retry): exponential, capped. */
export function backoffCeiling(retry: number, backoff: Backoff): number {
  return Math.min(backoff.maxDelayMs, backoff.initialDelayMs * 2 ** (retry - 1))
}

/**
 * The wait before retry number `retry`. `random` is in [0, 1); `previousWaitMs` is the wait
 * chosen before the previous retry (decorrelated jitter grows from it).
 */
export function backoffDelay(retry: number, backoff: Backoff, random: number, previousWaitMs = 0): number {
  const ceiling = backoffCeiling(retry, backoff)
  switch (backoff.jitter) {
    case 'none':
      return ceiling
    case 'full':
      return random * ceiling
    case 'equal':
      return ceiling / 2 + (random * ceiling) / 2
    case 'decorrelated': {
      const base = backoff.initialDelayMs
      const upper = Math.max(base, previousWaitMs * 3)
      return Math.min(backoff.maxDelayMs, base + random * (upper - base))
    }
  }
}

/** The wait before a retry the policy allowed: what GitHub asked for, exactly, or our backoff. */
export function waitFor(
  decision: Extract<Decision, { action: 'retry' }>,
  retry: number,
  backoff: Backoff,
  random: number,
  previousWaitMs = 0,
): number {
  if (decision.askedMs !== undefined) return decision.askedMs
  return Math.max(decision.minimumMs ?? 0, backoffDelay(retry, backoff, random, previousWaitMs))
}
