// The stand-in's GitHub App must refuse what GitHub refuses, or the App scenarios' success would
// prove nothing: a JWT signed by another key, badly timed, from another App or replayed, and an
// installation token used beyond what it was narrowed to, or after its revocation.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID, sign } from 'node:crypto'
import { StandInApp } from '../support/github-app.js'
import { GitHubContract } from '../support/github-contract.js'

const app = new StandInApp({
  installations: [
    { id: 1, account: 'org', permissions: { organization_self_hosted_runners: 'write', administration: 'read' } },
    { id: 2, account: 'user', repositories: ['mine'], permissions: { administration: 'write' } },
  ],
})
const stranger = new StandInApp({ id: app.id })

function jwt(claims: Record<string, unknown>, key = app.privateKeyPem, alg = 'RS256'): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const unsigned = `${part({ alg, typ: 'JWT' })}.${part(claims)}`
  return `${unsigned}.${sign('sha256', Buffer.from(unsigned), key).toString('base64url')}`
}

const now = () => Math.floor(Date.now() / 1000)
const good = () => ({ iat: now() - 60, exp: now() + 480, iss: String(app.id), jti: randomUUID() })
const lookup = (token: string) => app.route('GET', '/orgs/org/installation', `Bearer ${token}`, '')
const problem = (token: string) => {
  const answer = lookup(token)
  assert.equal(answer?.status, 401, JSON.stringify(answer))
  return (answer!.body as { message: string }).message
}

describe('the stand-in App checks each JWT', () => {
  test('a good one passes, with the App ID as a string or a number, or the client ID', () => {
    assert.equal(lookup(jwt(good()))?.status, 200)
    assert.equal(lookup(jwt({ ...good(), iss: app.id }))?.status, 200)
    assert.equal(lookup(jwt({ ...good(), iss: app.clientId }))?.status, 200)
  })

  test('on its own clock, which the Date header of every answer states', () => {
    app.clockOffsetMs = -120_000
    try {
      // Good on this machine's clock, issued in GitHub's future.
      assert.match(
        problem(jwt(good())),
        /^'Issued at' claim \('iat'\) must be an Integer representing the time that the assertion was issued$/,
      )
      const onGitHubsClock = { iat: now() - 180, exp: now() + 400, iss: String(app.id), jti: randomUUID() }
      assert.equal(lookup(jwt(onGitHubsClock))?.status, 200)
      assert.equal(Math.round((app.now() - Date.now()) / 1000), -120)
    } finally {
      app.clockOffsetMs = 0
    }
  })

  test('and refuses what GitHub refuses', () => {
    assert.equal(problem(jwt(good(), stranger.privateKeyPem)), 'A JSON web token could not be decoded')
    assert.equal(problem(jwt(good(), app.privateKeyPem, 'HS256')), 'A JSON web token could not be decoded')
    assert.equal(problem('not.a.jwt'), 'A JSON web token could not be decoded')
    assert.match(problem(jwt({ ...good(), iat: now() + 30 })), /'Issued at' claim/)
    assert.match(
      problem(jwt({ ...good(), iat: now() - 700, exp: now() - 1 })),
      /'Expiration time' claim \('exp'\) must be a numeric value representing the future/,
    )
    // exp is measured from GitHub's now, not from iat: 10 minutes and a second from now is too far.
    assert.match(problem(jwt({ ...good(), iat: now() - 60, exp: now() + 601 })), /is too far in the future/)
    assert.equal(lookup(jwt({ ...good(), iat: now() - 120, exp: now() + 590 }))?.status, 200)
    assert.equal(problem(jwt({ ...good(), iss: '1' })), 'Integration not found')
    const replayed = good()
    assert.equal(lookup(jwt(replayed))?.status, 200)
    assert.match(problem(jwt(replayed)), /jti/)
    assert.match(problem(jwt({ ...good(), jti: undefined })), /jti/)
    assert.equal(app.route('GET', '/orgs/org/installation', undefined, '')?.status, 401)
  })
})

describe('the stand-in App narrows installation tokens', () => {
  const token = (installation: number, body: unknown) => {
    const answer = app.route('POST', `/app/installations/${installation}/access_tokens`, `Bearer ${jwt(good())}`, JSON.stringify(body))
    assert.equal(answer?.status, 201, JSON.stringify(answer))
    return (answer!.body as { token: string }).token
  }

  test('a token works only where it was narrowed to, with the permission the endpoint needs', () => {
    const org = token(1, { permissions: { organization_self_hosted_runners: 'write' } })
    assert.equal(app.refuse(org, '/orgs/org/actions/runners/registration-token'), undefined)
    assert.equal(app.refuse(org, '/orgs/elsewhere/actions/runners/registration-token')?.status, 404)
    const repo = app.refuse(org, '/repos/org/any/actions/runners/registration-token')
    assert.equal(repo?.status, 403, 'administration: write was not asked for')
    assert.equal(repo?.headers?.['x-accepted-github-permissions'], 'administration=write')
    assert.equal(app.refuse(org, '/enterprises/ent/actions/runners/registration-token')?.status, 403)

    const mine = token(2, { repositories: ['mine'], permissions: { administration: 'write' } })
    assert.equal(app.refuse(mine, '/repos/user/mine/actions/runners/registration-token'), undefined)
    assert.equal(app.refuse(mine, '/repos/user/other/actions/runners/registration-token')?.status, 404)
    assert.ok(mine.length > 40 && mine.startsWith(`ghs_${app.id}_`))
  })

  test('what the installation lacks is refused with 422; a revoked token is refused with 401', () => {
    const ask = (installation: number, body: unknown) =>
      app.route('POST', `/app/installations/${installation}/access_tokens`, `Bearer ${jwt(good())}`, JSON.stringify(body))
    assert.equal(ask(1, { permissions: { administration: 'write' } })?.status, 422)
    assert.equal(ask(2, { repositories: ['other'] })?.status, 422)
    assert.equal(ask(3, {})?.status, 404)
    const live = token(1, {})
    assert.equal(app.route('DELETE', '/installation/token', `Bearer ${live}`, '')?.status, 204)
    assert.equal(app.refuse(live, '/orgs/org/actions/runners/registration-token')?.status, 401)
    assert.equal(app.route('DELETE', '/installation/token', `Bearer ${live}`, '')?.status, 401)
  })

  test('its answers are what GitHub documents', () => {
    const contract = new GitHubContract()
    const check = (method: string, url: string, answer: { status: number; body?: unknown } | undefined) => {
      const { operation, violations } = contract.checkRequest({ method, url, headers: {}, body: '' })
      assert.deepEqual(violations, [])
      const body = answer?.body === undefined ? '' : JSON.stringify(answer.body)
      return contract.checkAnswer(operation!, { status: answer!.status, headers: { 'content-type': 'application/json' }, body })
    }
    assert.deepEqual(check('GET', '/orgs/org/installation', lookup(jwt(good()))), [])
    assert.deepEqual(
      check('GET', '/repos/user/mine/installation', app.route('GET', '/repos/user/mine/installation', `Bearer ${jwt(good())}`, '')),
      [],
    )
    const created = app.route('POST', '/app/installations/1/access_tokens', `Bearer ${jwt(good())}`, '')
    assert.deepEqual(check('POST', '/app/installations/1/access_tokens', created), [])
    // The contract check reads OpenAPI's nullable beside anyOf (Installation.account) as "or null", and still catches a wrong account.
    const installation = lookup(jwt(good()))!.body as Record<string, unknown>
    assert.deepEqual(check('GET', '/orgs/org/installation', { status: 200, body: { ...installation, account: null } }), [])
    assert.notDeepEqual(check('GET', '/orgs/org/installation', { status: 200, body: { ...installation, account: 'org' } }), [])
  })
})
