// Minting: which endpoint to call for a scope and token type, what counts as a good answer,
// and the retry loop around it. Reports progress through `log`; never logs the token.
import { type Config, type Scope } from './inputs.js'
import { type ApiResponse, NetworkError, send } from './github.js'
import { type Outcome } from './policy.js'
import { type AttemptFailure, type Clock, RetryError, retry, systemClock } from './retry.js'
import { explainFailure, explainGiveUp, outcomeLabel } from './explain.js'
import { formatMs } from './github.js'
import { waitSpread } from './spread.js'
import { ENTERPRISE_VERSION_HEADER } from './ghes.js'

export interface MintedToken {
  token: string
  expiresAt: string
  attempts: number
  /** The GitHub Enterprise Server version its answers named (X-GitHub-Enterprise-Version), if any. */
  serverVersion?: string
}

export interface MintDeps {
  clock?: Clock
  random?: () => number
  log?: (line: string) => void
  /** Cancels the mint (SIGINT, SIGTERM): the request in flight is torn down and no retry follows. */
  signal?: AbortSignal
}

/** A mint that failed; the message is one line, says what to do, and never holds a secret. */
export class MintError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
  ) {
    super(message)
  }
}

export function scopePath(scope: Scope): string {
  const e = encodeURIComponent
  switch (scope.kind) {
    case 'repository':
      return `/repos/${e(scope.owner)}/${e(scope.repo)}`
    case 'organization':
      return `/orgs/${e(scope.name)}`
    case 'enterprise':
      return `/enterprises/${e(scope.name)}`
  }
}

export function tokenUrl(config: Pick<Config, 'apiUrl' | 'scope' | 'type'>): string {
  const endpoint = config.type === 'remove' ? 'remove-token' : 'registration-token'
  return `${config.apiUrl}${scopePath(config.scope)}/actions/runners/${endpoint}`
}

/** The documented body: `{token, expires_at}`, both non-empty strings. */
export function parseTokenBody(body: string): { token: string; expiresAt: string } | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return undefined
  }
  const { token, expires_at: expiresAt } = (parsed ?? {}) as Record<string, unknown>
  if (typeof token !== 'string' || !token || typeof expiresAt !== 'string' || !expiresAt) return undefined
  return { token, expiresAt }
}

/** GitHub's error `message`, if the body has one; trimmed to one short line. */
export function githubMessage(body: string): string | undefined {
  try {
    const message = (JSON.parse(body) as { message?: unknown })?.message
    if (typeof message === 'string' && message) return message.replace(/\s+/g, ' ').slice(0, 200)
  } catch {
    // Not JSON: a proxy's HTML page, say. Nothing worth quoting.
  }
  return undefined
}

export function responseOutcome(response: ApiResponse, validBody?: boolean): Outcome {
  return { kind: 'response', status: response.status, headers: response.headers, message: githubMessage(response.body), validBody }
}

/** One attempt line: number, what happened, GitHub's request id, and what comes next. */
export function failureLine(failure: AttemptFailure, requestId?: string, detail?: string): string {
  const what = detail ? `${outcomeLabel(failure.outcome)} (${detail})` : outcomeLabel(failure.outcome)
  const id = requestId ? ` [request id ${requestId}]` : ''
  const next = failure.stop ? 'not retrying' : `retrying in ${formatMs(failure.waitMs ?? 0)}`
  const of = Number.isFinite(failure.maxAttempts) ? `/${failure.maxAttempts}` : ''
  return `Attempt ${failure.attempt}${of} failed: ${what}${id}; ${next}.`
}

export async function mintToken(config: Config, deps: MintDeps = {}): Promise<MintedToken> {
  const clock = deps.clock ?? systemClock
  const log = deps.log ?? (() => {})
  const url = tokenUrl(config)
  const random = deps.random ?? Math.random
  // What the latest failed attempt said, for its log line and the final error.
  let last: { requestId?: string; detail?: string } = {}
  let serverVersion: string | undefined
  // The step's deadline starts now; the start spread is spent inside it.
  const deadlineMs = clock.now() + config.timeoutMs
  await waitSpread(config.spreadMs, { clock, random, log, signal: deps.signal })
  if (deps.signal?.aborted) throw new MintError('Cancelled before the first request; no token was minted.', 0)

  try {
    const { value, attempts } = await retry(
      async (_attempt, timeoutMs) => {
        last = {}
        try {
          const response = await send({ method: 'POST', url, token: config.githubToken, timeoutMs, signal: deps.signal })
          last.requestId = response.headers['x-github-request-id']
          serverVersion = response.headers[ENTERPRISE_VERSION_HEADER] ?? serverVersion
          if (response.status < 200 || response.status >= 300) return { outcome: responseOutcome(response) }
          const minted = parseTokenBody(response.body)
          return minted ? { value: minted, outcome: responseOutcome(response, true) } : { outcome: responseOutcome(response, false) }
        } catch (error) {
          if (!(error instanceof NetworkError)) throw error
          last.detail = error.message
          return { outcome: { kind: 'network', code: error.code } }
        }
      },
      {
        ...config,
        deadlineMs,
        clock,
        random,
        signal: deps.signal,
        onFailure: (failure) => log(failureLine(failure, last.requestId, last.detail)),
      },
    )
    return { ...value, attempts, ...(serverVersion ? { serverVersion } : {}) }
  } catch (error) {
    if (!(error instanceof RetryError)) throw error
    const why = explainFailure(error.failure.outcome, config.scope, last.detail)
    throw new MintError(explainGiveUp(error, why, config.timeoutMs, last.requestId), error.attempts)
  }
}
