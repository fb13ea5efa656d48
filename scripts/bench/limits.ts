// The rows of `npm run bench` under GitHub's secondary limit (900 points a minute per endpoint, a
// GET costing 1 and a write 5), enforced by the stand-in with its window scaled like every other
// wait: a batch of JIT runners in one step, a prune of a long listing, and a wait on a batch as
// its hosts come online. Each runs the bundled action once, as a runner does, against a stand-in
// of its own at the burst rows' capacity. It counts and times; it asserts nothing about speed.
import { GitHubStandIn, type RecordedRequest } from '../../test/support/github-stand-in.js'
import { type ActionRun, runAction } from '../../test/support/run-action.js'
import { READ_POINTS, WRITE_POINTS, shortestMs } from '../../src/pacer.js'
import { JOB_PRIORITY } from './burst.js'

export interface LimitModel {
  /** Requests in flight at once; every other one gets an immediate 502. */
  capacity: number
  latencyMs: number
  /** GitHub's 900 points per endpoint, in a sliding window of 60 s × scale. */
  points: number
  windowMs: number
  scale: number
}

/** GitHub's listing pages hold at most this many runners. */
const PER_PAGE = 100
const TOKEN = 'ghp_BenchSecondaryLimitToken0123456789'
const ORG = 'bench-limits'
const SCOPE = `/orgs/${ORG}`
const GOALS = { requestsPerRunner: 1.05, ofIdeal: 1.3, requestsPerPoll: 1 }

/**
 * The shortest time `items` can take when each spends `itemPoints` on one endpoint and is
 * `requests` requests one after another: the window lets ⌊points ÷ itemPoints⌋ items go, and
 * each further as many one window later (pacer.ts shortestMs); capacity C serves the last
 * window's items C at a time. Capacity alone (every item at C at a time) bounds it too, and where
 * that is longer it is the ideal.
 */
export function idealPacedMs(items: number, itemPoints: number, requests: number, model: LimitModel): number {
  if (items <= 0) return 0
  const perWindow = Math.floor(model.points / itemPoints)
  const windows = Math.ceil(items / perWindow)
  const lastWindow = items - (windows - 1) * perWindow
  const itemMs = requests * model.latencyMs
  const limited = shortestMs(items, { writes: perWindow, windowMs: model.windowMs }) + Math.ceil(lastWindow / model.capacity) * itemMs
  const served = Math.ceil(items / model.capacity) * itemMs
  return Math.max(limited, served)
}

/** A batch of N: one POST (5 points) each on generate-jitconfig. */
export function idealBatchMs(n: number, model: LimitModel): number {
  return idealPacedMs(n, WRITE_POINTS, 1, model)
}

/**
 * A prune: the listing's pages one after another (each page's link names the next; a page is a
 * GET on the listing's endpoint, never near its limit), then each delete with its look by id
 * before it: a GET and a DELETE on the same endpoint, 6 points, two requests in a row.
 */
export function idealPruneMs(listed: number, deletes: number, model: LimitModel): number {
  const pages = Math.max(1, Math.ceil(listed / PER_PAGE))
  return pages * model.latencyMs + idealPacedMs(deletes, READ_POINTS + WRITE_POINTS, 2, model)
}

/**
 * Runs the action once with the bench's scaled retry inputs and `extra`, below the stand-in's
 * priority as the burst rows run their jobs (GitHub does not share a CPU with its clients).
 */
function runStep(retry: Record<string, string>, url: string, extra: Record<string, string>): Promise<ActionRun> {
  const inputs = { ...retry, 'github-token': TOKEN, organization: ORG, 'api-url': url, ...extra }
  return runAction(inputs, {}, undefined, { priority: JOB_PRIORITY })
}

/** The pace of the steps that write (jit, prune): the limit's writes a window, at the scaled window. */
function writeBudget(model: LimitModel): Record<string, string> {
  return { 'write-budget': `${model.points / WRITE_POINTS}/${model.windowMs}ms` }
}

/** A stand-in of its own, at the bench's capacity, enforcing the secondary limit. */
async function standIn(model: LimitModel): Promise<{ github: GitHubStandIn; url: string }> {
  const github = new GitHubStandIn({
    acceptToken: TOKEN,
    maxInFlight: model.capacity,
    latencyMs: model.latencyMs,
    secondaryLimit: { points: model.points, windowMs: model.windowMs },
  })
  return { github, url: await github.start() }
}

const scaled = (ms: number, scale: number): string => `${Math.max(1, Math.round(ms * scale))}ms`

/** From the step's first request to its last answer, on the stand-in's clock. */
function apiMs(requests: RecordedRequest[]): number {
  if (!requests.length) return 0
  return Math.max(...requests.map((r) => r.answeredAt ?? r.at)) - Math.min(...requests.map((r) => r.at))
}

function failure(run: ActionRun): string | undefined {
  if (run.exitCode === 0) return undefined
  const error = run.lines.find((l) => l.startsWith('::error::'))?.replace(/^::error::/, '')
  const ended = run.signal ? `killed by ${run.signal}` : `exit ${run.exitCode}`
  return (error ?? `${ended}: ${run.stderr.trim().split('\n').at(-1) ?? ''}`).replace(/%0A/g, ' ').slice(0, 200)
}

export interface BatchFigure {
  n: number
  reported: number
  registered: number
  requests: number
  gateway502s: number
  refusals: number
  ms: number
  idealMs: number
  stateBytes: number
  outputBytes: number
  stepMs: number
  failed?: string
}

/** One step registers `n` JIT runners (`type: jit`, `count: n`). */
export async function runBatch(n: number, model: LimitModel, retry: Record<string, string>): Promise<BatchFigure> {
  const { github, url } = await standIn(model)
  try {
    // A batch under the limit needs its windows: 1,000 runners take five minutes at GitHub's pace,
    // so the step gets 10 minutes (scaled), as a user's would; the default 5m could not hold it.
    const run = await runStep(retry, url, {
      ...writeBudget(model),
      type: 'jit',
      count: String(n),
      labels: 'self-hosted,linux,bench',
      timeout: scaled(600_000, model.scale),
    })
    const reported = run.exitCode === 0 ? (JSON.parse(run.outputs.runners ?? '[]') as unknown[]).length : 0
    return {
      n,
      reported,
      registered: github.runners.length,
      requests: github.requests.length,
      gateway502s: github.rejected,
      refusals: github.secondaryRefusals,
      ms: apiMs(github.requests),
      idealMs: idealBatchMs(n, model),
      stateBytes: run.stateBytes,
      outputBytes: run.outputBytes,
      stepMs: run.durationMs,
      failed: failure(run),
    }
  } finally {
    await github.close()
  }
}

export interface PruneFigure {
  listed: number
  toDelete: number
  deleted: number
  kept: number
  /** Runners left in the stand-in's registry, and whether exactly the chosen ones went. */
  remaining: number
  exact: boolean
  pages: number
  looks: number
  deletes: number
  requests: number
  gateway502s: number
  refusals: number
  ms: number
  idealMs: number
  failed?: string
}

/** An ownership label made `agoMs` ago, as a step of type jit makes one. */
function ownershipLabel(agoMs: number, random: string): string {
  return `mrt-${Math.floor((Date.now() - agoMs) / 1000).toString(36)}-${random}`
}

/**
 * `type: prune` by ownership label over a registry of `listed` runners: `toDelete` of the label,
 * offline and idle; the rest, in turn, of the label and online, of the label and busy, of another
 * step's label (offline), and without an ownership label (offline).
 */
export async function runPrune(listed: number, toDelete: number, model: LimitModel, retry: Record<string, string>): Promise<PruneFigure> {
  const { github, url } = await standIn(model)
  const label = ownershipLabel(10 * 60_000, 'benchprune')
  const other = ownershipLabel(10 * 60_000, 'otherbatch')
  const chosen = new Set<string>()
  for (let i = 0; i < listed; i++) {
    const name = `bench-runner-${i}`
    const kind = i < toDelete ? -1 : (i - toDelete) % 4
    if (kind === -1) chosen.add(name)
    const labels = ['self-hosted', 'linux', ...(kind === 2 ? [other] : kind === 3 ? [] : [label])]
    github.register(SCOPE, name, { labels, status: kind === 0 || kind === 1 ? 'online' : 'offline', busy: kind === 1 })
  }
  try {
    const run = await runStep(retry, url, {
      ...writeBudget(model),
      type: 'prune',
      'ownership-label': label,
      timeout: scaled(300_000, model.scale),
    })
    const left = new Set(github.runners.map((r) => r.name))
    const byId = (r: RecordedRequest): boolean => /\/actions\/runners\/\d+$/.test(r.path)
    return {
      listed,
      toDelete,
      deleted: Number(run.outputs.pruned ?? 0),
      kept: Number(run.outputs.kept ?? 0),
      remaining: left.size,
      exact: left.size === listed - chosen.size && [...chosen].every((name) => !left.has(name)),
      pages: github.requests.filter((r) => r.method === 'GET' && /\/actions\/runners\?/.test(r.path)).length,
      looks: github.requests.filter((r) => r.method === 'GET' && byId(r)).length,
      deletes: github.requests.filter((r) => r.method === 'DELETE' && byId(r)).length,
      requests: github.requests.length,
      gateway502s: github.rejected,
      refusals: github.secondaryRefusals,
      ms: apiMs(github.requests),
      idealMs: idealPruneMs(listed, toDelete, model),
      failed: failure(run),
    }
  } finally {
    await github.close()
  }
}

export interface WaitFigure {
  runners: number
  connected: number
  bootMs: number
  polls: number
  listings: number
  requests: number
  ms: number
  failed?: string
}

/**
 * `type: wait` on `n` runners of one label, registered offline; from the step's first listing on,
 * the stand-in brings them online one by one, evenly over `bootMs` (the hosts booting).
 */
export async function runWait(n: number, bootMs: number, model: LimitModel, retry: Record<string, string>): Promise<WaitFigure> {
  const { github, url } = await standIn(model)
  const label = ownershipLabel(60_000, 'benchwait0')
  const names = Array.from({ length: n }, (_, i) => `bench-host-${i}`)
  for (const name of names) github.register(SCOPE, name, { labels: ['self-hosted', 'linux', label] })
  let firstListingAt = 0
  let booted = 0
  github.beforeListing = () => {
    firstListingAt ||= Date.now()
    const due = Math.min(n, Math.floor(((Date.now() - firstListingAt) / bootMs) * n))
    for (; booted < due; booted++) github.setRunner(names[booted], { status: 'online' })
  }
  try {
    const run = await runStep(retry, url, { type: 'wait', 'ownership-label': label, timeout: scaled(300_000, model.scale) })
    return {
      runners: n,
      connected: Number(run.outputs.online ?? 0) + Number(run.outputs.busy ?? 0),
      bootMs,
      polls: run.lines.filter((line) => /^Poll \d+:/.test(line)).length,
      listings: github.listingCount,
      requests: github.requests.length,
      ms: apiMs(github.requests),
      failed: failure(run),
    }
  } finally {
    await github.close()
  }
}

const ms = (value: number): string => `${Math.round(value)} ms`
const ratio = (a: number, b: number, digits = 2): string => (b ? (a / b).toFixed(digits) : '–')
const bytes = (value: number): string =>
  value >= 1024 * 1024 ? `${(value / 1024 / 1024).toFixed(1)} MiB` : `${(value / 1024).toFixed(0)} KiB`
const failedNote = (failed: string | undefined): string => (failed ? `failed: ${failed.replace(/\|/g, '\\|')}` : 'ok')

export function batchTable(rows: BatchFigure[]): string {
  const lines = [
    `| batch | runners | requests | requests/runner (goal ≤ ${GOALS.requestsPerRunner}) | 502s | secondary-limit refusals (goal 0) | first request to last answer | ideal | × ideal (goal ≤ ${GOALS.ofIdeal}) | GITHUB_STATE | GITHUB_OUTPUT | step, spawn to exit | outcome |`,
    '| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --- |',
  ]
  for (const r of rows) {
    const runners = `${r.reported}/${r.n}${r.registered === r.reported ? '' : ` (stand-in registered ${r.registered})`}`
    lines.push(
      `| \`type: jit\`, \`count: ${r.n}\` | ${runners} | ${r.requests} | ${ratio(r.requests, r.n)} | ${r.gateway502s} | ${r.refusals} | ` +
        `${ms(r.ms)} | ${ms(r.idealMs)} | ${ratio(r.ms, r.idealMs)} | ${bytes(r.stateBytes)} | ${bytes(r.outputBytes)} | ${ms(r.stepMs)} | ${failedNote(r.failed)} |`,
    )
  }
  return lines.join('\n')
}

export function pruneTable(rows: PruneFigure[]): string {
  const lines = [
    `| prune | listed | deleted | kept | left in the registry | requests (pages / looks / deletes / other) | 502s | secondary-limit refusals | first request to last answer | ideal | × ideal (goal ≤ ${GOALS.ofIdeal}) | outcome |`,
    '| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --- |',
  ]
  for (const r of rows) {
    const other = r.requests - r.pages - r.looks - r.deletes
    lines.push(
      `| \`type: prune\`, \`ownership-label\`, ${r.toDelete} to delete | ${r.listed} | ${r.deleted}/${r.toDelete} | ${r.kept} | ` +
        `${r.remaining}${r.exact ? '' : ' (not the chosen ones)'} | ${r.requests} (${r.pages} / ${r.looks} / ${r.deletes} / ${other}) | ${r.gateway502s} | ${r.refusals} | ` +
        `${ms(r.ms)} | ${ms(r.idealMs)} | ${ratio(r.ms, r.idealMs)} | ${failedNote(r.failed)} |`,
    )
  }
  return lines.join('\n')
}

export function waitTable(rows: WaitFigure[]): string {
  const lines = [
    `| wait | runners | connected | hosts booted over | polls | requests (listing pages) | requests/poll (goal ≤ ${GOALS.requestsPerPoll}) | first request to last answer | requests/minute | outcome |`,
    '| --- | --: | --: | --: | --: | --: | --: | --: | --: | --- |',
  ]
  for (const r of rows) {
    lines.push(
      `| \`type: wait\` | ${r.runners} | ${r.connected}/${r.runners} | ${ms(r.bootMs)} | ${r.polls} | ${r.requests} (${r.listings}) | ${ratio(r.requests, r.polls)} | ` +
        `${ms(r.ms)} | ${r.ms ? ((r.requests * 60_000) / r.ms).toFixed(0) : '–'} | ${failedNote(r.failed)} |`,
    )
  }
  return lines.join('\n')
}
