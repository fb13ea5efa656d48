// What the engine reports, as the library's data: each attempt (with GitHub's request id), a
// rollback's outcomes, and the kind of a failure.
import type { ReportedAttempt } from '../retry.js'
import type { Removal } from '../jit/cleanup.js'
import { describeRemoval, notConfirmedGone } from '../jit/report.js'
import { failureKind } from '../explain.js'
import type { FailureKind } from '../types.js'
import type { PruneResult } from '../lifecycle/prune.js'
import { notDeleted } from '../lifecycle/report.js'
import type { AttemptInfo, ErrorKind, PruneReport, RollbackReport } from './api.js'

// The engine's kinds are the library's: a new kind there must be documented here first.
const SAME_KINDS: [FailureKind] extends [ErrorKind] ? ([ErrorKind] extends [FailureKind] ? true : never) : never = true
void SAME_KINDS

export function attemptInfo(record: ReportedAttempt): AttemptInfo {
  const { outcome } = record
  return {
    call: record.runner !== undefined ? `runner ${record.runner}` : (record.call?.toLowerCase() ?? 'mint'),
    attempt: record.attempt,
    succeeded: record.succeeded,
    ...(outcome.kind === 'response' ? { status: outcome.status } : { networkCode: outcome.code }),
    ...(record.requestId ? { requestId: record.requestId } : {}),
  }
}

/**
 * The kind of a failure the engine did not sort itself: from the first attempt a retry loop
 * ended on, else 'unexpected-answer'.
 */
export function kindFromRecords(records: readonly ReportedAttempt[]): ErrorKind {
  const last = records.find((record) => !record.succeeded && record.stop !== undefined && record.stop !== 'aborted')
  return last ? failureKind(last) : 'unexpected-answer'
}

/** A rollback as data; `removal` undefined: nothing had been sent, so nothing can exist. */
export function rollbackReport(removal: Removal | undefined): RollbackReport {
  const ref = ({ name, id }: { name: string; id?: number }) => (id === undefined ? { name } : { name, id })
  if (!removal) return { deleted: [], alreadyGone: [], spared: [], unknown: [], failed: [], notConfirmedGone: [], summary: '' }
  return {
    deleted: removal.deleted.map(ref),
    alreadyGone: removal.gone.map(ref),
    spared: removal.spared.map(({ entry, why }) => ({ ...ref(entry), why })),
    unknown: removal.unknown.map(ref),
    failed: removal.failed.map(({ entry, error }) => ({ ...ref(entry), error })),
    notConfirmedGone: notConfirmedGone(removal),
    summary: describeRemoval(removal),
  }
}

/** A prune's result as data; `summary` is its report in words. */
export function pruneReport(result: PruneResult, summary: string): PruneReport {
  const { deleted, alreadyGone, spared, unknown, failed } = rollbackReport(result.removal)
  return {
    dryRun: result.dryRun,
    listed: result.listed,
    notSelected: result.notSelected,
    wouldDelete: result.wouldDelete.map(({ id, name }) => ({ id, name })),
    kept: result.spared.map(({ runner, why }) => ({ id: runner.id, name: runner.name, why })),
    deletes: { deleted, alreadyGone, spared, unknown, failed },
    notConfirmedGone: notDeleted(result).map(({ runner }) => runner.name),
    summary,
  }
}
