// Input parsing: every input is checked here, before any request. Errors name the input, what
// was given and what is accepted; the github-token's and the private key's values are never repeated.
import { JITTER_MODES, type Jitter } from './policy.js'
import { type AppCredentials, readPrivateKey } from './app.js'

export type Scope =
  { kind: 'repository'; owner: string; repo: string } | { kind: 'organization'; name: string } | { kind: 'enterprise'; name: string }

export const TOKEN_TYPES = ['registration', 'remove', 'jit'] as const
export type TokenType = (typeof TOKEN_TYPES)[number]

/** What to register with `type: jit`. */
export interface JitInputs {
  labels: string[]
  /** The runner's name (count 1) or the prefix of each name (count > 1); undefined: generate one. */
  runnerName?: string
  runnerGroupId: number
  /** A runner group's name (`runner-group`), resolved to its id before the first registration. */
  runnerGroup?: string
  workFolder: string
  count: number
  cleanupOnFailure: boolean
}

export interface Config {
  /** The token every request carries; with `app`, empty until app.ts puts the installation token here. */
  githubToken: string
  /** GitHub App credentials, given instead of `github-token`. */
  app?: AppCredentials
  scope: Scope
  type: TokenType
  apiUrl: string
  maxAttempts: number
  initialDelayMs: number
  maxDelayMs: number
  timeoutMs: number
  attemptTimeoutMs: number
  jitter: Jitter
  /** A random wait before the first request, uniform up to this long, inside `timeoutMs`; 0: none. */
  spreadMs?: number
  /** Present only for `type: jit`. */
  jit?: JitInputs
}

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
}

export class InputError extends Error {}

const MAX_ATTEMPTS_LIMIT = 100
/** GitHub allows 100 labels per runner; the action adds its ownership label to the user's. */
export const MAX_LABELS = 99
export const MAX_RUNNERS = 100
const MAX_DURATION_MS = 6 * 60 * 60 * 1000 // a GitHub-hosted job's own limit

/** Reads an input by name; returns '' when unset, like core.getInput. */
export type InputReader = (name: string) => string

export function parseInputs(read: InputReader, env: Record<string, string | undefined> = {}): Config {
  const get = (name: string): string => read(name).trim()
  const orDefault = (name: keyof typeof DEFAULTS): string => get(name) || DEFAULTS[name]

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
  const config: Config = {
    ...credentials,
    scope: parseScope(get('repository'), get('organization'), get('enterprise'), env.GITHUB_REPOSITORY),
    type,
    apiUrl: parseApiUrl(get('api-url') || env.GITHUB_API_URL || DEFAULTS['api-url']),
    maxAttempts,
    initialDelayMs,
    maxDelayMs,
    timeoutMs: parseDurationInput('timeout', orDefault('timeout'), 1),
    attemptTimeoutMs: parseDurationInput('attempt-timeout', orDefault('attempt-timeout'), 1),
    jitter: oneOf('jitter', orDefault('jitter'), JITTER_MODES),
  }
  if (config.app && config.scope.kind === 'enterprise') {
    throw new InputError(
      'Inputs "app-id" and "private-key" cannot serve enterprise scope: GitHub offers Apps no permission for an enterprise\'s self-hosted runners ' +
        '(its enterprise runner endpoints accept only a classic token with "manage_runners:enterprise"); pass such a token as "github-token".',
    )
  }
  config.spreadMs = parseSpread(orDefault('spread'), config.timeoutMs, orDefault('timeout'))
  if (type === 'jit') {
    const labels = parseLabels(read('labels'))
    const count = parseWholeNumber('count', orDefault('count'), 1, MAX_RUNNERS)
    const runnerName = get('runner-name')
    const runnerGroup = parseRunnerGroup(get('runner-group'), get('runner-group-id'), config.scope)
    config.jit = {
      labels,
      ...(runnerName ? { runnerName: parseRunnerName(runnerName, count) } : {}),
      runnerGroupId: parseWholeNumber('runner-group-id', orDefault('runner-group-id'), 1, Number.MAX_SAFE_INTEGER),
      ...(runnerGroup ? { runnerGroup } : {}),
      workFolder: parseWorkFolder(orDefault('work-folder')),
      count,
      cleanupOnFailure: parseBoolean('cleanup-on-failure', orDefault('cleanup-on-failure')),
    }
  }
  return config
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

/** Exactly one credential: a `github-token`, or a GitHub App's `app-id` and `private-key`. */
function parseCredentials(read: InputReader): Pick<Config, 'githubToken' | 'app'> {
  const githubToken = read('github-token').trim()
  const appId = read('app-id').trim()
  const privateKey = read('private-key')
  const installationId = read('installation-id').trim()
  const app = Boolean(appId || privateKey.trim())
  if (githubToken && app) {
    throw new InputError(
      'Set either input "github-token" or inputs "app-id" and "private-key" (a GitHub App), not both: they are two ways to authenticate, and the action will not guess which one you meant.',
    )
  }
  if (!app) {
    if (!githubToken) {
      throw new InputError(
        'Input "github-token" is required unless inputs "app-id" and "private-key" (a GitHub App) are set: credentials allowed to manage self-hosted runners for the target.',
      )
    }
    if (/\s/.test(githubToken))
      throw new InputError('Input "github-token" contains whitespace; it accepts a single token with no spaces or newlines.')
    if (installationId)
      throw new InputError('Input "installation-id" is for GitHub App credentials ("app-id" and "private-key"), not "github-token".')
    return { githubToken }
  }
  if (!appId) throw new InputError('Input "app-id" is required with "private-key": the GitHub App\'s ID or client ID.')
  if (!privateKey.trim()) throw new InputError('Input "private-key" is required with "app-id": the GitHub App\'s private key (PEM).')
  if (!APP_ID.test(appId)) {
    throw new InputError(
      `Input "app-id" must be the GitHub App's ID (a whole number, such as 123456) or its client ID (such as Iv23li...); got ${shown(appId)}.`,
    )
  }
  const key = readPrivateKey(privateKey)
  if ('problem' in key) throw new InputError(`Input "private-key" ${key.problem}.`)
  return {
    githubToken: '',
    app: {
      appId,
      privateKey: key.key,
      ...(installationId ? { installationId: parseWholeNumber('installation-id', installationId, 1, Number.MAX_SAFE_INTEGER) } : {}),
    },
  }
}

// An App's ID (digits) or client ID ("Iv1.0123456789abcdef", "Iv23li..."): it becomes the JWT's issuer.
const APP_ID = /^(?:[1-9]\d{0,15}|Iv[A-Za-z0-9._-]{1,98})$/

/**
 * Labels as a list: comma- or newline-separated, blanks dropped, repeats (in any case) dropped,
 * 1 to 99 of them.
 */
export function parseLabels(text: string): string[] {
  const labels: string[] = []
  for (const label of text.split(/[,\n]/).map((part) => part.trim())) {
    if (label && !labels.some((seen) => seen.toLowerCase() === label.toLowerCase())) labels.push(label)
  }
  const unprintable = labels.find((label) => CONTROL_CHARACTER.test(label))
  if (unprintable !== undefined) throw new InputError(`Input "labels" must not contain control characters; got ${shown(unprintable)}.`)
  if (labels.length === 0) {
    throw new InputError(
      `Input "labels" is required for type "jit": 1 to ${MAX_LABELS} labels, comma- or newline-separated; got ${shown(text)}.`,
    )
  }
  if (labels.length > MAX_LABELS) {
    throw new InputError(
      `Input "labels" accepts at most ${MAX_LABELS} labels (GitHub allows 100 and each runner also gets this step's ownership label); got ${labels.length}.`,
    )
  }
  return labels
}

/** GitHub's limit on a runner's name. */
export const MAX_RUNNER_NAME = 64
/** With count > 1 each name is the prefix, a hyphen and this many characters. */
export const NAME_SUFFIX_LENGTH = 6

function parseRunnerName(value: string, count: number): string {
  // Room for "-" and the unique suffix when the name is a prefix.
  const max = count > 1 ? MAX_RUNNER_NAME - 1 - NAME_SUFFIX_LENGTH : MAX_RUNNER_NAME
  // Printable ASCII without spaces: the name goes into a URL query and a host's command line.
  if (value.length <= max && /^[\x21-\x7e]+$/.test(value)) return value
  const what =
    count > 1
      ? `a name prefix of 1 to ${max} characters (each runner adds "-" and ${NAME_SUFFIX_LENGTH} characters)`
      : `1 to ${max} characters`
  throw new InputError(`Input "runner-name" must be ${what}, printable and without spaces; got ${shown(value)}.`)
}

// C0, DEL and C1: never part of a label or a path, and a way to smuggle text into a log.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/

/** `runner-group`: a group's name, for organization or enterprise scope, instead of `runner-group-id`. */
function parseRunnerGroup(name: string, id: string, scope: Scope): string | undefined {
  if (!name) return undefined
  if (id) {
    throw new InputError(
      `Set at most one of inputs "runner-group" and "runner-group-id"; got runner-group ${shown(name)} and runner-group-id ${shown(id)}.`,
    )
  }
  if (scope.kind === 'repository') {
    throw new InputError(
      `Input "runner-group" needs organization or enterprise scope: a repository has no runner groups (its runners join the default group); got ${shown(name)} for repository ${scope.owner}/${scope.repo}.`,
    )
  }
  if (CONTROL_CHARACTER.test(name)) {
    throw new InputError(`Input "runner-group" must be a runner group's name, without control characters; got ${shown(name)}.`)
  }
  return name
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

function parseWorkFolder(value: string): string {
  if (!CONTROL_CHARACTER.test(value)) return value
  throw new InputError(`Input "work-folder" must be a folder path without control characters; got ${shown(value)}.`)
}

function parseBoolean(name: string, value: string): boolean {
  if (/^true$/i.test(value)) return true
  if (/^false$/i.test(value)) return false
  throw new InputError(`Input "${name}" must be "true" or "false"; got ${shown(value)}.`)
}

/** Shows a user's value in an error: quoted, and short enough for one line. */
export function shown(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)
}

function oneOf<T extends string>(name: string, value: string, accepted: readonly T[]): T {
  if ((accepted as readonly string[]).includes(value)) return value as T
  throw new InputError(`Input "${name}" must be one of ${accepted.map((a) => `"${a}"`).join(', ')}; got ${shown(value)}.`)
}

function parseWholeNumber(name: string, value: string, min: number, max: number): number {
  const number = /^\d+$/.test(value) ? Number(value) : NaN
  if (number >= min && number <= max) return number
  throw new InputError(`Input "${name}" must be a whole number from ${min} to ${max}; got ${shown(value)}.`)
}

const NUMBER = String.raw`(\d+(?:\.\d+)?|\.\d+)`
// Numbers with units, each unit at most once and largest first: "1h30m", "2m30s", "1s500ms".
const UNITS = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const
const COMPOUND = new RegExp(`^(?:${NUMBER}\\s*h)?\\s*(?:${NUMBER}\\s*m(?!s))?\\s*(?:${NUMBER}\\s*s)?\\s*(?:${NUMBER}\\s*ms)?$`)
const SECONDS = new RegExp(`^${NUMBER}$`)

/** The forms a duration may take, for error messages and help. */
export const DURATION_FORMS =
  'seconds ("1.5"), or numbers with the units h, m, s and ms, largest first ("250ms", "2s", "1m", "1h", "1h30m", "2m30s")'

/** A duration in milliseconds: a bare number of seconds, or numbers with units (DURATION_FORMS). */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim()
  const seconds = SECONDS.exec(trimmed)
  if (seconds) return Math.round(Number(seconds[1]) * 1000)
  const parts = trimmed ? COMPOUND.exec(trimmed) : null
  if (!parts) return undefined
  const factors = Object.values(UNITS)
  return Math.round(parts.slice(1).reduce((ms, part, i) => ms + (part === undefined ? 0 : Number(part) * factors[i]), 0))
}

function parseDurationInput(name: string, value: string, minMs: number): number {
  const ms = parseDuration(value)
  if (ms !== undefined && ms >= minMs && ms <= MAX_DURATION_MS) return ms
  const least = minMs > 0 ? 'greater than 0' : '0 or more'
  throw new InputError(`Input "${name}" must be a duration ${least} and at most 6h: ${DURATION_FORMS}; got ${shown(value)}.`)
}

// GitHub logins: letters, digits and single hyphens, at most 39 characters. A repository's owner
// may also be an Enterprise Managed User, whose login ends in an underscore and the enterprise's
// short code (octocat_acme). Repository names also allow dots and underscores.
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,38})$/
const REPO_NAME = /^[A-Za-z0-9._-]{1,100}$/

function parseScope(repository: string, organization: string, enterprise: string, fallbackRepository?: string): Scope {
  if (organization && enterprise) {
    throw new InputError(
      `Set at most one of inputs "organization" and "enterprise"; got organization ${shown(organization)} and enterprise ${shown(enterprise)}.`,
    )
  }
  if (organization) {
    if (!LOGIN.test(organization))
      throw new InputError(`Input "organization" must be an organization login (letters, digits, hyphens); got ${shown(organization)}.`)
    return { kind: 'organization', name: organization }
  }
  if (enterprise) {
    if (!LOGIN.test(enterprise))
      throw new InputError(`Input "enterprise" must be an enterprise slug (letters, digits, hyphens); got ${shown(enterprise)}.`)
    return { kind: 'enterprise', name: enterprise }
  }
  const value = repository || fallbackRepository?.trim() || ''
  const [owner, repo, ...rest] = value.split('/')
  if (rest.length === 0 && owner && repo && OWNER.test(owner) && REPO_NAME.test(repo) && repo !== '.' && repo !== '..') {
    return { kind: 'repository', owner, repo }
  }
  throw new InputError(`Input "repository" must be "owner/name" (or set "organization" or "enterprise" instead); got ${shown(value)}.`)
}

function parseApiUrl(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InputError(
      `Input "api-url" must be an absolute URL such as "https://api.github.com" or "https://HOST/api/v3"; got ${shown(value)}.`,
    )
  }
  if (url.username || url.password) throw new InputError('Input "api-url" must not contain credentials; pass the token as "github-token".')
  if (url.search || url.hash) throw new InputError(`Input "api-url" must not have a query or fragment; got ${shown(value)}.`)
  const loopback = isLoopback(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new InputError(`Input "api-url" must use https (http is accepted only for a loopback host); got ${shown(value)}.`)
  }
  return url.href.replace(/\/+$/, '')
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname)
}
