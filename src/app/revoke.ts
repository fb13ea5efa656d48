// The end of an installation token's life: revoked as soon as the work is over, within a bound of
// its own. A failed revoke is a warning, never an error: the token expires within the hour anyway.
import type { Config } from '../types.js'
import { CallFailed, retryCall } from '../engine/call.js'
import { outcomeLabel } from '../explain.js'
import { systemClock } from '../retry.js'
import type { AppDeps, InstallationToken } from './installation.js'

/**
 * The revocation's own bound: it runs even when the step spent its budget (a token left alive for
 * an hour is worse than ten more seconds), so it does not draw from `timeout` or `max-attempts`.
 */
export const REVOKE_TIMEOUT_MS = 10_000
/** When the step is being cancelled: inside the runner's grace (SIGTERM ~7.5 s after SIGINT). */
export const REVOKE_TIMEOUT_CANCELLED_MS = 3000
export const REVOKE_ATTEMPTS = 3

/** A cancelled step still revokes (the step's signal is not passed on), within a shorter bound. */
export async function revokeInstallationToken(config: Config, installation: InstallationToken, deps: AppDeps): Promise<void> {
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
      // Waits of at most 1 s and 2 s, whatever the step's own backoff (a retry-after is still honoured).
      { ...config, initialDelayMs: Math.min(config.initialDelayMs, 1000), maxDelayMs: Math.min(config.maxDelayMs, 2000) },
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
