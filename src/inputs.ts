// Input parsing: every input is checked here, before any request. Errors name the input, what
// was given and what is accepted; the github-token's and the private key's values are never repeated.
// This file assembles the Config and says which inputs belong to which type; the checks of each
// kind of value are in input-values.ts, duration.ts, scope.ts, credentials.ts and jit/inputs.ts.
import { type Config, JITTER_MODES, type JitInputs, type Scope, TOKEN_TYPES, type TokenType } from './types.js'
import { parseCredentials } from './credentials.js'
import {
  InputError,
  type InputReader,
  oneOf,
  parseApiUrl,
  parseBoolean,
  parseDurationInput,
  parseId,
  parseWholeNumber,
  parseWriteBudget,
  shown,
} from './input-values.js'
import { parseScope } from './scope.js'
import { parsePruneInputs, parseWaitInputs } from './lifecycle/inputs.js'
import { MAX_RUNNERS, parseExclusiveLabels, parseLabels, parseRunnerGroup, parseRunnerName, parseWorkFolder } from './jit/inputs.js'

export { TOKEN_TYPES, type Config, type StepSettings, type TokenType } from './types.js'

/**
 * Defaults for inputs left empty. action.yml states the same values for the runner to fill in,
 * except for type-specific inputs (TYPE_SPECIFIC): the runner fills in every non-empty default,
 * which would make such an input look given for every type, so their action.yml default is empty
 * and their description states this one.
 */
export const DEFAULTS = {
  type: 'registration',
  'api-url': 'https://api.github.com',
  'max-attempts': '8',
  'initial-delay': '1s',
  'max-delay': '30s',
  timeout: '5m',
  'attempt-timeout': '15s',
  jitter: 'equal',
  spread: '0',
  'runner-group-id': '1',
  'work-folder': '_work',
  count: '1',
  'cleanup-on-failure': 'true',
  'dry-run': 'false',
  exclusive: 'false',
  // As --help and the reference show it: an unset write-budget is GitHub's limit where GitHub has rate limits (pacer.ts).
  'write-budget': '180/1m',
} as const

/**
 * Inputs that apply to some types only: given with another `type` they are an error, never
 * silently ignored (`count: 4` without `type: jit` would mint one registration token). A new
 * type-specific input is one line here.
 */
export const TYPE_SPECIFIC: Readonly<Record<string, readonly TokenType[]>> = {
  labels: ['jit'],
  'runner-name': ['jit'],
  'runner-group': ['jit'],
  'runner-group-id': ['jit'],
  'work-folder': ['jit'],
  count: ['jit'],
  'cleanup-on-failure': ['jit'],
  exclusive: ['jit'],
  'ownership-label': ['wait', 'prune'],
  'older-than': ['prune'],
  'dry-run': ['prune'],
  // The types that write (the post step of jit reads it too); a token mint is one write, wait writes nothing.
  'write-budget': ['jit', 'prune'],
}

const MAX_ATTEMPTS_LIMIT = 100

export function parseInputs(read: InputReader, env: Record<string, string | undefined> = {}): Config {
  const { get, orDefault } = trimmed(read)
  // In this order: with several bad inputs, the first one here is the one reported.
  const credentials = parseCredentials(read)
  const maxAttempts = parseWholeNumber('max-attempts', orDefault('max-attempts'), 1, MAX_ATTEMPTS_LIMIT)
  const initialDelayMs = parseDurationInput('initial-delay', orDefault('initial-delay'), 0)
  const maxDelayMs = parseDurationInput('max-delay', orDefault('max-delay'), 0)
  if (maxDelayMs < initialDelayMs) {
    throw new InputError(
      `Input "max-delay" (${shown(orDefault('max-delay'))}) must not be shorter than "initial-delay" (${shown(orDefault('initial-delay'))}).`,
    )
  }
  const type = oneOf('type', orDefault('type'), TOKEN_TYPES)
  checkTypeSpecific(type, (name) => get(name) !== '')
  const scope = parseScope(get('repository'), get('organization'), get('enterprise'), env.GITHUB_REPOSITORY)
  const apiUrl = parseApiUrl(get('api-url') || env.GITHUB_API_URL || DEFAULTS['api-url'])
  const timeoutMs = parseDurationInput('timeout', orDefault('timeout'), 1)
  const attemptTimeoutMs = parseDurationInput('attempt-timeout', orDefault('attempt-timeout'), 1)
  const jitter = oneOf('jitter', orDefault('jitter'), JITTER_MODES)
  if (credentials.app && scope.kind === 'enterprise') {
    throw new InputError(
      'Inputs "app-id" and "private-key" cannot serve enterprise scope: GitHub offers Apps no permission for an enterprise\'s self-hosted runners ' +
        '(its enterprise runner endpoints accept only a classic token with "manage_runners:enterprise"); pass such a token as "github-token".',
    )
  }
  const spreadMs = parseSpread(orDefault('spread'), timeoutMs, orDefault('timeout'))
  // Unset: GitHub's budget (pacer.ts). Either is followed only where GitHub has rate limits (jit/prepare.ts).
  const writeBudget = get('write-budget') ? parseWriteBudget(get('write-budget')) : undefined
  const config: Config = {
    ...credentials,
    scope,
    type,
    apiUrl,
    maxAttempts,
    initialDelayMs,
    maxDelayMs,
    timeoutMs,
    attemptTimeoutMs,
    jitter,
    spreadMs,
    ...(writeBudget === undefined ? {} : { writeBudget }),
  }
  if (type === 'jit') config.jit = parseJitInputs(read, scope)
  if (type === 'wait') config.wait = parseWaitInputs(get('ownership-label'))
  if (type === 'prune') config.prune = parsePruneInputs(get('ownership-label'), get('older-than'), orDefault('dry-run'))
  return config
}

/** Inputs trimmed (`get`), and trimmed or else their default (`orDefault`). */
function trimmed(read: InputReader) {
  const get = (name: string): string => read(name).trim()
  return { get, orDefault: (name: keyof typeof DEFAULTS): string => get(name) || DEFAULTS[name] }
}

/** `spread`: a duration, shorter than `timeout` (the spread is spent inside it). */
function parseSpread(value: string, timeoutMs: number, timeout: string): number {
  const ms = parseDurationInput('spread', value, 0)
  if (ms > 0 && ms >= timeoutMs) {
    throw new InputError(
      `Input "spread" (${shown(value)}) must be shorter than "timeout" (${shown(timeout)}): the wait before the first request is part of the timeout.`,
    )
  }
  return ms
}

/** The inputs of `type: jit`, in the order they are checked. */
function parseJitInputs(read: InputReader, scope: Scope): JitInputs {
  const { get, orDefault } = trimmed(read)
  const exclusive = parseBoolean('exclusive', orDefault('exclusive'))
  // Labels untrimmed: the error shows them as given.
  const labels = exclusive ? parseExclusiveLabels(read('labels')) : parseLabels(read('labels'))
  const count = parseWholeNumber('count', orDefault('count'), 1, MAX_RUNNERS)
  const runnerName = get('runner-name')
  const runnerGroup = parseRunnerGroup(get('runner-group'), get('runner-group-id'), scope)
  return {
    labels,
    ...(runnerName ? { runnerName: parseRunnerName(runnerName, count) } : {}),
    runnerGroupId: parseId('runner-group-id', orDefault('runner-group-id')),
    ...(runnerGroup ? { runnerGroup } : {}),
    workFolder: parseWorkFolder(orDefault('work-folder')),
    count,
    cleanupOnFailure: parseBoolean('cleanup-on-failure', orDefault('cleanup-on-failure')),
    ...(exclusive ? { exclusive } : {}),
  }
}

/** Refuses every given input that cannot apply to `type`, naming them all and "type". */
function checkTypeSpecific(type: TokenType, given: (name: string) => boolean): void {
  const misplaced = Object.keys(TYPE_SPECIFIC).filter((name) => given(name) && !TYPE_SPECIFIC[name].includes(type))
  if (misplaced.length === 0) return
  const types = [...new Set(misplaced.flatMap((name) => TYPE_SPECIFIC[name]))].map((t) => `"${t}"`).join(' or ')
  const names = misplaced.map((name) => `"${name}"`)
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
  const [what, apply, them] = misplaced.length === 1 ? ['Input', 'applies', 'it'] : ['Inputs', 'apply', 'them']
  throw new InputError(
    `${what} ${list} ${apply} only to type ${types}, but "type" is "${type}"; remove ${them}, or set "type" to ${types}.`,
  )
}
