// The action's steps after the mint: `type: prune` (and `type: wait`). main.ts reads the inputs and
// calls these; each sets its outputs, logs, and returns what the step summary shows, or throws a
// MintError (outputs already set) that main.ts reports.
import type * as actionsCore from '@actions/core'
import { type Config, MintError } from './types.js'
import { describeScope } from './explain.js'
import { Halted } from './engine/call.js'
import type { JitDeps } from './jit/session.js'
import { prune, selectionOf } from './lifecycle/prune.js'
import { kept, notDeleted, pruneFailure, pruneLines, selectionText } from './lifecycle/report.js'
import { escapeControls } from './server-text.js'
import type { SummaryRecord } from './summary.js'

type StepCore = Pick<typeof actionsCore, 'info' | 'setOutput'>

/** What a successful step adds to the summary, as main.ts's own steps return it. */
export type StepDone = Omit<SummaryRecord, 'attempts'> & { success: string }

export async function runPrune(core: StepCore, config: Config, deps: JitDeps): Promise<StepDone> {
  const selection = selectionOf(config)
  const info = (line: string): void => core.info(escapeControls(line))
  const dry = config.prune!.dryRun ? ' (dry run: nothing is deleted)' : ''
  info(`Pruning the runners of ${describeScope(config.scope)} with ${selectionText(selection)} that are offline and not busy${dry}.`)
  let result
  try {
    result = await prune(config, { ...deps, log: info })
  } catch (error) {
    if (error instanceof Halted) throw new MintError('Stopped before the listing was read: nothing was deleted.', 0)
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
