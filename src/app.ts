// GitHub App authentication: from an App's ID and private key to an installation token narrowed
// to the target, through the same retry loop, deadline and attempt budget as the mint; then the
// mint or the JIT registration runs with that token, and the token is revoked. The key, every JWT
// and the installation token are masked before anything could print them, and never logged.
import { type KeyObject, createPrivateKey, randomUUID, sign } from 'node:crypto'
import type { Config, Scope } from './inputs.js'
import { CallFailed, type CallLimits, MintError, type MintDeps, parseTokenBody, retryCall, scopePath } from './mint.js'
import { describeScope, explainFailure, explainGiveUp, outcomeLabel } from './explain.js'
import { systemClock } from './retry.js'
import { formatMs } from './duration.js'
import { waitSpread } from './spread.js'

/** GitHub App credentials, as the inputs give them (checked, the key parsed). */
export interface AppCredentials {
  /** The App's ID ("123456") or client ID ("Iv23li..."): the JWT's issuer. */
  appId: string
  privateKey: KeyObject
  /** Known in advance: the lookup is skipped. */
  installationId?: number
}

export interface AppDeps extends MintDeps {
  /** Masks a secret (a JWT, the installation token) before anything could print it. */
  mask?: (secret: string) => void
  warn?: (line: string) => void
}

/** A JWT's life: issued a minute in the past for clock skew, expiring 9 minutes later (GitHub allows 10). */
export const JWT_BACKDATE_S = 60
export const JWT_LIFETIME_S = 9 * 60

/**
 * The revocation's own bound: it runs even when the step spent its budget (a token left alive for
 * an hour is worse than ten more seconds), so it does not draw from `timeout` or `max-attempts`.
 */
export const REVOKE_TIMEOUT_MS = 10_000
/** When the step is being cancelled: inside the runner's grace (SIGTERM ~7.5 s after SIGINT). */
export const REVOKE_TIMEOUT_CANCELLED_MS = 3000
export const REVOKE_ATTEMPTS = 3

const ARMOUR = /^-----(BEGIN|END) [A-Z0-9 ]+-----$/

/**
 * The key as PEM text: literal "\n" escapes (a key stored as one line in a secret) become line
 * breaks, and each line is trimmed. A PEM never holds a backslash, so the escapes are unambiguous.
 */
export function unescapePem(text: string): string {
  return `${text
    .trim()
    .replace(/\\r\\n|\\n|\\r/g, '\n')
    .split(/\r?\n|\r/)
    .map((line) => line.trim())
    .filter(Boolean)
    .join('\n')}\n`
}

/**
 * What to mask of a key as given: every line but the armour (the runner masks line by line, and
 * "-----BEGIN RSA PRIVATE KEY-----" is no secret), both as given and with escapes undone.
 */
export function privateKeySecrets(text: string): string[] {
  const lines = new Set<string>()
  for (const source of [text, unescapePem(text)]) {
    for (const line of source.split(/\r?\n|\r/)) {
      const trimmed = line.trim()
      if (trimmed && !ARMOUR.test(trimmed)) lines.add(trimmed)
    }
  }
  return [...lines]
}

/** Reads an App's private key; on failure, why, in words that never repeat the key. */
export function readPrivateKey(text: string): { key: KeyObject } | { problem: string } {
  const pem = unescapePem(text)
  const begin = /^-----BEGIN ([A-Z0-9 ]+)-----$/m.exec(pem)?.[1]
  if (!begin) {
    return {
      problem: 'is not a PEM key: it has no "-----BEGIN ... PRIVATE KEY-----" line; paste the whole .pem file, armour lines included',
    }
  }
  if (!begin.endsWith('PRIVATE KEY')) return { problem: `is a "${begin}", not a private key; paste the App's private key (.pem)` }
  if (begin.includes('ENCRYPTED') || /^Proc-Type: 4,ENCRYPTED$/m.test(pem)) {
    return { problem: 'is encrypted; GitHub issues App keys unencrypted: paste the .pem as downloaded' }
  }
  let key: KeyObject
  try {
    key = createPrivateKey({ key: pem, format: 'pem' })
  } catch {
    return {
      problem:
        'could not be read as a PEM private key (PKCS#1 "BEGIN RSA PRIVATE KEY" as GitHub issues it, or PKCS#8 "BEGIN PRIVATE KEY"); it may be cut short or altered',
    }
  }
  if (key.asymmetricKeyType !== 'rsa') {
    return { problem: `is an ${key.asymmetricKeyType?.toUpperCase() ?? 'unknown'} key; GitHub App keys are RSA (the JWT is signed RS256)` }
  }
  return { key }
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/** A JWT that authenticates as the App: RS256, iat backdated, short-lived, a fresh jti every time. */
export function appJwt(appId: string, key: KeyObject, nowMs: number): string {
  const now = Math.floor(nowMs / 1000)
  const iat = now - JWT_BACKDATE_S
  const unsigned = `${base64url({ alg: 'RS256', typ: 'JWT' })}.${base64url({ iat, exp: iat + JWT_LIFETIME_S, iss: appId, jti: randomUUID() })}`
  return `${unsigned}.${sign('sha256', Buffer.from(unsigned), key).toString('base64url')}`
}

/** Where the App's installation for the target is found (never called for an enterprise: see inputs). */
export function installationUrl(apiUrl: string, scope: Scope): string {
  return `${apiUrl}${scopePath(scope)}/installation`
}

/** The installation token's body: only the target and only the permission the mint needs. */
export function accessTokenBody(scope: Scope): { repositories?: string[]; permissions: Record<string, 'write'> } {
  if (scope.kind === 'repository') return { repositories: [scope.repo], permissions: { administration: 'write' } }
  return { permissions: { organization_self_hosted_runners: 'write' } }
}

function permissionText(scope: Scope): string {
  return Object.entries(accessTokenBody(scope).permissions)
    .map(([name, level]) => `${name}: ${level}`)
    .join(', ')
}

/** The installation's id from the lookup's 200 body. */
export function parseInstallation(body: string): number | undefined {
  try {
    const id = (JSON.parse(body) as { id?: unknown })?.id
    return Number.isSafeInteger(id) && (id as number) > 0 ? (id as number) : undefined
  } catch {
    return undefined
  }
}

/**
 * The step's one budget: one deadline, and `max-attempts` − 1 retries shared by its calls in turn
 * (each call's first attempt is its own). `attempts` counts every attempt of every call so far.
 */
class StepBudget {
  attempts = 0
  private calls = 0

  constructor(
    readonly deadlineMs: number,
    private readonly maxAttempts: number,
  ) {}

  /** What the next call may spend: its first attempt and every retry left. */
  limits(): CallLimits {
    return { maxAttempts: this.maxAttempts - (this.attempts - this.calls), deadlineMs: this.deadlineMs }
  }

  spend(attempts: number): void {
    this.attempts += attempts
    this.calls++
  }
}

const INSTALLATION_TOKEN = 'the installation token made from "app-id" and "private-key"'

/**
 * The seam between App credentials and the work that needs a token. With a `github-token`, runs
 * `work` with the config as it is. With an App: looks up the installation (unless
 * `installation-id` is given), creates an installation token narrowed to the target, runs `work`
 * with a config whose `githubToken` is that token and whose `timeoutMs` and `maxAttempts` are what
 * is left of the step's budget, then revokes the token (a failed revoke is a warning). A result or
 * MintError that counts `attempts` (a mint, a JIT batch) comes back counting the App's too.
 */
export async function withInstallationToken<T>(config: Config, deps: AppDeps, work: (config: Config) => Promise<T>): Promise<T> {
  const app = config.app
  if (!app) return work(config)
  const clock = deps.clock ?? systemClock
  const budget = new StepBudget(clock.now() + config.timeoutMs, config.maxAttempts)
  // The start spread comes before the first request, the installation lookup; the work gets none.
  await waitSpread(config.spreadMs, { clock, random: deps.random ?? Math.random, log: deps.log ?? (() => {}), signal: deps.signal })
  if (deps.signal?.aborted) throw new MintError('Cancelled before the first request; no token was minted.', 0)
  const installation = await createInstallationToken(config, app, deps, budget)
  let handedOverMs = config.timeoutMs
  try {
    const leftMs = budget.deadlineMs - clock.now()
    if (leftMs <= 0) {
      throw new MintError(`The "timeout" ran out after the installation token was made, before the ${config.type} call could start.`, 0)
    }
    const { maxAttempts } = budget.limits()
    handedOverMs = leftMs
    const result = await work({
      ...config,
      app: undefined,
      githubToken: installation.token,
      timeoutMs: leftMs,
      maxAttempts,
      spreadMs: undefined,
    })
    return withAttempts(result, budget.attempts)
  } catch (error) {
    if (!(error instanceof MintError)) throw error
    // The work's explanations speak of "github-token" and of the timeout it was handed; here the
    // token is the App's, and the timeout is the step's.
    const message = error.message
      .replaceAll('"github-token"', INSTALLATION_TOKEN)
      .replaceAll(`the ${formatMs(handedOverMs)} "timeout"`, `the ${formatMs(config.timeoutMs)} "timeout"`)
    throw new MintError(message, error.attempts + budget.attempts)
  } finally {
    await revokeInstallationToken(config, installation, deps)
  }
}

function withAttempts<T>(result: T, attempts: number): T {
  const counted = result as { attempts?: unknown }
  return typeof counted?.attempts === 'number' ? { ...result, attempts: counted.attempts + attempts } : result
}

interface InstallationToken {
  token: string
  expiresAt: string
}

async function createInstallationToken(config: Config, app: AppCredentials, deps: AppDeps, budget: StepBudget): Promise<InstallationToken> {
  const log = deps.log ?? (() => {})
  const target = describeScope(config.scope)
  // A fresh JWT for every attempt, masked before it is sent: a 401 retried with the same JWT
  // would only fail again.
  const jwt = (): string => {
    const token = appJwt(app.appId, app.privateKey, Date.now())
    deps.mask?.(token)
    return token
  }
  let installationId = app.installationId
  const call = async <T>(what: 'lookup' | 'token', run: () => Promise<{ value: T; attempts: number }>): Promise<T> => {
    try {
      const { value, attempts } = await run()
      budget.spend(attempts)
      return value
    } catch (error) {
      if (!(error instanceof CallFailed)) throw error
      budget.spend(error.retryError.attempts)
      const why = explainAppFailure(what, error, config, app, installationId)
      const doing = appStep(what, config, app)
      throw new MintError(explainGiveUp(error.retryError, why, config.timeoutMs, error.requestId, doing), budget.attempts)
    }
  }

  if (installationId === undefined) {
    log(`Authenticating as GitHub App ${app.appId}: looking up its installation for ${target}.`)
    installationId = await call('lookup', () =>
      retryCall(
        {
          method: 'GET',
          url: installationUrl(config.apiUrl, config.scope),
          token: jwt,
          parse: (response) => parseInstallation(response.body),
          label: 'Installation lookup: ',
        },
        config,
        budget.limits(),
        deps,
      ),
    )
  } else {
    log(`Authenticating as GitHub App ${app.appId}, installation ${installationId} ("installation-id").`)
  }
  const body = accessTokenBody(config.scope)
  const created = await call('token', () =>
    retryCall(
      {
        method: 'POST',
        url: `${config.apiUrl}/app/installations/${installationId}/access_tokens`,
        token: jwt,
        body,
        parse: (response) => {
          const token = parseTokenBody(response.body)
          // Masked the moment it arrives, before any line could hold it.
          if (token) deps.mask?.(token.token)
          return token
        },
        label: 'Installation token: ',
      },
      config,
      budget.limits(),
      deps,
    ),
  )
  log(
    `Made an installation token (installation ${installationId}) for ${target} with ${permissionText(config.scope)}; it expires at ${created.expiresAt}.`,
  )
  return created
}

/** Why an App call failed, in one line that says what to do. */
function explainAppFailure(
  what: 'lookup' | 'token',
  error: CallFailed,
  config: Config,
  app: AppCredentials,
  installationId?: number,
): string {
  const outcome = error.retryError.failure.outcome
  const target = describeScope(config.scope)
  if (outcome.kind === 'response') {
    const said = outcome.message ? ` GitHub said: "${outcome.message}".` : ''
    if (outcome.status === 401) {
      return `GitHub rejected the App's JWT (401): check that "app-id" (${app.appId}) is the App's ID or client ID, that "private-key" is one of that App's current keys, and that this machine's clock is right.${said}`
    }
    if (what === 'lookup' && outcome.status === 404) {
      const where =
        config.scope.kind === 'repository'
          ? `install it on ${config.scope.owner} with access to ${config.scope.repo}`
          : `install it on ${config.scope.name}`
      return `GitHub App ${app.appId} is not installed on ${target} (404 from the installation lookup): ${where}, or check "app-id".${said}`
    }
    if (what === 'token' && outcome.status === 404) {
      const check = app.installationId === undefined ? '' : ': check "installation-id", or leave it empty to look the installation up'
      return `Installation ${installationId} of GitHub App ${app.appId} was not found (404)${check}.${said}`
    }
    if (what === 'token' && outcome.status === 422) {
      return `GitHub would not make an installation token for ${target} with ${permissionText(config.scope)} (422): grant the App that permission${config.scope.kind === 'repository' ? ' and give its installation access to the repository' : ''}.${said}`
    }
    if (what === 'token' && outcome.status === 403) {
      return `GitHub refused an installation token (403): the installation may be suspended, or the App may not make tokens for ${target}.${said}`
    }
    // Other refusals: explainFailure's texts are about the runner endpoints, not these.
    if (outcome.status >= 400 && outcome.status < 500 && outcome.status !== 429) {
      const request = what === 'lookup' ? 'installation lookup' : 'installation token request'
      return `GitHub answered ${outcome.status} to the ${request} for ${target}.${said}`
    }
  }
  return `While ${appStep(what, config, app)}: ${explainFailure(outcome, config.scope, error.detail)}`
}

/** What the App call was doing, for its failure message. */
function appStep(what: 'lookup' | 'token', config: Config, app: AppCredentials): string {
  const target = describeScope(config.scope)
  return what === 'lookup'
    ? `looking up GitHub App ${app.appId}'s installation for ${target}`
    : `making an installation token for ${target}`
}

/**
 * Revokes the installation token within its own short bound; failing is a warning, never an error.
 * A cancelled step still revokes (the step's signal is not passed on), within a shorter bound.
 */
async function revokeInstallationToken(config: Config, installation: InstallationToken, deps: AppDeps): Promise<void> {
  const clock = deps.clock ?? systemClock
  const boundMs = deps.signal?.aborted ? REVOKE_TIMEOUT_CANCELLED_MS : REVOKE_TIMEOUT_MS
  try {
    await retryCall(
      {
        method: 'DELETE',
        url: `${config.apiUrl}/installation/token`,
        token: installation.token,
        parse: () => true,
        label: 'Revoking the installation token: ',
      },
      // Waits of at most 1 s and 2 s, whatever the step's own backoff.
      { ...config, initialDelayMs: Math.min(config.initialDelayMs, 1000) },
      { maxAttempts: REVOKE_ATTEMPTS, deadlineMs: clock.now() + boundMs },
      { ...deps, signal: undefined },
    )
    deps.log?.('Revoked the installation token.')
  } catch (error) {
    if (!(error instanceof CallFailed)) throw error
    const { failure, attempts } = error.retryError
    const id = error.requestId ? `, GitHub request id ${error.requestId}` : ''
    const what = failure.outcome.kind === 'network' ? (error.detail ?? failure.outcome.code) : outcomeLabel(failure.outcome)
    deps.warn?.(
      `Could not revoke the installation token (${attempts} attempt(s), last: ${what}${id}); it stays valid until it expires at ${installation.expiresAt}.`,
    )
  }
}
