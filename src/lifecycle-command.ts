// The command's steps after the mint: `mint-runner-token wait` and `mint-runner-token prune`. command.ts reads the
// options and calls these; stdout carries only the result, progress goes to the log (stderr).
import { type Config, MintError } from './types.js'
import { describeScope } from './explain.js'
import { scopeName } from './scope.js'
import { Halted } from './engine/call.js'
import type { JitDeps } from './jit/session.js'
import { withInstallationToken } from './app.js'
import { prune, selectionOf } from './lifecycle/prune.js'
import { waitForRunners } from './lifecycle/wait.js'
import { waitFailure, waitJson, waitLines } from './lifecycle/wait-report.js'
import { formatMs } from './duration.js'
import { pruneFailure, pruneJson, pruneLines, selectionText } from './lifecycle/report.js'

export interface LifecycleRun {
  json: boolean
  /** Prints the result through the command's redaction point; nothing in it is a secret handed over. */
  print: (text: string, handedOver: string[]) => Promise<void>
  log: (line: string) => void
  /** A warning, said even with --quiet. */
  warn: (line: string) => void
  deps: JitDeps
}

/** Prunes and prints, one name a line, what it deleted (with --dry-run, what it would delete); or with --json the whole report. */
export async function runPruneCommand(config: Config, { json, print, log, warn, deps }: LifecycleRun): Promise<void> {
  const selection = selectionOf(config)
  const dry = config.prune!.dryRun ? ' (dry run: nothing is deleted)' : ''
  log(`Pruning the runners of ${describeScope(config.scope)} with ${selectionText(selection)} that are offline and not busy${dry}.`)
  let result
  try {
    // With App credentials, an installation token first (on the run's budget), revoked after.
    const appDeps = { log, warn, ...deps }
    result = await withInstallationToken(config, appDeps, (resolved) => prune(resolved, { log, ...deps }))
  } catch (error) {
    if (error instanceof Halted || deps.signal?.aborted) throw new MintError('Stopped before the listing was read: nothing was deleted.', 0)
    throw error
  }
  for (const line of pruneLines(result, selection)) log(line)
  const listed = result.dryRun ? result.wouldDelete : result.removal.deleted
  await print(
    json
      ? `${JSON.stringify({ ...pruneJson(result), type: 'prune', scope: config.scope.kind, target: scopeName(config.scope) })}\n`
      : listed.map((r) => `${r.name}\n`).join(''),
    [],
  )
  const failure = pruneFailure(result, selection)
  if (failure) throw new MintError(failure, 0)
}

/** Waits, and prints each runner's state and name, one a line; or with --json the whole report. */
export async function runWaitCommand(config: Config, { json, print, log, warn, deps }: LifecycleRun): Promise<void> {
  const label = config.wait!.ownershipLabel
  log(
    `Waiting up to ${formatMs(config.timeoutMs)} for the runners of ${describeScope(config.scope)} with the label ${label} to connect (online or busy).`,
  )
  const appDeps = { log, warn, ...deps }
  const result = await withInstallationToken(config, appDeps, (resolved) => waitForRunners(resolved, { log, ...deps }))
  for (const line of waitLines(result, label)) log(line)
  await print(
    json
      ? `${JSON.stringify({ ...waitJson(result, label), type: 'wait', scope: config.scope.kind, target: scopeName(config.scope) })}\n`
      : result.watch.all.map((r) => `${r.state} ${r.name}\n`).join(''),
    [],
  )
  const failure = waitFailure(result, label, config.timeoutMs)
  if (failure) throw new MintError(failure, 0)
}
