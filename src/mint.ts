// Minting: the token endpoint for a scope and token type, what counts as a good answer, and the
// lines before and after. The call engine sends and retries it. Never logs the token.
import { type Config, MintError } from './types.js'
import { scopePath } from './scope.js'
import { type Clock, RetryError, latestStart, systemClock } from './retry.js'
import { describeScope, explainFailure, explainGiveUp, failureKind, sharedAttemptsNote } from './explain.js'
import { formatMs } from './duration.js'
import { parseJson } from './json.js'
import { type CallDeps, CallFailed, retryCall } from './engine/call.js'
import { waitSpread } from './spread.js'
import { ENTERPRISE_VERSION_HEADER } from './ghes.js'
import { credentialsIn } from './redaction.js'

export { MintError } from './types.js'

export interface MintedToken {
  token: string
  expiresAt: string
  attempts: number
  /** The GitHub Enterprise Server version its answers named (X-GitHub-Enterprise-Version), if any. */
  serverVersion?: string
}

/** What a mint takes: the call engine's collaborators (its `mask` included). */
export type MintDeps = CallDeps

export function tokenUrl(config: Pick<Config, 'apiUrl' | 'scope' | 'type'>): string {
  const endpoint = config.type === 'remove' ? 'remove-token' : 'registration-token'
  return `${config.apiUrl}${scopePath(config.scope)}/actions/runners/${endpoint}`
}

/** The documented body: `{token, expires_at}`, a non-empty token and a readable date-time. */
export function parseTokenBody(body: string): { token: string; expiresAt: string } | undefined {
  const { token, expires_at: expiresAt } = (parseJson(body) ?? {}) as Record<string, unknown>
  if (typeof token !== 'string' || !token || typeof expiresAt !== 'string' || Number.isNaN(Date.parse(expiresAt))) return undefined
  return { token, expiresAt }
}

/** The line before a mint, in the action's log and on the command's stderr alike. */
export function mintingLine(config: Pick<Config, 'type' | 'scope' | 'apiUrl'>): string {
  return `Minting a ${config.type} token for ${describeScope(config.scope)} via ${config.apiUrl}`
}

/** The line after a successful mint. */
export function mintedLine(config: Pick<Config, 'type' | 'scope'>, minted: MintedToken): string {
  return `Minted a ${config.type} token for ${describeScope(config.scope)}; it expires at ${minted.expiresAt} (${minted.attempts} attempt(s)).`
}

/**
 * The start spread of a step that mints (with a token, or an App's installation token first),
 * inside a deadline already running. Cancelled during the wait, the step ends before its first request.
 */
export async function spreadFirstRequest(
  spreadMs: number | undefined,
  deps: MintDeps,
  /** What did not happen, in the step's own words (a JIT step registers runners, it mints no token). */
  nothingDone = 'no token was minted',
): Promise<void> {
  const { clock = systemClock, random = Math.random, log = () => {}, signal } = deps
  await waitSpread(spreadMs, { clock, random, log, signal })
  if (signal?.aborted) throw new MintError(`Cancelled before the first request; ${nothingDone}.`, 0, 'aborted')
}

/**
 * After the start spread, as before any retry: a first request with too little time left could
 * only time out, so none is sent, and the message says the spread used the time.
 */
export function checkTimeLeftAfterSpread(
  config: Pick<Config, 'spreadMs' | 'timeoutMs' | 'attemptTimeoutMs'>,
  deadlineMs: number,
  clock: Clock,
): void {
  if (clock.now() <= latestStart(deadlineMs, config)) return
  const waitedMs = clock.now() - (deadlineMs - config.timeoutMs)
  throw new MintError(
    `The start spread ("spread", ${formatMs(config.spreadMs ?? 0)}) waited ${formatMs(waitedMs)} of the ${formatMs(config.timeoutMs)} "timeout", leaving too little for a request; none was sent. Make "spread" shorter, or "timeout" longer.`,
    0,
  )
}

export async function mintToken(config: Config, deps: MintDeps = {}): Promise<MintedToken> {
  const clock = deps.clock ?? systemClock
  const random = deps.random ?? Math.random
  let serverVersion: string | undefined
  // The step's deadline starts now; the start spread is spent inside it.
  const deadlineMs = clock.now() + config.timeoutMs
  await spreadFirstRequest(config.spreadMs, deps)
  checkTimeLeftAfterSpread(config, deadlineMs, clock)

  try {
    const { value, attempts } = await retryCall(
      {
        method: 'POST',
        url: tokenUrl(config),
        token: config.githubToken,
        parse: (response) => {
          // Before the body is checked: a token with an unreadable expires_at is still a token.
          for (const secret of credentialsIn(response.body)) deps.mask?.(secret)
          return parseTokenBody(response.body)
        },
        onResponse: (response) => (serverVersion = response.headers[ENTERPRISE_VERSION_HEADER] ?? serverVersion),
      },
      config,
      { maxAttempts: config.maxAttempts, deadlineMs },
      { ...deps, clock, random },
    )
    return { ...value, attempts, ...(serverVersion ? { serverVersion } : {}) }
  } catch (error) {
    if (!(error instanceof CallFailed)) throw error
    const { failure, attempts } = error.retryError
    const why = explainFailure(failure.outcome, config.scope, error.detail)
    const status = failure.outcome.kind === 'response' ? failure.outcome.status : undefined
    // On what is left of a step (after a GitHub App's calls), the message counts and quotes the step's.
    const { step } = config
    const counted = step ? new RetryError(failure, attempts + step.attemptsBefore) : error.retryError
    const message = step
      ? explainGiveUp(counted, why, step.timeoutMs, error.requestId, undefined, sharedAttemptsNote(step.maxAttempts))
      : explainGiveUp(counted, why, config.timeoutMs, error.requestId)
    throw new MintError(message, attempts, failureKind(failure), status)
  }
}
