// From a GitHub App to an installation token: the lookup of the App's installation on the target
// (unless its id is given), then the token, narrowed to the target and to the one permission the
// mint needs. Both calls go through the retry loop on the step's budget, each attempt with a
// fresh JWT; the token is masked the moment it arrives.
import type { AppCredentials, Config } from '../types.js'
import { MintError, parseTokenBody } from '../mint.js'
import { type CallDeps, CallFailed, retryCall } from '../engine/call.js'
import { describeScope, explainGiveUp } from '../explain.js'
import { appStep, explainAppFailure } from './explain.js'
import { type AppCall, accessTokenBody, installationUrl, parseInstallation, permissionText } from './endpoints.js'
import { appJwt } from './jwt.js'
import type { StepBudget } from '../step.js'
import { latestStart, systemClock } from '../retry.js'
import { formatMs } from '../duration.js'

export type { AppCall } from './endpoints.js'

export interface AppDeps extends CallDeps {
  /** Masks a secret (a JWT, the installation token) before anything could print it. */
  mask?: (secret: string) => void
  warn?: (line: string) => void
}

export interface InstallationToken {
  token: string
  expiresAt: string
}

/** Looks the installation up (unless `app.installationId` is given) and makes its token, on `budget`. */
export async function createInstallationToken(
  config: Config,
  app: AppCredentials,
  deps: AppDeps,
  budget: StepBudget,
): Promise<InstallationToken> {
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
  const clock = deps.clock ?? systemClock
  const call = async <T>(what: AppCall, run: () => Promise<{ value: T; attempts: number }>): Promise<T> => {
    // Not started with too little time left for a useful attempt: a token made then could not be revoked in time.
    if (clock.now() > latestStart(budget.deadlineMs, config)) {
      throw new MintError(
        `The "timeout" (${formatMs(config.timeoutMs)}) ran out before ${appStep(what, config, app)} could start.`,
        budget.attempts,
      )
    }
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
