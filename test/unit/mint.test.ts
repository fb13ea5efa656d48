// Minting from the sources: the endpoint, response classification, the log and error lines, and
// mintToken against the loopback stand-in with a fake clock (real HTTP, no real waiting).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Config } from '../../src/inputs.js'
import { MintError, mintToken, parseTokenBody, tokenUrl } from '../../src/mint.js'
import { failureLine, githubMessage, responseOutcome } from '../../src/engine/answer.js'
import { scopePath } from '../../src/scope.js'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { FakeClock } from '../support/fake-clock.js'

const EXPIRES = '2030-01-01T00:00:00Z'

describe('the endpoint', () => {
  test('one path per scope, names encoded', () => {
    assert.equal(scopePath({ kind: 'repository', owner: 'o', repo: 'r.x' }), '/repos/o/r.x')
    assert.equal(scopePath({ kind: 'organization', name: 'a/b' }), '/orgs/a%2Fb')
    assert.equal(scopePath({ kind: 'enterprise', name: 'e?' }), '/enterprises/e%3F')
    assert.equal(scopePath({ kind: 'repository', owner: 'o#', repo: 'r%' }), '/repos/o%23/r%25')
  })

  test('registration or remove token', () => {
    const scope = { kind: 'organization' as const, name: 'o' }
    assert.equal(
      tokenUrl({ apiUrl: 'https://h/api/v3', scope, type: 'registration' }),
      'https://h/api/v3/orgs/o/actions/runners/registration-token',
    )
    assert.equal(tokenUrl({ apiUrl: 'https://h', scope, type: 'remove' }), 'https://h/orgs/o/actions/runners/remove-token')
  })
})

describe('response classification', () => {
  test('the documented body: a token and an expiry, both non-empty strings', () => {
    assert.deepEqual(parseTokenBody(JSON.stringify({ token: 'AB', expires_at: EXPIRES, extra: 1 })), { token: 'AB', expiresAt: EXPIRES })
    for (const body of [
      '',
      '<html>',
      'null',
      '[]',
      '"AB"',
      JSON.stringify({ token: 1, expires_at: EXPIRES }),
      JSON.stringify({ token: '', expires_at: EXPIRES }),
      JSON.stringify({ expires_at: EXPIRES }),
      JSON.stringify({ token: 'AB', expires_at: 1 }),
      JSON.stringify({ token: 'AB', expires_at: '' }),
      JSON.stringify({ token: 'AB' }),
    ]) {
      assert.equal(parseTokenBody(body), undefined, body)
    }
  })

  test("GitHub's message: one line with control characters escaped, at most 200 characters, only when it is a non-empty string", () => {
    assert.equal(githubMessage(JSON.stringify({ message: ' Not\n  Found\t!\u001b ' })), String.raw`Not\n  Found\t!\x1b`)
    assert.equal(githubMessage(JSON.stringify({ message: 'x'.repeat(300) })), 'x'.repeat(200))
    // Cut before escaping, so an escape is never cut in half.
    assert.equal(githubMessage(JSON.stringify({ message: `${'x'.repeat(199)}\u001bxyz` })), `${'x'.repeat(199)}\\x1b`)
    for (const body of ['<html>', 'null', '{}', '{"message":""}', '{"message":" \\n "}', '{"message":42}'])
      assert.equal(githubMessage(body), undefined, body)
  })

  test('an outcome carries the status, headers, message and body verdict', () => {
    const response = { status: 403, headers: { 'retry-after': '1' }, body: '{"message":"slow down"}' }
    assert.deepEqual(responseOutcome(response), {
      kind: 'response',
      status: 403,
      headers: { 'retry-after': '1' },
      message: 'slow down',
      validBody: undefined,
    })
    assert.deepEqual(responseOutcome(response, false), { ...responseOutcome(response), validBody: false })
  })

  test('the line for a failed attempt', () => {
    const outcome = { kind: 'response' as const, status: 502, headers: {} }
    assert.equal(
      failureLine({ attempt: 2, maxAttempts: 8, outcome, waitMs: 1500 }, 'ABCD:1'),
      'Attempt 2/8 failed: HTTP 502 [request id ABCD:1]; retrying in 1.5s.',
    )
    assert.equal(
      failureLine(
        { attempt: 3, maxAttempts: 3, outcome: { kind: 'network', code: 'ECONNRESET' }, stop: 'attempts-exhausted' },
        undefined,
        'connection reset',
      ),
      'Attempt 3/3 failed: ECONNRESET (connection reset); not retrying.',
    )
    assert.equal(failureLine({ attempt: 1, maxAttempts: 8, outcome }), 'Attempt 1/8 failed: HTTP 502; retrying in 0ms.')
  })
})

describe('mintToken', () => {
  const TOKEN = 'ghp_UnitCallerToken0123456789'
  const github = new GitHubStandIn({ acceptToken: TOKEN })
  let apiUrl: string
  useStandIn(github, (url) => (apiUrl = url))

  const config = (overrides: Partial<Config> = {}): Config => ({
    githubToken: TOKEN,
    scope: { kind: 'repository', owner: 'octo-org', repo: 'octo-repo' },
    type: 'registration',
    apiUrl,
    maxAttempts: 4,
    initialDelayMs: 1000,
    maxDelayMs: 30_000,
    timeoutMs: 300_000,
    attemptTimeoutMs: 5000,
    jitter: 'none',
    ...overrides,
  })

  async function mintWith(overrides: Partial<Config> = {}) {
    const clock = new FakeClock()
    const log: string[] = []
    const result = await mintToken(config(overrides), { clock, random: () => 0.5, log: (line) => log.push(line) }).catch(
      (error: Error) => error,
    )
    return { result, log, clock }
  }

  test('a short timeout keeps back only a tenth of itself for the last attempt, as a JIT step does', async () => {
    // 2s timeout, a 1.2s wait: the retry starts with 0.8s left, more than the 0.2s a useful attempt needs here.
    github.faults.push({ status: 502 })
    const { result, clock } = await mintWith({ timeoutMs: 2000, initialDelayMs: 1200, maxDelayMs: 1200 })
    assert.ok(!(result instanceof Error), String(result))
    assert.equal((result as { attempts: number }).attempts, 2)
    assert.deepEqual(clock.sleeps, [1200])
  })

  test('mints with one POST to the endpoint, the token per request', async () => {
    const { result, log } = await mintWith()
    assert.deepEqual(result, { token: github.minted.at(-1), expiresAt: (result as { expiresAt: string }).expiresAt, attempts: 1 })
    assert.match((result as { expiresAt: string }).expiresAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    assert.deepEqual(log, [])
    assert.equal(github.requests[0].method, 'POST')
    assert.equal(github.requests[0].path, '/repos/octo-org/octo-repo/actions/runners/registration-token')
    assert.equal(github.requests[0].headers.authorization, `Bearer ${TOKEN}`)
  })

  test('retries what can recover, logging each failure with its request id and wait', async () => {
    github.faults.push(
      { status: 502, headers: { 'x-github-request-id': 'REQ:1' } },
      { status: 201, body: { token: 7, expires_at: EXPIRES }, headers: { 'x-github-request-id': 'REQ:2' }, offContract: 'a numeric token' },
    )
    const { result, log, clock } = await mintWith()
    assert.equal((result as { attempts: number }).attempts, 3)
    assert.deepEqual(log, [
      'Attempt 1/4 failed: HTTP 502 [request id REQ:1]; retrying in 1s.',
      'Attempt 2/4 failed: HTTP 201 with an unexpected body [request id REQ:2]; retrying in 2s.',
    ])
    assert.deepEqual(clock.sleeps, [1000, 2000])
  })

  test('a 200 with the token body is a token; a 300 is an answer, not a body to judge', async () => {
    const token = github.mint()
    github.faults.push({ status: 200, body: token, offContract: 'GitHub documents 201' })
    const ok = await mintWith()
    assert.deepEqual(ok.result, { token: token.token, expiresAt: token.expires_at, attempts: 1 })
    github.faults.push({ status: 300, offContract: 'a redirect status without a location' })
    const { log } = await mintWith()
    assert.match(log[0], /^Attempt 1\/4 failed: HTTP 300 \[request id STAND-IN:\w+\]; not retrying\.$/)
  })

  test('an answer that cannot recover: a MintError explaining it, with the request id', async () => {
    github.faults.push({ status: 404, headers: { 'x-github-request-id': 'REQ:404' }, body: { message: 'Not Found' } })
    const { result, log } = await mintWith()
    assert.ok(result instanceof MintError)
    assert.equal(result.attempts, 1)
    assert.match(
      result.message,
      /^Repository octo-org\/octo-repo was not found \(404\)\. .* GitHub said: "Not Found"\. \(GitHub request id REQ:404\)$/,
    )
    assert.deepEqual(log, ['Attempt 1/4 failed: HTTP 404 [request id REQ:404]; not retrying.'])
  })

  test('attempts run out: says so, with the last answer', async () => {
    github.faults.push({ status: 503, headers: { 'x-github-request-id': 'R1' } }, { status: 503, headers: { 'x-github-request-id': 'R2' } })
    const { result } = await mintWith({ maxAttempts: 2 })
    assert.ok(result instanceof MintError)
    assert.equal(result.attempts, 2)
    assert.equal(
      result.message,
      'Gave up after 2 attempt(s) ("max-attempts"). Last answer: HTTP 503 (GitHub request id R2). GitHub answered 503. GitHub said: "Service Unavailable".',
    )
  })

  test('the deadline: says how long the next wait would have been', async () => {
    github.faults.push({ status: 429, headers: { 'retry-after': '120', 'x-github-request-id': 'R' } })
    const { result, clock } = await mintWith({ timeoutMs: 60_000 })
    assert.ok(result instanceof MintError)
    assert.equal(
      result.message,
      'Gave up after 1 attempt(s): GitHub asked to wait 2m (retry-after) before the next request, and the 1m "timeout" ends before that. Last answer: HTTP 429 (GitHub request id R). This is a rate limit, not a permission problem: wait for it to lift, or raise "timeout" to cover the wait. GitHub said: "Too Many Requests".',
    )
    assert.deepEqual(clock.sleeps, [])
  })

  test('a network failure is retried, and explained by its text', async () => {
    github.faults.push({ reset: true }, { reset: true })
    const { result, log } = await mintWith({ maxAttempts: 2 })
    assert.ok(result instanceof MintError)
    assert.match(log[0], /^Attempt 1\/2 failed: ECONNRESET \(connection reset\); retrying in 1s\.$/)
    assert.equal(
      result.message,
      'Gave up after 2 attempt(s) ("max-attempts"). Last answer: ECONNRESET. Could not reach GitHub: connection reset.',
    )
  })
})
