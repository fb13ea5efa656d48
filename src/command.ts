// The command-line entry (`mint-runner-token`): options named like the action's inputs, parsed
// and checked by the same parseInputs, minted by the same engine. stdout carries only the result;
// progress, retries and errors go to stderr. No @actions/core here: its workflow commands do not
// belong on a host, and it would slow start-up.
import { closeSync, openSync, readSync } from 'node:fs'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { DEFAULTS, parseInputs, type Config } from './inputs.js'
import { InputError } from './input-values.js'
import type { Scope } from './scope.js'
import { DURATION_FORMS } from './duration.js'
import { MintError, mintToken, type MintDeps, type MintedToken } from './mint.js'
import { BatchFailed, mintRunners, stopSignal } from './jit/batch.js'
import { Ledger, newOwnershipLabel } from './jit/ledger.js'
import { describeRemoval, notConfirmedGone } from './jit/report.js'
import type { JitDeps } from './jit/session.js'
import type { StopSignal } from './jit/deadline.js'
import { describeScope } from './explain.js'
import { runnerUrl } from './runner-url.js'
import { withInstallationToken } from './app.js'
import { escapeControls } from './server-text.js'
import packageJson from '../package.json' with { type: 'json' }

export const PROGRAM = 'mint-runner-token'
export const EXIT = { minted: 0, failed: 1, usage: 2, interrupted: 130, terminated: 143 } as const

/** One command-line option per action input, with the input's name; parseInputs checks its value. */
export interface InputOption {
  name: string
  /** What the value is, for --help. */
  value: string
  help: string
  /** The default as --help shows it, when it is not the action's DEFAULTS entry. */
  shownDefault?: string
}

// Every action input except github-token and private-key (secrets never come from argv), in
// action.yml's order. A new input is one line here.
export const INPUT_OPTIONS: readonly InputOption[] = [
  {
    name: 'app-id',
    value: 'ID',
    help: "GitHub App: the App's ID or client ID, with its private key, instead of a token.",
    shownDefault: '$GITHUB_APP_ID',
  },
  { name: 'installation-id', value: 'ID', help: "GitHub App: the installation's id.", shownDefault: 'looked up for the target' },
  { name: 'repository', value: 'OWNER/NAME', help: 'Repository scope.', shownDefault: '$GITHUB_REPOSITORY' },
  { name: 'organization', value: 'LOGIN', help: 'Organization scope.' },
  { name: 'enterprise', value: 'SLUG', help: 'Enterprise scope. Set at most one of --organization and --enterprise.' },
  { name: 'type', value: 'TYPE', help: 'What to mint: registration, remove or jit (just-in-time runners).' },
  {
    name: 'api-url',
    value: 'URL',
    help: 'REST API base; on GHES https://HOST/api/v3.',
    shownDefault: '$GITHUB_API_URL, else https://api.github.com',
  },
  { name: 'max-attempts', value: 'N', help: 'Total tries including the first, 1 to 100.' },
  { name: 'initial-delay', value: 'DURATION', help: 'Ceiling of the first backoff wait.' },
  { name: 'max-delay', value: 'DURATION', help: 'Cap on any one backoff wait (a retry-after is honoured even when longer).' },
  { name: 'timeout', value: 'DURATION', help: 'Deadline for the whole run, waits included.' },
  { name: 'attempt-timeout', value: 'DURATION', help: 'Limit for one request, body included.' },
  { name: 'jitter', value: 'MODE', help: 'Shape of the backoff wait: full, equal, decorrelated or none.' },
  {
    name: 'spread',
    value: 'DURATION',
    help: 'A random wait before the first request, up to this long, inside --timeout: for many hosts that start at once.',
  },
  {
    name: 'labels',
    value: 'LIST',
    help: "For --type jit: the runners' labels, comma-separated, 1 to 99 (required for jit); each runner also gets the run's ownership label.",
  },
  {
    name: 'runner-name',
    value: 'NAME',
    help: "For --type jit: the runner's name; with --count above 1 a prefix for unique names.",
    shownDefault: 'a generated unique name',
  },
  {
    name: 'runner-group',
    value: 'NAME',
    help: 'For --type jit, organization or enterprise scope: the runner group, by name (instead of --runner-group-id).',
  },
  { name: 'runner-group-id', value: 'ID', help: "For --type jit: the runner group's id." },
  { name: 'work-folder', value: 'PATH', help: "For --type jit: the runner's work folder." },
  { name: 'count', value: 'N', help: 'For --type jit: how many runners to register, 1 to 100; all or none.' },
  {
    name: 'cleanup-on-failure',
    value: 'BOOL',
    help: 'Accepted for parity with the action, without effect: a failed or stopped run deletes what it registered, and runners it printed are yours.',
  },
]

const FLAGS = {
  json: { type: 'boolean', help: 'Print the whole result as one JSON object instead of the token alone.' },
  quiet: { type: 'boolean', short: 'q', help: 'Print nothing on stderr but errors.' },
  help: { type: 'boolean', short: 'h', help: 'Show this help and exit.' },
  version: { type: 'boolean', help: 'Show the version and exit.' },
} as const

/** The option naming a file that holds a GitHub App's private key: the key itself never goes in argv. */
const KEY_FILE_OPTION = {
  name: 'app-private-key-file',
  value: 'PATH',
  help: "GitHub App: a file holding the App's private key (PEM).",
  shownDefault: 'the PEM text in $GITHUB_APP_PRIVATE_KEY',
} as const

/** Options that would put the caller's token or key in argv, where process lists and shell history show it. */
const REFUSED_TOKEN_OPTIONS = ['github-token', 'token']
const REFUSED_KEY_OPTIONS = ['private-key', 'app-private-key']
const TOKEN_ENV = ['GITHUB_TOKEN', 'GH_TOKEN'] as const
const APP_ENV = { id: 'GITHUB_APP_ID', key: 'GITHUB_APP_PRIVATE_KEY' } as const
/** A PEM private key is a few kilobytes; anything much larger is the wrong file. */
const MAX_KEY_FILE_BYTES = 64 * 1024

export interface CommandIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
}

class UsageError extends Error {}

/**
 * Runs the command and returns its exit status. Never throws. `deps.signal`, aborted with
 * 'SIGINT' or 'SIGTERM', stops it: what it registered is deleted, and it returns 130 or 143.
 */
export async function runCommand(argv: string[], env: NodeJS.ProcessEnv, io: CommandIo, deps: MintDeps & JitDeps = {}): Promise<number> {
  // Each line escaped on its own: server text in a message is data, and only our own line breaks
  // (a rollback's report) stay line breaks.
  const fail = (message: string, status: number): number => {
    io.stderr(`${PROGRAM}: ${message.split('\n').map(escapeControls).join('\n')}\n`)
    if (status === EXIT.usage) io.stderr(`Run "${PROGRAM} --help" for usage.\n`)
    return status
  }
  // How the command names each credential input in messages (an option or a variable).
  let names: Record<string, string> = { 'github-token': TOKEN_ENV[0] }
  try {
    const values = parseCommandLine(argv)
    if (values.help || values.version) {
      io.stdout(values.help ? helpText() : `${packageJson.version}\n`)
      return EXIT.minted
    }
    refuseEmptyOptions(values)
    // Server text in a line (a runner's name, an expiry, a note) is printed as data.
    const log = values.quiet ? () => {} : (line: string) => io.stderr(`${escapeControls(line)}\n`)

    // A GitHub App: options over the environment, as for every other option.
    const appIdOption = (values['app-id'] as string | undefined)?.trim()
    const appId = appIdOption || env[APP_ENV.id]?.trim() || ''
    const keyFile = values[KEY_FILE_OPTION.name] as string | undefined
    const privateKey = keyFile !== undefined ? readKeyFile(keyFile) : (env[APP_ENV.key] ?? '')
    const app = Boolean(appId || privateKey.trim())
    names = {
      'app-id': appIdOption ? '--app-id' : env[APP_ENV.id]?.trim() ? APP_ENV.id : `${APP_ENV.id} (or --app-id)`,
      'private-key': keyFile !== undefined ? `the key in --${KEY_FILE_OPTION.name}` : APP_ENV.key,
    }
    const found = app ? undefined : TOKEN_ENV.find((name) => env[name]?.trim())
    if (app) {
      // App credentials are asked for by name; a token in the environment is often just there (a
      // runner step's GITHUB_TOKEN, a developer's GH_TOKEN), so it does not make the call ambiguous.
      const ambient = TOKEN_ENV.filter((name) => env[name]?.trim())
      if (ambient.length)
        log(`Authenticating as the GitHub App; ${ambient.join(' and ')} in the environment ${ambient.length > 1 ? 'are' : 'is'} not used.`)
    } else if (!found) {
      throw new UsageError(
        `set ${TOKEN_ENV.join(' or ')} to a token allowed to manage self-hosted runners for the target, or ${APP_ENV.id} and ` +
          `${APP_ENV.key} (or --${KEY_FILE_OPTION.name}) for a GitHub App; secrets are read only from the environment or a file, never from the command line.`,
      )
    } else {
      names['github-token'] = found
    }
    const read = (name: string): string => {
      if (name === 'github-token') return found ? (env[found] ?? '') : ''
      if (name === 'app-id') return appId
      if (name === 'private-key') return privateKey
      return (values[name] as string | undefined) ?? ''
    }
    const config = parseInputs(read, env)
    const scope = describeScope(config.scope)
    // App credentials become an installation token first, on the same budget; revoked afterwards.
    const auth = { log, warn: (line: string) => log(`Warning: ${line}`), ...deps }
    if (config.type === 'jit') {
      const ledger = new Ledger(newOwnershipLabel())
      log(`Registering ${config.jit!.count} just-in-time runner(s) for ${scope}; each carries the ownership label ${ledger.label}.`)
      const { runners, attempts, serverVersion } = await withInstallationToken(config, auth, async (resolved) => {
        try {
          return await mintRunners(resolved, env, { log, ledger, ...deps })
        } catch (error) {
          if (error instanceof BatchFailed) throw new MintError(failureForTheCommand(error), error.attempts)
          throw error
        }
      })
      log(`Registered ${runners.length} just-in-time runner(s) for ${scope}: ${runners.map((r) => `${r.name} (id ${r.id})`).join(', ')}.`)
      // One encoded config per line, in order: the host hands each to run.sh in ACTIONS_RUNNER_INPUT_JITCONFIG.
      const json = {
        runners: runners.map((r) => ({ id: r.id, name: r.name, encoded_jit_config: r.encodedJitConfig })),
        attempts,
        ...(serverVersion ? { server_version: serverVersion } : {}),
      }
      const meta = { type: 'jit', ...describeTarget(config, env), ownership_label: ledger.label }
      io.stdout(values.json ? `${JSON.stringify({ ...json, ...meta })}\n` : runners.map((r) => `${r.encodedJitConfig}\n`).join(''))
      ledger.handOver(runners.map((r) => r.name))
      return EXIT.minted
    }
    log(`Minting a ${config.type} token for ${scope} via ${config.apiUrl}`)
    const minted = await withInstallationToken(config, auth, (resolved) => mintToken(resolved, { log, ...deps }))
    log(`Minted a ${config.type} token for ${scope}; it expires at ${minted.expiresAt} (${minted.attempts} attempt(s)).`)
    io.stdout(values.json ? `${JSON.stringify(resultJson(minted, config, env))}\n` : `${minted.token}\n`)
    return EXIT.minted
  } catch (error) {
    const stoppedBy = stopSignal(deps.signal)
    const failed = stoppedBy ? exitFor(stoppedBy) : EXIT.failed
    if (error instanceof UsageError) return fail(error.message, EXIT.usage)
    if (error instanceof InputError) return fail(forCommandLine(error.message, names), EXIT.usage)
    if (error instanceof MintError) return fail(forCommandLine(error.message, names), failed)
    return fail(`unexpected error: ${error instanceof Error ? error.message : String(error)}`, EXIT.failed)
  }
}

function exitFor(signal: StopSignal): number {
  return signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted
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

/**
 * An option given with an empty value (`--timeout "$TIMEOUT"` with TIMEOUT unset) is a mistake,
 * not a request for the default: the action reads an empty input as unset, the command refuses it.
 */
function refuseEmptyOptions(values: Record<string, string | boolean | undefined>): void {
  for (const option of INPUT_OPTIONS) {
    const value = values[option.name]
    if (typeof value !== 'string' || value.trim()) continue
    const shownDefault = option.shownDefault ?? (DEFAULTS as Record<string, string>)[option.name]
    throw new UsageError(
      `Option --${option.name} was given an empty value; leave it out to use its default${shownDefault ? ` (${shownDefault})` : ''}.`,
    )
  }
}

function parseCommandLine(argv: string[]): Record<string, string | boolean | undefined> {
  // Checked before parsing so the refusal, not some other complaint, is what the user sees.
  for (const arg of argv) {
    if (arg === '--') break
    const name = /^--([^=]+)/.exec(arg)?.[1]
    if (name && REFUSED_TOKEN_OPTIONS.includes(name)) {
      throw new UsageError(
        `option --${name} is not accepted: a token on the command line shows up in process lists, shell history and logs. ` +
          `Put it in the environment instead: ${TOKEN_ENV.join(' or ')}.`,
      )
    }
    if (name && REFUSED_KEY_OPTIONS.includes(name)) {
      throw new UsageError(
        `option --${name} is not accepted: a private key on the command line shows up in process lists, shell history and logs. ` +
          `Put it in a file (--${KEY_FILE_OPTION.name} PATH) or in the environment (${APP_ENV.key}) instead.`,
      )
    }
  }
  const options: NonNullable<ParseArgsConfig['options']> = Object.fromEntries([
    ...INPUT_OPTIONS.map((option) => [option.name, { type: 'string' }]),
    [KEY_FILE_OPTION.name, { type: 'string' }],
    ...Object.entries(FLAGS).map(([name, flag]) => [name, { type: flag.type, ...('short' in flag ? { short: flag.short } : {}) }]),
  ])
  try {
    // No option is declared `multiple`, so every value is a string or a boolean.
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>
  } catch (error) {
    const code = (error as { code?: string }).code
    // Node's message repeats the argument, which could be a token pasted in the wrong place.
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError('this command takes no arguments, only options.')
    if (code?.startsWith('ERR_PARSE_ARGS_')) throw new UsageError((error as Error).message)
    throw error
  }
}

/** The key file's text, read up to a limit (it may be a pipe: --app-private-key-file <(vault read ...)). */
function readKeyFile(path: string): string {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (error) {
    throw new UsageError(
      `cannot open --${KEY_FILE_OPTION.name} ${JSON.stringify(path)}: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`,
    )
  }
  try {
    const buffer = Buffer.alloc(MAX_KEY_FILE_BYTES + 1)
    let size = 0
    for (let read = 1; read > 0 && size < buffer.length; size += read) read = readSync(fd, buffer, size, buffer.length - size, null)
    if (size > MAX_KEY_FILE_BYTES) {
      throw new UsageError(
        `--${KEY_FILE_OPTION.name} ${JSON.stringify(path)} is larger than ${MAX_KEY_FILE_BYTES / 1024} KiB: not a private key.`,
      )
    }
    return buffer.subarray(0, size).toString('utf8')
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw new UsageError(
      `cannot read --${KEY_FILE_OPTION.name} ${JSON.stringify(path)}: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`,
    )
  } finally {
    closeSync(fd)
  }
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
    target: target(config.scope),
    runner_url: runnerUrl(config.apiUrl, config.scope, env.GITHUB_SERVER_URL),
  }
}

function target(scope: Scope): string {
  return scope.kind === 'repository' ? `${scope.owner}/${scope.repo}` : scope.name
}

/**
 * parseInputs and the mint explanations speak of inputs ("Input "max-delay" ...") and of a step;
 * on the command line those are options (--max-delay), the credentials are what `names` says (an
 * environment variable, a file), and the step is a run. Only the words before the user's own value
 * ("got ...") or GitHub's message are rewritten.
 */
export function forCommandLine(message: string, names: Record<string, string>): string {
  const cut = message.search(/\bgot |GitHub said:/)
  const head = cut < 0 ? message : message.slice(0, cut)
  let translated = head
  for (const [input, name] of Object.entries(names)) {
    translated = translated.replace(new RegExp(`\\b[Ii]nputs? "${input}"|"${input}"`, 'g'), name)
  }
  const options = INPUT_OPTIONS.map((option) => option.name)
    .filter((name) => !(name in names))
    .join('|')
  translated = translated
    .replace(/\bthis step\b/g, 'this run')
    .replace(/\bInput "/g, 'Option "')
    .replace(/\bInputs "/g, 'Options "')
    .replace(/\binputs "/g, 'options "')
    .replace(new RegExp(`"(${options})"`, 'g'), '--$1')
  return translated + (cut < 0 ? '' : message.slice(cut))
}

export function helpText(): string {
  const rows: [string, string][] = [
    ...[...INPUT_OPTIONS, KEY_FILE_OPTION].map((option): [string, string] => {
      const shown = option.shownDefault ?? (DEFAULTS as Record<string, string>)[option.name]
      return [`--${option.name} ${option.value}`, shown ? `${option.help} Default: ${shown}.` : option.help]
    }),
    ...Object.entries(FLAGS).map(([name, flag]): [string, string] => [
      'short' in flag ? `-${flag.short}, --${name}` : `--${name}`,
      flag.help,
    ]),
  ]
  const width = Math.max(...rows.map(([left]) => left.length)) + 2
  const table = rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`).join('\n')
  return `Usage: ${PROGRAM} [options]

Mints a GitHub self-hosted runner registration or remove token, or registers just-in-time
runners (repository, organization or enterprise scope), and prints the result on stdout,
retrying what can recover with bounded, jittered exponential backoff that follows GitHub's
rate-limit rules. The options are the inputs of the mint-runner-token action, with the same
names, defaults and checks.

The token used to call GitHub comes from the environment: ${TOKEN_ENV.join(', else ')}. Or, as a
GitHub App: its ID from --app-id or ${APP_ENV.id}, and its private key (PEM) from
--${KEY_FILE_OPTION.name} or ${APP_ENV.key}; the command then makes an installation token
narrowed to the target, uses it, and revokes it, and a token in the environment is not used.
Secrets are never taken from the command line, where process lists and shell history would show them.

Options:
${table}

Durations are ${DURATION_FORMS}; at most 6h.

Output: stdout carries only the result, the token and a newline, or with --json one object:
  {"token": "...", "expires_at": "...", "attempts": 1, "type": "registration", "scope": "repository",
   "target": "OWNER/NAME", "runner_url": "https://github.com/OWNER/NAME"}
runner_url is what config.sh --url takes for the scope, on the server the token was minted on.
With --type jit: each runner's encoded JIT config on its own line, or with --json
  {"runners": [{"id": 1, "name": "...", "encoded_jit_config": "..."}], "attempts": 1, "type": "jit", "ownership_label": "mrt-...", ...}
Hand a JIT config to the runner in ACTIONS_RUNNER_INPUT_JITCONFIG and a registration token to
config.sh in ACTIONS_RUNNER_INPUT_TOKEN: the runner reads both from its environment and removes
them, so neither shows on a command line.
Progress and each failed attempt (status, GitHub request id, wait) go to stderr; no token ever does.

Exit status: ${EXIT.minted} minted; ${EXIT.failed} minting failed (the reason is on stderr); ${EXIT.usage} usage error;
${EXIT.interrupted} stopped by SIGINT, ${EXIT.terminated} by SIGTERM. With --type jit a failed or stopped run first deletes
the runners it registered and lists on stderr, by name, what it deleted and what it could not.

Examples:
  TOKEN=$(${PROGRAM} --repository octo-org/octo-repo)
  ${PROGRAM} --organization octo-org --max-attempts 5 --json
  GH_TOKEN=$(gh auth token) ${PROGRAM} --enterprise octo-enterprise --type remove
  GITHUB_APP_ID=123456 ${PROGRAM} --organization octo-org --app-private-key-file runner-app.pem
  ACTIONS_RUNNER_INPUT_JITCONFIG=$(${PROGRAM} --organization octo-org --type jit --labels self-hosted,linux)
  export ACTIONS_RUNNER_INPUT_JITCONFIG; unset GITHUB_TOKEN GH_TOKEN; exec ./run.sh
`
}
