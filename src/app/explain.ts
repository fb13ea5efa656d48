// Why a GitHub App call failed, in one line that says what to do. The runner endpoints' texts
// (explain.ts) fit only the failures these calls share with them: a 5xx, a rate limit, the network.
import type { AppCredentials, Config } from '../types.js'
import type { CallFailed } from '../engine/call.js'
import { describeScope, explainFailure, githubSaid } from '../explain.js'
import { type AppCall, permissionText } from './endpoints.js'

export function explainAppFailure(what: AppCall, error: CallFailed, config: Config, app: AppCredentials, installationId?: number): string {
  const outcome = error.retryError.failure.outcome
  const target = describeScope(config.scope)
  if (outcome.kind === 'response') {
    const said = githubSaid(outcome.message)
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
export function appStep(what: AppCall, config: Config, app: AppCredentials): string {
  const target = describeScope(config.scope)
  return what === 'lookup'
    ? `looking up GitHub App ${app.appId}'s installation for ${target}`
    : `making an installation token for ${target}`
}
