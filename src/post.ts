// The post step (`post-if: failure() || cancelled()`): when the job failed or was cancelled after
// this action registered just-in-time runners, remove the ones its ledger still holds. Runners
// never handed over are orphans for certain and go whatever `cleanup-on-failure` says; runners
// handed over as outputs go only with `cleanup-on-failure: true`, and only if they never
// connected. Only runners with the step's ownership label are deleted. It never fails the job: a
// cleanup that goes wrong is a warning.
import * as actionsCore from '@actions/core'
import { type Config, parseInputs } from './inputs.js'
import { describeScope } from './explain.js'
import { ConcurrencyLimiter } from './limiter.js'
import { systemClock } from './retry.js'
import { stepOf, stopSignal } from './step.js'
import { type Removal, cleanupTimeoutMs, removeRunners } from './jit/cleanup.js'
import { budgetOf, pacerFor } from './pacer.js'
import { Ledger } from './jit/ledger.js'
import { foldJournal } from './jit/journal.js'
import type { LedgerEntry } from './jit/ledger.js'
import { describeRemoval } from './jit/report.js'
import { INITIAL_IN_FLIGHT, type JitDeps, MAX_IN_FLIGHT, Session } from './jit/session.js'
import { type Core, LEDGER_STATE, appDeps, maskCredentials } from './main.js'
import { withInstallationToken } from './app.js'
import { redactingCore } from './redacting-core.js'
import { type SummaryAttempt, writeSummary } from './summary.js'

/**
 * A post step stopped by SIGTERM first (no SIGINT before it) gets this long for its removal, from
 * the signal, instead of the step's cleanup phase. The runner sends SIGINT, then SIGTERM ~7.5 s
 * later, then a kill: a SIGINT comes with that 7.5 s, and the removal ends with the cleanup phase
 * like main's rollback. A lone SIGTERM (the runner or its host shutting down, a scale-down) says
 * nothing about when the kill comes: it may follow at any moment. The post step is the last line,
 * and its report (the warning naming what may remain, with the label to find it by) is all a
 * person has to act on, so it comes after one second, not after 6.5 s that a kill may cut short.
 * The revoke after the report still ends with the cleanup phase; a kill then costs only the revoke.
 */
export const POST_SIGTERM_GRACE_MS = 1000

/**
 * The post step; with no arguments it uses the real toolkit, as @github/local-action calls it (as
 * `run`). `deps.signal`, aborted with 'SIGINT' or 'SIGTERM', is the step's one signal (step.ts):
 * after it the removal ends with the step's cleanup phase, less the revoke's share while an
 * installation token lives, as main's rollback does (a SIGTERM that came first: within
 * POST_SIGTERM_GRACE_MS); the report (a warning naming what may remain, with the ownership label)
 * is still written, then the token is revoked within what is left of the phase.
 */
export async function post(toolkit: Core = actionsCore, env: NodeJS.ProcessEnv = process.env, deps: JitDeps = {}): Promise<void> {
  // As in the main step: every secret masked is registered, every text printed redacted.
  const core = redactingCore(toolkit)
  const clock = deps.clock ?? systemClock
  // The step's context, from before any signal could come: the cleanup phase is timed from it.
  const step = stepOf(deps.signal, clock)
  maskCredentials(core)
  // Every attempt, for the step summary.
  const attempts: SummaryAttempt[] = []
  // Every request and the revoke hear the step's one signal (the same context, found by it).
  deps = { ...deps, signal: step.signal, onAttempt: (attempt: SummaryAttempt) => void attempts.push(attempt) }
  // What may still exist, and the label to find it by, for a report however the cleanup ends.
  let left: { entries: LedgerEntry[]; label: string } | undefined
  try {
    // The header and every change the main step appended, folded into one ledger.
    const saved = foldJournal((name) => core.getState(name), LEDGER_STATE)
    // The main step saves its ledger before its first request: without one it registered nothing
    // (a token type, or a main step that could not write GITHUB_STATE or was killed before).
    if (!saved) return core.info('Nothing to clean up: the main step saved no list of just-in-time runners, so it registered none.')
    const ledger = Ledger.fromState(saved)
    if (!ledger) return core.warning('The saved list of runners this step registered is unreadable; nothing was removed.')
    if (ledger.entries.length === 0) return
    left = { entries: ledger.entries, label: ledger.label }
    const config = whereRegistered(
      parseInputs((name) => core.getInput(name), env),
      ledger,
      (line) => core.info(line),
    )
    const keepHandedOver = config.jit?.cleanupOnFailure === false
    const kept = keepHandedOver ? ledger.entries.filter((entry) => entry.handedOver) : []
    const checked = keepHandedOver ? ledger.entries.filter((entry) => !entry.handedOver) : ledger.entries
    left = { entries: checked, label: ledger.label }
    if (kept.length) {
      core.info(`"cleanup-on-failure" is false: the ${kept.length} runner(s) handed over as outputs are left as they are: ${names(kept)}.`)
    }
    if (checked.length === 0) return
    core.info(
      `The job failed or was cancelled; removing the ${checked.length} runner(s) this step may have registered that never connected (label ${ledger.label}): ${names(checked)}.`,
    )
    // With App credentials, an installation token of its own (none is ever saved in state), made
    // within the cleanup's bound and revoked afterwards.
    // The main step's start spread is not repeated: a cleanup has its own budget, and no burst to join.
    // That budget grows with the runners to remove, at the step's write pace (at least a minute, at most `timeout`).
    const timeoutMs = Math.min(config.timeoutMs, cleanupTimeoutMs(checked.length, budgetOf(config)))
    const cleanup = { ...config, spreadMs: undefined, timeoutMs }
    await withInstallationToken(cleanup, appDeps(core, deps), async (resolved) => {
      const limiter = new ConcurrencyLimiter({ initial: INITIAL_IN_FLIGHT, max: MAX_IN_FLIGHT, clock })
      // Paced like the main step (no GET /rate_limit to read here: within one window's budget, pacing costs nothing).
      const session = new Session(resolved, { log: (line) => core.info(line), ...deps }, limiter, ledger, pacerFor(resolved, clock))
      // A signal brings the end forward to the cleanup phase's work (step.ts): the report below
      // and the revoke after it must come before a kill.
      const deadline = step.phase(clock.now() + resolved.timeoutMs, 'work')
      const loneSigterm = (): void => {
        if (step.stoppedBy === 'SIGTERM') deadline.bringForward(step.signalledAtMs! + POST_SIGTERM_GRACE_MS)
      }
      if (step.signal.aborted) loneSigterm()
      step.signal.addEventListener('abort', loneSigterm)
      let removal: Removal
      try {
        removal = await removeRunners(checked, 'post', session, deadline)
      } finally {
        step.signal.removeEventListener('abort', loneSigterm)
        deadline.dispose()
      }
      left = undefined
      // Reported before the revoke: a kill that comes during it cannot take the report.
      const line = report(core, removal, ledger.label, stopped(step.signal))
      await writeSummary(
        core,
        {
          heading: SUMMARY_HEADING,
          fields: [
            ['Ownership label', ledger.label],
            ['Result', line],
          ],
          attempts,
        },
        env,
      )
    })
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error)
    const remain = left?.entries.length
      ? ` Runners that may remain carry the label ${left.label}; remove them by hand: ${names(left.entries)}.`
      : ''
    const line = `Cleanup of just-in-time runners failed${stopped(step.signal)}: ${why}${remain}`
    core.warning(line)
    if (left)
      await writeSummary(
        core,
        {
          heading: SUMMARY_HEADING,
          fields: [
            ['Ownership label', left.label],
            ['Result', line],
          ],
          attempts,
        },
        env,
      )
  }
}

const SUMMARY_HEADING = 'Cleanup of just-in-time runners'

export { post as run }

/** What the cleanup did: a warning when anything may remain, naming it and the label to find it by. Returns the line. */
function report(core: Core, removal: Removal, label: string, stoppedBy: string): string {
  const summary = `Cleanup of the runners this step registered${stoppedBy}: ${describeRemoval(removal)}.`
  const remain = [...removal.unknown, ...removal.failed.map((f) => f.entry)]
  if (!remain.length) {
    core.info(summary)
    return summary
  }
  const line = `${summary} Runners that may remain carry the label ${label}; remove them by hand: ${names(remain)}.`
  core.warning(line)
  return line
}

/** " (stopped by SIGTERM)" once a signal came, else nothing. */
function stopped(signal: AbortSignal | undefined): string {
  const by = stopSignal(signal)
  return by ? ` (stopped by ${by})` : ''
}

/**
 * The config to clean up with: the inputs' credentials and settings, and the scope and API the
 * main step registered in, as its ledger recorded them (the runner evaluates `with:` again for the
 * post step, so the inputs may now name another place). Said in a line when they differ. A ledger
 * saved before the place was recorded leaves the inputs' place.
 */
function whereRegistered(config: Config, ledger: Ledger, log: (line: string) => void): Config {
  const place = ledger.place
  if (!place) return config
  const now = `${describeScope(config.scope)} via ${config.apiUrl}`
  const then = `${describeScope(place.scope)} via ${place.apiUrl}`
  if (now !== then) log(`The inputs now name ${now}; the runners were registered for ${then}, and are removed there.`)
  return { ...config, scope: place.scope, apiUrl: place.apiUrl }
}

function names(entries: LedgerEntry[]): string {
  return entries.map((entry) => (entry.id === undefined ? entry.name : `${entry.name} (id ${entry.id})`)).join(', ')
}
