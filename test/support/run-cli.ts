// Runs the bundled command (dist/cli/index.js) as a host would: its own process, an environment
// of our choosing (nothing inherited but PATH), stdout and stderr kept apart.
import { execFile } from 'node:child_process'
import assert from 'node:assert/strict'

export const CLI = new URL('../../dist/cli/index.js', import.meta.url).pathname

export interface CliRun {
  exitCode: number
  stdout: string
  stderr: string
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ exitCode: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    )
  })
}

/** No secret on stderr, ever; on stdout only the minted token, and only as the result. */
export function assertNoLeakOnStderr(run: CliRun, secrets: string[]): void {
  for (const secret of secrets.filter(Boolean)) {
    assert.ok(!run.stderr.includes(secret), `secret printed on stderr: ${run.stderr.replaceAll(secret, '<SECRET>')}`)
  }
}
