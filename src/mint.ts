// Minting: the token endpoint for a scope and token type, what counts as a good answer, and the
// lines before and after. The call engine sends and retries it. Never logs the token.
import { type Config, MintError } from './types.js'
import { scopePath } from './scope.js'
import { systemClock } from './retry.js'
import { describeScope, explainFailure, explainGiveUp } from './explain.js'
import { parseJson } from './json.js'
import { type CallDeps, CallFailed, retryCall } from './engine/call.js'
import { waitSpread } from './spread.js'
import { ENTERPRISE_VERSION_HEADER } from './ghes.js'

export { MintError } from './types.js'

export interface MintedToken {
  token: string
  expiresAt: string
  attempts: number
  /** The GitHub Enterprise Server version its answers named (X-GitHub-Enterprise-Version), if any. */
  serverVersion?: string
}

/** What a mint takes: the call engine's collaborators. */
export type MintDeps = CallDeps

export function tokenUrl(config: Pick<Config, 'apiUrl' | 'scope' | 'type'>): string {
  const endpoint = config.type === 'remove' ? 'remove-token' : 'registration-token'
  return `${config.apiUrl}${scopePath(config.scope)}/actions/runners/${endpoint}`
}

/** The documented body: `{token, expires_at}`, both non-empty strings. */
export function parseTokenBody(body: string): { token: string; expiresAt: string } | undefined {
  const { token, expires_at: expiresAt } = (parseJson(body) ?? {}) as Record<string, unknown>
  if (typeof token !== 'string' || !token || typeof expiresAt !== 'string' || !expiresAt) return undefined
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
export async function spreadFirstRequest(spreadMs: number | undefined, deps: MintDeps): Promise<void> {
  const { clock = systemClock, random = Math.random, log = () => {}, signal } = deps
  await waitSpread(spreadMs, { clock, random, log, signal })
  if (signal?.aborted) throw new MintError('Cancelled before the first request; no token was minted.', 0)
}

export async function mintToken(config: Config, deps: MintDeps = {}): Promise<MintedToken> {
  const clock = deps.clock ?? systemClock
  const random = deps.random ?? Math.random
  let serverVersion: string | undefined
  // The step's deadline starts now; the start spread is spent inside it.
  const deadlineMs = clock.now() + config.timeoutMs
  await spreadFirstRequest(config.spreadMs, deps)

  try {
    const { value, attempts } = await retryCall(
      {
        method: 'POST',
        url: tokenUrl(config),
        token: config.githubToken,
        parse: (response) => parseTokenBody(response.body),
        onResponse: (response) => (serverVersion = response.headers[ENTERPRISE_VERSION_HEADER] ?? serverVersion),
      },
      config,
      { maxAttempts: config.maxAttempts, deadlineMs },
      { ...deps, clock, random },
    )
    return { ...value, attempts, ...(serverVersion ? { serverVersion } : {}) }
  } catch (error) {
    if (!(error instanceof CallFailed)) throw error
    const why = explainFailure(error.retryError.failure.outcome, config.scope, error.detail)
    throw new MintError(explainGiveUp(error.retryError, why, config.timeoutMs, error.requestId), error.retryError.attempts)
  }
}
