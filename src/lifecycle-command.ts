// The command's steps after the mint: `mint-runner-token prune` (and `wait`). command.ts reads the
// options and calls these; stdout carries only the result, progress goes to the log (stderr).
import { type Config, MintError } from './types.js'
import { describeScope } from './explain.js'
import { scopeName } from './scope.js'
import { Halted } from './engine/call.js'
import type { JitDeps } from './jit/session.js'
import { prune, selectionOf } from './lifecycle/prune.js'
import { pruneFailure, pruneJson, pruneLines, selectionText } from './lifecycle/report.js'

export interface LifecycleRun {
  json: boolean
  print: (text: string) => void
  log: (line: string) => void
  deps: JitDeps
}

/** Prunes and prints, one name a line, what it deleted (with --dry-run, what it would delete); or with --json the whole report. */
export async function runPruneCommand(config: Config, { json, print, log, deps }: LifecycleRun): Promise<void> {
  const selection = selectionOf(config)
  const dry = config.prune!.dryRun ? ' (dry run: nothing is deleted)' : ''
  log(`Pruning the runners of ${describeScope(config.scope)} with ${selectionText(selection)} that are offline and not busy${dry}.`)
  let result
  try {
    result = await prune(config, { log, ...deps })
  } catch (error) {
    if (error instanceof Halted) throw new MintError('Stopped before the listing was read: nothing was deleted.', 0)
    throw error
  }
  for (const line of pruneLines(result, selection)) log(line)
  const listed = result.dryRun ? result.wouldDelete : result.removal.deleted
  print(
    json
      ? `${JSON.stringify({ ...pruneJson(result), type: 'prune', scope: config.scope.kind, target: scopeName(config.scope) })}\n`
      : listed.map((r) => `${r.name}\n`).join(''),
  )
  const failure = pruneFailure(result, selection)
  if (failure) throw new MintError(failure, 0)
}
