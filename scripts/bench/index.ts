// `npm run bench`: N provisioning jobs start at once against a stand-in for GitHub that admits only
// C requests in flight and answers every other one with an immediate 502, for each strategy side
// by side; then the same under a brownout. Prints markdown tables on stdout (progress on stderr);
// with --out writes DIR/bench.md and DIR/bench.svg; with --page updates the summary table of docs/why-jitter.md.
// Then one step with GitHub App credentials side by side with one with a token, idle and under a
// burst of 502s (scripts/bench/app.ts). Then, under GitHub's secondary limit, a batch of JIT
// runners in one step, a prune and a wait (scripts/bench/limits.ts). It measures and asserts
// nothing about speed. Needs a built dist/ (npm run bench builds first).
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import * as prettier from 'prettier'
import { JOB_PRIORITY, runBurst, spreadFor, type FaultModel } from './burst.js'
import { tokensOverTimeSvg, type Panel } from './chart.js'
import { markdownTable, spreadSentence, summarize, type RowSummary } from './report.js'
import { clientStartupMs, startupFigure, type StartupFigure } from './startup.js'
import { strategies, type Strategy } from './strategies.js'
import { appTable, compareAppAndToken } from './app.js'
import { batchTable, pruneTable, runBatch, runPrune, runWait, waitTable, type LimitModel } from './limits.js'

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10,30,100' },
    'brownout-size': { type: 'string', default: '30' },
    strategies: { type: 'string' },
    capacity: { type: 'string', default: '5' },
    // Real-world figures; every one is multiplied by --scale, as are the strategies' waits.
    'latency-ms': { type: 'string', default: '1000' },
    'brownout-ms': { type: 'string', default: '20000' },
    scale: { type: 'string', default: '0.05' },
    'spawn-limit': { type: 'string', default: String(os.availableParallelism()) },
    'startup-runs': { type: 'string', default: '5' },
    // Runs of each GitHub App scenario under a burst (0: no App comparison).
    'app-runs': { type: 'string', default: '3' },
    // Under GitHub's secondary limit (0 leaves a row out): one step registering this many JIT
    // runners; a prune of a listing this long with this many to delete; a wait on this many runners
    // whose hosts come online evenly over --boot-ms (a real-world figure, scaled).
    'batch-size': { type: 'string', default: '1000' },
    'prune-listed': { type: 'string', default: '1000' },
    'prune-delete': { type: 'string', default: '300' },
    'wait-runners': { type: 'string', default: '100' },
    'boot-ms': { type: 'string', default: '120000' },
    out: { type: 'string' },
    page: { type: 'boolean', default: false },
  },
})

const number = (name: keyof typeof args) => {
  const value = Number(args[name])
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number; got ${String(args[name])}`)
  return value
}
const scale = number('scale')
const capacity = number('capacity')
const latencyMs = Math.round(number('latency-ms') * scale)
const brownoutMs = Math.round(number('brownout-ms') * scale)
const spawnLimit = Math.max(1, number('spawn-limit'))
const sizes = args.sizes!.split(',').filter(Boolean).map(Number)
const brownoutSizes = args['brownout-size']!.split(',').filter(Boolean).map(Number)
const wanted = args.strategies?.split(',')
const rows = strategies(scale).filter((s) => !wanted || wanted.includes(s.id))
const log = (line: string) => process.stderr.write(`${line}\n`)

const began = Date.now()
const loadBefore = os.loadavg()[0]
log(`start-up: measuring (${args['startup-runs']} runs each)...`)
const figure = await startupFigure(number('startup-runs'))
const startups = new Map<string, number>()
for (const strategy of rows) {
  const key = JSON.stringify(strategy.client.kind)
  if (!startups.has(key)) startups.set(key, await clientStartupMs(strategy.client, number('startup-runs')))
}
const startupOf = (strategy: Strategy) => startups.get(JSON.stringify(strategy.client.kind))!

interface Scenario {
  title: string
  n: number
  model: FaultModel
}
const scenarios: Scenario[] = [
  ...sizes.map((n) => ({ title: `Burst, N = ${n}`, n, model: { capacity, latencyMs } })),
  ...brownoutSizes.map((n) => ({ title: `Brownout, N = ${n}`, n, model: { capacity, latencyMs, brownoutMs } })),
]

const results: { scenario: Scenario; rows: RowSummary[] }[] = []
for (const scenario of scenarios) {
  const { n, model } = scenario
  const idealBurstMs = (n / model.capacity) * model.latencyMs
  const summaries: RowSummary[] = []
  for (const strategy of rows) {
    const row = await runBurst(strategy, n, model, spawnLimit)
    const summary = summarize(strategy, n, row, startupOf(strategy), idealBurstMs)
    const others = row.jobs.reduce((sum, job) => sum + job.otherRequests, 0)
    log(
      `${scenario.title}: ${strategy.id}: ${summary.tokens}/${n} tokens, ${summary.requests} requests` +
        `${others ? ` (${others} of them lookups or deletes)` : ''} (${(row.wallMs / 1000).toFixed(1)} s)`,
    )
    summaries.push(summary)
  }
  results.push({ scenario, rows: summaries })
}
const appRuns = number('app-runs')
const appScenarios = appRuns > 0 ? await compareAppAndToken(appRuns, brownoutMs, scale, log) : []
const appSection = appScenarios.length
  ? `### GitHub App: one step, App credentials side by side with a token\n\n${appTable(appScenarios)}\n\n` +
    `The same action (defaults, waits × ${scale}), one step at a time, with a stand-in of its own whose App checks every JWT. ` +
    `A burst answers every request 502 for ${brownoutMs} ms, from the step's first request or from its first installation-token request. ` +
    '`attempts` is the output (lookup, token and mint attempts; the revoke is not one). Spawn to token includes the process start-up.'
  : ''
const limits = await underSecondaryLimit()
const tookS = (Date.now() - began) / 1000
const ownCpu = process.cpuUsage()
const ownCpuS = (ownCpu.user + ownCpu.system) / 1e6
const cpuText = `${(ownCpuS + (await childrenCpuS())).toFixed(0)} s of CPU, jobs included; ${ownCpuS.toFixed(0)} s in the bench process and its stand-in`

const parameters =
  `C = ${capacity} requests in flight, each taking S = ${latencyMs} ms; every other request gets an immediate 502. ` +
  `All waits and latencies are scaled by ${scale} (1 s of backoff is ${Math.round(1000 * scale)} ms here)` +
  (brownoutSizes.length ? `; the brownout fails everything for ${brownoutMs} ms from the burst on, then capacity C again.` : '.')
const ideal = 'ideal = N/C × S + the client’s start-up (measured in this run); ratios are to it.'
const tables = results.map(({ scenario, rows }) => `### ${scenario.title}\n\n${markdownTable(rows)}`).join('\n\n')
const startupText = startupLine(figure, startups)
const machine = `${os.availableParallelism()} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), node ${process.version}, ${os.platform()} ${os.release()}, load average ${loadBefore.toFixed(2)} at the start`

process.stdout.write(
  `${parameters}\n${ideal}\n\n${tables}\n\n${appSection ? `${appSection}\n\n` : ''}${limits ? `${limits}\n\n` : ''}${startupText}\n\nThe whole run took ${tookS.toFixed(0)} s (${cpuText}) on ${machine}.\n`,
)

if (args.out) {
  await mkdir(args.out, { recursive: true })
  const panels: Panel[] = results.map(({ scenario, rows }) => ({
    title: scenario.title,
    rows,
  }))
  const subtitle = `C = ${capacity} in flight, S = ${latencyMs} ms, waits × ${scale}; from one run of npm run bench`
  await writeFile(join(args.out, 'bench.svg'), tokensOverTimeSvg(panels, subtitle))
  await writeFile(join(args.out, 'bench.md'), await formatted(join(args.out, 'bench.md'), benchMarkdown()))
  log(`wrote ${join(args.out, 'bench.md')} and ${join(args.out, 'bench.svg')}`)
}
if (args.page) await updatePage()

/** The spread the spread row used at each burst size, for the method text. */
function spreadExamples(): string {
  return scenarios
    .filter((s) => !s.model.brownoutMs)
    .map((s) => `${spreadFor(s.n, s.model)} ms at N = ${s.n}`)
    .join(', ')
}

function startupLine(figure: StartupFigure, startups: Map<string, number>): string {
  const clients = [...startups].map(
    ([kind, ms]) => `${JSON.parse(kind) === 'action' ? 'the action' : 'the bash script'} ${Math.round(ms)} ms`,
  )
  return (
    `Start-up: \`node dist/index.js\` (one mint against an idle stand-in) takes ${Math.round(figure.actionMs)} ms of wall time, ` +
    `bare \`node -e 0\` ${Math.round(figure.bareNodeMs)} ms: ${(figure.actionMs / figure.bareNodeMs).toFixed(2)}× (medians of ${args['startup-runs']} runs). ` +
    `dist/ is ${(figure.distBytes / 1024).toFixed(0)} KiB (index.js ${(figure.indexBytes / 1024).toFixed(0)} KiB). ` +
    `From spawn to first request (median): ${clients.join(', ')}.`
  )
}

function benchMarkdown(): string {
  const command = `npm run bench   # = npm run build:action && node --import tsx scripts/bench/index.ts ${process.argv.slice(2).join(' ')}`
  return `# Burst benchmark

Latest results of \`npm run bench\` (written by the script itself; do not edit by hand):

\`\`\`sh
${command}
\`\`\`

Machine: ${machine}. The whole run took ${tookS.toFixed(0)} s (${cpuText}).

N provisioning jobs start at once, each its own process, against a loopback stand-in for GitHub
(\`test/support/github-stand-in.ts\`). ${parameters} ${ideal}

Strategies: **no retry** and the two fixed schedules are \`scripts/bench/fixed-schedule.sh\` (bash,
the same POST over \`/dev/tcp\`, retrying only a 5xx, no jitter; Octokit also retries some 4xx, but
only 502s happen here). The **action** rows run the bundled \`dist/index.js\` as a runner does
(INPUT_* variables), with \`max-attempts\`, \`initial-delay\`, \`max-delay\` from the defaults
(delays scaled), each \`jitter\` mode, and \`attempt-timeout: 2m\` so that a first request held
while the burst is assembled cannot time out (the run stops if one does). **One mint shared** runs
the action once and gives its token to all N hosts (a registration token registers many runners
until it expires). **JIT** runs the action once with \`type: jit\`, \`count: N\` and the same
inputs: one process registers a just-in-time runner for each of the N hosts, so there is no burst to
assemble; its hold ends at its own first request and its times count from there. Its tokens are the
runners in its \`runners\` output (the run stops unless they are exactly the runners the stand-in
registered), each timed by the 201 of its \`generate-jitconfig\`; its requests are every request
it sent: its count of its runner group's runners and its rate-budget check (one \`GET\` each), \`generate-jitconfig\`, and lookups and
deletes (only after a 409 or a failed batch); the progress log on stderr counts these others. Its
runners retry side by side, so it has no retry lag. **Spread** runs the action as the default row
does, one process per host, with \`spread\` sized to the burst, N × S ÷ C (${spreadExamples()}):
the time the stand-in needs to serve N requests; a second row spreads over twice that.

How the burst is made: starting 100 node processes on ${os.availableParallelism()} cores takes seconds, which
would spread the burst by our own CPU contention rather than by the strategies' waits. So at most
${spawnLimit} jobs are starting at a time (a job is starting until its first request arrives), the
stand-in holds each job's first request until all N have sent one, then releases them together.
Times count from that release plus the client's start-up measured in this run, as if N machines had
started the jobs in parallel. Holding a spread row's first request would undo its spread, so those
jobs are held earlier, at a gate just before the spread begins: a preloaded module stops each job
at its first \`::add-mask::\` line (it masks its token before it parses its inputs, draws its spread
and starts its deadline), reading a FIFO that nobody writes until the release; such a job
is starting until it masks its token. What it still does after the release (read its inputs, and
send its first request when its spread ends) is CPU work the other rows did before their release, so
the spread rows pay a little more of this machine's contention. The jobs run at niceness ${JOB_PRIORITY}, below the bench process and its stand-in:
GitHub does not share a CPU with its clients, and a wave of N waking processes must not delay the
stand-in's answers and timestamps. A percentile that reaches a host without a token reads "never".

**Retry lag** is how much later than its announced wait each retry reached the stand-in (counted
from the answer before it). On separate machines it is a few ms. Here N processes share
${os.availableParallelism()} cores, and a node process's first retries cost it several ms of CPU each, so a wave of
retries is spread over N times that; the bash baselines cost almost nothing per attempt. Where the
action's lag is comparable to S or to its waits, this machine has added jitter of its own to every
action row (\`jitter: none\` included), and differences between those rows smaller than that are
within this benchmark's resolution.

![Runner tokens obtained over time](bench.svg)

${tables}

${appSection}

${limits}

${startupText}
`
}

/**
 * The rows under GitHub's secondary limit, each with a stand-in of its own that enforces it, at
 * capacity C and with its window scaled; the section's markdown, or '' when every row is left out.
 */
async function underSecondaryLimit(): Promise<string> {
  const model: LimitModel = { capacity, latencyMs, points: 900, windowMs: Math.round(60_000 * scale), scale }
  // The JIT row's retry inputs: the defaults, waits scaled (see strategies.ts). Each row sets its
  // own write budget (a wait writes nothing, and refuses the input).
  const jit = strategies(scale).find((s) => s.id === 'jit')?.client
  const retry = Object.fromEntries(
    Object.entries(jit?.kind === 'action' ? jit.inputs : {}).filter(([name]) => !['type', 'labels', 'write-budget'].includes(name)),
  )
  const sections: string[] = []
  const batchSize = number('batch-size')
  if (batchSize > 0) {
    const figure = await runBatch(batchSize, model, retry)
    log(
      `secondary limit: batch of ${batchSize}: ${figure.reported} runners, ${figure.requests} requests, ${figure.refusals} refusals (${(figure.stepMs / 1000).toFixed(1)} s)`,
    )
    sections.push(`#### A batch of ${batchSize} JIT runners in one step\n\n${batchTable([figure])}`)
  }
  const [listed, toDelete] = [number('prune-listed'), number('prune-delete')]
  if (listed > 0) {
    const figure = await runPrune(listed, Math.min(toDelete, listed), model, retry)
    log(
      `secondary limit: prune of ${listed} listed: ${figure.deleted} deleted, ${figure.requests} requests, ${figure.refusals} refusals (${(figure.ms / 1000).toFixed(1)} s)`,
    )
    sections.push(`#### Prune of ${listed} listed runners, ${figure.toDelete} to delete\n\n${pruneTable([figure])}`)
  }
  const waitRunners = number('wait-runners')
  if (waitRunners > 0) {
    const figure = await runWait(waitRunners, Math.round(number('boot-ms') * scale), model, retry)
    log(
      `secondary limit: wait on ${waitRunners}: ${figure.connected} connected, ${figure.polls} polls, ${figure.requests} requests (${(figure.ms / 1000).toFixed(1)} s)`,
    )
    sections.push(`#### Wait on ${waitRunners} runners\n\n${waitTable([figure])}`)
  }
  if (!sections.length) return ''
  return `### Under GitHub's secondary limit\n\n${limitsMethod(model)}\n\n${sections.join('\n\n')}`
}

function limitsMethod({ points, windowMs: w, capacity: c, latencyMs: s }: LimitModel): string {
  const writes = points / 5
  return (
    `Each row runs the action once, as a runner does, against a stand-in of its own at the capacity above (C = ${c}, S = ${s} ms) that also enforces ` +
    `GitHub's secondary limit: ${points} points per endpoint in any ${w} ms (a minute × ${scale}; a GET costs 1, a write 5), beyond which it answers ` +
    '403 "secondary rate limit" with `retry-after`. ' +
    `The action gets the JIT row's retry inputs; the batch and the prune also \`write-budget: ${writes}/${w}ms\` (GitHub's ${writes} writes a minute, scaled). ` +
    "Times run from the step's first request to its last answer; requests are every request the stand-in received, checks and retries included. " +
    `**Batch**: \`timeout\` is 10m × ${scale} (a thousand runners need five windows; the default 5m could not hold them). ` +
    `Its ideal: ${writes} writes go in one window and each further ${writes} one window later, (⌈N/${writes}⌉ − 1) × ${w} ms (\`shortestMs\` in src/pacer.ts), ` +
    `then C at a time serve the last window's writes, ⌈rest/C⌉ × S; or ⌈N/C⌉ × S where capacity alone takes longer. ` +
    'GITHUB_STATE and GITHUB_OUTPUT are the sizes of those files after the step. ' +
    `**Prune** by \`ownership-label\` (timeout 5m × ${scale}): the registry holds the runners to delete (offline, idle, of the label) and, in turn, ` +
    "runners of the label online, of the label busy, of another batch's label, and without an ownership label. " +
    `Its ideal: the listing's pages one after another (each names the next), P × S; then each delete is a look by id and a DELETE on one endpoint, ` +
    `2 requests and 6 points, so ${Math.floor(points / 6)} a window: (⌈D/${Math.floor(points / 6)}⌉ − 1) × ${w} ms + ⌈rest/C⌉ × 2S, ` +
    'or ⌈D/C⌉ × 2S where capacity alone takes longer. ' +
    `**Wait** (timeout 5m × ${scale}): the runners are registered offline, and from the step's first listing the stand-in brings them online one by one, ` +
    `evenly over the time in the table (2 minutes × ${scale}). The wait's poll interval is the product's own, not an input, so it is not scaled ` +
    '(about 1 s, growing by half each poll to 10 s, less up to a quarter at random): requests/minute is that of the first seconds of a wait, ' +
    'when it polls most often; from about 20 s on a wait lists every 7.5 to 10 s.'
  )
}

/** The summary table on docs/why-jitter.md (beside bench.md and bench.svg, so the links are relative). */
async function updatePage(): Promise<void> {
  const page = new URL('../../docs/why-jitter.md', import.meta.url)
  const text = await readFile(page, 'utf8')
  const start = '<!-- bench:start -->'
  const end = '<!-- bench:end -->'
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from < 0 || to < from) {
    log(`docs/why-jitter.md has no ${start} ... ${end} block; left alone`)
    return
  }
  const burst = results.find(({ scenario }) => scenario.n === 30 && !scenario.model.brownoutMs) ?? results[0]
  const brownout = results.find(({ scenario }) => scenario.model.brownoutMs)
  const short = (rows: RowSummary[]) =>
    rows.map(
      (r) =>
        `| ${r.strategy.label} | ${r.tokens}/${r.n} | ${r.tokens ? (r.requests / r.tokens).toFixed(2) : '–'} | ` +
        `${r.p95Ms === undefined ? 'never' : time(r.p95Ms, r.idealMs)} | ${time(r.lastDoneMs, r.idealMs)} |`,
    )
  const table = [
    `| ${burst.scenario.title}${brownout ? `, then ${brownout.scenario.title}` : ''} | tokens | requests/token | p95 to token | last job done |`,
    '| --- | --: | --: | --: | --: |',
    ...short(burst.rows),
    ...(brownout ? ['| _brownout:_ | | | | |', ...short(brownout.rows)] : []),
  ].join('\n')
  const block = `${start}\n![Runner tokens obtained over time, per strategy](bench.svg)\n\n${table}\n\n${parameters} Full tables, method and machine: [docs/bench.md](bench.md).\n${end}`
  let updated = text.slice(0, from) + block + text.slice(to + end.length)
  // The start spread's figures, quoted in the prose below the table, from this same run.
  const sentence = spreadSentence(
    results.filter(({ scenario }) => !scenario.model.brownoutMs).map(({ scenario, rows }) => ({ n: scenario.n, rows })),
  )
  const spread = /<!-- bench-spread:start -->[\s\S]*?<!-- bench-spread:end -->/
  if (sentence && spread.test(updated)) {
    updated = updated.replace(spread, () => `<!-- bench-spread:start -->\n\n${sentence}\n\n<!-- bench-spread:end -->`)
  } else log('docs/why-jitter.md: the start spread figures left alone (no spread rows in this run, or no bench-spread block)')
  await writeFile(page, await formatted(page.pathname, updated))
  log('updated docs/why-jitter.md')
}

/** CPU seconds of every finished child process (Linux: cutime + cstime in /proc/self/stat); 0 elsewhere. */
async function childrenCpuS(): Promise<number> {
  try {
    const fields = (await readFile('/proc/self/stat', 'utf8')).replace(/^.*\) /, '').split(' ')
    // After the ")" that ends the command name, cutime and cstime are fields 14 and 15 (0-based), in clock ticks.
    return (Number(fields[13]) + Number(fields[14])) / 100
  } catch {
    return 0
  }
}

/** Markdown as the project's Prettier settings write it, so `npm run lint` stays green. */
async function formatted(path: string, markdown: string): Promise<string> {
  const options = await prettier.resolveConfig(path)
  return prettier.format(markdown, { ...options, parser: 'markdown' })
}

function time(ms: number, ideal: number): string {
  return `${Math.round(ms)} ms (${(ms / ideal).toFixed(1)}×)`
}
