// The scope a token or runner is for: a repository, an organization or an enterprise, from the
// inputs `repository`, `organization` and `enterprise` (else the workflow's own repository).
import { InputError, shown } from './input-values.js'

import type { Scope } from './types.js'

export type { Scope } from './types.js'

/** The scope's own name: "owner/repo", the organization's login or the enterprise's slug. */
export function scopeName(scope: Scope): string {
  return scope.kind === 'repository' ? `${scope.owner}/${scope.repo}` : scope.name
}

/** The scope's path under the API: /repos/o/r, /orgs/o or /enterprises/e. */
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

// GitHub logins: letters, digits and single hyphens, at most 39 characters. A repository's owner
// may also be an Enterprise Managed User, whose login ends in an underscore and the enterprise's
// short code (octocat_acme). Repository names also allow dots and underscores.
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,38})$/
const REPO_NAME = /^[A-Za-z0-9._-]{1,100}$/

export function parseScope(repository: string, organization: string, enterprise: string, fallbackRepository?: string): Scope {
  if (organization && enterprise) {
    throw new InputError(
      `Set at most one of inputs "organization" and "enterprise"; got organization ${shown(organization)} and enterprise ${shown(enterprise)}.`,
    )
  }
  if (organization) {
    if (!LOGIN.test(organization))
      throw new InputError(`Input "organization" must be an organization login (letters, digits, hyphens); got ${shown(organization)}.`)
    return { kind: 'organization', name: organization }
  }
  if (enterprise) {
    if (!LOGIN.test(enterprise))
      throw new InputError(`Input "enterprise" must be an enterprise slug (letters, digits, hyphens); got ${shown(enterprise)}.`)
    return { kind: 'enterprise', name: enterprise }
  }
  const value = repository || fallbackRepository?.trim() || ''
  const [owner, repo, ...rest] = value.split('/')
  if (rest.length === 0 && owner && repo && OWNER.test(owner) && REPO_NAME.test(repo) && repo !== '.' && repo !== '..') {
    return { kind: 'repository', owner, repo }
  }
  throw new InputError(`Input "repository" must be "owner/name" (or set "organization" or "enterprise" instead); got ${shown(value)}.`)
}
