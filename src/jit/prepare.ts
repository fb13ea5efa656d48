// What a JIT step does once, before its first registration, all inside the step's deadline: the
// start spread, the runner group looked up by name, for a batch the rate budget, and the write
// budget's verdict on the time the batch needs. Each of these that fails, fails before any runner
// is registered, so there is nothing to roll back.
import type { Config } from '../types.js'
import { systemClock } from '../retry.js'
import { waitSpread } from '../spread.js'
import { checkRateBudget, checkWriteBudget } from '../rate-budget.js'
import { budgetOf } from '../pacer.js'
import { resolveRunnerGroup } from './groups.js'
import type { JitDeps } from './session.js'

/** Returns the configuration to register with: `runner-group` resolved to its id. */
export async function beforeRegistering(config: Config, deadlineMs: number, deps: JitDeps): Promise<Config> {
  const jit = config.jit!
  const clock = deps.clock ?? systemClock
  const random = deps.random ?? Math.random
  const log = deps.log ?? (() => {})
  const { signal } = deps
  // A cancellation during any of these ends it at once; the batch then starts nothing.
  await waitSpread(config.spreadMs, { clock, random, log, signal })
  // The group first: an unknown name is a mistake to report at once, not after a wait for a reset.
  const resolved =
    jit.runnerGroup && !signal?.aborted
      ? {
          ...config,
          jit: {
            ...jit,
            runnerGroupId: await resolveRunnerGroup(config, deadlineMs, { clock, random, log, signal, onAttempt: deps.onAttempt }),
          },
        }
      : config
  const limited = jit.count > 1 && !signal?.aborted ? await checkRateBudget(config, jit.count, deadlineMs, { clock, log, signal }) : true
  // Where GitHub has no rate limits, there is no secondary limit to stay under: writes go unpaced.
  const paced = limited ? resolved : { ...resolved, writeBudget: false as const }
  if (!signal?.aborted) checkWriteBudget(paced, jit.count, budgetOf(paced), deadlineMs - clock.now(), log)
  return paced
}
