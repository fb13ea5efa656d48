// The strategies the benchmark puts side by side. Every wait is scaled by the same factor so a
// run takes seconds; the action's own rows follow DEFAULTS, so a change of defaults shows here.
import { DEFAULTS } from '../../src/inputs.js'
import { parseDuration } from '../../src/duration.js'
import { JITTER_MODES, type Jitter } from '../../src/policy.js'
import { GITHUB_WRITE_BUDGET } from '../../src/pacer.js'

export type Client =
  /** The bundled action, run as a runner does, with these inputs (durations already scaled). */
  | { kind: 'action'; inputs: Record<string, string> }
  /** scripts/bench/fixed-schedule.sh: curl, retrying a 5xx after each of these waits. */
  | { kind: 'script'; waitsMs: number[] }

export interface Strategy {
  id: string
  label: string
  client: Client
  /** One mint serves all N hosts: a registration token registers many runners until it expires. */
  shared?: boolean
  /** One action process registers a JIT runner for each of the N hosts (`count: N`, set per run). */
  batch?: boolean
  /**
   * Independent clients with a start spread sized to the burst: `spread` = N × S ÷ C, set per run
   * (see runBurst). They are held at a gate before their spread begins, not at their first request.
   */
  spread?: number
}

export function strategies(scale: number): Strategy[] {
  const scaled = (ms: number) => Math.max(1, Math.round(ms * scale))
  const seconds = (...waits: number[]) => waits.map((s) => scaled(s * 1000))
  const actionInputs = (jitter: Jitter) => ({
    'max-attempts': DEFAULTS['max-attempts'],
    'initial-delay': `${scaled(parseDuration(DEFAULTS['initial-delay'])!)}ms`,
    'max-delay': `${scaled(parseDuration(DEFAULTS['max-delay'])!)}ms`,
    // Limits, not waits, so not scaled. The stand-in holds each job's first request until all N
    // jobs have sent one (see burst.ts), which on a busy 2-core machine can take longer than the
    // default 15s per attempt; a first attempt timing out while held would not be a burst at all.
    // After the release no request takes longer than the stand-in's latency, so the limit never
    // binds, and the default 5m deadline is far beyond the scaled waits of eight attempts.
    'attempt-timeout': '2m',
    jitter,
  })
  const defaults = `${DEFAULTS['max-attempts']} attempts, ${DEFAULTS['initial-delay']}..${DEFAULTS['max-delay']}`
  return [
    { id: 'no-retry', label: 'no retry (the reference script)', client: { kind: 'script', waitsMs: [] } },
    { id: 'incident-fix', label: "incident's fix: 4 attempts, 1/2/4 s", client: { kind: 'script', waitsMs: seconds(1, 2, 4) } },
    { id: 'octokit', label: 'Octokit plugin-retry: 1/4/9 s', client: { kind: 'script', waitsMs: seconds(1, 4, 9) } },
    ...JITTER_MODES.map((jitter) => ({
      id: `action-${jitter}`,
      label: `this action, jitter ${jitter}${jitter === DEFAULTS.jitter ? ' (default)' : ''}, ${defaults}`,
      client: { kind: 'action' as const, inputs: actionInputs(jitter) },
    })),
    {
      id: 'spread',
      label: `this action, defaults and spread N×S/C`,
      client: { kind: 'action', inputs: actionInputs(DEFAULTS.jitter) },
      spread: 1,
    },
    {
      id: 'spread-2x',
      label: `this action, defaults and spread 2×N×S/C`,
      client: { kind: 'action', inputs: actionInputs(DEFAULTS.jitter) },
      spread: 2,
    },
    {
      id: 'shared',
      label: `one mint shared by all N hosts (this action, defaults)`,
      client: { kind: 'action', inputs: actionInputs(DEFAULTS.jitter) },
      shared: true,
    },
    {
      id: 'jit',
      label: 'JIT, one step with count: N (this action, defaults)',
      client: {
        kind: 'action',
        inputs: {
          ...actionInputs(DEFAULTS.jitter),
          type: 'jit',
          labels: 'self-hosted,linux,bench',
          // GitHub's write budget, its minute scaled like every wait: unscaled, a brownout's retries
          // past 180 registrations would wait a real minute for the pace.
          'write-budget': `${GITHUB_WRITE_BUDGET.writes}/${scaled(GITHUB_WRITE_BUDGET.windowMs)}ms`,
        },
      },
      batch: true,
    },
  ]
}
