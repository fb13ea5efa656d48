// The URL a runner registers against (`config.sh --url`) for the scope a token was minted for, on
// the server the token was minted on. Pure: the API URL and GITHUB_SERVER_URL in, a URL out.
import type { Scope } from './scope.js'

/**
 * The web server behind an API URL. Where the API URL names its server unambiguously, that wins
 * (a token minted on one server registers runners there, whatever the workflow runs on):
 * https://api.github.com is github.com, https://api.SUB.ghe.com is SUB.ghe.com (GHE.com), and
 * https://HOST/api/v3 is HOST (GHES). Otherwise GITHUB_SERVER_URL, when set; else the API's own
 * origin (a loopback stand-in serves both).
 */
export function serverUrl(apiUrl: string, githubServerUrl?: string): string {
  const api = new URL(apiUrl)
  const path = api.pathname.replace(/\/+$/, '')
  if (api.protocol === 'https:' && !api.port && path === '') {
    if (api.hostname === 'api.github.com') return 'https://github.com'
    const ghe = /^api\.([a-z0-9-]+)\.ghe\.com$/.exec(api.hostname)
    if (ghe) return `https://${ghe[1]}.ghe.com`
  }
  if (path === '/api/v3') return api.origin
  const server = parseOrigin(githubServerUrl)
  return server ?? api.origin
}

/** What `config.sh --url` takes for a scope: SERVER/OWNER/REPO, SERVER/ORG or SERVER/enterprises/SLUG. */
export function runnerUrl(apiUrl: string, scope: Scope, githubServerUrl?: string): string {
  const server = serverUrl(apiUrl, githubServerUrl)
  const e = encodeURIComponent
  switch (scope.kind) {
    case 'repository':
      return `${server}/${e(scope.owner)}/${e(scope.repo)}`
    case 'organization':
      return `${server}/${e(scope.name)}`
    case 'enterprise':
      return `${server}/enterprises/${e(scope.name)}`
  }
}

/** The origin of an http(s) URL, or undefined for anything else (unset, empty, not a URL). */
function parseOrigin(text: string | undefined): string | undefined {
  if (!text?.trim()) return undefined
  try {
    const url = new URL(text.trim())
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : undefined
  } catch {
    return undefined
  }
}
