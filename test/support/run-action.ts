// Runs the bundled action the way a runner does: inputs as INPUT_* variables, outputs, state and
// the step summary in files, workflow commands on stdout; and the post step with the main step's
// state read back as STATE_* variables.
import { type ChildProcess, execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { setPriority, tmpdir } from 'node:os'
import { join } from 'node:path'
import assert from 'node:assert/strict'
import { everyMintedValue } from './github-stand-in.js'
import { everyAppSecret, keyLines } from './github-app.js'
import { howItEnded } from './run-cli.js'

export const ACTION = new URL('../../dist/index.js', import.meta.url).pathname

export interface ActionRun {
  exitCode: number
  /** The signal that ended the process, if one did. */
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  /** What the step saved with core.saveState (GITHUB_STATE); a later save of a name wins. */
  state: Record<string, string>
  /** The size of the GITHUB_STATE file the step wrote, in bytes. */
  stateBytes: number
  /** The size of the GITHUB_OUTPUT file the step wrote, in bytes. */
  outputBytes: number
  summary: string
  /** Lines of stdout that are workflow commands or logs, in order. */
  lines: string[]
  durationMs: number
  /** When the process was spawned and when it exited (epoch ms). */
  startedAt: number
  endedAt: number
  /** When the last output reached stdout (epoch ms): how long the process lingered after it is endedAt minus this. */
  lastStdoutAt: number
}

export interface RunOptions {
  /** Niceness for the process (0 normal, up to 19 lowest); the benchmark lowers its jobs below its stand-in. */
  priority?: number
  /** Called with stdout as it arrives (the benchmark watches for a job's first workflow command). */
  onStdout?: (text: string) => void
  /** Kill the process after this long (default 120 s); a test of a hang keeps its failure short. */
  timeoutMs?: number
}

/** An action step started and not yet finished: signal it as a runner does when a job is cancelled. */
export interface StartedAction {
  kill(signal: NodeJS.Signals): void
  /** The run, once the process has exited, checked for leaks like every run. */
  finished: Promise<ActionRun>
}

/**
 * Runs the action and checks the run for leaks before returning it: the github-token and the
 * private key given, every value any stand-in in this process minted, and every JWT and
 * installation token any stand-in App saw or issued (see sweepForSecrets), so no test can forget.
 */
export async function runAction(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  script = ACTION,
  options: RunOptions = {},
): Promise<ActionRun> {
  return (await startAction(inputs, env, script, options)).finished
}

/** Starts the action as runAction does, and returns at once. */
export async function startAction(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  script = ACTION,
  options: RunOptions = {},
): Promise<StartedAction> {
  const dir = await mkdtemp(join(tmpdir(), 'mint-runner-token-'))
  const outputFile = join(dir, 'output')
  const summaryFile = join(dir, 'summary')
  const stateFile = join(dir, 'state')
  await writeFile(outputFile, '')
  await writeFile(summaryFile, '')
  await writeFile(stateFile, '')
  const inputEnv = Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]))
  const started = Date.now()
  let lastStdoutAt = started
  let child: ChildProcess
  const exited = new Promise<{ exitCode: number; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child = execFile(
      process.execPath,
      [script],
      {
        // A runner's environment, without this test process's own (it may hold GITHUB_* values).
        env: {
          PATH: process.env.PATH,
          GITHUB_OUTPUT: outputFile,
          GITHUB_STEP_SUMMARY: summaryFile,
          GITHUB_STATE: stateFile,
          RUNNER_TEMP: dir,
          ...inputEnv,
          ...env,
        },
        timeout: options.timeoutMs ?? 120_000,
      },
      (error, stdout, stderr) => resolve({ ...howItEnded(error), stdout, stderr }),
    )
    child.stdout?.on('data', () => (lastStdoutAt = Date.now()))
    if (options.priority !== undefined && child.pid !== undefined) setPriority(child.pid, options.priority)
    if (options.onStdout) child.stdout?.on('data', (chunk) => options.onStdout!(String(chunk)))
  })
  const finished = exited.then(async ({ exitCode, signal, stdout, stderr }) => {
    const endedAt = Date.now()
    const outputText = await readFile(outputFile, 'utf8')
    const outputs = parseOutputFile(outputText)
    const stateText = await readFile(stateFile, 'utf8')
    const state = parseOutputFile(stateText)
    const summary = await readFile(summaryFile, 'utf8')
    await rm(dir, { recursive: true, force: true })
    const run: ActionRun = {
      exitCode,
      signal,
      stdout,
      stderr,
      outputs,
      state,
      stateBytes: Buffer.byteLength(stateText),
      outputBytes: Buffer.byteLength(outputText),
      summary,
      lines: stdout.split('\n').filter(Boolean),
      durationMs: endedAt - started,
      startedAt: started,
      endedAt,
      lastStdoutAt,
    }
    sweepForSecrets(run, inputs['github-token'] ?? '', inputs['private-key'] ?? '')
    return run
  })
  return { kill: (signal) => child.kill(signal), finished }
}

/**
 * Runs the post step after `main`, as a runner does: the same inputs, and each state the main
 * step saved as a STATE_<name> variable.
 */
export async function runPost(
  inputs: Record<string, string>,
  main: Pick<ActionRun, 'state'>,
  env: Record<string, string> = {},
  script = ACTION,
): Promise<ActionRun> {
  return (await startPost(inputs, main, env, script)).finished
}

/** Starts the post step as runPost does, and returns at once: signal it as a runner does. */
export function startPost(
  inputs: Record<string, string>,
  main: Pick<ActionRun, 'state'>,
  env: Record<string, string> = {},
  script = ACTION,
): Promise<StartedAction> {
  const stateEnv = Object.fromEntries(Object.entries(main.state).map(([name, value]) => [`STATE_${name}`, value]))
  return startAction(inputs, { ...stateEnv, ...env }, script)
}

/**
 * The secrets sweep every run gets: neither the caller's github-token, nor a line of the private
 * key, nor any minted value, JWT or installation token is readable anywhere but in its
 * ::add-mask:: line, and none of the caller's credentials is ever an output.
 */
export function sweepForSecrets(run: ActionRun, githubToken: string, privateKey = ''): void {
  // The action masks the trimmed token; surrounding whitespace is not part of the secret.
  const given = [githubToken.trim()].filter(Boolean)
  for (const secret of given) {
    // A short value would match by chance; tests must pass a token shaped like a real one.
    assert.ok(secret.length >= 8, `runAction: a github-token of ${secret.length} characters cannot be swept for; use a realistic one`)
    assert.ok(!Object.values(run.outputs).some((value) => value.includes(secret)), 'the github-token was set as an output')
  }
  const credentials = [...keyLines(privateKey), ...everyAppSecret()]
  for (const secret of credentials) {
    assert.ok(
      !Object.values(run.outputs).some((value) => value.includes(secret)),
      'a private key line, a JWT or an installation token was set as an output',
    )
  }
  assertNoLeak(run, [...new Set([...given, ...credentials, ...everyMintedValue()])])
}

/** Parses the GITHUB_OUTPUT file format: `name<<DELIMITER\nvalue\nDELIMITER`. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i])
    if (!match) continue
    const end = lines.indexOf(match[2], i + 1)
    outputs[match[1]] = lines.slice(i + 1, end).join('\n')
    i = end
  }
  return outputs
}

/**
 * No secret appears anywhere a person could read it, except in `::add-mask::` commands (the
 * runner never prints those; one may hold another secret, as a key pasted on one line holds
 * each of its lines), and a secret set as an output was masked first.
 */
export function assertNoLeak(run: ActionRun, secrets: string[]): void {
  for (const secret of secrets.filter(Boolean)) {
    const maskAt = run.lines.indexOf(`::add-mask::${secret}`)
    run.lines.forEach((line, index) => {
      if (line.startsWith('::add-mask::')) return
      assert.ok(!line.includes(secret), `secret printed on stdout line ${index}: ${line.replace(secret, '<SECRET>')}`)
    })
    assert.ok(!run.stderr.includes(secret), 'secret printed on stderr')
    assert.ok(!run.summary.includes(secret), 'secret written to the step summary')
    // The output file is where a masked value belongs; it must have been masked first.
    if (Object.values(run.outputs).some((value) => value.includes(secret))) {
      assert.ok(maskAt >= 0, 'a secret was set as an output without ::add-mask:: first')
    }
  }
}
