// What the JIT unit tests share: a stand-in whose arrivals are recorded with the ledger as it
// stood when each request arrived, a JIT config, and a Session built from the real modules with a
// fake clock. Nothing here replaces one of our modules: it only wires them up as batch.ts does.
import type { Config } from '../../src/inputs.js'
import type { ReportedAttempt } from '../../src/retry.js'
import { ConcurrencyLimiter, SharedRetryBudget } from '../../src/limiter.js'
import { Deadline } from '../../src/step.js'
import { Ledger } from '../../src/jit/ledger.js'
import { type JitDeps, Session } from '../../src/jit/session.js'
import { GitHubStandIn, type RecordedRequest } from './github-stand-in.js'
import { FakeClock } from './fake-clock.js'

export const TOKEN = 'ghp_JitUnitCallerToken0123456789'
export const LABEL = 'mrt-unit012345'
export const REPO = '/repos/octo-org/octo-repo'

/** A request as the stand-in saw it, with the ledger's saved form at that moment (if a ledger was watched). */
export interface Arrival {
  call: string
  body: string
  ledger?: string
}

/** A stand-in that records each arrival along with what `watch()` returns at that moment. */
export function recordingStandIn(options: ConstructorParameters<typeof GitHubStandIn>[0] = {}): {
  github: GitHubStandIn
  arrivals: Arrival[]
  /** What to snapshot at each arrival (the ledger's saved form), and a hook to act on one. */
  hooks: { watch?: () => string; onArrival?: (request: RecordedRequest) => void }
} {
  const arrivals: Arrival[] = []
  const hooks: { watch?: () => string; onArrival?: (request: RecordedRequest) => void } = {}
  const github = new GitHubStandIn({
    acceptToken: TOKEN,
    ...options,
    onRequest: (request) => {
      arrivals.push({ call: `${request.method} ${request.path}`, body: request.body, ledger: hooks.watch?.() })
      hooks.onArrival?.(request)
    },
  })
  return { github, arrivals, hooks }
}

export function jitConfig(apiUrl: string, jit: Partial<NonNullable<Config['jit']>> = {}, overrides: Partial<Config> = {}): Config {
  return {
    githubToken: TOKEN,
    scope: { kind: 'repository', owner: 'octo-org', repo: 'octo-repo' },
    type: 'jit',
    apiUrl,
    maxAttempts: 4,
    initialDelayMs: 1000,
    maxDelayMs: 30_000,
    timeoutMs: 300_000,
    attemptTimeoutMs: 5000,
    jitter: 'none',
    jit: { labels: ['self-hosted', 'linux'], runnerGroupId: 1, workFolder: '_work', count: 1, cleanupOnFailure: true, ...jit },
    ...overrides,
  }
}

/** Everything a test looks at after driving a Session: the log, the masked values, each save of the ledger. */
export interface Rig {
  session: Session
  clock: FakeClock
  ledger: Ledger
  limiter: ConcurrencyLimiter
  budget: SharedRetryBudget
  deadline: Deadline
  lines: string[]
  masked: string[]
  saves: string[]
  attempts: ReportedAttempt[]
}

/** A Session as batch.ts builds one, with a fake clock and `random` fixed at 0.5 unless given. */
export function rig(config: Config, extra: Partial<JitDeps> & { limit?: number } = {}): Rig {
  const clock = (extra.clock as FakeClock | undefined) ?? new FakeClock()
  const lines: string[] = []
  const masked: string[] = []
  const saves: string[] = []
  const attempts: ReportedAttempt[] = []
  const ledger = new Ledger(LABEL, (saved) => saves.push(saved))
  const limit = extra.limit ?? 1
  const limiter = new ConcurrencyLimiter({ initial: limit, max: 16, clock })
  const deps: JitDeps = {
    clock,
    random: () => 0.5,
    log: (line) => lines.push(line),
    mask: (secret) => masked.push(secret),
    onAttempt: (record) => attempts.push(record),
    ...extra,
  }
  const session = new Session(config, deps, limiter, ledger)
  const budget = new SharedRetryBudget(config.maxAttempts - 1, { clock, backoff: config })
  const deadline = new Deadline(clock, clock.now() + config.timeoutMs)
  return { session, clock, ledger, limiter, budget, deadline, lines, masked, saves, attempts }
}

/** The saved ledger's runners, from its saved form. */
export function runnersOf(saved: string | undefined): { name: string; id?: number; handed_over?: boolean }[] {
  return saved === undefined ? [] : (JSON.parse(saved) as { runners: { name: string; id?: number }[] }).runners
}
