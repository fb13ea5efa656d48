// The post step (`post-if: failure() || cancelled()`): when the job failed or was cancelled after
// this action registered just-in-time runners, remove the ones its ledger still holds. Runners
// never handed over are orphans for certain and go whatever `cleanup-on-failure` says; runners
// handed over as outputs go only with `cleanup-on-failure: true`, and only if they never
// connected. Only runners with the step's ownership label are deleted. It never fails the job: a
// cleanup that goes wrong is a warning.
import * as actionsCore from '@actions/core'
import { parseInputs } from './inputs.js'
import { ConcurrencyLimiter } from './limiter.js'
import { systemClock } from './retry.js'
import { CLEANUP_TIMEOUT_MS, removeRunners } from './jit/cleanup.js'
import { Deadline } from './jit/deadline.js'
import { Ledger } from './jit/ledger.js'
import type { LedgerEntry } from './jit/ledger.js'
import { describeRemoval } from './jit/report.js'
import { INITIAL_IN_FLIGHT, type JitDeps, MAX_IN_FLIGHT, Session } from './jit/session.js'
import { type Core, LEDGER_STATE, appDeps, maskCredentials } from './main.js'
import { withInstallationToken } from './app.js'
import { redactingCore } from './redacting-core.js'

/** The post step; with no arguments it uses the real toolkit, as @github/local-action calls it (as `run`). */
export async function post(toolkit: Core = actionsCore, env: NodeJS.ProcessEnv = process.env, deps: JitDeps = {}): Promise<void> {
  // As in the main step: every secret masked is registered, every text printed redacted.
  const core = redactingCore(toolkit)
  maskCredentials(core)
  try {
    const saved = core.getState(LEDGER_STATE)
    if (!saved) return
    const ledger = Ledger.fromState(saved)
    if (!ledger) return core.warning('The saved list of runners this step registered is unreadable; nothing was removed.')
    if (ledger.entries.length === 0) return
    const config = parseInputs((name) => core.getInput(name), env)
    const keepHandedOver = config.jit?.cleanupOnFailure === false
    const kept = keepHandedOver ? ledger.entries.filter((entry) => entry.handedOver) : []
    const checked = ledger.entries.filter((entry) => !kept.includes(entry))
    if (kept.length) {
      core.info(`"cleanup-on-failure" is false: the ${kept.length} runner(s) handed over as outputs are left as they are: ${names(kept)}.`)
    }
    if (checked.length === 0) return
    core.info(
      `The job failed or was cancelled; removing the ${checked.length} runner(s) this step may have registered that never connected (label ${ledger.label}): ${names(checked)}.`,
    )
    const clock = deps.clock ?? systemClock
    // With App credentials, an installation token of its own (none is ever saved in state), made
    // within the cleanup's bound and revoked afterwards.
    // The main step's start spread is not repeated: a cleanup has its minute, and no burst to join.
    const cleanup = { ...config, spreadMs: undefined, timeoutMs: Math.min(config.timeoutMs, CLEANUP_TIMEOUT_MS) }
    const removal = await withInstallationToken(cleanup, appDeps(core, deps), async (resolved) => {
      const limiter = new ConcurrencyLimiter({ initial: INITIAL_IN_FLIGHT, max: MAX_IN_FLIGHT, clock })
      const session = new Session(resolved, { log: (line) => core.info(line), ...deps }, limiter, ledger)
      const deadline = new Deadline(clock, clock.now() + resolved.timeoutMs)
      const removed = await removeRunners(checked, 'post', session, deadline)
      deadline.dispose()
      return removed
    })
    const summary = `Cleanup of the runners this step registered: ${describeRemoval(removal)}.`
    if (removal.unknown.length || removal.failed.length) {
      core.warning(`${summary} Runners that remain carry the label ${ledger.label}; remove them by hand.`)
    } else core.info(summary)
  } catch (error) {
    core.warning(`Cleanup of just-in-time runners failed: ${error instanceof Error ? error.message : String(error)}`)
  }
}

export { post as run }

function names(entries: LedgerEntry[]): string {
  return entries.map((entry) => (entry.id === undefined ? entry.name : `${entry.name} (id ${entry.id})`)).join(', ')
}
