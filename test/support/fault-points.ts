// The fault-point simulation (issue 17). Each flow (the action's main and post step, the command;
// a token and GitHub App credentials; a registration token, one JIT runner, a batch of three) is
// run once clean against the stand-in, its requests recorded; every point at which it can be
// interrupted is read off that record (before and after the effect of each request, after its
// answer, the spread, the writes, stdout), and each fault that can happen there is injected at that exact point: the
// stand-in's request hook sends the signal or breaks the file when request N arrives, or once
// GitHub did its work, so there is no timing race. Paced flows (a small write budget, the
// stand-in enforcing it) add each wait for the pace as a point, read off the clean run's times
// and played by a timer while the next request has not arrived. After the step, and after the post step
// where a runner would run it, the invariant is checked: every runner registered was handed over
// to a consumer that will run, or deleted, or is named in a warning with its ownership label;
// every "deleted" was a confirmed DELETE; no secret shows; every process ended within the grace.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GitHubStandIn, type Fault, type RecordedRequest, type StandInRunner } from './github-stand-in.js'
import { StandInApp, keyLines } from './github-app.js'
import { ACTION, POST, parseOutputFile } from './run-action.js'
import { CLI } from './run-cli.js'
import { TOKEN } from './jit-scenario.js'
import { isOwnershipLabel } from '../../src/jit/ownership.js'

/** The runner's grace after SIGINT: SIGTERM comes 7.5 s later, a kill 2.5 s after that. */
export const GRACE_MS = 7500
const KILL_AFTER_SIGTERM_MS = 2500
/** How long a request held at a point waits before it is answered (if its client still waits). */
const HOLD_MS = 200
/** How far into a wait for the pace its point is: after the last answer, before the next request. */
const PACE_INTO_MS = 400
/** A process still running this long after it started is killed and reported. */
const SAFETY_MS = 60_000
const ORG = 'octo-org'
const GROUP = 'target'

export interface Flow {
  name: string
  entry: 'action' | 'command'
  app: boolean
  /** Runners to register; 0 mints a registration token. */
  count: number
  /** The flow is the post step, after a main step killed once its last registration took effect. */
  post?: boolean
  /** GitHub refuses the last registration (422) in every run: the step rolls the others back. */
  rollback?: boolean
  /**
   * Writes paced by a small `write-budget` (the stand-in enforces the same `secondaryLimit`, so a
   * refusal would be seen): registrations and deletes wait for the pace, and those waits are points.
   */
  pace?: Pace
}

export interface Pace {
  /** The input, "2/8s". */
  budget: string
  writes: number
  windowMs: number
}

/** Two writes per 8 s: the third registration of a batch waits longer than the grace after SIGINT. */
const LONG_PACE: Pace = { budget: '2/8s', writes: 2, windowMs: 8000 }
/**
 * Two writes per 3 s (the fewest a budget allows: a look and a delete are 6 points): the third
 * registration and each delete after the first wait for the pace.
 */
const SHORT_PACE: Pace = { budget: '2/3s', writes: 2, windowMs: 3000 }

/**
 * Every flow: action and command, token and App, a token, one runner and three; three batches
 * that roll back (so each rollback delete is a point); two post steps.
 */
export const FLOWS: Flow[] = [
  ...(['action', 'command'] as const).flatMap((entry) =>
    [false, true].flatMap((app) =>
      [0, 1, 3].map((count) => ({ name: `${entry} ${app ? 'app' : 'token'} ${count ? `jit×${count}` : 'mint'}`, entry, app, count })),
    ),
  ),
  { name: 'action token jit×3 rollback', entry: 'action', app: false, count: 3, rollback: true },
  { name: 'action app jit×3 rollback', entry: 'action', app: true, count: 3, rollback: true },
  { name: 'command app jit×3 rollback', entry: 'command', app: true, count: 3, rollback: true },
  { name: 'post token jit×3', entry: 'action', app: false, count: 3, post: true },
  { name: 'post app jit×3', entry: 'action', app: true, count: 3, post: true },
  // Paced: only their writes and their waits for the pace are points (the reads are the flows' above).
  { name: 'action token jit×3 paced', entry: 'action', app: false, count: 3, pace: LONG_PACE },
  { name: 'command app jit×3 paced', entry: 'command', app: true, count: 3, pace: LONG_PACE },
  { name: 'action token jit×3 rollback paced', entry: 'action', app: false, count: 3, rollback: true, pace: SHORT_PACE },
  { name: 'command token jit×3 rollback paced', entry: 'command', app: false, count: 3, rollback: true, pace: SHORT_PACE },
  { name: 'post token jit×3 paced', entry: 'action', app: false, count: 3, post: true, pace: SHORT_PACE },
  { name: 'post app jit×3 paced long', entry: 'action', app: true, count: 3, post: true, pace: LONG_PACE },
]

export type FaultName =
  /** The runner cancelling a step: SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s after that. */
  | 'cancel'
  /** A host's supervisor stopping the command. */
  | 'sigterm'
  /**
   * The signal (the runner's or the supervisor's), and GitHub stalls from then on: this request
   * and every later one hang until the step ends. The rollback cannot finish; the grace still holds.
   */
  | 'cancel+stall'
  | 'sigterm+stall'
  /** A lost machine or a kill, then the post step of the cancelled job with the state written so far. */
  | 'sigkill'
  | 'hang'
  | '5xx'
  /** The request takes effect, the connection drops before the answer. */
  | 'lost'
  /** Writes to GITHUB_OUTPUT fail from this point on (the file became a directory). */
  | 'output-fails'
  /** Writes to GITHUB_STATE fail from this point on. */
  | 'state-fails'
  /** RUNNER_TEMP does not exist. */
  | 'temp-missing'
  /** The command's reader is gone: stdout is a closed pipe. */
  | 'stdout-closed'
  /**
   * A SIGKILL, then a post step whose `with:` came out different (the runner evaluates it again):
   * another organization. The post step must clean where the runners were registered.
   */
  | 'sigkill+inputs'
  /** A runner group is deleted once the first page of groups is served: the second page shifts. The step must still find its group. */
  | 'pages-shift'

export interface Point {
  /** "start", "spread", "registration 2 arrival", "revoke effect", "runners file", "stdout", "pace before delete 2". */
  name: string
  /** The request (1-based, in arrival order) the point is at. */
  index?: number
  /**
   * 'pace': waiting for the write budget before request `index`, nothing in flight: PACE_INTO_MS
   * after the last answer before it, while request `index` has not arrived.
   */
  at?: 'arrival' | 'effect' | 'answer' | 'pace'
  spread?: boolean
}

export interface Scenario {
  flow: Flow
  point: Point
  fault: FaultName
}

export function scenarioName(s: Scenario): string {
  return `${s.flow.name} | ${s.point.name} | ${s.fault}`
}

/** What the stand-in was asked, named as the simulation's points are. */
export function describeRequests(requests: RecordedRequest[]): string[] {
  const seen = new Map<string, number>()
  return requests.map((r) => {
    const path = r.path.split('?')[0]
    const kind =
      r.method === 'GET' && path.endsWith('/installation')
        ? 'lookup'
        : path.endsWith('/access_tokens')
          ? 'installation token'
          : path === '/installation/token'
            ? 'revoke'
            : path.endsWith('/runner-groups')
              ? 'group page'
              : /\/runner-groups\/\d+\/runners$/.test(path)
                ? 'room check'
                : path === '/rate_limit'
                  ? 'rate check'
                  : path.endsWith('/generate-jitconfig')
                    ? 'registration'
                    : path.endsWith('/registration-token')
                      ? 'token mint'
                      : r.method === 'GET' && path.endsWith('/runners')
                        ? 'look-up'
                        : r.method === 'GET' && /\/runners\/\d+$/.test(path)
                          ? 'runner get'
                          : r.method === 'DELETE'
                            ? 'delete'
                            : `${r.method} ${path}`
    const n = (seen.get(kind) ?? 0) + 1
    seen.set(kind, n)
    return `${kind} ${n}`
  })
}

/**
 * The requests (1-based) that waited for the pace in a paced flow's clean run: nothing was in
 * flight before each, and it arrived at least half the budget's window after the last answer.
 */
export function pacedRequests(flow: Flow, requests: RecordedRequest[]): number[] {
  if (!flow.pace) return []
  const out: number[] = []
  requests.forEach((request, i) => {
    const before = requests.slice(0, i)
    if (!before.length || before.some((r) => r.answeredAt === undefined || r.answeredAt > request.at)) return
    const lastAnswer = Math.max(...before.map((r) => r.answeredAt!))
    if (request.at - lastAnswer >= flow.pace!.windowMs / 2) out.push(i + 1)
  })
  return out
}

/** Every point of a flow, from its clean run's requests, with the faults that can happen at each. */
export function pointsAndFaults(flow: Flow, requests: string[], paced: number[] = []): Scenario[] {
  const out: Scenario[] = []
  const add = (point: Point, faults: FaultName[]): void => faults.forEach((fault) => out.push({ flow, point, fault }))
  const signal: FaultName = flow.entry === 'command' ? 'sigterm' : 'cancel'
  const stall: FaultName = flow.entry === 'command' ? 'sigterm+stall' : 'cancel+stall'
  const main = flow.entry === 'action' && !flow.post
  // A wait for the pace: no request in flight, the next one held by the write budget.
  for (const index of paced) {
    add({ name: `pace before ${requests[index - 1]}`, index, at: 'pace' }, [signal, stall, ...(main ? (['sigkill'] as const) : [])])
  }
  if (main && !flow.pace) add({ name: 'start' }, ['output-fails', 'state-fails'])
  if (!flow.post && !flow.pace) add({ name: 'spread', spread: true }, main ? [signal, 'sigkill'] : [signal])
  requests.forEach((request, i) => {
    const index = i + 1
    const effectful = !/^(lookup|group page|room check|rate check|look-up|runner get) /.test(request)
    // A paced flow's reads and credentials are the unpaced flows' points: its own are its paced writes.
    if (flow.pace && !/^(registration|delete) /.test(request)) return
    add({ name: `${request} arrival`, index, at: 'arrival' }, [
      signal,
      stall,
      ...(main ? (['sigkill'] as const) : []),
      'hang',
      '5xx',
      ...(main ? (['output-fails'] as const) : []),
      ...(main && flow.count ? (['state-fails'] as const) : []),
    ])
    add({ name: `${request} effect`, index, at: 'effect' }, [
      signal,
      stall,
      ...(main ? (['sigkill'] as const) : []),
      ...(effectful ? (['lost'] as const) : []),
      ...(!flow.post && !flow.rollback && request === 'group page 1' ? (['pages-shift'] as const) : []),
    ])
    // After the answer: a kill only (a signal there races the step's own next move; a kill may
    // land on either side, and the post step must cope with both).
    if (main) {
      add({ name: `${request} answered`, index, at: 'answer' }, [
        'sigkill',
        ...(flow.count && request.startsWith('registration') ? (['sigkill+inputs'] as const) : []),
      ])
    }
  })
  if (main && flow.count && !flow.pace) add({ name: 'runners file' }, ['temp-missing'])
  if (flow.entry === 'command' && !flow.pace) add({ name: 'stdout' }, ['stdout-closed'])
  return out
}

/** A seeded random source (mulberry32): the same seed samples the same scenarios. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `size` scenarios, round-robin over the faults so every fault is sampled, each fault's own at random. */
export function sample(all: Scenario[], size: number, random: () => number): Scenario[] {
  const byFault = new Map<FaultName, Scenario[]>()
  for (const s of all) byFault.set(s.fault, [...(byFault.get(s.fault) ?? []), s])
  for (const list of byFault.values()) {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[list[i], list[j]] = [list[j], list[i]]
    }
  }
  const picked: Scenario[] = []
  const lists = [...byFault.values()]
  while (picked.length < Math.min(size, all.length)) {
    for (const list of lists) if (list.length && picked.length < size) picked.push(list.shift()!)
  }
  return picked
}

/** Runs `tasks` with at most `limit` at once, in order of start. */
export async function pool<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      results[i] = await task(items[i])
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

// ---------------------------------------------------------------------------------------------
// A world: one stand-in (with its App), what it ever registered, and a hook at request N.

const idleApps: StandInApp[] = []

class World {
  readonly everRegistered = new Map<number, StandInRunner>()
  arrivals = 0
  /** GitHub stalls: every request hangs (until the step under test ends). */
  stalled = false
  /** What to do with request N (1-based, in arrival order); undefined: what GitHub would. */
  hook: ((request: RecordedRequest, index: number) => Fault | undefined) | undefined
  readonly github: GitHubStandIn
  url = ''
  private registrations = 0

  constructor(
    readonly app: StandInApp | undefined,
    /** GitHub refuses this registration (1-based) with a 422 in every run: the batch rolls back. */
    private readonly refuseAt?: number,
    /** GitHub's secondary limit, enforced at the flow's write budget. */
    pace?: Pace,
  ) {
    this.github = new GitHubStandIn({
      ...(app ? { app } : { acceptToken: TOKEN }),
      ...(pace ? { secondaryLimit: { points: pace.writes * 5, windowMs: pace.windowMs } } : {}),
      onRequest: (request) => {
        this.scan()
        this.arrivals++
        const refused = this.refusal(request)
        const fault = this.hook?.(request, this.arrivals) ?? refused
        if (fault) this.github.faults.unshift(fault)
      },
    })
    // 102 groups: the one looked up by name opens the second page (a deletion on the first moves it there).
    const groups = Array.from({ length: 100 }, (_, i) => (i ? `group-${i}` : 'Default'))
    this.github.setRunnerGroups(`/orgs/${ORG}`, [...groups, GROUP, 'group-101'])
  }

  private refusal(request: RecordedRequest): Fault | undefined {
    if (!this.refuseAt || !request.path.endsWith('/generate-jitconfig') || ++this.registrations !== this.refuseAt) return undefined
    // A moment late, so that the batch's other answers come first and the rollback is the same every run.
    const body = JSON.stringify({ message: 'Invalid label', documentation_url: 'https://docs.github.com/rest' })
    return {
      handle: (_req, res) =>
        void setTimeout(() => {
          if (res.destroyed) return
          res.writeHead(422, { 'content-type': 'application/json; charset=utf-8' })
          res.end(body)
        }, HOLD_MS).unref(),
    }
  }

  static async start(flow: Flow): Promise<World> {
    // An App's RSA key takes a while to make: Apps are reused, one per world at a time.
    const app = flow.app ? (idleApps.pop() ?? new StandInApp()) : undefined
    app?.reset()
    const world = new World(app, flow.rollback ? flow.count : undefined, flow.pace)
    world.url = await world.github.start()
    return world
  }

  /** Requests the secondary limit refused in steps before the current one (see `nextStep`). */
  refusedBefore = 0

  /** Requests the secondary limit refused, in every step so far. */
  get refusals(): number {
    return this.refusedBefore + this.github.secondaryRefusals
  }

  /**
   * A new step starts with the secondary limit's window empty. Its pacer cannot know what the
   * step before it spent; at GitHub's 900 points a minute the reads a rollback spends (each
   * look-up costs 1) are a sliver of the budget, at the flows' scaled budget (10 points) they
   * would fill it and a refusal would say nothing about pacing.
   */
  nextStep(): void {
    this.refusedBefore += this.github.secondaryRefusals
    this.github.resetSecondaryLimit()
  }

  /** Notes every runner now registered (a runner lives at least until the DELETE that removes it arrives). */
  scan(): void {
    for (const runner of this.github.runners) this.everRegistered.set(runner.id, runner)
  }

  /** Ids GitHub confirmed deleted: a DELETE of a runner answered 204. */
  confirmedDeletes(): Set<number> {
    return new Set(
      this.github.requests
        .filter((r) => r.method === 'DELETE' && r.status === 204)
        .map((r) => /\/actions\/runners\/(\d+)$/.exec(r.path)?.[1])
        .filter((id): id is string => id !== undefined)
        .map(Number),
    )
  }

  /** Every secret of this world: the caller's token, the key's lines, JWTs, installation tokens, minted values. */
  credentials(): string[] {
    const app = this.app
    return app ? [...keyLines(app.privateKeyPem), ...app.jwts.map((j) => j.jwt), ...app.tokens.map((t) => t.token)] : [TOKEN]
  }

  async close(): Promise<string[]> {
    if (this.app) idleApps.push(this.app)
    try {
      await this.github.close()
      return []
    } catch (error) {
      return [`contract: ${(error as Error).message}`]
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Steps: a process started as a runner or a host starts it, signalled as they signal it.

export interface StepRun {
  exitCode: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  summary: string
  /** GITHUB_STATE as the runner reads it after the step (the part written before a write failed). */
  stateText: string
  outputs: Record<string, string>
  startedAt: number
  endedAt: number
  /** When the first signal was sent (epoch ms), if one was. */
  signalledAt?: number
  /**
   * What was read of stdout when the first signal was sent, if one was: what the command's
   * supervisor had before it sent SIGTERM. Kept by the order of events, not by their times: a
   * result printed just before the request that carries the point is read in the same
   * millisecond as the signal is sent.
   */
  stdoutBeforeSignal?: string
  firstStdoutAt?: number
  /** The safety kill ended it: it did not end by itself. */
  overran: boolean
}

interface Started {
  child: ChildProcess
  /** SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s after; or one signal. */
  signal(kind: 'cancel' | NodeJS.Signals): void
  /** Makes later writes to GITHUB_OUTPUT or GITHUB_STATE fail. */
  breakFile(which: 'output' | 'state'): void
  finished: Promise<StepRun>
  /** Resolves at the first byte on stdout or stderr. */
  firstOutput: Promise<void>
}

interface StepFiles {
  dir: string
  output: string
  state: string
  summary: string
  temp: string
}

async function stepFiles(): Promise<StepFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'mrt-fault-'))
  const files = { dir, output: join(dir, 'output'), state: join(dir, 'state'), summary: join(dir, 'summary'), temp: join(dir, 'temp') }
  await Promise.all([writeFile(files.output, ''), writeFile(files.state, ''), writeFile(files.summary, '')])
  mkdirSync(files.temp)
  return files
}

export function startProcess(args: string[], env: Record<string, string>, files?: StepFiles, closeStdout = false): Started {
  const startedAt = Date.now()
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  let firstStdoutAt: number | undefined
  let signalledAt: number | undefined
  let stdoutBeforeSignal: string | undefined
  let overran = false
  const timers: NodeJS.Timeout[] = []
  const saved: Partial<Record<'output' | 'state', string>> = {}
  let resolveFirst: () => void = () => {}
  const firstOutput = new Promise<void>((resolve) => (resolveFirst = resolve))
  if (closeStdout) child.stdout.destroy()
  child.stdout.on('data', (chunk: Buffer) => {
    firstStdoutAt ??= Date.now()
    stdout += chunk.toString()
    resolveFirst()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
    resolveFirst()
  })
  const kill = (signal: NodeJS.Signals): void => void (child.exitCode === null && child.signalCode === null && child.kill(signal))
  timers.push(setTimeout(() => ((overran = true), kill('SIGKILL')), SAFETY_MS))
  const finished = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  ).then(async ({ code, signal }) => {
    const endedAt = Date.now()
    timers.forEach(clearTimeout)
    resolveFirst()
    const read = (which: 'output' | 'state'): string => {
      if (!files) return ''
      const path = files[which]
      return saved[which] ?? (existsSync(path) && statSync(path).isFile() ? readFileSync(path, 'utf8') : '')
    }
    const run: StepRun = {
      exitCode: code,
      signal,
      stdout,
      stderr,
      summary: files ? await readFile(files.summary, 'utf8').catch(() => '') : '',
      stateText: read('state'),
      outputs: parseOutputFile(read('output')),
      startedAt,
      endedAt,
      signalledAt,
      stdoutBeforeSignal,
      firstStdoutAt,
      overran,
    }
    return run
  })
  return {
    child,
    firstOutput,
    finished,
    signal(kind) {
      // After the I/O of this turn: output the process wrote before it sent the request that
      // carries the point is read first, so stdoutBeforeSignal holds it (the two stamps may tie).
      setImmediate(() => {
        if (signalledAt === undefined) {
          signalledAt = Date.now()
          stdoutBeforeSignal = stdout
        }
        if (kind !== 'cancel') return kill(kind)
        kill('SIGINT')
        timers.push(setTimeout(() => kill('SIGTERM'), GRACE_MS))
        timers.push(setTimeout(() => kill('SIGKILL'), GRACE_MS + KILL_AFTER_SIGTERM_MS))
      })
    },
    breakFile(which) {
      if (!files || saved[which] !== undefined) return
      const path = files[which]
      saved[which] = readFileSync(path, 'utf8')
      rmSync(path)
      mkdirSync(path)
    },
  }
}

function actionInputs(flow: Flow, world: World, extra: Record<string, string>): Record<string, string> {
  const credentials: Record<string, string> = world.app
    ? { 'app-id': String(world.app.id), 'private-key': world.app.privateKeyPem }
    : { 'github-token': TOKEN }
  return {
    ...credentials,
    organization: ORG,
    'api-url': world.url,
    type: flow.count ? 'jit' : 'registration',
    ...(flow.count ? { labels: 'self-hosted,linux', 'runner-group': GROUP, count: String(flow.count) } : {}),
    'initial-delay': '10ms',
    'max-delay': '50ms',
    // Long enough that a loaded machine does not turn a clean run's request into a retry (the
    // points are read off the clean run), short enough for the hangs.
    'attempt-timeout': '3s',
    timeout: '20s',
    ...(flow.pace ? { 'write-budget': flow.pace.budget } : {}),
    ...extra,
  }
}

/** The main step (ACTION), or the post step (POST) as action.yml names them. */
function startAction(inputs: Record<string, string>, files: StepFiles, extraEnv: Record<string, string> = {}, script = ACTION): Started {
  const env = {
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    RUNNER_TEMP: files.temp,
    ...Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value])),
    ...extraEnv,
  }
  return startProcess([script], env, files)
}

function startCommand(flow: Flow, world: World, extra: string[], closeStdout: boolean): Started {
  const env: Record<string, string> = world.app
    ? { GITHUB_APP_ID: String(world.app.id), GITHUB_APP_PRIVATE_KEY: world.app.privateKeyPem }
    : { GITHUB_TOKEN: TOKEN }
  const args = [
    CLI,
    '--organization',
    ORG,
    '--api-url',
    world.url,
    '--type',
    flow.count ? 'jit' : 'registration',
    ...(flow.count ? ['--labels', 'self-hosted,linux', '--runner-group', GROUP, '--count', String(flow.count)] : []),
    ...['--initial-delay', '10ms', '--max-delay', '50ms', '--attempt-timeout', '3s', '--timeout', '20s'],
    ...(flow.pace ? ['--write-budget', flow.pace.budget] : []),
    ...extra,
  ]
  return startProcess(args, env, undefined, closeStdout)
}

function stateEnv(main: StepRun): Record<string, string> {
  const state = parseOutputFile(main.stateText)
  return Object.fromEntries(Object.entries(state).map(([name, value]) => [`STATE_${name}`, value]))
}

// ---------------------------------------------------------------------------------------------
// One scenario: the flow with one fault at one point, then the invariant.

export interface Outcome {
  scenario: Scenario
  problems: string[]
  /** The requests of the clean run (for `record`), or of this run. */
  requests: string[]
  ms: number
  /** The point was reached (the fault was injected). */
  reached: boolean
  /** How long the signalled step took to end after its first signal (a kill aside). */
  afterSignalMs?: number
  /** The requests (1-based, as in `requests`) that waited for the pace (pacedRequests). */
  paced: number[]
}

/** The fault at a request point, as the stand-in plays it. */
function requestFault(fault: FaultName, at: 'arrival' | 'effect' | 'answer', act: () => void): Fault {
  if (fault === 'hang') return { hang: true }
  if (fault === '5xx') return { status: 502, body: { message: 'Server Error' }, offContract: 'a gateway error' }
  if (fault === 'lost') return { dropAnswer: 'reset' }
  return { act, at, holdMs: HOLD_MS }
}

export async function runScenario(scenario: Scenario | { flow: Flow; clean: true }): Promise<Outcome> {
  const began = Date.now()
  const { flow } = scenario
  const point: Point | undefined = 'point' in scenario ? scenario.point : undefined
  const fault: FaultName | undefined = 'fault' in scenario ? scenario.fault : undefined
  const world = await World.start(flow)
  const problems: string[] = []
  let reached = fault === undefined
  let main: StepRun | undefined
  let post: StepRun | undefined
  let mainRequests: number | undefined
  const filesList: StepFiles[] = []
  try {
    const mainFiles = await stepFiles()
    filesList.push(mainFiles)
    const spreadInputs: Record<string, string> = point?.spread ? { spread: '60s', timeout: '2m' } : {}
    const inputs = actionInputs(flow, world, spreadInputs)
    let step: Started
    // The point and fault, on the step under test (main, or post for a post flow).
    const inject = (target: Started): void => {
      if (!point || !fault) return
      const act = (): void => {
        reached = true
        if (fault.startsWith('cancel') || fault.startsWith('sigterm')) target.signal(fault.startsWith('cancel') ? 'cancel' : 'SIGTERM')
        else if (fault === 'sigkill' || fault === 'sigkill+inputs') target.signal('SIGKILL')
        else if (fault === 'pages-shift') world.github.runnerGroups.get(`/orgs/${ORG}`)!.splice(5, 1)
        else if (fault === 'output-fails') target.breakFile('output')
        else if (fault === 'state-fails') target.breakFile('state')
      }
      if (point.at === 'pace') {
        // Once the request before the wait arrived: PACE_INTO_MS after the last answer, while the
        // next request has not arrived and none is in flight.
        const seen: RecordedRequest[] = []
        world.hook = (request) => {
          if (world.stalled) return { hang: true }
          seen.push(request)
          if (seen.length === point.index! - 1) {
            const watch = setInterval(() => {
              if (seen.length >= point.index! || target.child.exitCode !== null || target.child.signalCode !== null) {
                return clearInterval(watch)
              }
              if (seen.some((r) => r.answeredAt === undefined)) return
              if (Date.now() < Math.max(...seen.map((r) => r.answeredAt!)) + PACE_INTO_MS) return
              clearInterval(watch)
              act()
              if (fault.endsWith('+stall')) world.stalled = true
            }, 20)
          }
          return undefined
        }
      } else if (point.index !== undefined) {
        world.hook = (_request, index) => {
          if (world.stalled) return { hang: true }
          if (index !== point.index) return undefined
          reached = true
          if (fault.endsWith('+stall')) {
            act()
            world.stalled = true
            return point.at === 'effect' ? { dropAnswer: 'hang' } : { hang: true }
          }
          return requestFault(fault, point.at as 'arrival' | 'effect' | 'answer', act)
        }
      } else if (point.spread) {
        // In the spread: the process is running (it printed), no request has gone out.
        void target.firstOutput.then(() => setTimeout(act, 300))
      } else reached = true
    }
    if (flow.entry === 'command') {
      const closed = fault === 'stdout-closed'
      step = startCommand(flow, world, point?.spread ? ['--spread', '60s', '--timeout', '2m'] : [], closed)
      inject(step)
      main = await step.finished
      world.stalled = false
    } else if (flow.post) {
      // The main step, killed once its last registration took effect, no answer seen: the ledger
      // holds every runner by name (the same post step every time).
      let registrations = 0
      world.hook = (request) => {
        if (!request.path.endsWith('/generate-jitconfig')) return undefined
        // Paced, an answer that never comes would hold the next registration's pace until its attempt times out.
        if (++registrations < flow.count) return flow.pace ? undefined : { dropAnswer: 'hang' }
        return { act: () => step.signal('SIGKILL'), at: 'effect', holdMs: HOLD_MS }
      }
      step = startAction(inputs, mainFiles)
      main = await step.finished
      world.stalled = false
      world.hook = undefined
      world.arrivals = 0
      if (main.signal !== 'SIGKILL') problems.push(`setup: the main step was not killed (exit ${main.exitCode})`)
      world.nextStep()
      const postFiles = await stepFiles()
      filesList.push(postFiles)
      const postStep = startAction(inputs, postFiles, stateEnv(main), POST)
      inject(postStep)
      post = await postStep.finished
      world.stalled = false
    } else {
      if (point?.name === 'start' && fault) {
        // Broken before the step starts: its first write fails.
        const path = fault === 'output-fails' ? mainFiles.output : mainFiles.state
        rmSync(path)
        mkdirSync(path)
      }
      const env: Record<string, string> = fault === 'temp-missing' ? { RUNNER_TEMP: join(mainFiles.dir, 'missing') } : {}
      step = startAction(inputs, mainFiles, env)
      inject(step)
      main = await step.finished
      world.stalled = false
      world.hook = undefined
      mainRequests = world.github.requests.length
      world.scan()
      const signalled = main.signalledAt !== undefined
      // The runner runs the post step (post-if: failure() || cancelled()) after a failed or cancelled
      // main step; under continue-on-error a failed one leaves the job successful and it does not run,
      // so the check after the main step is that case.
      if (signalled || main.exitCode !== 0) {
        checkAfter('main', flow, world, main, undefined, problems, fault)
        const postFiles = await stepFiles()
        filesList.push(postFiles)
        world.nextStep()
        const postInputs = fault === 'sigkill+inputs' ? { ...inputs, organization: `${ORG}-moved` } : inputs
        post = await startAction(postInputs, postFiles, stateEnv(main), POST).finished
      }
    }
    world.scan()
    checkAfter(post ? 'post' : 'main', flow, world, main, post, problems, fault)
    if (process.env.FAULT_VERBOSE) {
      const show = (run: StepRun | undefined): unknown =>
        run && {
          exit: run.exitCode,
          signal: run.signal,
          ms: run.endedAt - run.startedAt,
          stdout: run.stdout.replace(/::add-mask::.*/g, '::add-mask::…'),
          stderr: run.stderr,
        }
      console.log(
        JSON.stringify(
          {
            requests: describeRequests(world.github.requests),
            statuses: world.github.requests.map((r) => r.status),
            main: show(main),
            post: show(post),
          },
          null,
          1,
        ),
      )
    }
  } catch (error) {
    problems.push(`harness: ${(error as Error).stack ?? String(error)}`)
  } finally {
    problems.push(...(await world.close()))
    await Promise.all(filesList.map((files) => rm(files.dir, { recursive: true, force: true })))
  }
  if (!reached) problems.push('the point was never reached')
  problems.splice(0, problems.length, ...new Set(problems))
  // The requests of the step under test: the post step of a post flow, else the main step.
  const { requests: all } = world.github
  const own = flow.post ? all.slice(all.length - world.arrivals) : all.slice(0, mainRequests ?? all.length)
  const requests = describeRequests(own)
  // Paced below GitHub's secondary limit: the stand-in never refused a request.
  if (flow.pace && world.refusals) {
    problems.push(`${world.refusals} request(s) refused by the secondary rate limit under a write budget of ${flow.pace.budget}`)
  }
  const signalled = [main, post].filter((run) => run?.signalledAt !== undefined && run.signal !== 'SIGKILL')
  const afterSignalMs = signalled.length ? Math.max(...signalled.map((run) => run!.endedAt - run!.signalledAt!)) : undefined
  return {
    scenario: scenario as Scenario,
    problems,
    requests,
    ms: Date.now() - began,
    reached,
    afterSignalMs,
    paced: pacedRequests(flow, own),
  }
}

// ---------------------------------------------------------------------------------------------
// The invariant.

/** Lines a person reads as warnings: ::warning:: and ::error:: of the action, stderr of the command. */
function warningLines(flow: Flow, run: StepRun): string[] {
  if (flow.entry === 'command') return run.stderr.split('\n')
  return run.stdout.split('\n').filter((line) => /^::(warning|error)( [^:]*)?::/.test(line))
}

function ownershipLabel(runner: StandInRunner): string | undefined {
  // Either form: the timed label a step makes now, or the old one.
  return runner.labels.map((l) => l.name).find((name) => isOwnershipLabel(name))
}

/**
 * The runners a step handed over to a consumer that will run: it exited 0 with them in its result,
 * and no signal came before. An action's job is cancelled by the signal whenever it comes (no
 * later step runs); the command's supervisor has what was on stdout before it sent SIGTERM.
 */
export function handedOver(flow: Flow, run: StepRun, closedStdout: boolean): Set<string> {
  if (run.exitCode !== 0 || run.signal) return new Set()
  if (flow.entry === 'command') {
    if (closedStdout) return new Set()
    // Only what was on stdout before the signal: by the order it was read in, not by its time.
    const names = (run.signalledAt === undefined ? run.stdout : (run.stdoutBeforeSignal ?? ''))
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        try {
          return (JSON.parse(Buffer.from(line, 'base64').toString()) as { name?: string }).name
        } catch {
          return undefined
        }
      })
    return new Set(names.filter((name): name is string => Boolean(name)))
  }
  if (run.signalledAt !== undefined) return new Set()
  try {
    return new Set((JSON.parse(run.outputs.runners ?? '[]') as { name: string }[]).map((r) => r.name))
  } catch {
    return new Set()
  }
}

function checkAfter(
  stage: 'main' | 'post',
  flow: Flow,
  world: World,
  main: StepRun,
  post: StepRun | undefined,
  problems: string[],
  fault: FaultName | undefined,
): void {
  const steps = stage === 'post' && post ? [main, post] : [main]
  const said = steps.flatMap((run) => warningLines(flow, run))
  if (fault === 'pages-shift' && main.exitCode !== 0)
    problems.push(`the group listing moved between pages and the step failed (exit ${main.exitCode})`)
  const given = flow.post ? new Set<string>() : handedOver(flow, main, fault === 'stdout-closed')
  const alive = new Set(world.github.runners.map((r) => r.id))
  const deleted = world.confirmedDeletes()
  // A killed main step says nothing: what it leaves is the post step's.
  const silenced = stage === 'main' && fault?.startsWith('sigkill')
  for (const runner of world.everRegistered.values()) {
    if (silenced || !alive.has(runner.id) || given.has(runner.name)) continue
    const label = ownershipLabel(runner)
    // Named as remaining: a name in "deleted N (...)" or "already gone N (...)" is not.
    const named = said
      .map((line) => line.replace(/\b(already gone|deleted( all)?) \d+ \([^)]*\)/g, ''))
      .some((line) => label && line.includes(label) && (line.includes(runner.name) || line.includes(`id ${runner.id}`)))
    if (!named) {
      problems.push(
        `after ${stage}: runner ${runner.name} (id ${runner.id}) is registered, not handed over, not deleted, and no warning names it with its label`,
      )
    }
  }
  if (problems.some((p) => p.includes('not handed over'))) {
    // Why not handed over: the exit, and the signal against the first result on stdout.
    const stdoutAt = main.firstStdoutAt === undefined ? 'no stdout' : `first stdout at ${main.firstStdoutAt - main.startedAt} ms`
    const signalAt = main.signalledAt === undefined ? 'no signal' : `signal at ${main.signalledAt - main.startedAt} ms`
    problems.push(`the main step: exit ${main.exitCode}${main.signal ? ` (${main.signal})` : ''}, ${signalAt}, ${stdoutAt}`)
  }
  // "deleted" only for a confirmed delete.
  const deletedNames = new Set([...world.everRegistered.values()].filter((r) => deleted.has(r.id)).map((r) => r.name))
  for (const run of steps) {
    for (const text of [run.stdout, run.stderr, run.summary]) {
      // Any other "deleted" in a line is a claim this check cannot verify: it must take the counted form.
      for (const line of text.split('\n')) {
        const rest = line.replace(/\bdeleted (all )?(\d+) \(([^)]*)\)/g, '').replace(/not confirmed deleted/gi, '')
        if (/\bdeleted\b/i.test(rest)) problems.push(`"deleted" in a form that names no confirmed delete: ${line.slice(0, 160)}`)
      }
      // "already gone" only for a runner that is gone (not one looked for in the wrong place).
      if (run === steps.at(-1)) {
        for (const match of text.matchAll(/\balready gone (\d+) \(([^)]*)\)/g)) {
          for (const name of match[2].split(/, /)) {
            const runner = world.github.runners.find((r) => r.name === name)
            if (runner) problems.push(`"${match[0]}": ${name} (id ${runner.id}) is still registered`)
          }
        }
      }
      for (const match of text.matchAll(/\bdeleted (all )?(\d+) \(([^)]*)\)/g)) {
        const names = match[3].split(/, /).map((entry) => entry.split(':')[0])
        if (names.length !== Number(match[2])) problems.push(`"${match[0]}" counts ${match[2]} but names ${names.length}`)
        for (const name of names) {
          if (!deletedNames.has(name)) problems.push(`"${match[0]}": ${name} was not confirmed deleted (no 204)`)
        }
      }
    }
  }
  // No secret anywhere a person reads, nor in the state; credentials never in a result.
  const credentials = world.credentials().filter(Boolean)
  const minted = world.github.minted
  for (const run of steps) {
    const lines = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'))
    const result = flow.entry === 'command' ? [] : lines
    for (const secret of [...credentials, ...minted]) {
      const where = [
        ...(flow.entry === 'command' ? [] : [['stdout', result.join('\n')]]),
        ['stderr', run.stderr],
        ['summary', run.summary],
        ['state', run.stateText],
      ].filter(([, text]) => text.includes(secret))
      for (const [name] of where)
        problems.push(`a secret (${secret.slice(0, 6)}…) in the ${name} of the ${run === main ? 'main' : 'post'} step`)
    }
    for (const secret of credentials) {
      if (run.stdout.includes(secret) && flow.entry === 'command')
        problems.push(`a credential (${secret.slice(0, 6)}…) on the command's stdout`)
      if (Object.values(run.outputs).some((value) => value.includes(secret)))
        problems.push(`a credential (${secret.slice(0, 6)}…) in an output`)
    }
    for (const value of minted) {
      if (Object.values(run.outputs).some((output) => output.includes(value)) && !run.stdout.includes(`::add-mask::${value}`)) {
        problems.push('a minted value set as an output without ::add-mask:: first')
      }
    }
  }
  // Every process ended by itself, and within the grace of a signal.
  for (const run of stage === 'post' && post ? [post] : [main]) {
    const which = run === post ? 'post' : 'main'
    if (fault?.startsWith('sigkill') && run === main) continue
    if (run.overran) problems.push(`the ${which} step was still running after ${SAFETY_MS / 1000} s`)
    if (run.signalledAt !== undefined) {
      const took = run.endedAt - run.signalledAt
      if (took > GRACE_MS) problems.push(`the ${which} step ended ${took} ms after the first signal (grace ${GRACE_MS} ms)`)
    }
    if (run.signal) problems.push(`the ${which} step was ended by ${run.signal}`)
    if (/^\s+at /m.test(run.stderr)) problems.push(`a stack trace on the ${which} step's stderr`)
  }
}
