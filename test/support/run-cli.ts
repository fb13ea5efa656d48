// Runs the bundled command (dist/cli/index.js) as a host would: its own process, an environment
// of our choosing (nothing inherited but PATH), stdout and stderr kept apart.
import { execFile } from 'node:child_process'
import assert from 'node:assert/strict'

export const CLI = new URL('../../dist/cli/index.js', import.meta.url).pathname

export interface CliRun {
  exitCode: number
  stdout: string
  stderr: string
  /** When the process exited, and when the last output reached stdout (epoch ms). */
  endedAt: number
  lastStdoutAt: number
}

/** `timeoutMs`: kill the process after this long (default 120 s); a test of a hang keeps its failure short. */
export function runCli(args: string[], env: Record<string, string> = {}, options: { timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    let lastStdoutAt = Date.now()
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH, ...env }, timeout: options.timeoutMs ?? 120_000 },
      (error, stdout, stderr) =>
        resolve({
          exitCode: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          stdout,
          stderr,
          endedAt: Date.now(),
          lastStdoutAt,
        }),
    )
    child.stdout?.on('data', () => (lastStdoutAt = Date.now()))
  })
}

/** No secret on stderr, ever; on stdout only the minted token, and only as the result. */
export function assertNoLeakOnStderr(run: CliRun, secrets: string[]): void {
  for (const secret of secrets.filter(Boolean)) {
    assert.ok(!run.stderr.includes(secret), `secret printed on stderr: ${run.stderr.replaceAll(secret, '<SECRET>')}`)
  }
}
