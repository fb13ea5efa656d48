// Every runner of the scope, read whole: `GET .../actions/runners?per_page=100&page=N` through the
// engine's pager (each runner once, the listing read again from page 1 when it moves), inside the
// step's limiter and deadline, retried as one call. GitHub's listing has no label filter: the
// caller picks the runners by label.
import { MintError } from '../types.js'
import { type AttemptResult, RetryError, retry } from '../retry.js'
import { describeScope, explainFailure, explainGiveUp, failureKind } from '../explain.js'
import { failureLine } from '../engine/answer.js'
import { Pager } from '../engine/pager.js'
import type { Deadline } from '../step.js'
import { type ListedRunner, parseRunnerPage } from '../jit/runners.js'
import type { LastSeen, Session } from '../jit/session.js'

export const RUNNERS_PER_PAGE = 100
/** 50,000 runners (a runner group holds at most 10,000): a guard against a server whose pages never end. */
export const MAX_RUNNER_PAGES = 500

/** The whole listing; a MintError when it cannot be read before the deadline. `what` starts each log line. */
export async function listRunners(session: Session, deadline: Deadline, what: string): Promise<ListedRunner[]> {
  const { config } = session
  const pager = new Pager<ListedRunner>({
    perPage: RUNNERS_PER_PAGE,
    maxPages: MAX_RUNNER_PAGES,
    parse: (body) => {
      const page = parseRunnerPage(body)
      return page && { totalCount: page.totalCount, items: page.runners }
    },
    onRestart: (why) => session.log(`${what}: the listing changed while it was read (${why}); reading it again from page 1.`),
  })
  let last: LastSeen = {}
  // Pages already read stay read: a retry goes on from the page that failed.
  const attempt = (_n: number, timeoutMs: number): Promise<AttemptResult<ListedRunner[]>> => {
    let first = true
    return pager.read((page) => {
      last = {}
      // The attempt's first page gets the attempt's time; each later one up to attempt-timeout (the slot clips it to the deadline).
      const pageTimeoutMs = first ? timeoutMs : config.attemptTimeoutMs
      first = false
      const url = `${session.base}?per_page=${RUNNERS_PER_PAGE}&page=${page}`
      return session.exchange('GET', url, { timeoutMs: pageTimeoutMs, deadline }, last)
    })
  }
  try {
    const { value } = await retry(attempt, {
      ...session.retryOptions(deadline),
      onFailure: (failure) => session.log(`${what}: ${failureLine(failure, last.requestId, last.detail)}`),
      onAttempt: (record) => session.deps.onAttempt?.({ ...record, call: what, detail: last.detail, requestId: last.requestId }),
    })
    return value
  } catch (error) {
    if (!(error instanceof RetryError)) throw error
    const why = explainFailure(error.failure.outcome, config.scope, last.detail)
    throw new MintError(
      `Could not list the runners of ${describeScope(config.scope)}: ${explainGiveUp(error, why, config.step?.timeoutMs ?? config.timeoutMs, last.requestId)}`,
      error.attempts,
      failureKind(error.failure),
    )
  }
}
