// The one-line explanations a user reads when a mint fails.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  describeScope,
  explainFailure,
  explainGiveUp,
  explainStop,
  githubSaid,
  outcomeLabel,
  requiredPermission,
} from '../../src/explain.js'
import { type AttemptFailure, RetryError } from '../../src/retry.js'
import type { Scope } from '../../src/scope.js'
import type { Outcome } from '../../src/policy.js'

const repo: Scope = { kind: 'repository', owner: 'o', repo: 'r' }
const org: Scope = { kind: 'organization', name: 'acme' }
const ent: Scope = { kind: 'enterprise', name: 'big' }
const answer = (status: number, message?: string, headers: Record<string, string> = {}): Outcome => ({
  kind: 'response',
  status,
  headers,
  message,
})

describe('explain', () => {
  test('scopes and the permission each needs', () => {
    assert.deepEqual([repo, org, ent].map(describeScope), ['repository o/r', 'organization acme', 'enterprise big'])
    assert.deepEqual([repo, org, ent].map(requiredPermission), [
      'a fine-grained token or GitHub App with "Administration: write" on the repository, or a classic token with the "repo" scope',
      'a fine-grained token or GitHub App with "Self-hosted runners: write" on the organization, or a classic token with the "admin:org" scope',
      'a classic token with the "manage_runners:enterprise" scope',
    ])
  })

  test('outcome labels', () => {
    assert.equal(outcomeLabel({ kind: 'network', code: 'ECONNRESET' }), 'ECONNRESET')
    assert.equal(outcomeLabel(answer(502)), 'HTTP 502')
    assert.equal(outcomeLabel({ ...answer(201), validBody: false } as Outcome), 'HTTP 201 with an unexpected body')
    assert.equal(outcomeLabel({ ...answer(201), validBody: true } as Outcome), 'HTTP 201')
  })

  test('network failures', () => {
    assert.equal(explainFailure({ kind: 'network', code: 'EREDIRECT' }, repo, 'to elsewhere'), 'Refused a redirect: to elsewhere.')
    assert.equal(
      explainFailure({ kind: 'network', code: 'ENOTFOUND' }, repo, 'host not found'),
      'Could not resolve the API host (host not found); check "api-url".',
    )
    assert.equal(
      explainFailure({ kind: 'network', code: 'ECONNREFUSED' }, repo, 'connection refused'),
      'Could not reach GitHub: connection refused.',
    )
    assert.equal(explainFailure({ kind: 'network', code: 'ECONNREFUSED' }, repo), 'Could not reach GitHub: ECONNREFUSED.')
  })

  test("GitHub's message is quoted with exactly one full stop", () => {
    assert.equal(githubSaid(undefined), '')
    assert.equal(githubSaid(''), '')
    assert.equal(githubSaid('Not Found'), ' GitHub said: "Not Found".')
    assert.equal(githubSaid('Bad credentials.'), ' GitHub said: "Bad credentials."')
    assert.equal(githubSaid('Slow down!'), ' GitHub said: "Slow down!"')
    assert.equal(githubSaid('Is this JSON?'), ' GitHub said: "Is this JSON?"')
    assert.equal(githubSaid('Wait…'), ' GitHub said: "Wait…"')
    assert.equal(githubSaid('See the docs (link.)'), ' GitHub said: "See the docs (link.)"')
    assert.equal(githubSaid('Name "x" is "taken."'), ' GitHub said: "Name "x" is "taken.""')
    assert.equal(githubSaid('Version 1.2'), ' GitHub said: "Version 1.2".')
    assert.equal(githubSaid('Odd: "quoted"'), ' GitHub said: "Odd: "quoted"".')
  })

  test('each status, with what GitHub said', () => {
    const said = ' GitHub said: "m".'
    const cases: [Outcome, Scope, string][] = [
      [answer(201), repo, 'GitHub answered 201 but not with the documented token body {token, expires_at}; no token was produced.'],
      [answer(299), repo, 'GitHub answered 299 but not with the documented token body {token, expires_at}; no token was produced.'],
      [answer(200), repo, 'GitHub answered 200 but not with the documented token body {token, expires_at}; no token was produced.'],
      [answer(400, 'm'), repo, `GitHub rejected the request as malformed (400).${said}`],
      [answer(401, 'm'), repo, `GitHub rejected "github-token" (401 Bad credentials): it is invalid, expired or revoked.${said}`],
      [
        answer(403, 'm'),
        org,
        `The token may not manage self-hosted runners for organization acme (403); it needs ${requiredPermission(org)}.${said}`,
      ],
      [
        answer(403, undefined, { 'x-accepted-github-permissions': 'administration=write' }),
        repo,
        'The token may not manage self-hosted runners for repository o/r (403); it needs a token with administration=write.',
      ],
      [
        answer(404, 'm'),
        ent,
        `Enterprise big was not found (404). GitHub answers 404 when the token cannot see the target: check the name and that the token is ${requiredPermission(ent)}.${said}`,
      ],
      [answer(409, 'm'), repo, `GitHub reported a conflict (409) for repository o/r.${said}`],
      [answer(410, 'm'), repo, `This endpoint is gone (410) on this GitHub server; check "api-url".${said}`],
      [
        answer(422, 'm'),
        org,
        `GitHub could not process the request for organization acme (422); self-hosted runners may be disabled for it by policy.${said}`,
      ],
      [answer(429, 'm'), repo, `GitHub kept rate-limiting the request (429).${said}`],
      [answer(300), repo, 'GitHub answered 300.'],
      [answer(199), repo, 'GitHub answered 199.'],
      [answer(503, 'm'), repo, `GitHub answered 503.${said}`],
    ]
    for (const [outcome, scope, expected] of cases) assert.equal(explainFailure(outcome, scope), expected)
  })

  test('why there is no next attempt', () => {
    assert.equal(explainStop('attempts-exhausted', 3), 'Gave up after 3 attempt(s) ("max-attempts").')
    assert.equal(
      explainStop('deadline', 2, 90_000, 60_000),
      'Gave up after 2 attempt(s): the next wait (1m30s) would pass the 1m "timeout".',
    )
    assert.equal(explainStop('deadline', 1), 'Gave up after 1 attempt(s): the next wait (0ms) would pass the 0ms "timeout".')
  })

  test('a rate limit that ended the run is explained from the policy reason, never as a permission problem', () => {
    const giveUp = (failure: Omit<AttemptFailure, 'attempt' | 'maxAttempts'>) =>
      explainGiveUp(new RetryError({ attempt: 2, maxAttempts: 2, ...failure }, 2), 'PERMISSION TEXT', 60_000)
    const limited = (status: number, headers: Record<string, string> = {}, message?: string) => answer(status, message, headers)
    assert.equal(
      giveUp({ outcome: limited(429), why: 'backoff', stop: 'attempts-exhausted' }),
      'Gave up after 2 attempt(s) ("max-attempts"). Last answer: HTTP 429. GitHub kept rate-limiting the request (429). This is a rate limit, not a permission problem: try again later.',
    )
    assert.equal(
      giveUp({ outcome: limited(429), why: 'rate-limit-floor', waitMs: 60_000, stop: 'deadline' }),
      'Gave up after 2 attempt(s): GitHub\'s rate limit (429) calls for a wait of at least 1m, and the 1m "timeout" ends before that. Last answer: HTTP 429. This is a rate limit, not a permission problem: wait for it to lift, or raise "timeout" to cover the wait.',
    )
    assert.match(
      giveUp({ outcome: limited(403, { 'retry-after': '9' }), why: 'retry-after', stop: 'budget' }),
      /shared retry budget\. Last answer: HTTP 403\. GitHub asked to wait \(retry-after\) before the next request\. This is a rate limit/,
    )
    assert.match(
      giveUp({ outcome: limited(403, { 'x-ratelimit-reset': '1700000000' }), why: 'rate-limit-reset', stop: 'attempts-exhausted' }),
      /GitHub's rate limit is used up until 2023-11-14T22:13:20Z\. /,
    )
    // The policy did not want to retry: the caller's explanation stands.
    assert.equal(
      giveUp({ outcome: limited(403), stop: 'attempts-exhausted' }),
      'Gave up after 2 attempt(s) ("max-attempts"). Last answer: HTTP 403. PERMISSION TEXT',
    )
    assert.equal(giveUp({ outcome: limited(403), stop: 'not-retryable' }), 'PERMISSION TEXT')
  })
})
