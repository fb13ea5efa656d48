// From the library's options object to the Config the action builds: each option is mapped to the
// action input of the same meaning and the same parseInputs checks it, so a value the action
// refuses the library refuses too, before any request. Only what an options object adds is
// checked here: a name that is no option, a value of the wrong JavaScript type, an empty string.
// Messages name the option ("retry.maxDelay"), never the input.
import { type Config, parseInputs } from '../inputs.js'
import { InputError, oneOf, shown } from '../input-values.js'

export type Operation = 'mintToken' | 'registerRunners' | 'waitForRunners' | 'pruneRunners'

type ValueKind = 'string' | 'whole number' | 'duration' | 'labels' | 'app id' | 'jitter' | 'boolean'

interface OptionSpec {
  input: string
  kind: ValueKind
}

const SCOPE: Record<string, OptionSpec> = {
  repository: { input: 'repository', kind: 'string' },
  organization: { input: 'organization', kind: 'string' },
  enterprise: { input: 'enterprise', kind: 'string' },
  apiUrl: { input: 'api-url', kind: 'string' },
}

const OWNERSHIP_LABEL: OptionSpec = { input: 'ownership-label', kind: 'string' }
const WRITE_BUDGET: OptionSpec = { input: 'write-budget', kind: 'string' }

/** Top-level options that are action inputs, per operation. */
const TOP: Record<Operation, Record<string, OptionSpec>> = {
  mintToken: { ...SCOPE, type: { input: 'type', kind: 'string' } },
  registerRunners: {
    ...SCOPE,
    labels: { input: 'labels', kind: 'labels' },
    count: { input: 'count', kind: 'whole number' },
    name: { input: 'runner-name', kind: 'string' },
    runnerGroup: { input: 'runner-group', kind: 'string' },
    runnerGroupId: { input: 'runner-group-id', kind: 'whole number' },
    workFolder: { input: 'work-folder', kind: 'string' },
    writeBudget: WRITE_BUDGET,
  },
  // How long to wait is the call's timeout: an option of its own here, not one of `retry`.
  waitForRunners: { ...SCOPE, ownershipLabel: OWNERSHIP_LABEL, timeout: { input: 'timeout', kind: 'duration' } },
  pruneRunners: {
    ...SCOPE,
    ownershipLabel: OWNERSHIP_LABEL,
    olderThan: { input: 'older-than', kind: 'duration' },
    dryRun: { input: 'dry-run', kind: 'boolean' },
    writeBudget: WRITE_BUDGET,
  },
}

/** The action's `type` for each operation (mintToken's is its own option). */
const TYPE: Record<Exclude<Operation, 'mintToken'>, string> = { registerRunners: 'jit', waitForRunners: 'wait', pruneRunners: 'prune' }

/** Options each operation requires that the action's inputs leave to a default or to the type. */
const REQUIRED: Partial<Record<Operation, [string, string][]>> = {
  mintToken: [['type', '"registration" or "remove"']],
  registerRunners: [['labels', 'an array of 1 to 99 labels']],
  waitForRunners: [
    ['ownershipLabel', 'the label of the runners to wait for, as registerRunners gave it'],
    ['timeout', 'how long to wait, in milliseconds or as a string such as "5m"'],
  ],
}

const AUTH: Record<string, OptionSpec> = {
  token: { input: 'github-token', kind: 'string' },
  appId: { input: 'app-id', kind: 'app id' },
  privateKey: { input: 'private-key', kind: 'string' },
  installationId: { input: 'installation-id', kind: 'whole number' },
}

const RETRY: Record<string, OptionSpec> = {
  maxAttempts: { input: 'max-attempts', kind: 'whole number' },
  initialDelay: { input: 'initial-delay', kind: 'duration' },
  maxDelay: { input: 'max-delay', kind: 'duration' },
  timeout: { input: 'timeout', kind: 'duration' },
  attemptTimeout: { input: 'attempt-timeout', kind: 'duration' },
  jitter: { input: 'jitter', kind: 'jitter' },
  spread: { input: 'spread', kind: 'duration' },
}

/** Options that are not action inputs. */
const OWN = ['auth', 'retry', 'signal', 'log']

/** The option each action input is for `operation`, as messages name it. */
export function optionNames(operation: Operation): Readonly<Record<string, string>> {
  return Object.fromEntries([
    ...Object.entries(AUTH).map(([option, spec]) => [spec.input, `auth.${option}`]),
    ...Object.entries(retryOptions(operation)).map(([option, spec]) => [spec.input, `retry.${option}`]),
    ...Object.entries(TOP[operation]).map(([option, spec]) => [spec.input, option]),
  ])
}

/** `retry`'s options for `operation`: all but `timeout` where it is an option of its own. */
function retryOptions(operation: Operation): Record<string, OptionSpec> {
  return Object.fromEntries(Object.entries(RETRY).filter(([option]) => !(option in TOP[operation])))
}

/** A bad option: the message names it. */
export class OptionError extends InputError {
  constructor(
    message: string,
    readonly option: string | undefined,
  ) {
    super(message)
  }
}

export interface CheckedOptions {
  config: Config
  signal?: AbortSignal
  log?: (line: string) => void
}

/**
 * Checks `options` as `operation` takes them and builds the action's Config from them (type
 * `jit` for registerRunners). Throws an OptionError naming the first option at fault.
 */
export function checkOptions(operation: Operation, options: unknown): CheckedOptions {
  if (!isObject(options)) throw new OptionError(`${operation} takes one options object; got ${typeName(options)}.`, undefined)
  const inputs: Record<string, string> = {}
  const names = optionNames(operation)
  // A number given for a duration reads back as given in a message, not as the "1500ms" the parser saw.
  const asGiven = new Map<string, string>()
  const take = (group: Record<string, OptionSpec>, values: Record<string, unknown>, prefix: string): void => {
    for (const [key, value] of Object.entries(values)) {
      const spec = group[key]
      if (value === undefined) continue
      const option = `${prefix}${key}`
      inputs[spec.input] = stringOf(option, spec.kind, value)
      if (spec.kind === 'duration' && typeof value === 'number') asGiven.set(shown(inputs[spec.input]), String(value))
    }
  }
  refuseUnknown(operation, options, [...Object.keys(TOP[operation]), ...OWN], '')
  const { auth, retry, signal, log, ...rest } = options
  if (!isObject(auth)) {
    throw new OptionError(`Option "auth" is required: { token } or { appId, privateKey, installationId? }; got ${typeName(auth)}.`, 'auth')
  }
  refuseUnknown(operation, auth, Object.keys(AUTH), 'auth.')
  if (retry !== undefined) {
    if (!isObject(retry)) throw new OptionError(`Option "retry" must be an object; got ${typeName(retry)}.`, 'retry')
    refuseUnknown(operation, retry, Object.keys(retryOptions(operation)), 'retry.')
    take(retryOptions(operation), retry, 'retry.')
  }
  take(AUTH, auth, 'auth.')
  // The action lets "organization" override "repository" (which defaults to the workflow's own);
  // an options object has no default repository, so two targets are a mistake.
  const targets = ['repository', 'organization', 'enterprise'].filter((key) => rest[key] !== undefined)
  if (targets.length > 1) {
    throw new OptionError(
      `Set exactly one of options "repository", "organization" and "enterprise"; got ${targets.map((t) => `"${t}"`).join(' and ')}.`,
      targets[0],
    )
  }
  take(TOP[operation], rest, '')
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new OptionError(`Option "signal" must be an AbortSignal; got ${typeName(signal)}.`, 'signal')
  }
  if (log !== undefined && typeof log !== 'function') throw new OptionError(`Option "log" must be a function; got ${typeName(log)}.`, 'log')
  for (const [option, what] of REQUIRED[operation] ?? []) {
    if (rest[option] === undefined) throw new OptionError(`Option "${option}" is required: ${what}.`, option)
  }
  if (operation === 'mintToken') translated(() => oneOf('type', inputs.type, ['registration', 'remove'] as const), names, asGiven)
  else inputs.type = TYPE[operation]
  const config = translated(() => parseInputs((name) => inputs[name] ?? ''), names, asGiven)
  return { config, ...(signal ? { signal: signal as AbortSignal } : {}), ...(log ? { log: log as (line: string) => void } : {}) }
}

/** The value as the action's input would hold it, after the checks an options object needs. */
function stringOf(option: string, kind: ValueKind, value: unknown): string {
  const wrong = (what: string): never => {
    throw new OptionError(`Option "${option}" must be ${what}; got ${typeName(value)}.`, option)
  }
  if (kind === 'labels') {
    if (!Array.isArray(value) || !value.every((label) => typeof label === 'string')) return wrong('an array of strings')
    const split = (value as string[]).find((label) => /[,\n]/.test(label))
    if (split !== undefined)
      throw new OptionError(`Option "labels" must hold one label per string, without commas or line breaks; got ${shown(split)}.`, option)
    return value.join(',')
  }
  if (kind === 'whole number') return typeof value === 'number' ? String(value) : wrong('a number')
  if (kind === 'boolean') return typeof value === 'boolean' ? String(value) : wrong('true or false')
  if (kind === 'duration') {
    if (typeof value === 'number')
      return Number.isFinite(value) && value >= 0 ? `${value}ms` : wrong('a duration: milliseconds (0 or more) or a string such as "30s"')
    if (typeof value !== 'string') return wrong('a duration: milliseconds or a string such as "30s"')
  }
  if (kind === 'app id' && typeof value === 'number') return String(value)
  if (typeof value !== 'string') return wrong(kind === 'app id' ? 'a string or a number' : 'a string')
  if (!value.trim()) {
    throw new OptionError(`Option "${option}" is an empty string; leave it out to use its default, or give a value.`, option)
  }
  return value
}

function refuseUnknown(operation: Operation, values: Record<string, unknown>, known: string[], prefix: string): void {
  const unknown = Object.keys(values).find((key) => !known.includes(key))
  if (unknown === undefined) return
  throw new OptionError(
    `${shown(`${prefix}${unknown}`)} is not an option of ${operation}; it takes ${known.map((key) => `"${prefix}${key}"`).join(', ')}.`,
    `${prefix}${unknown}`,
  )
}

/** Runs a check of the action's, its error reworded for the library. */
function translated<T>(check: () => T, names: Readonly<Record<string, string>>, asGiven: Map<string, string>): T {
  try {
    return check()
  } catch (error) {
    if (!(error instanceof InputError) || error instanceof OptionError) throw error
    let message = forLibrary(error.message, names)
    for (const [parsed, given] of asGiven) message = message.replaceAll(parsed, given)
    throw new OptionError(message, optionNamed(error.message, names))
  }
}

/**
 * The action's words in the library's: an input ("Input "max-delay"") is an option
 * ("Option "retry.maxDelay""), a step is a call. Only the words before the user's own value
 * ("got ...") or GitHub's message are rewritten.
 */
export function forLibrary(message: string, names: Readonly<Record<string, string>>): string {
  const cut = message.search(/\bgot |GitHub said:/)
  const head = cut < 0 ? message : message.slice(0, cut)
  const translated = head
    .replace(/"([a-z-]+)"/g, (quoted, input: string) => (input in names ? `"${names[input]}"` : quoted))
    .replace(/\bInput(s?) "/g, 'Option$1 "')
    .replace(/\binput(s?) "/g, 'option$1 "')
    .replace(/\bthis step\b/g, 'this call')
    .replace(/\bthe action\b/g, 'the library')
  return translated + (cut < 0 ? '' : message.slice(cut))
}

/** The option an input error names first. */
function optionNamed(message: string, names: Readonly<Record<string, string>>): string | undefined {
  const input = /"([a-z-]+)"/.exec(message)?.[1]
  return input === undefined ? undefined : names[input]
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  // A string's value is not shown: it may be a secret given in the wrong place.
  if (typeof value === 'string') return 'a string'
  if (typeof value === 'number') return String(value)
  return `${/^[aeiou]/.test(typeof value) ? 'an' : 'a'} ${typeof value}`
}
