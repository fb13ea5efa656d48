// The library entry (`import { mintToken, registerRunners } from 'mint-runner-token'`): the
// action's engine for Node programs (autoscalers, Lambda functions, Probot apps). Nothing global:
// no @actions/core, no signal handler, no process.exit, nothing on stdout or stderr unless the
// caller passes `log`. Options are checked by the action's own parsers (options.ts); every
// failure rejects with a MintRunnerTokenError.
import { MintError, mintToken as mint } from '../mint.js'
import { withInstallationToken } from '../app.js'
import { BatchFailed, mintRunners } from '../jit/batch.js'
import { Ledger, newOwnershipLabel } from '../jit/ledger.js'
import { type ReportedAttempt, systemClock } from '../retry.js'
import { StepContext } from '../step.js'
import type { Config } from '../types.js'
import type { MintTokenOptions, MintedToken, RegisterRunnersOptions, RegisteredRunners, RollbackReport } from './api.js'
import { MintRunnerTokenError } from './error.js'
import { type Operation, OptionError, checkOptions, forLibrary } from './options.js'
import { attemptInfo, kindFromRecords, rollbackReport } from './results.js'

export { MintRunnerTokenError } from './error.js'
export type * from './api.js'

/** Mints a registration or remove token for a repository, an organization or an enterprise. */
export async function mintToken(options: MintTokenOptions): Promise<MintedToken> {
  const call = start('mintToken', options)
  try {
    const minted = await withInstallationToken(call.config, call.appDeps, (resolved) => mint(resolved, call.deps))
    return { token: minted.token, expiresAt: minted.expiresAt, attempts: minted.attempts }
  } catch (error) {
    throw call.failure(error, 'No token was returned.')
  }
}

/**
 * Registers `count` just-in-time runners, all or none. When one cannot be registered, or the
 * signal aborts the call, every runner it may have registered is rolled back (only a runner with
 * the call's ownership label that never connected is deleted) before it rejects; the error's
 * `rollback` says what happened to each.
 */
export async function registerRunners(options: RegisterRunnersOptions): Promise<RegisteredRunners> {
  const call = start('registerRunners', options)
  const ledger = new Ledger(newOwnershipLabel())
  // The batch's own failure, with its rollback: the App's seam rewords the message only.
  let batchFailure: BatchFailed | undefined
  try {
    const { runners, attempts } = await withInstallationToken(call.config, call.appDeps, async (resolved) => {
      try {
        const minted = await mintRunners(resolved, {}, { ...call.deps, ledger })
        // Handed over to the caller: from here on a failure (revoking the App's token) takes none back.
        ledger.handOver(minted.runners.map((runner) => runner.name))
        return minted
      } catch (error) {
        if (error instanceof BatchFailed) batchFailure = error
        throw error
      }
    })
    return {
      runners: runners.map(({ id, name, encodedJitConfig }) => ({ id, name, encodedJitConfig })),
      ownershipLabel: ledger.label,
      attempts,
    }
  } catch (error) {
    const rollback = rollbackReport(batchFailure?.rollback)
    throw call.failure(error, describeRollback(rollback, call.config.jit!.count, ledger.label), { rollback, ownershipLabel: ledger.label })
  }
}

/** One call: its checked options, its collaborators, the attempts it made, and how a failure reads. */
function start(operation: Operation, options: unknown) {
  let checked
  try {
    checked = checkOptions(operation, options)
  } catch (error) {
    if (!(error instanceof OptionError)) throw error
    throw new MintRunnerTokenError(error.message, { kind: 'input', option: error.option, attempts: 0, history: [] })
  }
  const { config, signal } = checked
  const records: ReportedAttempt[] = []
  const log = checked.log && ((line: string) => checked.log!(forLibrary(line)))
  // One step context per call, following the caller's signal: its rollback and a GitHub App's
  // revoke share one cleanup phase from the abort on, as a step's do after its first signal.
  const step = signal && new StepContext(systemClock, signal)
  const deps = { signal: step?.signal, onAttempt: (record: ReportedAttempt) => void records.push(record), ...(log ? { log } : {}) }
  const appDeps = { ...deps, ...(log ? { warn: (line: string) => log(`Warning: ${line}`) } : {}) }
  if (signal?.aborted) {
    throw new MintRunnerTokenError(
      `${operation} was aborted before its first request.`,
      { kind: 'aborted', attempts: 0, history: [] },
      {
        cause: signal.reason,
      },
    )
  }
  return {
    config: config as Config,
    deps,
    appDeps,
    /** The error to reject with; `afterAbort` says what was left behind when the signal stopped it. */
    failure(error: unknown, afterAbort: string, extra: { rollback?: RollbackReport; ownershipLabel?: string } = {}): unknown {
      if (!(error instanceof MintError)) return error
      const history = records.map(attemptInfo)
      const attempts = error.attempts
      if (signal?.aborted) {
        const message = `${operation} was aborted after ${attempts} attempt(s). ${afterAbort}`
        return new MintRunnerTokenError(message, { kind: 'aborted', attempts, history, ...extra }, { cause: signal.reason })
      }
      const kind = error.kind ?? kindFromRecords(records)
      const rolledBack = extra.rollback?.summary ? ` ${afterAbort}` : ''
      return new MintRunnerTokenError(`${forLibrary(error.message)}${rolledBack}`, { kind, attempts, history, ...extra })
    },
  }
}

/** What a failed or aborted registerRunners left behind, in one sentence or two. */
function describeRollback(rollback: RollbackReport, count: number, label: string): string {
  if (!rollback.summary) return `None of the ${count} runner(s) had been sent for registration: nothing to roll back.`
  const left = rollback.notConfirmedGone.length
    ? ` Not confirmed deleted: ${rollback.notConfirmedGone.join(', ')}; look for any that remain by the label ${label}.`
    : ''
  return `Rollback: ${rollback.summary}.${left}`
}
