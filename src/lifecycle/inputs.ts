// The inputs of `type: wait` and `type: prune`: the ownership label to watch or prune, and the
// sweeper's `older-than`. inputs.ts reads them, only for those types, before any request.
import type { PruneInputs, WaitInputs } from '../types.js'
import { InputError, parseBoolean, shown } from '../input-values.js'
import { formatMs, parseDuration } from '../duration.js'
import { isOwnershipLabel } from '../jit/ownership.js'

/** Below this a host may still be booting: its runner is not yet an orphan. */
export const MIN_OLDER_THAN_MS = 5 * 60_000
/** GitHub removes offline runners after 14 days itself; a year is beyond any use. */
export const MAX_OLDER_THAN = '8760h'
const MAX_OLDER_THAN_MS = parseDuration(MAX_OLDER_THAN)!

const LABEL_FORM =
  '"mrt-", the time in base 36, "-" and 8 or more characters of [0-9a-z] (as a step of type "jit" gives it), or the old form, "mrt-" and 10 characters of [0-9a-z]'

export function parseOwnershipLabel(value: string): string {
  if (isOwnershipLabel(value)) return value.toLowerCase()
  throw new InputError(`Input "ownership-label" must be an ownership label: ${LABEL_FORM}; got ${shown(value)}.`)
}

export function parseWaitInputs(label: string): WaitInputs {
  if (!label) {
    throw new InputError(
      'Input "ownership-label" is required for type "wait": the label of the runners to wait for, as their step of type "jit" gave it.',
    )
  }
  return { ownershipLabel: parseOwnershipLabel(label) }
}

export function parsePruneInputs(label: string, olderThan: string, dryRun: string): PruneInputs {
  if (!label && !olderThan) {
    throw new InputError(
      'Input "ownership-label" or "older-than" is required for type "prune": the label of one batch (as its step of type "jit" gave it), ' +
        `or a duration of at least ${formatMs(MIN_OLDER_THAN_MS)} to prune by the age each ownership label states; got neither.`,
    )
  }
  if (label && olderThan) {
    throw new InputError(
      `Set one of inputs "ownership-label" and "older-than" for type "prune", not both; got ownership-label ${shown(label)} and older-than ${shown(olderThan)}.`,
    )
  }
  const pruneDryRun = parseBoolean('dry-run', dryRun)
  if (label) return { ownershipLabel: parseOwnershipLabel(label), dryRun: pruneDryRun }
  return { olderThanMs: parseOlderThan(olderThan), dryRun: pruneDryRun }
}

function parseOlderThan(value: string): number {
  const ms = parseDuration(value)
  if (ms !== undefined && ms >= MIN_OLDER_THAN_MS && ms <= MAX_OLDER_THAN_MS) return ms
  throw new InputError(
    `Input "older-than" must be a duration from ${formatMs(MIN_OLDER_THAN_MS)} (younger runners' hosts may still be booting) to ${MAX_OLDER_THAN}, ` +
      `such as "2h" or "30m"; got ${shown(value)}.`,
  )
}
