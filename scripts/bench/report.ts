// Figures for one row and the markdown table they make.
import type { RowResult } from './burst.js'
import type { Strategy } from './strategies.js'

export interface RowSummary {
  strategy: Strategy
  n: number
  tokens: number
  requests: number
  /** Milliseconds from the jobs' start until each host had a token, sorted; one entry per host that got one. */
  tokenTimesMs: number[]
  p50Ms?: number
  p95Ms?: number
  lastDoneMs: number
  idealMs: number
  startupMs: number
  /** p50 and p95 of the retry lag (see JobResult.lagsMs); undefined without retries. */
  lagP50Ms?: number
  lagP95Ms?: number
}

/**
 * Times count from the jobs' start: the client's measured start-up plus the time from the burst's
 * release. Percentiles are over all N hosts; a host without a token counts as never, so a
 * percentile that reaches one is undefined.
 */
export function summarize(strategy: Strategy, n: number, row: RowResult, startupMs: number, idealBurstMs: number): RowSummary {
  const obtained = row.jobs.flatMap((job) => job.tokensAfterMs)
  const perHost = strategy.shared && obtained.length ? Array.from({ length: n }, () => obtained[0]) : obtained
  const times = Array.from({ length: n }, (_, i) => (i < perHost.length ? startupMs + perHost[i] : Infinity)).sort((a, b) => a - b)
  const rank = (p: number) => times[Math.ceil(p * n) - 1]
  const finite = (ms: number) => (Number.isFinite(ms) ? ms : undefined)
  const lags = row.jobs.flatMap((job) => job.lagsMs).sort((a, b) => a - b)
  const lag = (p: number) => (lags.length ? lags[Math.ceil(p * lags.length) - 1] : undefined)
  return {
    strategy,
    n,
    tokens: times.filter(Number.isFinite).length,
    requests: row.jobs.reduce((sum, job) => sum + job.requests, 0),
    tokenTimesMs: times.filter(Number.isFinite),
    p50Ms: finite(rank(0.5)),
    p95Ms: finite(rank(0.95)),
    lastDoneMs: startupMs + Math.max(...row.jobs.map((job) => job.exitAfterMs)),
    idealMs: startupMs + idealBurstMs,
    startupMs,
    lagP50Ms: lag(0.5),
    lagP95Ms: lag(0.95),
  }
}

function lag(row: RowSummary): string {
  return row.lagP50Ms === undefined ? '–' : `${Math.round(row.lagP50Ms)}/${Math.round(row.lagP95Ms!)} ms`
}

function time(ms: number | undefined, ideal: number): string {
  return ms === undefined ? 'never' : `${Math.round(ms)} ms (${(ms / ideal).toFixed(1)}×)`
}

export function markdownTable(rows: RowSummary[]): string {
  const lines = [
    '| strategy | tokens | requests | requests/token | p50 to token | p95 to token | last job done | ideal | retry lag p50/p95 |',
    '| --- | --: | --: | --: | --: | --: | --: | --: | --: |',
  ]
  for (const row of rows) {
    const perToken = row.tokens ? (row.requests / row.tokens).toFixed(2) : '–'
    lines.push(
      `| ${row.strategy.label} | ${row.tokens}/${row.n} | ${row.requests} | ${perToken} | ${time(row.p50Ms, row.idealMs)} | ` +
        `${time(row.p95Ms, row.idealMs)} | ${time(row.lastDoneMs, row.idealMs)} | ${Math.round(row.idealMs)} ms | ${lag(row)} |`,
    )
  }
  return lines.join('\n')
}

/**
 * The start-spread figures the prose of docs/why-jitter.md quotes, from the same run as its table:
 * requests per token and p95 to token, for the defaults and the two spread rows, per burst size.
 * Generated, so that `npm run bench` cannot leave the prose quoting another run.
 */
export function spreadSentence(bursts: { n: number; rows: RowSummary[] }[]): string | undefined {
  const figure = (row: RowSummary | undefined) =>
    !row
      ? undefined
      : `${row.tokens ? (row.requests / row.tokens).toFixed(2) : '–'} (${row.p95Ms === undefined ? 'never' : `${Math.round(row.p95Ms)} ms`})`
  const parts = bursts.flatMap(({ n, rows }) => {
    const [plain, spread, twice] = ['action-equal', 'spread', 'spread-2x'].map((id) => figure(rows.find((row) => row.strategy.id === id)))
    return plain && spread && twice ? [`at N = ${n}, ${plain}, ${spread} and ${twice}`] : []
  })
  if (!parts.length) return undefined
  return (
    'In the run recorded in [docs/bench.md](bench.md), requests per token and (p95 to token) for the defaults, ' +
    `then spread over N × S ÷ C, then over twice that: ${parts.join('; ')}.`
  )
}
