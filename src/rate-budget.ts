// The rate budget of a batch: before registering `count` runners, is enough of the token's primary
// rate limit left for them? A batch that runs dry half-way fails and deletes what it registered,
// having spent the rest of the hour's limit of a token other automation may share. GET /rate_limit
// costs nothing against that limit. The check is advisory: if it cannot be made, the batch runs.
// Its answer also says whether GitHub has rate limits at all (a 404: GHES with rate limiting off),
// and so whether GitHub's secondary limit must be paced (pacer.ts). And the write budget: a batch
// that cannot be registered at that pace before the step's timeout is refused before it starts.
import type { Config } from './types.js'
import { formatMs } from './duration.js'
import { MintError } from './types.js'
import { exchange } from './engine/call.js'
import { githubMessage } from './engine/answer.js'
import type { Clock } from './retry.js'
import { LATEST_EPOCH_S, parseHttpDate } from './policy.js'
import { parseJson } from './json.js'
import { type WriteBudget, describeBudget, shortestMs } from './pacer.js'

/** Less than this (or one window of the budget, if shorter) left of the timeout beyond a batch's pace: the log says it may run out of time. */
export const PACE_MARGIN_MS = 60_000
/** One try, this long at most: the check must never hold up a batch it cannot judge. */
export const RATE_CHECK_TIMEOUT_MS = 5000
/** One recovery after a lost answer: a lookup by name, a delete, and the registration again. */
export const RECOVERY_REQUESTS = 3
/** Waits end this long after GitHub's reset time, for the difference between its clock and ours. */
export const RESET_SLACK_MS = 1000

/**
 * Requests a batch of `count` is expected to need: one per runner, a quarter more for retries
 * (a burst at the edge of GitHub's capacity costs a few per cent; a brownout more, but then the
 * shared retry rounds bound it), and one recovery after a lost answer.
 */
export function requestsNeeded(count: number): number {
  return count + Math.ceil(count / 4) + RECOVERY_REQUESTS
}

/** The primary ("core") limit as GET /rate_limit reports it; `resetMs` is epoch milliseconds. */
export interface CoreLimit {
  limit: number
  remaining: number
  resetMs: number
}

/** `resources.core` of a GET /rate_limit answer; undefined when the body is not that. */
export function parseCoreLimit(body: string): CoreLimit | undefined {
  const parsed = parseJson(body) as { resources?: { core?: unknown } } | undefined
  const core = (parsed?.resources?.core ?? {}) as Record<string, unknown>
  const { limit, remaining, reset } = core
  const whole = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0
  if (!whole(limit) || !whole(remaining) || !whole(reset) || reset > LATEST_EPOCH_S) return undefined
  return { limit, remaining, resetMs: reset * 1000 }
}

export type BudgetVerdict = { action: 'go' } | { action: 'wait'; untilMs: number } | { action: 'fail' }

/** Enough left: go. Too little: wait for the reset if it comes before the deadline, else fail. */
export function judgeBudget(core: CoreLimit, needed: number, nowMs: number, deadlineMs: number): BudgetVerdict {
  if (core.remaining >= needed) return { action: 'go' }
  const untilMs = Math.max(nowMs, core.resetMs + RESET_SLACK_MS)
  return untilMs < deadlineMs ? { action: 'wait', untilMs } : { action: 'fail' }
}

/**
 * Checks the token's rate limit before a batch of `count` runners, and waits for the reset or
 * throws a MintError (before any registration) when too little is left. A check that cannot be
 * made (an error, an unreadable answer) logs one line and returns. Returns false when GitHub has
 * no rate limits here (GET /rate_limit answered 404, as GHES with rate limiting off does).
 */
export async function checkRateBudget(
  config: Config,
  count: number,
  deadlineMs: number,
  deps: { clock: Clock; log: (line: string) => void; signal?: AbortSignal },
): Promise<boolean> {
  const { clock, log } = deps
  const needed = requestsNeeded(count)
  const read = await readCoreLimit(config, Math.min(RATE_CHECK_TIMEOUT_MS, config.attemptTimeoutMs, deadlineMs - clock.now()), deps.signal)
  if ('unlimited' in read) {
    log(
      `GitHub has no rate limits here (${read.unlimited}, as on GitHub Enterprise Server with rate limiting off): no check, and writes are not paced.`,
    )
    return false
  }
  if ('problem' in read) {
    log(`Could not check the rate limit before the batch (${read.problem}); registering without the check.`)
    return true
  }
  const { core } = read
  const now = clock.now()
  // GitHub states the reset in its own time: measured against its Date header (else our wall
  // clock), then placed on the monotonic clock the deadline runs on.
  const resetAt = now + core.resetMs - (read.serverNowMs ?? clock.wallNow())
  const left = `GitHub's rate limit for this token has ${core.remaining} of ${core.limit} requests left`
  const need = `a batch of ${count} runners needs about ${needed} (${count}, and ${needed - count} for retries and recovery)`
  const reset = `the limit resets at ${new Date(core.resetMs).toISOString()} (in ${formatMs(Math.max(0, resetAt - now))})`
  const verdict = judgeBudget({ ...core, resetMs: resetAt }, needed, now, deadlineMs)
  if (verdict.action === 'go') {
    log(`${left}; ${need}.`)
  } else if (verdict.action === 'wait') {
    log(`${left}, and ${need}: waiting for the reset, ${reset}.`)
    await clock.sleep(verdict.untilMs - now, deps.signal)
  } else {
    throw new MintError(
      `${left}, and ${need}; ${reset}, after this step's "timeout" (${formatMs(config.step?.timeoutMs ?? config.timeoutMs)}) runs out. No runner was registered. ` +
        'Run the batch after the reset, lower "count", or raise "timeout" to wait for the reset.',
      0,
      'rate-limit',
    )
  }
  return true
}

/**
 * Refuses (a MintError, before any registration) a batch of `count` that cannot be registered
 * under `budget` in the `leftMs` the step's timeout leaves: waiting would only fail later, with
 * runners to roll back. A batch that the budget slows is said in one line.
 */
export function checkWriteBudget(
  config: Config,
  count: number,
  budget: WriteBudget | false,
  leftMs: number,
  log: (line: string) => void,
): void {
  if (!budget) return
  const shortest = shortestMs(count, budget)
  if (shortest === 0) return
  const pace = `A batch of ${count} runners takes at least ${formatMs(shortest)} under the write budget of ${describeBudget(budget)}`
  if (shortest < leftMs) {
    // The pace is a floor: the requests take their own time on top of it, the last window's most.
    const spare = leftMs - shortest
    const margin = Math.min(PACE_MARGIN_MS, budget.windowMs)
    const tight =
      spare < margin
        ? ` Only ${formatMs(spare)} of "timeout" is left beyond that for the requests themselves; if they take longer, the batch fails and is rolled back. Give "timeout" ${formatMs(margin)} or more beyond the pace.`
        : ''
    return log(`${pace}; registering at that pace.${tight}`)
  }
  const timeout = config.step?.timeoutMs ?? config.timeoutMs
  const left = leftMs < timeout - 1000 ? `, of which ${formatMs(Math.max(0, leftMs))} is left` : ''
  throw new MintError(
    `${pace}; this step's "timeout" is ${formatMs(timeout)}${left}. No runner was registered. Raise "timeout", lower "count", or split the batch.`,
    0,
    'rate-limit',
  )
}

/** One GET /rate_limit, never retried. */
async function readCoreLimit(
  config: Config,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ core: CoreLimit; serverNowMs?: number } | { problem: string } | { unlimited: string }> {
  if (timeoutMs <= 0) return { problem: 'no time left before the deadline' }
  const last: { requestId?: string; detail?: string } = {}
  const answer = await exchange({ method: 'GET', url: `${config.apiUrl}/rate_limit`, token: config.githubToken, timeoutMs, signal }, last)
  if ('outcome' in answer) return { problem: `GET /rate_limit failed: ${last.detail}` }
  const id = last.requestId ? ` [request id ${last.requestId}]` : ''
  const said = githubMessage(answer.body)
  const status = `GET /rate_limit answered ${answer.status}${said ? `: "${said}"` : ''}${id}`
  if (answer.status === 404) return { unlimited: status }
  if (answer.status !== 200) return { problem: status }
  const core = parseCoreLimit(answer.body)
  return core
    ? { core, serverNowMs: parseHttpDate(answer.headers.date) }
    : { problem: `GET /rate_limit answered 200 without a readable resources.core${id}` }
}
