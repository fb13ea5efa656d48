// A batch of JIT runners: registered concurrently through one limiter, one deadline and one
// shared retry budget, and all or nothing: when one runner fails, the rest stop and every runner
// this step registered is deleted.
import type { Config } from '../inputs.js'
import { ConcurrencyLimiter, SharedRetryBudget } from '../limiter.js'
import { MintError } from '../mint.js'
import { systemClock } from '../retry.js'
import { runnerNames } from './names.js'
import type { JitRunner } from './runners.js'
import { BatchAborted, type BatchStats, INITIAL_IN_FLIGHT, type JitDeps, MAX_IN_FLIGHT, Session } from './session.js'
import { mintOne } from './register.js'
import { removeRunners } from './cleanup.js'

export interface MintedRunners {
  runners: JitRunner[]
  /** Attempts at generate-jitconfig, all runners together. */
  attempts: number
}

/**
 * Registers `config.jit.count` runners. All or nothing: if one cannot be registered before the
 * deadline, the others stop, every runner this step registered is deleted, and it throws.
 */
export async function mintRunners(config: Config, env: Record<string, string | undefined>, deps: JitDeps = {}): Promise<MintedRunners> {
  const jit = config.jit!
  const clock = deps.clock ?? systemClock
  const limiter = new ConcurrencyLimiter({
    initial: Math.min(jit.count, INITIAL_IN_FLIGHT),
    max: Math.min(jit.count, MAX_IN_FLIGHT),
    clock,
  })
  const session = new Session(config, deps, limiter)
  const budget = new SharedRetryBudget(config.maxAttempts - 1, { clock: session.clock, backoff: config })
  const deadlineMs = session.clock.now() + config.timeoutMs
  const names = runnerNames(jit, env, session.random)
  const stats = (): BatchStats => ({
    requests: session.requests,
    attempts: session.attempts,
    retriesGranted: budget.granted,
    retriesRefused: budget.refused,
    lowestLimit: limiter.lowest,
    highestLimit: limiter.highest,
  })

  let firstError: Error | undefined
  const results = await Promise.allSettled(
    names.map((name) =>
      mintOne(name, session, budget, deadlineMs).catch((error: unknown) => {
        // The first real failure stops the batch; the others stop at their next attempt.
        if (!(error instanceof BatchAborted) && !firstError) firstError = error as Error
        session.aborted = true
        // Requests held back by a rate-limit pause would only be given up: let them notice now.
        limiter.resume()
        throw error
      }),
    ),
  )
  if (!firstError) {
    deps.onStats?.(stats())
    return { runners: results.map((r) => (r as PromiseFulfilledResult<JitRunner>).value), attempts: session.attempts }
  }
  const failed = results.filter((r) => r.status === 'rejected' && !(r.reason instanceof BatchAborted)).length
  const leftovers = [...session.registered.values()]
  let rollback = ''
  if (leftovers.length) {
    session.log(`Deleting the ${leftovers.length} runner(s) this step registered, since the batch failed.`)
    const removal = await removeRunners(config, leftovers, 'rollback', { ...deps, limiter, session })
    for (const ref of [...removal.deleted, ...removal.gone]) session.track(ref.name, undefined)
    rollback = removal.failed.length
      ? ` ${removal.failed.length} of the ${leftovers.length} runner(s) this step registered could not be deleted (the post step tries again): ${removal.failed.map((r) => r.name).join(', ')}.`
      : ` The ${leftovers.length} runner(s) this step registered were deleted.`
  }
  deps.onStats?.(stats())
  const intro = jit.count > 1 ? `${failed} of ${jit.count} runners could not be registered. ` : ''
  throw new MintError(`${intro}${firstError.message}${rollback}`, session.attempts)
}
