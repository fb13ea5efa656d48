// One-line explanations of a failed mint: what went wrong and what to do about it.
import { type Outcome, SECONDARY_LIMIT_FLOOR_MS, type WaitReason } from './policy.js'
import { type Scope, scopeName } from './scope.js'
import { formatMs } from './duration.js'
import type { AttemptFailure, RetryError } from './retry.js'

/** The scope as messages name it: "repository o/r", "organization acme", "enterprise big". */
export function describeScope(scope: Scope): string {
  return `${scope.kind} ${scopeName(scope)}`
}

/** The permission a token needs to manage self-hosted runners at this scope. */
export function requiredPermission(scope: Scope): string {
  switch (scope.kind) {
    case 'repository':
      return 'a fine-grained token or GitHub App with "Administration: write" on the repository, or a classic token with the "repo" scope'
    case 'organization':
      return 'a fine-grained token or GitHub App with "Self-hosted runners: write" on the organization, or a classic token with the "admin:org" scope'
    case 'enterprise':
      return 'a classic token with the "manage_runners:enterprise" scope'
  }
}

/**
 * GitHub's own message, quoted after ours: ` GitHub said: "...".`, or '' when there is none. A
 * message that ends its own sentence (". ! ?", perhaps before a closing quote or bracket) gets no
 * second full stop.
 */
export function githubSaid(message: string | undefined): string {
  if (!message) return ''
  return ` GitHub said: "${message}"${/[.!?…]["')\]]*$/u.test(message) ? '' : '.'}`
}

/** A wait's reason as the log and the step summary say it. */
export const WAIT_REASONS: Record<WaitReason, string> = {
  backoff: 'backoff',
  'retry-after': 'retry-after',
  'rate-limit-reset': 'rate-limit reset',
  'rate-limit-floor': 'secondary-limit floor',
}

/** A short label for an outcome, for the per-attempt log line. */
export function outcomeLabel(outcome: Outcome): string {
  if (outcome.kind === 'network') return outcome.code
  const base = `HTTP ${outcome.status}`
  return outcome.validBody === false ? `${base} with an unexpected body` : base
}

/** Why the mint failed and what to do, in one line. `detail` is the network error text, if any. */
export function explainFailure(outcome: Outcome, scope: Scope, detail?: string): string {
  const target = describeScope(scope)
  if (outcome.kind === 'network') {
    if (outcome.code === 'EREDIRECT') return `Refused a redirect: ${detail}.`
    if (outcome.code === 'ENOTFOUND') return `Could not resolve the API host (${detail}); check "api-url".`
    if (outcome.code === 'EDEADLINE') return `No request could start in time: ${detail}.`
    if (outcome.code === 'ECUTOFF') return `No answer from GitHub: ${detail}.`
    return `Could not reach GitHub: ${detail ?? outcome.code}.`
  }
  const { status, headers, message } = outcome
  const said = githubSaid(message)
  if (status >= 200 && status < 300) {
    return `GitHub answered ${status} but not with the documented token body; no token was produced.`
  }
  switch (status) {
    case 400:
      return `GitHub rejected the request as malformed (400).${said}`
    case 401:
      return `GitHub rejected "github-token" (401 Bad credentials): it is invalid, expired or revoked.${said}`
    case 403: {
      const accepted = headers['x-accepted-github-permissions']
      const need = accepted ? `a token with ${accepted}` : requiredPermission(scope)
      return `The token may not manage self-hosted runners for ${target} (403); it needs ${need}.${said}`
    }
    case 404:
      return `${capitalize(target)} was not found (404). GitHub answers 404 when the token cannot see the target: check the name and that the token has ${requiredPermission(scope)}.${said}`
    case 409:
      return `GitHub reported a conflict (409) for ${target}.${said}`
    case 410:
      return `This endpoint is gone (410) on this GitHub server; check "api-url".${said}`
    case 422:
      return `GitHub could not process the request for ${target} (422); self-hosted runners may be disabled for it by policy.${said}`
    case 429:
      return `GitHub kept rate-limiting the request (429).${said}`
    default:
      return `GitHub answered ${status}.${said}`
  }
}

/** Why there will be no next attempt, when it is not the answer itself. */
export function explainStop(
  stop: 'attempts-exhausted' | 'deadline' | 'budget' | 'aborted',
  attempts: number,
  waitMs?: number,
  timeoutMs?: number,
): string {
  if (stop === 'aborted') return `Stopped after ${attempts} attempt(s): cancelled.`
  if (stop === 'attempts-exhausted') return `Gave up after ${attempts} attempt(s) ("max-attempts").`
  if (stop === 'budget') return `Gave up after ${attempts} attempt(s): the batch used up its shared retry budget.`
  return `Gave up after ${attempts} attempt(s): the next wait (${formatMs(waitMs ?? 0)}) would pass the ${formatMs(timeoutMs ?? 0)} "timeout".`
}

/**
 * The one-line error of a retry loop that gave up: why it stopped, the last answer, what to do.
 * `doing` names the call when it is not the mint ("making an installation token for ...").
 */
export function explainGiveUp(error: RetryError, why: string, timeoutMs: number, requestId?: string, doing?: string): string {
  const { failure, attempts } = error
  const id = requestId ? ` (GitHub request id ${requestId})` : ''
  if (!failure.stop || failure.stop === 'not-retryable') return `${why}${id}`
  const last = `Last answer: ${outcomeLabel(failure.outcome)}${id}.`
  const found = rateLimit(failure)
  const limit = found && doing ? `while ${doing}, ${found}` : found
  if (!limit) return `${explainStop(failure.stop, attempts, failure.waitMs, timeoutMs)} ${last} ${why}`
  const said = failure.outcome.kind === 'response' ? githubSaid(failure.outcome.message) : ''
  if (failure.stop === 'deadline') {
    return `Gave up after ${attempts} attempt(s): ${limit}, and the ${formatMs(timeoutMs)} "timeout" ends before that. ${last} ${NOT_PERMISSION} wait for it to lift, or raise "timeout" to cover the wait.${said}`
  }
  return `${explainStop(failure.stop, attempts)} ${last} ${capitalize(limit)}. ${NOT_PERMISSION} try again later.${said}`
}

const NOT_PERMISSION = 'This is a rate limit, not a permission problem:'

/**
 * What a rate limit that ended the run asked for, from the policy's reason to wait; undefined
 * when the last answer was no rate limit (a 403 the policy would not retry is a permission problem).
 */
function rateLimit(failure: AttemptFailure): string | undefined {
  const { outcome, why, waitMs } = failure
  if (outcome.kind !== 'response' || (outcome.status !== 403 && outcome.status !== 429) || !why) return undefined
  const wait = waitMs === undefined ? '' : `, a wait of ${formatMs(waitMs)}`
  switch (why) {
    case 'rate-limit-reset': {
      const resource = outcome.headers['x-ratelimit-resource']
      const reset = new Date(Number(outcome.headers['x-ratelimit-reset']) * 1000).toISOString().replace('.000Z', 'Z')
      return `GitHub's rate limit${resource ? ` for "${resource}"` : ''} is used up until ${reset}${wait}`
    }
    case 'retry-after':
      return waitMs === undefined
        ? 'GitHub asked to wait (retry-after) before the next request'
        : `GitHub asked to wait ${formatMs(waitMs)} (retry-after) before the next request`
    case 'rate-limit-floor': {
      const kind = /secondary rate limit/i.test(outcome.message ?? '') ? 'secondary rate limit' : `rate limit (${outcome.status})`
      return `GitHub's ${kind} calls for a wait of at least ${formatMs(SECONDARY_LIMIT_FLOOR_MS)}`
    }
    case 'backoff':
      return `GitHub kept rate-limiting the request (${outcome.status})`
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
