// The deadline of a phase now lives with the step's context (step.ts); these names stay for the
// modules that still import them from here.
import { CLEANUP_PHASE_MS, REVOKE_SHARE_MS } from '../step.js'

export { Deadline, type StopSignal } from '../step.js'

/** How long the work before a revoke may take after SIGINT or SIGTERM: the cleanup phase, less the revoke's share. */
export const CANCEL_GRACE_MS = CLEANUP_PHASE_MS - REVOKE_SHARE_MS
