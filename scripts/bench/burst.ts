// One row of the benchmark: N jobs, each its own process, hit a stand-in for GitHub at the same
// instant. Starting 100 processes on two cores takes seconds, which would spread the burst by
// our own CPU contention instead of the strategies' waits; so the stand-in holds every job's
// first request until all N jobs have sent one, then releases them together. Times are counted
// from that release plus the client's start-up measured in the same run (N jobs on N machines
// start in parallel), so the process start-up is still in every figure. A JIT batch is one
// process minting all N: its hold ends at its own first request, and its tokens are its runners.
// Clients with a start spread are held earlier, at a gate before their spread begins (StartGate).
import { execFile, execFileSync } from 'node:child_process'
import { closeSync, constants, openSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { setPriority, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GitHubStandIn, type RecordedRequest } from '../../test/support/github-stand-in.js'
import { runAction } from '../../test/support/run-action.js'
import type { Client, Strategy } from './strategies.js'

/**
 * The jobs run below the stand-in's priority: GitHub does not share a CPU with its clients, and
 * when a wave of N processes wakes at once the stand-in must still answer and timestamp on time.
 */
export const JOB_PRIORITY = 10

export const FIXED_SCHEDULE = fileURLToPath(new URL('./fixed-schedule.sh', import.meta.url))
const GATE_PRELOAD = new URL('./gate-preload.mjs', import.meta.url).href

export interface FaultModel {
  /** Requests admitted at once; every other request gets an immediate 502. */
  capacity: number
  /** How long each admitted request takes. */
  latencyMs: number
  /** Everything fails for this long from the burst on, then the capacity model rules again. */
  brownoutMs?: number
}

export interface JobResult {
  /** Milliseconds from the release of the burst until each token the job obtained was sent. */
  tokensAfterMs: number[]
  /** Milliseconds from the release until the process exited. */
  exitAfterMs: number
  /** Every request the job sent: mints, and for JIT also its lookups and deletes (`otherRequests`). */
  requests: number
  /** Requests that were not a mint: a JIT step's lookups after a 409 and deletes of its own runners. */
  otherRequests: number
  /**
   * For each retry: how much later than the client's announced wait its next request arrived,
   * counted from the answer before. On separate machines a few ms; more means this machine's
   * CPU contention spread the retries.
   */
  lagsMs: number[]
}

export interface RowResult {
  jobs: JobResult[]
  wallMs: number
}

export interface ClientRun {
  token: boolean
  endedAt: number
  /** The waits the client announced before each retry ("retrying in ..." on stdout). */
  waitsMs: number[]
  /** The JIT runners the step reported in its `runners` output. */
  runners: { id: number; name: string }[]
}

/** Runs one client process against `url` as job `id`; the id is its bearer token. */
export async function runClient(
  client: Client,
  url: string,
  id: string,
  priority?: number,
  extra: { env?: Record<string, string>; onStdout?: (text: string) => void } = {},
): Promise<ClientRun> {
  if (client.kind === 'action') {
    const run = await runAction({ 'github-token': id, organization: 'bench-org', 'api-url': url, ...client.inputs }, extra.env, undefined, {
      priority,
      onStdout: extra.onStdout,
    })
    const runners = JSON.parse(run.outputs.runners ?? '[]') as { id: number; name: string }[]
    return {
      token: run.exitCode === 0 && Boolean(run.outputs.token || run.outputs['encoded-jit-config']),
      endedAt: run.endedAt,
      waitsMs: announcedWaits(run.stdout),
      runners: runners.map(({ id, name }) => ({ id, name })),
    }
  }
  const { hostname, port } = new URL(url)
  const waits = client.waitsMs.map((ms) => (ms / 1000).toFixed(3))
  const args = [FIXED_SCHEDULE, hostname, port, '/orgs/bench-org/actions/runners/registration-token', ...waits]
  const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
    const child = execFile('bash', args, { env: { PATH: process.env.PATH, GITHUB_TOKEN: id }, timeout: 120_000 }, (error, stdout) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout }),
    )
    if (priority !== undefined && child.pid !== undefined) setPriority(child.pid, priority)
  })
  return { token: code === 0, endedAt: Date.now(), waitsMs: announcedWaits(stdout), runners: [] }
}

/** "retrying in 37ms" (the action), "retrying in 1.2s" or "retrying in 0.050 s" (the script). */
function announcedWaits(stdout: string): number[] {
  return [...stdout.matchAll(/retrying in (\d+(?:\.\d+)?) ?(ms|s)\b/g)].map((m) => Number(m[1]) * (m[2] === 's' ? 1000 : 1))
}

/** The start spread sized to a burst of `hosts`: N × S ÷ C, the time the server needs to serve them all. */
export function spreadFor(hosts: number, model: FaultModel): number {
  return Math.round((hosts * model.latencyMs) / model.capacity)
}

/**
 * Holds each action process just before its start spread begins. Holding its first request, as the
 * other rows do, would undo the spread; starting N processes at once would spread them by this
 * machine's CPU contention instead. So each job is started with gate-preload.mjs, which blocks it
 * at its first ::add-mask:: line (it masks its token before it parses its inputs, draws its spread
 * and starts its deadline) reading a FIFO that nobody writes until `open()` here opens them all.
 */
class StartGate {
  private constructor(private readonly dir: string) {}

  static async create(jobs: number): Promise<StartGate> {
    const gate = new StartGate(await mkdtemp(join(tmpdir(), 'mint-runner-token-gate-')))
    for (let j = 0; j < jobs; j++) execFileSync('mkfifo', [gate.fifo(j)])
    return gate
  }

  fifo(job: number): string {
    return join(this.dir, `state-${job}`)
  }

  /** Lets every job through: each job's FIFO gets a writer that closes at once, so its read ends. */
  open(jobs: number): void {
    // Blocking opens: a job that printed its mask line may not have opened its FIFO yet.
    for (let j = 0; j < jobs; j++) closeSync(openSync(this.fifo(j), constants.O_WRONLY))
  }

  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true })
  }
}

/**
 * Runs one strategy for `hosts` hosts: a process per host, or one process for all of them (shared,
 * batch). At most `spawnLimit` processes are starting at a time (a job is starting from its spawn
 * until its first request arrives), which keeps the machine from thrashing while the burst is
 * assembled.
 */
export async function runBurst(strategy: Strategy, hosts: number, model: FaultModel, spawnLimit: number): Promise<RowResult> {
  const jobs = strategy.shared || strategy.batch ? 1 : hosts
  const client: Client =
    strategy.client.kind !== 'action'
      ? strategy.client
      : strategy.batch
        ? { ...strategy.client, inputs: { ...strategy.client.inputs, count: String(hosts) } }
        : strategy.spread
          ? { ...strategy.client, inputs: { ...strategy.client.inputs, spread: `${strategy.spread * spreadFor(hosts, model)}ms` } }
          : strategy.client
  const gate = strategy.spread ? await StartGate.create(jobs) : undefined
  const arrived = new Map<string, () => void>()
  const github = new GitHubStandIn({
    maxInFlight: model.capacity,
    latencyMs: model.latencyMs,
    onRequest: (request) => arrived.get(jobOf(request) ?? '')?.(),
  })
  const url = await github.start()
  const release = gate ? () => gate.open(jobs) : github.hold()
  const started = Date.now()
  try {
    const runs: Promise<ClientRun>[] = []
    const starts: Promise<void>[] = []
    let starting = 0
    let slotFreed: () => void = () => {}
    for (let j = 0; j < jobs; j++) {
      while (starting >= spawnLimit) await new Promise<void>((resolve) => (slotFreed = resolve))
      const id = `bench-job-${j}`
      starting++
      let done = false
      const started = new Promise<void>((resolve) =>
        arrived.set(id, () => {
          if (done) return
          done = true
          starting--
          slotFreed()
          resolve()
        }),
      )
      // A gated job has arrived once it masks its token: gate-preload.mjs then blocks it.
      const atGate = gate && {
        env: { NODE_OPTIONS: `--import=${GATE_PRELOAD}`, BENCH_GATE_FIFO: gate.fifo(j) },
        onStdout: (text: string) => void (text.includes('::add-mask::') && arrived.get(id)?.()),
      }
      const run = runClient(client, url, id, JOB_PRIORITY, atGate || {})
      // A job that exits without a request (a crash) has started too.
      void run.finally(() => arrived.get(id)?.())
      runs.push(run)
      starts.push(started)
    }
    await Promise.all(starts)
    // Each job must have exactly one request waiting: a second means a first one timed out while
    // held, and the row would not measure a burst. A batch sends several at once; its hold ends at
    // the first, so none of them can time out while held.
    const held = new Map<string, number>()
    for (const request of github.requests) held.set(jobOf(request) ?? '', (held.get(jobOf(request) ?? '') ?? 0) + 1)
    const repeated = [...held].filter(([, count]) => count > 1)
    if (gate && github.requests.length) {
      release()
      throw new Error(`${github.requests.length} job(s) of ${strategy.id} sent a request before the gate opened`)
    }
    if (repeated.length && !strategy.batch) {
      release()
      throw new Error(`${repeated.length} job(s) of ${strategy.id} retried before the burst was released; raise their attempt-timeout`)
    }
    const releasedAt = Date.now()
    if (model.brownoutMs) github.brownout(model.brownoutMs)
    release()
    const results = await Promise.all(runs)
    return {
      wallMs: Date.now() - started,
      jobs: results.map((run, j) => {
        const own = github.requests.filter((request) => jobOf(request) === `bench-job-${j}`)
        const mints = own.filter((request) => request.method === 'POST' && /\/(registration-token|generate-jitconfig)$/.test(request.path))
        const answeredAt = strategy.batch ? runnersAnsweredAt(strategy.id, run, mints, github) : tokenAnsweredAt(run, mints)
        // A batch's runners retry side by side, so its requests do not line up with its announced waits.
        const lagsMs = strategy.batch
          ? []
          : run.waitsMs.flatMap((wait, i) => {
              const answered = own[i]?.answeredAt
              return answered !== undefined && own[i + 1] ? [own[i + 1].at - answered - wait] : []
            })
        return {
          tokensAfterMs: answeredAt.map((at) => Math.max(0, at - releasedAt)),
          exitAfterMs: run.endedAt - releasedAt,
          requests: own.length,
          otherRequests: own.length - mints.length,
          lagsMs,
        }
      }),
    }
  } finally {
    await gate?.close()
    await github.close()
  }
}

/** When the job's token was sent: the 201 of its mint, if the job ended with a token. */
function tokenAnsweredAt(run: ClientRun, mints: RecordedRequest[]): number[] {
  const minted = mints.find((request) => request.status === 201)
  return run.token && minted?.answeredAt !== undefined ? [minted.answeredAt] : []
}

/**
 * When each runner of a JIT step was sent: the 201 of generate-jitconfig for its name. The step's
 * `runners` output must match the stand-in's registry (all or nothing, no duplicates, no
 * orphans); if it does not, the row's figures would be wrong, so the run stops.
 */
function runnersAnsweredAt(id: string, run: ClientRun, mints: RecordedRequest[], github: GitHubStandIn): number[] {
  const reported = run.token ? run.runners : []
  const names = (runners: { id: number; name: string }[]) =>
    runners
      .map((r) => `${r.id} ${r.name}`)
      .sort()
      .join(', ')
  if (names(reported) !== names(github.runners)) {
    throw new Error(`${id}: the step reported runners [${names(reported)}] but the stand-in registered [${names(github.runners)}]`)
  }
  return reported.map((runner) => {
    const answer = mints.filter((request) => request.status === 201 && nameIn(request) === runner.name).at(-1)
    if (answer?.answeredAt === undefined) throw new Error(`${id}: runner ${runner.name} was reported but no 201 registered it`)
    return answer.answeredAt
  })
}

function nameIn(request: RecordedRequest): string | undefined {
  try {
    return (JSON.parse(request.body) as { name?: string }).name
  } catch {
    return undefined
  }
}

function jobOf(request: RecordedRequest): string | undefined {
  return request.headers.authorization?.replace(/^Bearer /, '')
}
