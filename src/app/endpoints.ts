// The two endpoints that turn a GitHub App into an installation token: where the installation is
// looked up, what the token request asks for, and what the lookup's answer holds.
import { type Scope, scopePath } from '../scope.js'
import { parseJson } from '../json.js'

/** Which App call: the installation lookup, or the installation token. */
export type AppCall = 'lookup' | 'token'

/** Where the App's installation for the target is found (never called for an enterprise: see inputs). */
export function installationUrl(apiUrl: string, scope: Scope): string {
  return `${apiUrl}${scopePath(scope)}/installation`
}

/** The installation token's body: only the target and only the permission the mint needs. */
export function accessTokenBody(scope: Scope): { repositories?: string[]; permissions: Record<string, 'write'> } {
  if (scope.kind === 'repository') return { repositories: [scope.repo], permissions: { administration: 'write' } }
  return { permissions: { organization_self_hosted_runners: 'write' } }
}

/** The permission the token asks for, as the log and the errors say it: "administration: write". */
export function permissionText(scope: Scope): string {
  return Object.entries(accessTokenBody(scope).permissions)
    .map(([name, level]) => `${name}: ${level}`)
    .join(', ')
}

/** The installation's id from the lookup's 200 body. */
export function parseInstallation(body: string): number | undefined {
  const id = (parseJson(body) as { id?: unknown } | undefined)?.id
  return Number.isSafeInteger(id) && (id as number) > 0 ? (id as number) : undefined
}
