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
import { Halted } from '../engine/call.js'
import { prune, selectionOf } from '../lifecycle/prune.js'
import { pruneLines } from '../lifecycle/report.js'
import { waitForRunners as watch } from '../lifecycle/wait.js'
import { waitFailure, waitLines } from '../lifecycle/wait-report.js'
import type {
  MintTokenOptions,
  MintedToken,
  PruneReport,
  PruneRunnersOptions,
  RegisterRunnersOptions,
  RegisteredRunners,
  RollbackReport,
  WaitForRunnersOptions,
  WaitReport,
} from './api.js'
import { MintRunnerTokenError } from './error.js'
import { type Operation, OptionError, checkOptions, forLibrary, optionNames } from './options.js'
import { attemptInfo, kindFromRecords, pruneReport, rollbackReport } from './results.js'

export { MintRunnerTokenError } from './error.js'
// Named one by one (not `export type *`): declarations that TypeScript before 5.0 reads too.
export type {
  Duration,
  ScopeOptions,
  TokenAuth,
  AppAuth,
  Auth,
  RetryOptions,
  CallOptions,
  MintTokenOptions,
  MintedToken,
  RunnerGroupOptions,
  RunnerLabelOptions,
  RegisterRunnersOptions,
  JitRunner,
  RegisteredRunners,
  WaitForRunnersOptions,
  RunnerState,
  WaitReport,
  PruneSelection,
  PruneRunnersOptions,
  PruneReport,
  ErrorKind,
  AttemptInfo,
  RunnerRef,
  RollbackReport,
  ErrorDetails,
} from './api.js'

/** Mints a registration or remove token for a repository, an organization or an enterprise. */
export async function mintToken(options: MintTokenOptions): Promise<MintedToken> {
  const call = start('mintToken', options)
  try {
    const minted = await withInstallationToken(call.config, call.appDeps, (resolved) => mint(resolved, call.deps))
    return { token: minted.token, expiresAt: minted.expiresAt, attempts: minted.attempts }
  } catch (error) {
    throw call.failure(error, 'No token was returned.')
  } finally {
    call.end()
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
  } finally {
    call.end()
  }
}

/**
 * Waits until every runner with `ownershipLabel` has connected (online or busy), one listing per
 * poll, or until `timeout`: it resolves either way, with each runner's state (`done` false when
 * the timeout came first). It deletes nothing.
 */
export async function waitForRunners(options: WaitForRunnersOptions): Promise<WaitReport> {
  const call = start('waitForRunners', options)
  let afterAbort = 'Nothing was deleted.'
  try {
    const result = await withInstallationToken(call.config, call.appDeps, (resolved) => watch(resolved, call.deps))
    const label = call.config.wait!.ownershipLabel
    const summary = call.words(waitFailure(result, label, call.config.timeoutMs) ?? waitLines(result, label).at(-1) ?? '')
    if (result.stopped) {
      afterAbort = summary
      throw new MintError(summary, result.requests, 'aborted')
    }
    return {
      done: result.done,
      runners: result.watch.all.map(({ id, name, state, connected }) => ({ id, name, state, connected })),
      counts: result.watch.counts(),
      polls: result.polls,
      requests: result.requests,
      elapsedMs: Math.round(result.elapsedMs),
      summary,
    }
  } catch (error) {
    throw call.failure(error, afterAbort)
  } finally {
    call.end()
  }
}

/**
 * Deletes the runners of one ownership label, or of labels older than `olderThan`, that no host
 * holds (offline, not busy): never a runner without an ownership label, an online or a busy one.
 * Resolves with every outcome counted apart (`dryRun`: what it would delete). An abort starts no
 * new request; what was deleted before it is said in the AbortError's message.
 */
export async function pruneRunners(options: PruneRunnersOptions): Promise<PruneReport> {
  const call = start('pruneRunners', options)
  let afterAbort = 'The listing was not read: nothing was deleted.'
  try {
    const result = await withInstallationToken(call.config, call.appDeps, (resolved) => prune(resolved, call.deps))
    const report = pruneReport(result, call.words(pruneLines(result, selectionOf(call.config)).join(' ')))
    if (call.aborted()) {
      afterAbort = report.summary
      throw new MintError(report.summary, 0, 'aborted')
    }
    return report
  } catch (error) {
    throw call.failure(error instanceof Halted ? new MintError('Stopped before the listing was read.', 0, 'aborted') : error, afterAbort)
  } finally {
    call.end()
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
  const names = optionNames(operation)
  const words = (text: string): string => forLibrary(text, names)
  const log = checked.log && ((line: string) => checked.log!(words(line)))
  if (signal?.aborted) {
    const details = { kind: 'aborted', attempts: 0, history: [] } as const
    throw new MintRunnerTokenError(`${operation} was aborted before its first request.`, details, { cause: signal.reason })
  }
  // One step context per call, stopped by the caller's signal: its rollback and a GitHub App's
  // revoke share one cleanup phase from the abort on, as a step's do after its first signal. The
  // listener on the caller's signal is removed when the call ends (`end`): one signal may serve a
  // program's every call, and listeners left on it would pile up.
  const step = signal && new StepContext(systemClock)
  const stop = (): void => step?.cancel('SIGINT')
  signal?.addEventListener('abort', stop, { once: true })
  const deps = { signal: step?.signal, onAttempt: (record: ReportedAttempt) => void records.push(record), ...(log ? { log } : {}) }
  const appDeps = { ...deps, ...(log ? { warn: (line: string) => log(`Warning: ${line}`) } : {}) }
  return {
    end: (): void => signal?.removeEventListener('abort', stop),
    config: config as Config,
    deps,
    appDeps,
    words,
    aborted: (): boolean => signal?.aborted ?? false,
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
      return new MintRunnerTokenError(`${words(error.message)}${rolledBack}`, { kind, attempts, history, ...extra })
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
