// Runs the bundled command (dist/cli/index.js) as a host would: its own process, an environment
// of our choosing (nothing inherited but PATH), stdout and stderr kept apart.
import { type ChildProcess, type ExecFileException, execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import assert from 'node:assert/strict'
import { everyMintedValue } from './github-stand-in.js'
import { everyAppSecret, keyLines } from './github-app.js'

/** The most stdout a run of the action or the command may print before it is killed. */
export const STDOUT_LIMIT = 64 * 1024 * 1024

export const CLI = new URL('../../dist/cli/index.js', import.meta.url).pathname

export interface CliRun {
  exitCode: number
  /** The signal that ended the process, if one did (the command handles SIGINT and SIGTERM itself). */
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** When the process exited, and when the last output reached stdout (epoch ms); set by startCli. */
  endedAt?: number
  lastStdoutAt?: number
}

/** `timeoutMs`: kill the process after this long (default 120 s); a test of a hang keeps its failure short. */
export function runCli(args: string[], env: Record<string, string> = {}, options: { timeoutMs?: number } = {}): Promise<CliRun> {
  return startCli(args, env, options).finished
}

/** A command started and not yet finished: signal it as a host's supervisor would. */
export interface StartedCli {
  kill(signal: NodeJS.Signals): void
  /** Resolves once stderr so far matches `pattern` (a progress line says where the command is). */
  whenStderr(pattern: RegExp): Promise<void>
  finished: Promise<CliRun>
}

/** Starts the command and returns at once. Its run is swept for leaks (see sweepCli) before `finished` resolves, so no test can forget. */
export function startCli(args: string[], env: Record<string, string> = {}, options: { timeoutMs?: number } = {}): StartedCli {
  let child: ChildProcess
  let lastStdoutAt = Date.now()
  const finished = new Promise<CliRun>((resolve) => {
    child = execFile(
      process.execPath,
      [CLI, ...args],
      // A batch of 1,000 prints about 4.4 MB of configs (execFile's default stops at 1 MiB).
      { env: { PATH: process.env.PATH, ...env }, timeout: options.timeoutMs ?? 120_000, maxBuffer: STDOUT_LIMIT },
      (error, stdout, stderr) => resolve({ ...howItEnded(error), stdout, stderr, endedAt: Date.now(), lastStdoutAt }),
    )
    child.stdout?.on('data', () => (lastStdoutAt = Date.now()))
  }).then((run) => {
    sweepCli(run, args, env)
    return run
  })
  let seen = ''
  child!.stderr!.on('data', (chunk: Buffer | string) => (seen += chunk.toString()))
  const whenStderr = (pattern: RegExp): Promise<void> =>
    new Promise((resolve) => {
      const look = (): void => void (pattern.test(seen) ? resolve() : child.stderr!.once('data', () => setImmediate(look)))
      look()
    })
  return { kill: (signal) => child.kill(signal), whenStderr, finished }
}

/** No secret on stderr, ever; on stdout only the minted token, and only as the result. */
export function assertNoLeakOnStderr(run: CliRun, secrets: string[]): void {
  for (const secret of secrets.filter(Boolean)) {
    assert.ok(!run.stderr.includes(secret), `secret printed on stderr: ${run.stderr.replaceAll(secret, '<SECRET>')}`)
  }
}

/**
 * The sweep every command run gets: stderr holds no credential given (the tokens and the App key
 * in the environment or the key file), no minted value, JWT or installation token; stdout, which
 * carries the result, holds none of the credentials, JWTs or installation tokens either.
 */
export function sweepCli(run: CliRun, args: string[], env: Record<string, string>): void {
  const keyFile = args.findIndex((arg) => arg === '--app-private-key-file')
  let fileKey = ''
  try {
    fileKey = keyFile >= 0 ? readFileSync(args[keyFile + 1], 'utf8') : ''
  } catch {
    // A missing file is a scenario of its own; there is no key to sweep for.
  }
  const tokens = [env.GITHUB_TOKEN, env.GH_TOKEN].filter((token): token is string => Boolean(token?.trim()))
  for (const token of tokens) {
    assert.ok(token.trim().length >= 8, `runCli: a token of ${token.trim().length} characters cannot be swept for; use a realistic one`)
  }
  const credentials = [...tokens, ...keyLines(env.GITHUB_APP_PRIVATE_KEY ?? ''), ...keyLines(fileKey), ...everyAppSecret()]
  assertNoLeakOnStderr(run, [...credentials, ...everyMintedValue()])
  for (const secret of credentials) {
    assert.ok(
      !run.stdout.includes(secret),
      `a credential, JWT or installation token printed on stdout: ${run.stdout.replaceAll(secret, '<SECRET>')}`,
    )
  }
}

/** The exit status and the ending signal, from execFile's error (null when the process exited 0). */
export function howItEnded(error: ExecFileException | null): { exitCode: number; signal: NodeJS.Signals | null } {
  return {
    exitCode: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
    signal: (error?.signal as NodeJS.Signals | undefined) ?? null,
  }
}
