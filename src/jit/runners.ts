// GitHub's runner objects as this action reads them: the 201 of generate-jitconfig, a listing, one
// runner; and the two questions asked of a listed runner (did it ever connect, is it labelled ours).

export interface JitRunner {
  id: number
  name: string
  encodedJitConfig: string
}

/** A runner this step may have registered: the id once GitHub told us, else only the name. */
export interface RunnerRef {
  id?: number
  name: string
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
  let parsed: Record<string, unknown>
  try {
    parsed = (JSON.parse(body) ?? {}) as Record<string, unknown>
  } catch {
    return undefined
  }
  const runner = asRunner(parsed.runner)
  const config = parsed.encoded_jit_config
  if (!runner || typeof config !== 'string' || !config) return undefined
  return { id: runner.id, name: runner.name, encodedJitConfig: config }
}

export function parseRunnerList(body: string): ListedRunner[] | undefined {
  try {
    const runners = (JSON.parse(body) as { runners?: unknown })?.runners
    if (!Array.isArray(runners)) return undefined
    const parsed = runners.map(asRunner)
    return parsed.every(Boolean) ? (parsed as ListedRunner[]) : undefined
  } catch {
    return undefined
  }
}

/** A runner that never connected: no host holds it, so deleting it harms no one. */

export function neverConnected(runner: { status: string; busy: boolean }): boolean {
  return runner.status === 'offline' && !runner.busy
}

/** Whether a listed runner carries every label we asked for (the read-only ones GitHub adds aside). */
export function hasLabels(runner: ListedRunner, labels: string[]): boolean {
  const have = new Set(runner.labels.map((l) => l.name.toLowerCase()))
  return labels.every((label) => have.has(label.toLowerCase()))
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
