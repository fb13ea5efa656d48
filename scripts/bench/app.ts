// The GitHub App part of `npm run bench`: one action step minting with a token and one with App
// credentials, side by side against the same stand-in: idle (how many requests each path makes:
// installation lookup, installation token, mint, revoke) and under a burst of 502s (every request
// answered 502 for a while, from the step's first request, or from its first installation-token
// request). It counts and times; it asserts nothing about speed.
import { GitHubStandIn, type RecordedRequest } from '../../test/support/github-stand-in.js'
import { StandInApp } from '../../test/support/github-app.js'
import { runAction } from '../../test/support/run-action.js'
import { DEFAULTS } from '../../src/inputs.js'
import { parseDuration } from '../../src/duration.js'

export type Credential = 'token' | 'app'
/** Where the burst of 502s begins: nowhere, at the step's first request, or at its first token request. */
export type BurstStart = 'none' | 'first-request' | 'token-request'

export interface AppRun {
  /** Requests by call, in the order lookup, token, mint, revoke. */
  requests: { lookup: number; token: number; mint: number; revoke: number }
  /** Answers that were the burst's 502s. */
  gateway502s: number
  /** The step's `attempts` output. */
  attempts: number
  minted: boolean
  /** Every installation token the App issued was revoked. */
  revoked: boolean
  /** From the spawn of the step to the 201 of its mint. */
  toTokenMs?: number
}

export interface AppScenario {
  credential: Credential
  burst: BurstStart
  runs: AppRun[]
}

const TOKEN = 'ghp_BenchAppComparisonToken0123456789'

/** The action's default retry settings, waits scaled as the other rows scale them. */
function defaults(scale: number): Record<string, string> {
  const scaled = (name: 'initial-delay' | 'max-delay') => `${Math.max(1, Math.round(parseDuration(DEFAULTS[name])! * scale))}ms`
  return { 'initial-delay': scaled('initial-delay'), 'max-delay': scaled('max-delay') }
}

function kind(request: RecordedRequest): keyof AppRun['requests'] {
  if (request.path.endsWith('/installation')) return 'lookup'
  if (request.path.endsWith('/access_tokens')) return 'token'
  if (request.method === 'DELETE' && request.path === '/installation/token') return 'revoke'
  return 'mint'
}

/** One step, with a stand-in of its own. */
export async function runAppStep(
  app: StandInApp,
  credential: Credential,
  burst: BurstStart,
  burstMs: number,
  scale: number,
): Promise<AppRun> {
  let started = false
  const github: GitHubStandIn = new GitHubStandIn({
    app,
    acceptToken: TOKEN,
    onRequest: (request) => {
      const begins = burst === 'first-request' || (burst === 'token-request' && kind(request) === 'token')
      if (begins && !started) {
        started = true
        github.brownout(burstMs)
      }
    },
  })
  const url = await github.start()
  app.reset()
  try {
    const credentials: Record<string, string> =
      credential === 'app' ? { 'app-id': String(app.id), 'private-key': app.privateKeyPem } : { 'github-token': TOKEN }
    const run = await runAction({ ...credentials, organization: 'octo-org', 'api-url': url, ...defaults(scale) })
    const requests = { lookup: 0, token: 0, mint: 0, revoke: 0 }
    for (const request of github.requests) requests[kind(request)]++
    const mint = github.requests.find((r) => kind(r) === 'mint' && r.status === 201)
    return {
      requests,
      gateway502s: github.requests.filter((r) => r.status === 502).length,
      attempts: Number(run.outputs.attempts),
      minted: run.exitCode === 0 && Boolean(run.outputs.token),
      revoked: app.tokens.every((t) => t.revoked),
      toTokenMs: mint?.answeredAt === undefined ? undefined : mint.answeredAt - run.startedAt,
    }
  } finally {
    await github.close()
  }
}

/** Every scenario, `runs` times each (the idle ones once: nothing varies). */
export async function compareAppAndToken(
  runs: number,
  burstMs: number,
  scale: number,
  log: (line: string) => void,
): Promise<AppScenario[]> {
  const app = new StandInApp()
  const plan: [Credential, BurstStart][] = [
    ['token', 'none'],
    ['app', 'none'],
    ['token', 'first-request'],
    ['app', 'first-request'],
    ['app', 'token-request'],
  ]
  // One discarded step of each kind first: the stand-in's contract check compiles each answer's
  // schema on first use (the Installation's is large), which would be counted against the first row.
  for (const credential of ['token', 'app'] as const) await runAppStep(app, credential, 'none', burstMs, scale)
  const scenarios: AppScenario[] = []
  for (const [credential, burst] of plan) {
    const scenario: AppScenario = { credential, burst, runs: [] }
    for (let i = 0; i < (burst === 'none' ? 1 : runs); i++) scenario.runs.push(await runAppStep(app, credential, burst, burstMs, scale))
    log(`GitHub App comparison: ${label(scenario)}: ${scenario.runs.filter((r) => r.minted).length}/${scenario.runs.length} minted`)
    scenarios.push(scenario)
  }
  return scenarios
}

function label({ credential, burst }: Pick<AppScenario, 'credential' | 'burst'>): string {
  const who = credential === 'app' ? '`app-id` + `private-key`' : '`github-token`'
  const when = { none: 'idle', 'first-request': 'burst from the first request', 'token-request': 'burst from the token request' }[burst]
  return `${who}, ${when}`
}

/** "3" or "2 to 5": the spread of a figure over the runs. */
function spread(values: number[]): string {
  const low = Math.min(...values)
  const high = Math.max(...values)
  return low === high ? String(low) : `${low} to ${high}`
}

export function appTable(scenarios: AppScenario[]): string {
  const lines = [
    '| one step | runs | lookup / token / mint / revoke requests | 502s | `attempts` | minted | token revoked | spawn to token (median) |',
    '| --- | --: | --- | --: | --: | --: | --: | --: |',
  ]
  for (const scenario of scenarios) {
    const { runs } = scenario
    const count = (key: keyof AppRun['requests']) => spread(runs.map((r) => r.requests[key]))
    const times = runs.flatMap((r) => (r.toTokenMs === undefined ? [] : [r.toTokenMs])).sort((a, b) => a - b)
    const median = times.length ? `${Math.round(times[Math.floor((times.length - 1) / 2)])} ms` : 'never'
    const revoked = scenario.credential === 'app' ? `${runs.filter((r) => r.revoked).length}/${runs.length}` : '–'
    lines.push(
      `| ${label(scenario)} | ${runs.length} | ${count('lookup')} / ${count('token')} / ${count('mint')} / ${count('revoke')} | ` +
        `${spread(runs.map((r) => r.gateway502s))} | ${spread(runs.map((r) => r.attempts))} | ${runs.filter((r) => r.minted).length}/${runs.length} | ${revoked} | ${median} |`,
    )
  }
  return lines.join('\n')
}
