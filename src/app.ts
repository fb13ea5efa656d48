// GitHub App authentication as the rest of the action sees it: withInstallationToken, the seam between those credentials and the work that needs a token. The key, every JWT and the
// installation token are masked before anything could print them, and never logged. The calls to
// GitHub are in app/: the installation token (installation.ts), its revocation (revoke.ts); the
// private key is read in app/key.ts.
import type { AppCredentials, Config } from './types.js'
import { MintError, checkTimeLeftAfterSpread, spreadFirstRequest } from './mint.js'
import { latestStart, systemClock } from './retry.js'
import { describeScope } from './explain.js'
import { type AppDeps, createInstallationToken } from './app/installation.js'
import { revokeInstallationToken } from './app/revoke.js'
import { REVOKE_SHARE_MS, StepBudget, stepOf } from './step.js'

export type { AppCredentials } from './types.js'
export type { AppDeps } from './app/installation.js'
export { privateKeySecrets, readPrivateKey, unescapePem } from './app/key.js'

const INSTALLATION_TOKEN = 'the installation token made from "app-id" and "private-key"'

/**
 * The seam between App credentials and the work that needs a token. With a `github-token`, runs
 * `work` with the config as it is. With an App: looks up the installation (unless
 * `installation-id` is given), creates an installation token narrowed to the target, runs `work`
 * with a config whose `githubToken` is that token and whose `timeoutMs` and `maxAttempts` are what
 * is left of the step's budget, then revokes the token (a failed revoke is a warning). A result or
 * MintError that counts `attempts` (a mint, a JIT batch) comes back counting the App's too.
 * `work` is everything that needs the token, the hand-over included (registration, then outputs
 * or stdout), so the revoke comes last. After the step's signal the rollback inside `work` and the
 * revoke share the step's cleanup phase (step.ts): the token's share is held back from the
 * rollback while it lives, and a signal during the revoke only shortens it.
 */
export async function withInstallationToken<T>(config: Config, deps: AppDeps, work: (config: Config) => Promise<T>): Promise<T> {
  const app = config.app
  if (!app) return work(config)
  const clock = deps.clock ?? systemClock
  // The step's context, from before any signal could come: the revoke's share of its cleanup phase.
  const step = stepOf(deps.signal, clock)
  const budget = new StepBudget(clock.now() + config.timeoutMs, config.maxAttempts)
  // The start spread comes before the first request, the installation lookup; the work gets none.
  await spreadFirstRequest(config.spreadMs, deps, config.type === 'jit' ? 'no runner was registered' : 'no token was minted')
  checkTimeLeftAfterSpread(config, budget.deadlineMs, clock)
  // The tokens of 201 answers whose body could not be used: live all the same, so revoked at once.
  const unusable: string[] = []
  const installation = await createInstallationToken(config, app, deps, budget, unusable).finally(() =>
    revokeUnusable(config, unusable, deps),
  )
  // While the token lives, a rollback after a signal leaves the revoke its share of the cleanup.
  const releaseShare = step.holdBack(REVOKE_SHARE_MS)
  try {
    const leftMs = budget.deadlineMs - clock.now()
    // As for a retry: too little left for a useful attempt is as good as none.
    if (clock.now() > latestStart(budget.deadlineMs, config)) {
      throw new MintError(
        `The "timeout" ran out after the installation token was made, before the ${config.type} call could start.`,
        0,
        'timeout',
      )
    }
    const { maxAttempts } = budget.limits()
    const result = await work({
      ...config,
      app: undefined,
      githubToken: installation.token,
      timeoutMs: leftMs,
      maxAttempts,
      spreadMs: undefined,
      // Messages quote the step's timeout and count its attempts, not this share of them.
      step: { timeoutMs: config.timeoutMs, maxAttempts: config.maxAttempts, attemptsBefore: budget.attempts },
    })
    return withAttempts(result, budget.attempts)
  } catch (error) {
    if (!(error instanceof MintError)) throw error
    // The work's explanations speak of "github-token"; here the token is the App's.
    const message = error.message.replaceAll('"github-token"', INSTALLATION_TOKEN)
    throw new MintError(`${message}${installationIdHint(error, config, app)}`, error.attempts + budget.attempts, error.kind, error.status)
  } finally {
    releaseShare()
    await revokeInstallationToken(config, installation, deps)
  }
}

/**
 * A 404 with a given `installation-id`: the token is that installation's, and an installation on
 * another account cannot see the target, however right its name and permissions are.
 */
function installationIdHint(error: MintError, config: Config, app: AppCredentials): string {
  if (error.status !== 404 || app.installationId === undefined) return ''
  const target = describeScope(config.scope)
  return ` The token is installation ${app.installationId}'s ("installation-id"): an installation on another account cannot see ${target}; check "installation-id", or leave it empty to look up the App's installation for ${target}.`
}

/** Revokes the tokens of 201 answers whose body could not be used (their expiry unknown). */
async function revokeUnusable(config: Config, tokens: string[], deps: AppDeps): Promise<void> {
  for (const token of tokens) {
    await revokeInstallationToken(config, { token, expiresAt: 'the unreadable time GitHub gave (at most an hour)' }, deps)
  }
}

function withAttempts<T>(result: T, attempts: number): T {
  const counted = result as { attempts?: unknown }
  return typeof counted?.attempts === 'number' ? { ...result, attempts: counted.attempts + attempts } : result
}
