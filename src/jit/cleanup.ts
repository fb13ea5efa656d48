// Deleting the runners a step registered: the rollback of a failed batch, and the post step's
// cleanup after a failed job. Never a runner that is online or busy.
import type { Config } from '../inputs.js'
import type { ApiResponse } from '../github.js'
import type { Outcome } from '../policy.js'
import { type AttemptResult, RetryError, retry, systemClock } from '../retry.js'
import { ConcurrencyLimiter } from '../limiter.js'
import { explainFailure } from '../explain.js'
import { failureLine, responseOutcome } from '../mint.js'
import { type ListedRunner, type RunnerRef, asRunner, hasLabels, neverConnected, parseRunnerList, safeJson } from './runners.js'
import { INITIAL_IN_FLIGHT, type JitDeps, MAX_IN_FLIGHT, Session, networkOutcome } from './session.js'

/** How long the rollback of a failed batch and the post step's cleanup may take at most. */
export const CLEANUP_TIMEOUT_MS = 60_000

export interface Removal {
  deleted: RunnerRef[]
  /** Already gone (an ephemeral runner that finished, or deleted by someone else). */
  gone: RunnerRef[]
  /** Left alone: online or busy. */
  spared: RunnerRef[]
  failed: { name: string; id?: number; error: string }[]
}

/**
 * Deletes runners this step registered. 'rollback': they were never handed out, delete them.
 * 'post': only those that never connected (offline and not busy); never an online or busy one.
 * A ref without an id is looked up by name and deleted only if it never connected and is ours.
 */
export async function removeRunners(
  config: Config,
  refs: RunnerRef[],
  mode: 'rollback' | 'post',
  deps: JitDeps & { limiter?: ConcurrencyLimiter; session?: Session } = {},
): Promise<Removal> {
  const limiter =
    deps.limiter ?? new ConcurrencyLimiter({ initial: INITIAL_IN_FLIGHT, max: MAX_IN_FLIGHT, clock: deps.clock ?? systemClock })
  const session = deps.session ?? new Session(config, deps, limiter)
  const deadlineMs = session.clock.now() + Math.min(config.timeoutMs, CLEANUP_TIMEOUT_MS)
  const labels = config.jit?.labels ?? []
  const removal: Removal = { deleted: [], gone: [], spared: [], failed: [] }

  await Promise.all(
    refs.map(async (ref) => {
      let last: { requestId?: string; detail?: string } = {}
      const call = async (method: 'GET' | 'DELETE', url: string, timeoutMs: number): Promise<ApiResponse | Outcome> => {
        try {
          const response = await session.request(method, url, timeoutMs, deadlineMs)
          last.requestId = response.headers['x-github-request-id']
          return response
        } catch (error) {
          const { outcome, detail } = networkOutcome(error)
          last.detail = detail
          return outcome
        }
      }
      const isOutcome = (value: ApiResponse | Outcome): value is Outcome => 'kind' in value
      type Verdict = 'deleted' | 'gone' | 'spared'
      const done = (verdict: Verdict): AttemptResult<Verdict> => ({
        value: verdict,
        outcome: { kind: 'response', status: 200, headers: {} },
      })

      const attempt = async (_n: number, timeoutMs: number): Promise<AttemptResult<Verdict>> => {
        last = {}
        let id = ref.id
        if (mode === 'post' || id === undefined) {
          // Look before deleting: never delete a runner a host is using.
          const url = id === undefined ? `${session.base}?name=${encodeURIComponent(ref.name)}` : `${session.base}/${id}`
          const looked = await call('GET', url, timeoutMs)
          if (isOutcome(looked)) return { outcome: looked }
          if (looked.status === 404 && id !== undefined) return done('gone')
          if (looked.status !== 200) return { outcome: responseOutcome(looked) }
          let runner: ListedRunner | undefined
          if (id === undefined) {
            const listed = parseRunnerList(looked.body)
            if (!listed) return { outcome: responseOutcome(looked, false) }
            runner = listed.find((r) => r.name.toLowerCase() === ref.name.toLowerCase())
            if (!runner) return done('gone')
            if (!hasLabels(runner, labels)) return done('spared')
          } else {
            runner = asRunner(safeJson(looked.body))
            if (!runner) return { outcome: responseOutcome(looked, false) }
          }
          if (!neverConnected(runner)) return done('spared')
          id = runner.id
        }
        const deleted = await call('DELETE', `${session.base}/${id}`, timeoutMs)
        if (isOutcome(deleted)) return { outcome: deleted }
        if (deleted.status === 204) return done('deleted')
        if (deleted.status === 404) return done('gone')
        // 422: it became busy between our look and the delete; it is in use, leave it.
        if (deleted.status === 422) return done('spared')
        return { outcome: responseOutcome(deleted) }
      }

      try {
        const { value } = await retry(attempt, {
          ...session.retryOptions(deadlineMs),
          onFailure: (failure) => session.log(`Removing runner "${ref.name}": ${failureLine(failure, last.requestId, last.detail)}`),
        })
        removal[value].push(ref)
      } catch (error) {
        if (!(error instanceof RetryError)) throw error
        const why = explainFailure(error.failure.outcome, config.scope, last.detail)
        removal.failed.push({ ...ref, error: why })
      }
    }),
  )
  return removal
}
