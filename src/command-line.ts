// From argv and the environment to what parseInputs reads: the options as given, and the
// credentials from the environment or a key file, never from argv. Mistakes here are usage errors
// (exit 2), said before anything is sent. And back: the messages of parseInputs and the mint,
// in the command line's words.
import { closeSync, openSync, readSync } from 'node:fs'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { APP_ENV, FLAGS, INPUT_OPTIONS, KEY_FILE_OPTION, REFUSED_OPTIONS, TOKEN_ENV, optionDefault } from './command-options.js'

export class UsageError extends Error {}

/** The options as parsed: a string per option given, a boolean per flag. */
export type CommandValues = Record<string, string | boolean | undefined>

/** A PEM private key is a few kilobytes; anything much larger is the wrong file. */
const MAX_KEY_FILE_BYTES = 64 * 1024

export function parseCommandLine(argv: string[]): CommandValues {
  // Checked before parsing so the refusal, not some other complaint, is what the user sees.
  for (const arg of argv) {
    if (arg === '--') break
    const name = /^--([^=]+)/.exec(arg)?.[1]
    const refused = name && REFUSED_OPTIONS.find((option) => option.names.includes(name))
    if (refused) {
      throw new UsageError(
        `option --${name} is not accepted: ${refused.secret} on the command line shows up in process lists, shell history and logs. ` +
          `Put it ${refused.instead}.`,
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
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as CommandValues
  } catch (error) {
    const code = (error as { code?: string }).code
    // Node's message repeats the argument, which could be a token pasted in the wrong place.
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError('this command takes no arguments, only options.')
    if (code?.startsWith('ERR_PARSE_ARGS_')) throw new UsageError((error as Error).message)
    throw error
  }
}

/**
 * What parseInputs reads on a host (each option's value; the token, or the App's ID and key), and
 * how the command names each credential input in messages: an option, a variable or a file.
 * `log` says when a token in the environment is passed over for App credentials.
 */
export function commandInputs(
  values: CommandValues,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): { read: (name: string) => string; names: Record<string, string> } {
  refuseEmptyOptions(values)
  const appIdOption = (values['app-id'] as string | undefined)?.trim()
  const keyFile = values[KEY_FILE_OPTION.name] as string | undefined
  const tokenVariables = TOKEN_ENV.filter((name) => env[name]?.trim())
  const appVariables = [APP_ENV.id, APP_ENV.key].filter((name) => env[name]?.trim())
  // Which credentials, in this order: App options (asked for on this command line), else a token
  // variable, else the App variables. Variables are often just there (a runner step's
  // GITHUB_TOKEN, an App's left from another tool): one kind never displaces an explicit other.
  const app = Boolean(appIdOption || keyFile !== undefined) || (tokenVariables.length === 0 && appVariables.length > 0)
  const unused = app ? tokenVariables : appVariables
  if (unused.length) {
    const verb = unused.length > 1 ? 'are' : 'is'
    log(
      app
        ? `Authenticating as the GitHub App; ${unused.join(' and ')} in the environment ${verb} not used.`
        : `Authenticating with ${tokenVariables[0]}; ${unused.join(' and ')} in the environment ${verb} not used (pass --app-id or --${KEY_FILE_OPTION.name} to authenticate as the App).`,
    )
  }
  if (!app && !tokenVariables.length) {
    throw new UsageError(
      `set ${TOKEN_ENV.join(' or ')} to a token allowed to manage self-hosted runners for the target, or ${APP_ENV.id} and ` +
        `${APP_ENV.key} (or --${KEY_FILE_OPTION.name}) for a GitHub App; secrets are read only from the environment or a file, never from the command line.`,
    )
  }
  const appIdEnv = env[APP_ENV.id]?.trim()
  const appId = app ? appIdOption || appIdEnv || '' : ''
  const privateKey = !app ? '' : keyFile !== undefined ? readKeyFile(keyFile) : (env[APP_ENV.key] ?? '')
  const tokenVariable = app ? undefined : tokenVariables[0]
  const names: Record<string, string> = {
    'app-id': appIdOption ? '--app-id' : appIdEnv ? APP_ENV.id : `${APP_ENV.id} (or --app-id)`,
    'private-key': keyFile !== undefined ? `the key in --${KEY_FILE_OPTION.name}` : APP_ENV.key,
    // With an App, a message may still speak of the token (an enterprise needs one): name the variables.
    'github-token': tokenVariable ?? TOKEN_ENV.join(' or '),
  }
  const read = (name: string): string => {
    if (name === 'github-token') return tokenVariable ? (env[tokenVariable] ?? '') : ''
    if (name === 'app-id') return appId
    if (name === 'private-key') return privateKey
    return (values[name] as string | undefined) ?? ''
  }
  return { read, names }
}

/**
 * An option given with an empty value (`--timeout "$TIMEOUT"` with TIMEOUT unset) is a mistake,
 * not a request for the default: the action reads an empty input as unset, the command refuses it.
 */
function refuseEmptyOptions(values: CommandValues): void {
  for (const option of INPUT_OPTIONS) {
    const value = values[option.name]
    if (typeof value !== 'string' || value.trim()) continue
    const shownDefault = optionDefault(option)
    throw new UsageError(
      `Option --${option.name} was given an empty value; leave it out to use its default${shownDefault ? ` (${shownDefault})` : ''}.`,
    )
  }
}

/** The key file's text, read up to a limit (it may be a pipe: --app-private-key-file <(vault read ...)). */
function readKeyFile(path: string): string {
  const file = `--${KEY_FILE_OPTION.name} ${JSON.stringify(path)}`
  const code = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? 'error'
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (error) {
    throw new UsageError(`cannot open ${file}: ${code(error)}.`)
  }
  try {
    const buffer = Buffer.alloc(MAX_KEY_FILE_BYTES + 1)
    let size = 0
    for (let read = 1; read > 0 && size < buffer.length; size += read) read = readSync(fd, buffer, size, buffer.length - size, null)
    if (size > MAX_KEY_FILE_BYTES) throw new UsageError(`${file} is larger than ${MAX_KEY_FILE_BYTES / 1024} KiB: not a private key.`)
    return buffer.subarray(0, size).toString('utf8')
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw new UsageError(`cannot read ${file}: ${code(error)}.`)
  } finally {
    closeSync(fd)
  }
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
