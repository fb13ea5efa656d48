// Start-up figures, measured in the same run as the bursts: how long a client takes from its
// spawn to its first request, and the wall time of the bundled action against bare node.
import { execFile } from 'node:child_process'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { GitHubStandIn } from '../../test/support/github-stand-in.js'
import { ACTION, runAction } from '../../test/support/run-action.js'
import { runClient } from './burst.js'
import type { Client } from './strategies.js'

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Median milliseconds from spawning `client` until its first request reaches an idle stand-in. */
export async function clientStartupMs(client: Client, runs: number): Promise<number> {
  const samples: number[] = []
  for (let i = 0; i < runs; i++) {
    let firstAt = 0
    const github = new GitHubStandIn({ onRequest: (request) => (firstAt ||= request.at) })
    const url = await github.start()
    const spawnedAt = Date.now()
    await runClient(client, url, 'bench-startup')
    await github.close()
    samples.push(firstAt - spawnedAt)
  }
  return median(samples)
}

export interface StartupFigure {
  actionMs: number
  bareNodeMs: number
  distBytes: number
  indexBytes: number
}

/** Median wall time of one whole `node dist/index.js` mint against an idle stand-in versus `node -e 0`. */
export async function startupFigure(runs: number): Promise<StartupFigure> {
  const github = new GitHubStandIn()
  const url = await github.start()
  const action: number[] = []
  const bare: number[] = []
  try {
    for (let i = 0; i < runs; i++) {
      const run = await runAction({ 'github-token': 'bench-startup', organization: 'bench-org', 'api-url': url })
      if (run.exitCode !== 0) throw new Error(`the action failed against an idle stand-in: ${run.stdout}`)
      action.push(run.durationMs)
      const started = Date.now()
      await new Promise<void>((resolve, reject) => execFile(process.execPath, ['-e', '0'], (error) => (error ? reject(error) : resolve())))
      bare.push(Date.now() - started)
    }
  } finally {
    await github.close()
  }
  const dist = join(ACTION, '..')
  let distBytes = 0
  for (const name of await readdir(dist)) distBytes += (await stat(join(dist, name))).size
  return { actionMs: median(action), bareNodeMs: median(bare), distBytes, indexBytes: (await stat(ACTION)).size }
}
