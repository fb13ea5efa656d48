// GitHub's runner objects as this action reads them: the 201 of generate-jitconfig, a page of a
// listing, one runner; and the questions asked of a runner before deleting it (is it ours, did it
// ever connect).
import { parseJson } from '../json.js'

export interface JitRunner {
  id: number
  name: string
  encodedJitConfig: string
}

export interface ListedRunner {
  id: number
  name: string
  status: string
  busy: boolean
  labels: { name: string }[]
}

/** A runner object as GitHub describes it (the fields we rely on). */
export function asRunner(value: unknown): ListedRunner | undefined {
  const r = (value ?? {}) as Record<string, unknown>
  if (!Number.isSafeInteger(r.id) || (r.id as number) <= 0 || typeof r.name !== 'string' || !r.name) return undefined
  if (typeof r.status !== 'string' || typeof r.busy !== 'boolean' || !Array.isArray(r.labels)) return undefined
  const labels = r.labels.filter((l): l is { name: string } => typeof (l as { name?: unknown })?.name === 'string')
  return { id: r.id as number, name: r.name, status: r.status, busy: r.busy, labels }
}

/** The 201 body of generate-jitconfig: `{runner: {id, name, ...}, encoded_jit_config}`. */
export function parseJitBody(body: string): JitRunner | undefined {
  const parsed = (parseJson(body) ?? {}) as Record<string, unknown>
  const runner = asRunner(parsed.runner)
  const config = parsed.encoded_jit_config
  if (!runner || typeof config !== 'string' || !config) return undefined
  return { id: runner.id, name: runner.name, encodedJitConfig: config }
}

/**
 * One page of `GET .../actions/runners`: `{total_count, runners: [...]}`. The enterprise
 * listing's description makes both optional (and total_count a number): no list is an empty page,
 * and no count is the runners on it. Anything else that is not that shape is unreadable.
 */
export function parseRunnerPage(body: string): { totalCount: number; runners: ListedRunner[] } | undefined {
  const parsed = parseJson(body)
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined
  const { total_count: count = undefined, runners: listed = [] } = parsed as { total_count?: unknown; runners?: unknown }
  if (!Array.isArray(listed) || (count !== undefined && (!Number.isSafeInteger(count) || (count as number) < 0))) return undefined
  const runners = listed.map(asRunner)
  if (!runners.every(Boolean)) return undefined
  return { totalCount: (count as number | undefined) ?? runners.length, runners: runners as ListedRunner[] }
}

/** A runner that never connected: no host holds it, so deleting it harms no one. */
export function neverConnected(runner: { status: string; busy: boolean }): boolean {
  return runner.status === 'offline' && !runner.busy
}

/** Whether a runner carries the step's ownership label, which no runner of anyone else can have. */
export function carriesLabel(runner: ListedRunner, label: string): boolean {
  return runner.labels.some((l) => l.name.toLowerCase() === label.toLowerCase())
}

/** Why a runner is left alone: it is not this step's, or a host holds it. */
export type SpareReason = 'not ours' | 'busy' | 'online'

/** Why a runner is left alone, or undefined when it is ours and never connected. */
export function whySpared(runner: ListedRunner, label: string): SpareReason | undefined {
  if (!carriesLabel(runner, label)) return 'not ours'
  if (neverConnected(runner)) return undefined
  return runner.busy ? 'busy' : 'online'
}
