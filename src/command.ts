// The command-line entry (`mint-runner-token`): options named like the action's inputs, parsed
// and checked by the same parseInputs, minted by the same engine. stdout carries only the result;
// progress, retries and errors go to stderr. No @actions/core here: its workflow commands do not
// belong on a host, and it would slow start-up. The option table is in command-options.ts, the
// help in command-help.ts; command-line.ts reads argv and the environment, and words messages
// for the command line.
import { parseInputs, type Config } from './inputs.js'
import { InputError } from './input-values.js'
import { scopeName } from './scope.js'
import { MintError, mintToken, mintedLine, mintingLine, type MintDeps, type MintedToken } from './mint.js'
import { BatchFailed, mintRunners, stopSignal } from './jit/batch.js'
import { handOverOrRollBack } from './jit/hand-over.js'
import { Ledger, newOwnershipLabel } from './jit/ledger.js'
import { describeRemoval, notConfirmedGone } from './jit/report.js'
import type { JitDeps } from './jit/session.js'
import { describeScope } from './explain.js'
import { runnerUrl } from './runner-url.js'
import { runnerEntries } from './runners-file.js'
import { privateKeySecrets, withInstallationToken } from './app.js'
import { redact, registerSecret } from './redaction.js'
import { escapeControls } from './server-text.js'
import { EXIT, PROGRAM } from './command-options.js'
import { helpText } from './command-help.js'
import { UsageError, commandInputs, forCommandLine, parseCommandLine, withSubcommand } from './command-line.js'
import { runPruneCommand, runWaitCommand } from './lifecycle-command.js'
import packageJson from '../package.json' with { type: 'json' }

export interface CommandIo {
  /** Writes the result; rejects (or throws) if it could not be written: a closed pipe, a full disk. */
  stdout: (text: string) => Promise<void> | void
  stderr: (text: string) => void
}

/** stdout could not be written: nothing was handed over. */
class StdoutFailed extends Error {}

type Deps = MintDeps & JitDeps

/** What a run needs besides its config: where its result and its log go, and the collaborators. */
interface Run {
  json: boolean
  env: NodeJS.ProcessEnv
  /** Prints the result; `handedOver` are the secrets in it that are the result (the minted values). */
  print: (text: string, handedOver: string[]) => Promise<void>
  log: (line: string) => void
  warn: (line: string) => void
  deps: Deps
}

/**
 * Runs the command and returns its exit status. Never throws. `deps.signal`, aborted with
 * 'SIGINT' or 'SIGTERM', stops it: what it registered is deleted, and it returns 130 or 143.
 */
export async function runCommand(argv: string[], env: NodeJS.ProcessEnv, rawIo: CommandIo, givenDeps: Deps = {}): Promise<number> {
  // The one redaction point (redaction.ts): no runner masks for the command, so every text it
  // writes is redacted here; only the result printed on stdout keeps the values it hands over.
  const io: CommandIo = { stdout: (text) => rawIo.stdout(redact(text)), stderr: (text) => rawIo.stderr(redact(text)) }
  // Every secret the run learns (a JWT, the installation token, a minted value) is registered as it arrives.
  const deps: Deps = {
    ...givenDeps,
    mask: (secret) => {
      registerSecret(secret)
      givenDeps.mask?.(secret)
    },
  }
  // Each line escaped on its own: server text in a message is data, and only our own line breaks
  // (a rollback's report) stay line breaks.
  const fail = (message: string, status: number): number => {
    io.stderr(`${PROGRAM}: ${message.split('\n').map(escapeControls).join('\n')}\n`)
    if (status === EXIT.usage) io.stderr(`Run "${PROGRAM} --help" for usage.\n`)
    return status
  }
  // How messages name each credential input; known once the credentials are read, before any
  // error that mentions an input.
  let names: Record<string, string> = {}
  try {
    const values = parseCommandLine(withSubcommand(argv))
    if (values.help || values.version) {
      await printer(rawIo)(values.help ? helpText() : `${packageJson.version}\n`, [])
      return EXIT.minted
    }
    // Server text in a line (a runner's name, an expiry, a note) is printed as data.
    const log = values.quiet ? () => {} : (line: string) => io.stderr(`${escapeControls(line)}\n`)
    // A warning (a token left valid, say) is said even with --quiet.
    const warn = (line: string): void => io.stderr(`Warning: ${escapeControls(line)}\n`)
    const inputs = commandInputs(values, env, log)
    names = inputs.names
    // The caller's credentials first, before anything could echo them.
    registerSecret(inputs.read('github-token'))
    for (const line of privateKeySecrets(inputs.read('private-key'))) registerSecret(line)
    const config = parseInputs(inputs.read, env)
    const run: Run = { json: Boolean(values.json), env, print: printer(rawIo), log, warn, deps }
    await (config.type === 'jit'
      ? runJit(config, run)
      : config.type === 'prune'
        ? runPruneCommand(config, run)
        : config.type === 'wait'
          ? runWaitCommand(config, run)
          : runMint(config, run))
    return EXIT.minted
  } catch (error) {
    if (error instanceof UsageError) return fail(error.message, EXIT.usage)
    if (error instanceof InputError) return fail(forCommandLine(error.message, names), EXIT.usage)
    if (error instanceof MintError) return fail(forCommandLine(error.message, names), failedStatus(deps.signal))
    if (error instanceof StdoutFailed) return fail(error.message, EXIT.failed)
    return fail(`unexpected error: ${error instanceof Error ? error.message : String(error)}`, EXIT.failed)
  }
}

/** Mints a registration or remove token and prints it. */
async function runMint(config: Config, { json, env, print, log, warn, deps }: Run): Promise<void> {
  log(mintingLine(config))
  // App credentials become an installation token first, on the same budget; revoked afterwards.
  const minted = await withInstallationToken(config, authDeps(log, warn, deps), (resolved) => mintToken(resolved, { log, ...deps }))
  log(mintedLine(config, minted))
  await print(json ? `${JSON.stringify(resultJson(minted, config, env))}\n` : `${minted.token}\n`, [minted.token])
}

/** Registers JIT runners, all or none, and prints them: the hand-over, or else the rollback. */
async function runJit(config: Config, { json, env, print, log, warn, deps }: Run): Promise<void> {
  const scope = describeScope(config.scope)
  const ledger = new Ledger(newOwnershipLabel())
  log(`Registering ${config.jit!.count} just-in-time runner(s) for ${scope}; each carries the ownership label ${ledger.label}.`)
  await withInstallationToken(config, authDeps(log, warn, deps), async (resolved) => {
    const jitDeps = { log, ...deps, ledger }
    try {
      const minted = await mintRunners(resolved, env, jitDeps)
      const { runners, attempts, serverVersion } = minted
      const result = {
        runners: runnerEntries(runners),
        attempts,
        ...(serverVersion ? { server_version: serverVersion } : {}),
        type: 'jit',
        ...describeTarget(config, env),
        ownership_label: ledger.label,
      }
      // The configs on stdout are the hand-over: inside the token's lifetime, so that a stdout
      // that cannot be written (the reader gone) is rolled back with it.
      await handOverOrRollBack(resolved, minted, jitDeps, {
        deliver: async () => {
          log(
            `Registered ${runners.length} just-in-time runner(s) for ${scope}: ${runners.map((r) => `${r.name} (id ${r.id})`).join(', ')}.`,
          )
          // Without --json one encoded config per line, in order: the host hands each to run.sh in ACTIONS_RUNNER_INPUT_JITCONFIG.
          await print(
            json ? `${JSON.stringify(result)}\n` : runners.map((r) => `${r.encodedJitConfig}\n`).join(''),
            runners.map((r) => r.encodedJitConfig),
          )
        },
      })
    } catch (error) {
      if (error instanceof BatchFailed) throw new MintError(failureForTheCommand(error), error.attempts, error.kind, error.status)
      throw error
    }
  })
}

/**
 * The command's stdout as a promise: resolved once written, rejected with a StdoutFailed that says
 * why not. Written on the raw io through the one redaction point, keeping only `handedOver` (the
 * result's own secrets).
 */
function printer(rawIo: CommandIo): (text: string, handedOver: string[]) => Promise<void> {
  return async (text, handedOver) => {
    try {
      await rawIo.stdout(redact(text, handedOver))
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      const why = code === 'EPIPE' ? 'EPIPE: the reader is gone' : (code ?? (error as Error).message)
      throw new StdoutFailed(`could not write the result to stdout (${why}), so nothing was handed over`, { cause: error })
    }
  }
}

/** What App authentication needs on a host: the log, and warnings (which --quiet does not hide). */
function authDeps(log: (line: string) => void, warn: (line: string) => void, deps: Deps) {
  return { log, warn, ...deps }
}

/** A failed mint's status: 130 or 143 when a signal stopped it. */
function failedStatus(signal: AbortSignal | undefined): number {
  const stoppedBy = stopSignal(signal)
  return stoppedBy === 'SIGTERM' ? EXIT.terminated : stoppedBy ? EXIT.interrupted : EXIT.failed
}

/**
 * The failure, what the rollback did, and how to find any runner it could not confirm gone: one
 * line each, each escaped here, so the only line breaks left are these.
 */
function failureForTheCommand(error: BatchFailed): string {
  if (!error.rollback) return escapeControls(`${error.message} This run registered no runner.`)
  const left = notConfirmedGone(error.rollback)
  const after = left.length
    ? [
        `Not confirmed deleted: ${left.join(', ')}. Runners this run registered carry the label ${error.ownershipLabel}: look for any that remain by it.`,
      ]
    : []
  return [error.message, `Rollback: ${describeRemoval(error.rollback)}.`, ...after].map(escapeControls).join('\n')
}

/** The result as JSON, with GitHub's snake_case names. */
function resultJson(minted: MintedToken, config: Config, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const snake = Object.fromEntries(
    Object.entries(minted).map(([key, value]) => [key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), value]),
  )
  return { ...snake, type: config.type, ...describeTarget(config, env) }
}

/** Where the result applies: the scope, its target, and the URL a runner registers against. */
function describeTarget(config: Config, env: NodeJS.ProcessEnv): { scope: string; target: string; runner_url: string } {
  return {
    scope: config.scope.kind,
    target: scopeName(config.scope),
    runner_url: runnerUrl(config.apiUrl, config.scope, env.GITHUB_SERVER_URL),
  }
}
