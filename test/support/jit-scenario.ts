// What the JIT scenario files share: the caller's token, the scope, the inputs of a fast JIT step,
// and the two things read back from a run (its error line, the ledger it saved for the post step).
import type { ActionRun } from './run-action.js'

export const TOKEN = 'ghp_StandInCallerToken0123456789abcdef'
export const SCOPE = '/repos/octo-org/octo-repo'
export const FAST = { 'initial-delay': '10ms', 'max-delay': '50ms' }

/** The inputs of a JIT step against the stand-in at `apiUrl`, with short backoff. */
export function jitInputs(apiUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'github-token': TOKEN,
    repository: 'octo-org/octo-repo',
    'api-url': apiUrl,
    type: 'jit',
    labels: 'self-hosted,linux',
    ...FAST,
    ...extra,
  }
}

export function errorLine(run: ActionRun): string {
  return run.lines.find((line) => line.startsWith('::error::')) ?? ''
}

/** The ledger the main step saved for its post step. */
export function ledgerState(run: ActionRun): {
  label: string
  scope?: Record<string, string>
  api_url?: string
  runners: { name: string; id?: number; handed_over?: boolean }[]
} {
  return JSON.parse(run.state.ledger)
}
