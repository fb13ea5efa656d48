// `npm run bench:jit`: how many requests does registering N just-in-time runners make against an
// API that admits only a few concurrent requests (the stand-in's capacity model: 502 beyond
// maxInFlight)? One batch (`count: N`: shared limiter, budget and deadline) against N separate
// single-runner mints started at once (N independent clients, as N jobs would be). In-process,
// with the action's own code and default retry settings; no network.
//
//   npm run bench:jit -- [--count 50] [--max-in-flight 4] [--latency-ms 50] [--runs 3]
import { parseArgs } from 'node:util'
import { GitHubStandIn } from '../test/support/github-stand-in.js'
import { parseInputs } from '../src/inputs.js'
import { mintRunners } from '../src/jit/batch.js'
import type { BatchStats } from '../src/jit/session.js'

export interface LoadOptions {
  count: number
  maxInFlight: number
  latencyMs: number
  /** Seed of the jitter's random source, so a run can be repeated. */
  seed: number
}

export interface LoadResult {
  requests: number
  rejected: number
  peakInFlight: number
  registered: number
  failedRunners: number
  /** Runners in the registry beyond those handed out: duplicates or orphans. */
  leftovers: number
  durationMs: number
  stats?: BatchStats
}

/** A small seeded PRNG (mulberry32), for repeatable jitter. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Registers `count` runners as one batch (`mode: 'batch'`) or as `count` separate mints at once. */
export async function measure(mode: 'batch' | 'separate', options: LoadOptions): Promise<LoadResult> {
  const github = new GitHubStandIn({ maxInFlight: options.maxInFlight, latencyMs: options.latencyMs })
  const apiUrl = await github.start()
  const random = seeded(options.seed)
  const config = (count: number) =>
    parseInputs(
      (name) =>
        ({ 'github-token': 'ghp_load', repository: 'octo/load', 'api-url': apiUrl, type: 'jit', labels: 'load', count: String(count) })[
          name
        ] ?? '',
    )
  const started = Date.now()
  let stats: BatchStats | undefined
  let handedOut = 0
  let failedRunners = 0
  try {
    if (mode === 'batch') {
      await mintRunners(config(options.count), {}, { random, onStats: (s) => (stats = s) })
        .then(({ runners }) => (handedOut += runners.length))
        .catch(() => (failedRunners = options.count))
    } else {
      await Promise.all(
        Array.from({ length: options.count }, () =>
          mintRunners(config(1), {}, { random })
            .then(({ runners }) => (handedOut += runners.length))
            .catch(() => failedRunners++),
        ),
      )
    }
    return {
      requests: github.requests.length,
      rejected: github.rejected,
      peakInFlight: github.peakInFlight,
      registered: handedOut,
      failedRunners,
      leftovers: github.runners.length - handedOut,
      durationMs: Date.now() - started,
      stats,
    }
  } finally {
    await github.close()
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '50' },
      'max-in-flight': { type: 'string', default: '4' },
      'latency-ms': { type: 'string', default: '50' },
      runs: { type: 'string', default: '3' },
    },
  })
  const base = { count: Number(values.count), maxInFlight: Number(values['max-in-flight']), latencyMs: Number(values['latency-ms']) }
  console.log(
    `${base.count} JIT runners against a stand-in admitting ${base.maxInFlight} requests at once (${base.latencyMs} ms each, 502 beyond).`,
  )
  console.log('Default retry settings (8 attempts, 1s initial delay, 30s cap, equal jitter, 5m timeout).\n')
  console.log('mode      run  requests  502s  peak  registered  failed  leftovers  time')
  for (const mode of ['batch', 'separate'] as const) {
    for (let run = 1; run <= Number(values.runs); run++) {
      const r = await measure(mode, { ...base, seed: run })
      const limit = r.stats ? `  (limit ${r.stats.lowestLimit}..${r.stats.highestLimit}, ${r.stats.retriesGranted} retries)` : ''
      console.log(
        `${mode.padEnd(9)} ${String(run).padStart(3)}  ${String(r.requests).padStart(8)}  ${String(r.rejected).padStart(4)}  ${String(r.peakInFlight).padStart(4)}  ${String(r.registered).padStart(10)}  ${String(r.failedRunners).padStart(6)}  ${String(r.leftovers).padStart(9)}  ${(r.durationMs / 1000).toFixed(1)}s${limit}`,
      )
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
