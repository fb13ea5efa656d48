// The end of an installation token's life: revoked as soon as the work is over, last of all. A
// failed revoke is a warning, never an error: the token expires within the hour anyway.
import type { Config } from '../types.js'
import { CallFailed, retryCall } from '../engine/call.js'
import { outcomeLabel } from '../explain.js'
import { systemClock } from '../retry.js'
import { stepOf } from '../step.js'
import type { AppDeps, InstallationToken } from './installation.js'

/**
 * The revocation's bound while the step runs on: it runs even when the step spent its budget (a
 * token left alive for an hour is worse than ten more seconds), so it does not draw from
 * `timeout` or `max-attempts`.
 */
export const REVOKE_TIMEOUT_MS = 10_000
export const REVOKE_ATTEMPTS = 3

/**
 * Revokes the token. It hears the step's signal: once one has come (before or during the revoke)
 * it ends with the step's cleanup phase (step.ts), which the rollback before it shares. Its
 * requests are torn down only when that phase ends, not by the signal itself.
 */
export async function revokeInstallationToken(config: Config, installation: InstallationToken, deps: AppDeps): Promise<void> {
  const clock = deps.clock ?? systemClock
  const step = stepOf(deps.signal, clock)
  const phase = step.phase(clock.now() + REVOKE_TIMEOUT_MS, 'all')
  const valid = `it stays valid until it expires at ${installation.expiresAt}`
  try {
    if (clock.now() >= phase.atMs) {
      return deps.warn?.(`Did not revoke the installation token: the cleanup after ${step.stoppedBy} had no time left for it; ${valid}.`)
    }
    await retryCall(
      {
        method: 'DELETE',
        url: `${config.apiUrl}/installation/token`,
        token: installation.token,
        parse: () => true,
        label: 'Revoking the installation token: ',
        teardown: phase.teardown,
      },
      // Waits of at most 1 s and 2 s, whatever the step's own backoff (a retry-after is still honoured).
      { ...config, initialDelayMs: Math.min(config.initialDelayMs, 1000), maxDelayMs: Math.min(config.maxDelayMs, 2000) },
      { maxAttempts: REVOKE_ATTEMPTS, deadlineMs: phase.atMs },
      { ...deps, signal: phase.stop },
    )
    deps.log?.('Revoked the installation token.')
  } catch (error) {
    if (!(error instanceof CallFailed)) throw error
    const { failure, attempts } = error.retryError
    const id = error.requestId ? `, GitHub request id ${error.requestId}` : ''
    const cutOff = failure.outcome.kind === 'network' && failure.outcome.code === 'ECUTOFF'
    const what = failure.outcome.kind === 'network' ? (error.detail ?? failure.outcome.code) : outcomeLabel(failure.outcome)
    const stopped = step.stoppedBy ? `, stopped by ${step.stoppedBy}` : ''
    deps.warn?.(
      `Could not revoke the installation token (${attempts} attempt(s)${stopped}, last: ${what}${id}); ${cutOff ? `unless that request took effect, ${valid}` : valid}.`,
    )
  } finally {
    phase.dispose()
  }
}
