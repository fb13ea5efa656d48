// Registering one runner with generate-jitconfig through the retry loop. A JIT mint is not
// idempotent (each success registers a runner), so the name goes into the ledger before each
// request is sent; and after an attempt whose outcome we did not see, a 409 for our name may be
// our own runner: we look it up, and only if it carries this step's ownership label and never
// connected do we delete it and register it again.
import type { Config } from '../types.js'
import type { Outcome } from '../policy.js'
import { type AttemptResult, RetryError, retry } from '../retry.js'
import type { SharedRetryBudget } from '../limiter.js'
import { explainFailure, explainGiveUp, githubSaid } from '../explain.js'
import { explainJitUnsupported } from '../ghes.js'
import { failureLine, responseOutcome } from '../engine/answer.js'
import type { Deadline } from '../step.js'
import { jitBody } from './names.js'
import { type JitRunner, parseJitBody, parseJitLabels, whySpared } from './runners.js'
import { findByName } from './lookup.js'
import { explainFullGroup } from './room.js'
import { credentialsIn } from '../redaction.js'
import { Halted, type LastSeen, type Session, unknownOutcome } from './session.js'

/** Registers one runner under `name`, retrying through the shared budget; recovers our own 409s. */
export async function mintOne(name: string, session: Session, budget: SharedRetryBudget, deadline: Deadline): Promise<JitRunner> {
  const { config, ledger } = session
  const body = jitBody(name, config.jit!, ledger.label)
  // True when a 409 is worth another attempt: our runner is not listed yet, so it cannot be reclaimed yet.
  let retryConflict = false
  let last: LastSeen & { note?: string } = {}

  const attempt = async (_n: number, timeoutMs: number): Promise<AttemptResult<JitRunner>> => {
    if (deadline.stop.aborted) throw new Halted()
    session.attempts++
    retryConflict = false
    last = {}
    return register(timeoutMs, true)
  }

  /** What an answer (or its absence) says about whether our request registered the runner. */
  function settle(outcome: Outcome): void {
    if (unknownOutcome(outcome)) ledger.outcomeUnknown(name)
    else ledger.refused(name)
  }

  /** One generate-jitconfig request; after our own leftover is deleted, one more straight away. */
  async function register(timeoutMs: number, mayReclaim: boolean): Promise<AttemptResult<JitRunner>> {
    const onSend = (): void => ledger.sending(name)
    const response = await session.exchange('POST', `${session.base}/generate-jitconfig`, { timeoutMs, deadline, body, onSend }, last)
    if ('outcome' in response) {
      settle(response.outcome)
      return response
    }
    if (response.status >= 200 && response.status < 300) {
      // Masked before the body is checked: a config beside an unreadable runner is still a credential.
      for (const secret of credentialsIn(response.body)) session.deps.mask?.(secret)
      const parsed = parseJitBody(response.body)
      // A runner id this batch already holds under another name is no new runner: an unexpected answer.
      const runner = parsed && !ledger.entries.some((entry) => entry.id === parsed.id && entry.name !== name) ? parsed : undefined
      if (!runner) {
        ledger.outcomeUnknown(name)
        return { outcome: responseOutcome(response, false) }
      }
      const added = addedLabels(parseJitLabels(response.body), body.labels)
      if (added.length) session.log(`GitHub gave runner "${runner.name}" labels this step did not ask for: ${added.join(', ')}.`)
      ledger.registered(name, runner.id)
      budget.refund()
      return { value: runner, outcome: responseOutcome(response, true) }
    }
    const outcome = responseOutcome(response)
    settle(outcome)
    if (response.status !== 409) return { outcome }
    if (!ledger.get(name)?.maybe) {
      last.note = `The runner name "${name}" is already taken (409) by a runner this step did not register; it was left alone. Choose another "runner-name", or remove that runner.`
      return { outcome }
    }
    if (!mayReclaim) return { outcome }
    const reclaimed = await reclaim(timeoutMs, outcome)
    return reclaimed === 'deleted' ? register(timeoutMs, false) : reclaimed
  }

  /** After a 409 that may be our own doing: find the runner, and delete it if it is ours and never connected. */
  async function reclaim(timeoutMs: number, conflict: Outcome): Promise<AttemptResult<JitRunner> | 'deleted'> {
    const found = await findByName(session, name, timeoutMs, deadline, last)
    if ('outcome' in found) {
      // The listing's own failure, not the POST's: said as such.
      const { outcome } = found
      if (outcome.kind === 'response') {
        const what = outcome.validBody === false ? `an unreadable listing (HTTP ${outcome.status})` : `HTTP ${outcome.status}`
        last.note = `The runner name "${name}" is taken (409); looking it up to see whether it is this step's own, GitHub answered ${what}, so it was left alone.${githubSaid(outcome.message)}`
      }
      return { outcome }
    }
    if ('notListed' in found) {
      // The name is taken but not listed yet: ask again after a wait.
      session.log(`Runner "${name}": GitHub answered 409 but lists no runner of that name yet; asking again.`)
      last.note = `The runner name "${name}" is taken (409), but GitHub listed no runner of that name, so this step could not tell whether it is its own (a listing can lag behind a registration).`
      retryConflict = true
      return { outcome: conflict }
    }
    const { runner } = found
    const why = whySpared(runner, ledger.label)
    if (why) {
      const reason = why === 'not ours' ? `it is not this step's: it lacks the label ${ledger.label}` : `it is ${why}`
      last.note = `The runner name "${name}" is taken (409) by runner ${runner.id}, which this step may not delete (${reason}); it was left alone. Choose another "runner-name", or remove that runner.`
      return { outcome: conflict }
    }
    session.log(
      `Runner "${name}" (id ${runner.id}) was registered by an attempt whose answer was lost; deleting it and registering it again.`,
    )
    const deleted = await session.exchange('DELETE', `${session.base}/${runner.id}`, { timeoutMs, deadline }, last)
    if ('outcome' in deleted) return deleted
    if (deleted.status !== 204 && deleted.status !== 404) {
      const refused = responseOutcome(deleted)
      last.note = `The runner name "${name}" is taken (409) by runner ${runner.id}, this step's own from an attempt whose answer was lost, and GitHub answered ${deleted.status} to deleting it.${githubSaid(refused.kind === 'response' ? refused.message : undefined)}`
      return { outcome: refused }
    }
    ledger.gone(name)
    return 'deleted'
  }

  const options = session.retryOptions(deadline)
  try {
    const { value } = await retry(attempt, {
      ...options,
      // In a batch the shared rounds bound the retries: a runner that happened to draw short
      // waits must not run out on its own and sink the whole batch while the others still wait.
      maxAttempts: config.jit!.count > 1 ? Infinity : config.maxAttempts,
      budget,
      decide: (outcome, now, earlier401s) =>
        retryConflict ? { action: 'retry', why: 'backoff' } : options.decide!(outcome, now, earlier401s),
      onFailure: (failure) => session.log(`Runner "${name}": ${failureLine(failure, last.requestId, last.detail)}`),
      onAttempt: (record) => session.deps.onAttempt?.({ ...record, runner: name, detail: last.detail, requestId: last.requestId }),
    })
    return value
  } catch (error) {
    if (!(error instanceof RetryError)) throw error
    // Called off (the batch failed elsewhere, or the step was cancelled): not this runner's failure.
    if (error.failure.stop === 'aborted') throw new Halted()
    const why = last.note ?? jitExplanation(error.failure.outcome, config, last.detail)
    throw new Error(`Runner "${name}": ${explainGiveUp(error, why, config.step?.timeoutMs ?? config.timeoutMs, last.requestId)}`, {
      cause: error,
    })
  }
}

function jitExplanation(outcome: Outcome, config: Config, detail?: string): string {
  if (outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300) {
    return `GitHub answered ${outcome.status} but not with the documented {runner, encoded_jit_config} body.`
  }
  if (outcome.kind === 'response' && outcome.status === 422) {
    const full = explainFullGroup(outcome.message, config)
    if (full) return full
    const group = config.jit!.runnerGroup
      ? `"runner-group" (${config.jit!.runnerGroup})`
      : `"runner-group-id" (${config.jit!.runnerGroupId})`
    return `GitHub could not process the runner (422): check "labels", ${group} and "work-folder", and that self-hosted runners are allowed here.${githubSaid(outcome.message)}`
  }
  return explainJitUnsupported(outcome) ?? explainFailure(outcome, config.scope, detail)
}

/** Labels the 201 lists that the request did not name (labels compare ignoring case). */
export function addedLabels(given: string[], asked: string[]): string[] {
  const wanted = new Set(asked.map((l) => l.toLowerCase()))
  return given.filter((l) => !wanted.has(l.toLowerCase()))
}
