// One-line explanations of a failed mint: what went wrong and what to do about it.
import type { Outcome } from './policy.js'
import type { Scope } from './inputs.js'
import { formatMs } from './github.js'
import type { RetryError } from './retry.js'

export function describeScope(scope: Scope): string {
  switch (scope.kind) {
    case 'repository':
      return `repository ${scope.owner}/${scope.repo}`
    case 'organization':
      return `organization ${scope.name}`
    case 'enterprise':
      return `enterprise ${scope.name}`
  }
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
    return `Could not reach GitHub: ${detail ?? outcome.code}.`
  }
  const { status, headers, message } = outcome
  const said = message ? ` GitHub said: "${message}".` : ''
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

/** The one-line error of a retry loop that gave up: why it stopped, the last answer, what to do. */
export function explainGiveUp(error: RetryError, why: string, timeoutMs: number, requestId?: string): string {
  const { failure, attempts } = error
  const id = requestId ? ` (GitHub request id ${requestId})` : ''
  if (!failure.stop || failure.stop === 'not-retryable') return `${why}${id}`
  return `${explainStop(failure.stop, attempts, failure.waitMs, timeoutMs)} Last answer: ${outcomeLabel(failure.outcome)}${id}. ${why}`
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
