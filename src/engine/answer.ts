// What an answer means to the engine and how a failed attempt is worded: the outcome the policy
// judges, GitHub's own message (short, escaped), and the one line each failed attempt gets.
import type { ApiResponse } from '../github.js'
import type { Outcome } from '../policy.js'
import type { AttemptFailure } from '../retry.js'
import { WAIT_REASONS, outcomeLabel } from '../explain.js'
import { formatMs } from '../duration.js'
import { escapeControls } from '../server-text.js'
import { parseJson } from '../json.js'

/** GitHub's error `message`, if the body has one: at most 200 characters, control characters escaped. */
export function githubMessage(body: string): string | undefined {
  // Not JSON (a proxy's HTML page, say), or no message: nothing worth quoting.
  const message = (parseJson(body) as { message?: unknown } | undefined)?.message
  return typeof message === 'string' && message.trim() ? escapeControls([...message.trim()].slice(0, 200).join('')) : undefined
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
