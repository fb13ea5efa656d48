// runnerUrl: the URL config.sh --url takes, for each scope, on the server the token was minted on.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { runnerUrl, serverUrl } from '../../src/runner-url.js'
import type { Scope } from '../../src/scope.js'

const repository: Scope = { kind: 'repository', owner: 'octo-org', repo: 'octo-repo' }
const organization: Scope = { kind: 'organization', name: 'octo-org' }
const enterprise: Scope = { kind: 'enterprise', name: 'octo-enterprise' }

describe('serverUrl: the server behind an API URL', () => {
  const cases: [string, string | undefined, string, string][] = [
    ['https://api.github.com', undefined, 'https://github.com', 'github.com'],
    // The API URL names its server: a GITHUB_SERVER_URL for another server (the workflow runs on
    // GHES, the runners register on github.com) does not change it.
    ['https://api.github.com', 'https://ghes.example.com', 'https://github.com', 'github.com, whatever the workflow runs on'],
    ['https://api.github.com/', undefined, 'https://github.com', 'a trailing slash'],
    ['https://api.octocorp.ghe.com', undefined, 'https://octocorp.ghe.com', 'GHE.com'],
    ['https://api.octocorp.ghe.com', 'https://elsewhere.example', 'https://octocorp.ghe.com', 'GHE.com, whatever the workflow runs on'],
    ['https://ghes.example.com/api/v3', undefined, 'https://ghes.example.com', 'GHES'],
    ['https://ghes.example.com/api/v3/', 'https://github.com', 'https://ghes.example.com', 'GHES, whatever the workflow runs on'],
    ['https://ghes.example.com:8443/api/v3', undefined, 'https://ghes.example.com:8443', 'GHES on a port'],
    ['http://127.0.0.1:8080/api/v3', undefined, 'http://127.0.0.1:8080', 'a loopback stand-in with the GHES prefix'],
    // Not unambiguous: GITHUB_SERVER_URL when set, else the API's own origin.
    ['http://127.0.0.1:8080', 'https://github.com', 'https://github.com', 'a loopback API in a workflow'],
    ['http://127.0.0.1:8080', undefined, 'http://127.0.0.1:8080', 'a loopback API with no GITHUB_SERVER_URL'],
    ['http://127.0.0.1:8080', '', 'http://127.0.0.1:8080', 'an empty GITHUB_SERVER_URL'],
    ['http://127.0.0.1:8080', 'not a url', 'http://127.0.0.1:8080', 'a GITHUB_SERVER_URL that is not a URL'],
    ['http://127.0.0.1:8080', 'ftp://files.example.com', 'http://127.0.0.1:8080', 'a GITHUB_SERVER_URL that is not http(s)'],
    [
      'https://proxy.example.com/github',
      'https://github.com/',
      'https://github.com',
      'an API behind a path, with a trailing slash on GITHUB_SERVER_URL',
    ],
    ['https://api.github.com:8443', undefined, 'https://api.github.com:8443', 'api.github.com on another port is not github.com'],
    ['https://api.example.ghe.com.evil.test', undefined, 'https://api.example.ghe.com.evil.test', 'a host that only starts like GHE.com'],
    ['https://api.a.b.ghe.com', undefined, 'https://api.a.b.ghe.com', 'a deeper ghe.com name'],
    ['https://myapi.octocorp.ghe.com', undefined, 'https://myapi.octocorp.ghe.com', 'a host that only ends like GHE.com'],
    ['http://api.github.com', undefined, 'http://api.github.com', 'api.github.com without TLS is not github.com'],
    ['https://api.github.com/proxied', undefined, 'https://api.github.com', 'api.github.com under a path is not github.com'],
    ['https://ghes.example.com/api/v3//', 'https://github.com', 'https://ghes.example.com', 'GHES with trailing slashes'],
    ['http://127.0.0.1:8080', 'http://ghes.internal', 'http://ghes.internal', 'a GITHUB_SERVER_URL over plain http'],
  ]
  for (const [api, server, expected, why] of cases) {
    test(`${why}: ${api}${server === undefined ? '' : ` with GITHUB_SERVER_URL ${JSON.stringify(server)}`} -> ${expected}`, () => {
      assert.equal(serverUrl(api, server), expected)
    })
  }
})

describe('runnerUrl: what config.sh --url takes for the scope', () => {
  test('repository: SERVER/OWNER/REPO', () => {
    assert.equal(runnerUrl('https://api.github.com', repository), 'https://github.com/octo-org/octo-repo')
    assert.equal(runnerUrl('https://ghes.example.com/api/v3', repository), 'https://ghes.example.com/octo-org/octo-repo')
  })
  test('organization: SERVER/ORG', () => {
    assert.equal(runnerUrl('https://api.github.com', organization), 'https://github.com/octo-org')
    assert.equal(runnerUrl('https://api.octocorp.ghe.com', organization), 'https://octocorp.ghe.com/octo-org')
  })
  test('enterprise: SERVER/enterprises/SLUG', () => {
    assert.equal(runnerUrl('https://api.github.com', enterprise), 'https://github.com/enterprises/octo-enterprise')
    assert.equal(runnerUrl('http://127.0.0.1:9/api/v3', enterprise, 'https://x.example'), 'http://127.0.0.1:9/enterprises/octo-enterprise')
  })
  test('names are kept as they are (dots, underscores and hyphens need no escaping)', () => {
    assert.equal(
      runnerUrl('https://api.github.com', { kind: 'repository', owner: 'octo-org', repo: 'my_repo.js-2' }),
      'https://github.com/octo-org/my_repo.js-2',
    )
  })
})
