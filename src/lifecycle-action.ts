// The action's steps after the mint: `type: wait` and `type: prune`. main.ts reads the inputs and
// calls these; each sets its outputs, logs, and returns what the step summary shows, or throws a
// MintError (outputs already set) that main.ts reports.
import type * as actionsCore from '@actions/core'
import { type Config, MintError } from './types.js'
import { describeScope } from './explain.js'
import { Halted } from './engine/call.js'
import type { JitDeps } from './jit/session.js'
import { withInstallationToken } from './app.js'
import { prune, selectionOf } from './lifecycle/prune.js'
import { kept, notDeleted, pruneFailure, pruneLines, selectionText } from './lifecycle/report.js'
import { waitForRunners } from './lifecycle/wait.js'
import { countsText, waitFailure, waitLines } from './lifecycle/wait-report.js'
import { formatMs } from './duration.js'
import { escapeControls } from './server-text.js'
import type { SummaryRecord } from './summary.js'

type StepCore = Pick<typeof actionsCore, 'info' | 'setOutput' | 'warning' | 'setSecret'>

/** What a successful step adds to the summary, as main.ts's own steps return it. */
export type StepDone = Omit<SummaryRecord, 'attempts'> & { success: string }

export async function runPrune(core: StepCore, config: Config, deps: JitDeps): Promise<StepDone> {
  const selection = selectionOf(config)
  const info = (line: string): void => core.info(escapeControls(line))
  const dry = config.prune!.dryRun ? ' (dry run: nothing is deleted)' : ''
  info(`Pruning the runners of ${describeScope(config.scope)} with ${selectionText(selection)} that are offline and not busy${dry}.`)
  let result
  try {
    // With App credentials, an installation token first (on the step's budget), revoked after.
    const appDeps = {
      log: info,
      warn: (line: string) => core.warning(escapeControls(line)),
      mask: (s: string) => core.setSecret(s),
      ...deps,
    }
    result = await withInstallationToken(config, appDeps, (resolved) => prune(resolved, { ...deps, log: info }))
  } catch (error) {
    if (error instanceof Halted || deps.signal?.aborted) throw new MintError('Stopped before the listing was read: nothing was deleted.', 0)
    throw error
  }
  for (const line of pruneLines(result, selection)) info(line)
  const left = kept(result)
  core.setOutput('pruned', String(result.removal.deleted.length))
  core.setOutput('kept', String(left.length))
  const failure = pruneFailure(result, selection)
  if (failure) throw new MintError(failure, 0)
  const rows: [string, string][] = [
    ...result.removal.deleted.map((r): [string, string] => ['Deleted', r.name]),
    ...result.wouldDelete.map((r): [string, string] => ['Would delete', r.name]),
    ...result.removal.gone.map((r): [string, string] => ['Already gone', r.name]),
    ...left.map(({ runner, why }): [string, string] => ['Kept', `${runner.name} (${why})`]),
    ...notDeleted(result).map(({ runner, why }): [string, string] => ['Could not delete', `${runner.name} (${why})`]),
  ]
  return {
    heading: result.dryRun ? 'Prune, dry run: nothing deleted' : 'Runners pruned',
    success: 'listed',
    fields: [
      ['Selection', `${selectionText(selection)}, offline and not busy`],
      ['Listed', String(result.listed)],
      [result.dryRun ? 'Would delete' : 'Deleted', String(result.dryRun ? result.wouldDelete.length : result.removal.deleted.length)],
      ['Kept', String(left.length)],
    ],
    made: { rows, leftOutNote: (count) => `${count} more runner(s) are not listed here; the log names every one.` },
  }
}

export async function runWait(core: StepCore, config: Config, deps: JitDeps): Promise<StepDone> {
  const label = config.wait!.ownershipLabel
  const info = (line: string): void => core.info(escapeControls(line))
  info(
    `Waiting up to ${formatMs(config.timeoutMs)} for the runners of ${describeScope(config.scope)} with the label ${label} to connect (online or busy); one listing per poll.`,
  )
  const appDeps = { log: info, warn: (line: string) => core.warning(escapeControls(line)), mask: (s: string) => core.setSecret(s), ...deps }
  const result = await withInstallationToken(config, appDeps, (resolved) => waitForRunners(resolved, { ...deps, log: info }))
  for (const line of waitLines(result, label)) info(line)
  const counts = result.watch.counts()
  core.setOutput('online', String(counts.online))
  core.setOutput('busy', String(counts.busy))
  core.setOutput('gone', String(counts.gone))
  core.setOutput('disconnected', String(counts.disconnected))
  core.setOutput('never-connected', String(counts.neverConnected))
  const failure = waitFailure(result, label, config.timeoutMs)
  if (failure) throw new MintError(failure, 0)
  return {
    heading: 'Runners connected',
    success: 'listed',
    fields: [
      ['Ownership label', label],
      ['Runners', countsText(result)],
      ['Waited', `${formatMs(result.elapsedMs)} (${result.polls} poll(s), ${result.requests} request(s))`],
    ],
    made: {
      rows: result.watch.all.map((r): [string, string] => [`Runner ${r.id}`, `${r.name}: ${r.state}`]),
      leftOutNote: (count) => `${count} more runner(s) are not listed here.`,
    },
  }
}
