// Registering one runner with generate-jitconfig through the retry loop. A JIT mint is not
// idempotent (each success registers a runner), so after an attempt whose outcome we did not see,
// a 409 for our name is probably our own runner: we look it up, delete it if it never connected,
// and register it again.
import type { Config } from '../inputs.js'
import type { ApiResponse } from '../github.js'
import { type Outcome, decide } from '../policy.js'
import { type AttemptResult, RetryError, retry } from '../retry.js'
import type { SharedRetryBudget } from '../limiter.js'
import { explainFailure, explainGiveUp } from '../explain.js'
import { failureLine, responseOutcome } from '../mint.js'
import { jitBody } from './names.js'
import { type JitRunner, type ListedRunner, hasLabels, neverConnected, parseJitBody, parseRunnerList } from './runners.js'
import { BatchAborted, type Session, networkOutcome, unknownOutcome } from './session.js'

/** Registers one runner under `name`, retrying through the shared budget; recovers our own 409s. */
export async function mintOne(name: string, session: Session, budget: SharedRetryBudget, deadlineMs: number): Promise<JitRunner> {
  const { config } = session
  const jit = config.jit!
  const body = jitBody(name, jit)
  // True once an attempt may have registered the runner without our seeing the answer.
  let maybeRegistered = false
  // True when a 409 is worth another attempt: our runner is not listed yet, so it cannot be reclaimed yet.
  let retryConflict = false
  let last: { requestId?: string; detail?: string; note?: string } = {}

  const attempt = async (_n: number, timeoutMs: number): Promise<AttemptResult<JitRunner>> => {
    if (session.aborted) throw new BatchAborted()
    session.attempts++
    retryConflict = false
    last = {}
    return register(timeoutMs, true)
  }

  /** One generate-jitconfig request; after our own leftover is deleted, one more straight away. */
  async function register(timeoutMs: number, mayReclaim: boolean): Promise<AttemptResult<JitRunner>> {
    let response: ApiResponse
    try {
      response = await session.request('POST', `${session.base}/generate-jitconfig`, timeoutMs, deadlineMs, body, true)
    } catch (error) {
      const { outcome, detail } = networkOutcome(error)
      last.detail = detail
      if (unknownOutcome(outcome)) noteMaybe()
      return { outcome }
    }
    last.requestId = response.headers['x-github-request-id']
    if (response.status >= 200 && response.status < 300) {
      const runner = parseJitBody(response.body)
      if (!runner) {
        noteMaybe()
        return { outcome: responseOutcome(response, false) }
      }
      // Masked before anything can print it.
      session.deps.mask?.(runner.encodedJitConfig)
      session.track(name, { id: runner.id, name })
      budget.refund()
      return { value: runner, outcome: responseOutcome(response, true) }
    }
    const outcome = responseOutcome(response)
    if (unknownOutcome(outcome)) noteMaybe()
    if (response.status !== 409) return { outcome }
    if (!maybeRegistered) {
      last.note = `The runner name "${name}" is already taken (409) by a runner this step did not register; it was left alone. Choose another "runner-name", or remove that runner.`
      return { outcome }
    }
    if (!mayReclaim) return { outcome }
    const reclaimed = await reclaim(timeoutMs, outcome)
    return reclaimed === 'deleted' ? register(timeoutMs, false) : reclaimed
  }

  function noteMaybe(): void {
    maybeRegistered = true
    if (!session.registered.get(name)?.id) session.track(name, { name })
  }

  /** After a 409 that may be our own doing: find the runner, and delete it if it is ours. */
  async function reclaim(timeoutMs: number, conflict: Outcome): Promise<AttemptResult<JitRunner> | 'deleted'> {
    let found: ListedRunner | undefined
    try {
      const listed = await session.request(
        'GET',
        `${session.base}?name=${encodeURIComponent(name)}`,
        timeoutMs,
        deadlineMs,
        undefined,
        true,
      )
      last.requestId = listed.headers['x-github-request-id']
      if (listed.status !== 200) return { outcome: responseOutcome(listed) }
      const runners = parseRunnerList(listed.body)
      if (!runners) return { outcome: responseOutcome(listed, false) }
      found = runners.find((r) => r.name.toLowerCase() === name.toLowerCase())
    } catch (error) {
      const { outcome, detail } = networkOutcome(error)
      last.detail = detail
      return { outcome }
    }
    if (!found) {
      // The name is taken but not listed yet: ask again after a wait.
      session.log(`Runner "${name}": GitHub answered 409 but lists no runner of that name yet; asking again.`)
      retryConflict = true
      return { outcome: conflict }
    }
    if (!neverConnected(found) || !hasLabels(found, jit.labels)) {
      const why = neverConnected(found) ? 'it has other labels' : found.busy ? 'it is busy' : `it is ${found.status}`
      last.note = `The runner name "${name}" is taken (409) by runner ${found.id}, which this step cannot be sure it registered (${why}); it was left alone. Choose another "runner-name", or remove that runner.`
      return { outcome: conflict }
    }
    session.log(
      `Runner "${name}" (id ${found.id}) was registered by an attempt whose answer was lost; deleting it and registering it again.`,
    )
    try {
      const deleted = await session.request('DELETE', `${session.base}/${found.id}`, timeoutMs, deadlineMs, undefined, true)
      last.requestId = deleted.headers['x-github-request-id']
      if (deleted.status !== 204 && deleted.status !== 404) return { outcome: responseOutcome(deleted) }
    } catch (error) {
      const { outcome, detail } = networkOutcome(error)
      last.detail = detail
      return { outcome }
    }
    return 'deleted'
  }

  try {
    const { value } = await retry(attempt, {
      ...session.retryOptions(deadlineMs),
      // In a batch the shared rounds bound the retries: a runner that happened to draw short
      // waits must not run out on its own and sink the whole batch while the others still wait.
      maxAttempts: config.jit!.count > 1 ? Infinity : config.maxAttempts,
      budget,
      decide: (outcome, now, earlier401s) => (retryConflict ? { action: 'retry' } : decide(outcome, now, earlier401s)),
      onFailure: (failure) => session.log(`Runner "${name}": ${failureLine(failure, last.requestId, last.detail)}`),
    })
    return value
  } catch (error) {
    if (!(error instanceof RetryError)) throw error
    const why = last.note ?? jitExplanation(error.failure.outcome, config, last.detail)
    throw new Error(`Runner "${name}": ${explainGiveUp(error, why, config.timeoutMs, last.requestId)}`, { cause: error })
  }
}

function jitExplanation(outcome: Outcome, config: Config, detail?: string): string {
  if (outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300) {
    return `GitHub answered ${outcome.status} but not with the documented {runner, encoded_jit_config} body.`
  }
  if (outcome.kind === 'response' && outcome.status === 422) {
    const said = outcome.message ? ` GitHub said: "${outcome.message}".` : ''
    return `GitHub could not process the runner (422): check "labels", "runner-group-id" and "work-folder", and that self-hosted runners are allowed here.${said}`
  }
  return explainFailure(outcome, config.scope, detail)
}
