// The contract check itself: it must accept what GitHub documents and catch what it does not,
// or the scenario tests' silence about the contract would prove nothing.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { GitHubContract, type Operation } from '../support/github-contract.js'
import { GitHubStandIn } from '../support/github-stand-in.js'

const contract = new GitHubContract()
const json = { 'content-type': 'application/json; charset=utf-8' }
const request = (method: string, url: string, body = '', headers: Record<string, string> = {}) => ({ method, url, headers, body })

function operation(method: string, url: string): Operation {
  const { operation, violations } = contract.checkRequest(request(method, url))
  assert.deepEqual(violations, [])
  return operation!
}

describe('requests', () => {
  test('the documented token requests pass, for every scope, and for a renamed repository', () => {
    for (const url of [
      '/repos/octo-org/octo-repo/actions/runners/registration-token',
      '/repos/octo-org/octo-repo/actions/runners/remove-token',
      '/orgs/octo-org/actions/runners/registration-token',
      '/enterprises/octo-ent/actions/runners/remove-token',
      '/repositories/42/actions/runners/registration-token',
    ]) {
      assert.deepEqual(contract.checkRequest(request('POST', url)).violations, [], url)
    }
    assert.deepEqual(contract.checkRequest(request('GET', '/orgs/o/actions/runners?name=runner-1&per_page=100')).violations, [])
    assert.deepEqual(contract.checkRequest(request('DELETE', '/orgs/o/actions/runners/42')).violations, [])
  })

  test("a runner group's runners, counted with one request, for organizations and enterprises (added to the shared file)", () => {
    for (const url of [
      '/orgs/o/actions/runner-groups/3/runners?per_page=1',
      '/enterprises/e/actions/runner-groups/1/runners?per_page=1&page=2',
    ]) {
      assert.deepEqual(contract.checkRequest(request('GET', url)).violations, [], url)
    }
    assert.match(
      contract.checkRequest(request('GET', '/orgs/o/actions/runner-groups/gpu/runners')).violations[0],
      /runner_group_id.* must be integer/,
    )
    assert.match(contract.checkRequest(request('GET', '/repos/o/r/actions/runner-groups/1/runners')).violations[0], /no documented path/)
    const group = operation('GET', '/orgs/o/actions/runner-groups/3/runners?per_page=1')
    const answer = (body: unknown) => contract.checkAnswer(group, { status: 200, headers: json, body: JSON.stringify(body) })
    assert.deepEqual(answer({ total_count: 9995, runners: [] }), [])
    assert.match(answer({ runners: [] })[0], /must have required property 'total_count'/)
  })

  test('an undocumented path, method, query parameter or body is caught', () => {
    const violations = (method: string, url: string, body = '', headers = {}) =>
      contract.checkRequest(request(method, url, body, headers)).violations
    assert.match(violations('POST', '/repos/o/r/actions/runner/registration-token')[0], /no documented path/)
    assert.match(violations('GET', '/repos/o/r/actions/runners/registration-token')[0], /documents no GET/)
    assert.match(violations('POST', '/orgs/o/actions/runners/registration-token?x=1')[0], /query parameter "x" is not documented/)
    assert.match(violations('GET', '/orgs/o/actions/runners?per_page=many')[0], /query parameter "per_page".* must be integer/)
    assert.match(violations('GET', '/orgs/o/actions/runners/abc')[0], /path parameter "runner_id".* must be integer/)
    assert.match(violations('POST', '/orgs/o/actions/runners/registration-token', '{}', json)[0], /sends a body/)
    assert.match(violations('POST', '/orgs/o/actions/runners/generate-jitconfig')[0], /body is required/)
    const jit = (body: unknown) => violations('POST', '/orgs/o/actions/runners/generate-jitconfig', JSON.stringify(body), json)
    assert.deepEqual(jit({ name: 'r', runner_group_id: 1, labels: ['self-hosted'] }), [])
    assert.match(jit({ name: 'r', runner_group_id: 1, labels: [] })[0], /labels must NOT have fewer than 1 items/)
    assert.match(jit({ name: 'r', labels: ['x'] })[0], /must have required property 'runner_group_id'/)
  })
})

describe('answers', () => {
  const token = operation('POST', '/orgs/o/actions/runners/registration-token')
  const answer = (status: number, body: unknown, headers: Record<string, string> = json) =>
    contract.checkAnswer(token, { status, headers, body: typeof body === 'string' ? body : JSON.stringify(body) })

  test("GitHub's own answers pass", () => {
    assert.deepEqual(answer(201, { token: 'AB12', expires_at: '2026-11-27T13:00:00Z' }), [])
    assert.deepEqual(answer(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' }), [])
    assert.deepEqual(answer(429, { message: 'API rate limit exceeded' }), [])
    assert.deepEqual(answer(307, { message: 'Moved' }, { ...json, location: 'https://api.github.com/repositories/42' }), [])
  })

  test('an answer GitHub does not document is caught', () => {
    assert.match(answer(200, { token: 'AB12', expires_at: '2026-11-27T13:00:00Z' })[0], /documents only 201/)
    assert.match(answer(201, { expires_at: '2026-11-27T13:00:00Z' })[0], /must have required property 'token'/)
    assert.match(answer(201, { token: 42, expires_at: '2026-11-27T13:00:00Z' })[0], /\/token must be string/)
    assert.match(answer(201, { token: 'AB12', expires_at: 'in an hour' })[0], /\/expires_at must match format "date-time"/)
    assert.match(
      answer(201, { token: 'AB12', expires_at: '2026-11-27T13:00:00Z' }, { 'content-type': 'text/plain' })[0],
      /content type text\/plain/,
    )
    assert.match(answer(502, '<html>Bad Gateway</html>', { 'content-type': 'text/html' })[0], /content type text\/html/)
    assert.match(answer(503, '<html>', json)[0], /not JSON/)
    assert.match(answer(307, '')[0], /without a location/)
    const remove = operation('DELETE', '/orgs/o/actions/runners/42')
    assert.match(contract.checkAnswer(remove, { status: 204, headers: {}, body: '{}' })[0], /has a body/)
  })
})

describe('the stand-in', () => {
  test('records every departure from the contract, and close() fails with them', async () => {
    const github = new GitHubStandIn()
    const url = await github.start()
    github.faults.push({ status: 200, body: { token: 'AB12', expires_at: '2026-11-27T13:00:00Z' } })
    await fetch(`${url}/orgs/o/actions/runners/registration-token`, { method: 'POST' }).then((r) => r.text())
    await fetch(`${url}/orgs/o/actions/runner`, { method: 'POST' }).then((r) => r.text())
    assert.equal(github.contractViolations.length, 2)
    await assert.rejects(github.close(), /documents only 201[\s\S]*no documented path matches/)
  })

  test('an answer marked offContract is exempt; its request is still checked', async () => {
    const github = new GitHubStandIn()
    const url = await github.start()
    github.faults.push({
      status: 502,
      body: '<html>Bad Gateway</html>',
      headers: { 'content-type': 'text/html' },
      offContract: 'a gateway page',
    })
    assert.equal(await fetch(`${url}/orgs/o/actions/runners/registration-token`, { method: 'POST' }).then((r) => r.status), 502)
    assert.equal(await fetch(`${url}/orgs/o/actions/runners/registration-token`, { method: 'POST' }).then((r) => r.status), 201)
    assert.deepEqual(github.contractViolations, [])
    await github.close()
  })
})
