// send() from the sources against the loopback stand-in: headers, redirects, limits, errors.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { send } from '../../src/github.js'
import { NetworkError, RedirectError } from '../../src/network-error.js'
import { collectSockets } from '../../src/proxy.js'
import { formatMs } from '../../src/duration.js'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'

const TOKEN = 'ghp_SendCallerToken0123456789'
const PATH = '/orgs/acme/actions/runners/registration-token'

describe('send', () => {
  const github = new GitHubStandIn({ acceptToken: TOKEN })
  let apiUrl: string
  useStandIn(github, (url) => (apiUrl = url))
  const post = (url = `${apiUrl}${PATH}`, timeoutMs = 5000) => send({ method: 'POST', url, token: TOKEN, timeoutMs })
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => assert.fail('expected a failure'),
      (error: NetworkError) => error,
    )

  test('one request with GitHub headers and the token; the answer with flat headers', async () => {
    const response = await post()
    assert.equal(response.status, 201)
    assert.equal(JSON.parse(response.body).token, github.minted.at(-1))
    assert.match(response.headers['x-github-request-id'] ?? '', /^STAND-IN:/)
    const [request] = github.requests
    assert.equal(request.headers.authorization, `Bearer ${TOKEN}`)
    assert.equal(request.headers.accept, 'application/vnd.github+json')
    assert.equal(request.headers['x-github-api-version'], '2022-11-28')
    assert.equal(request.headers['user-agent'], 'mint-runner-token')
    assert.equal(request.headers['content-type'], undefined)
    assert.equal(request.body, '')
  })

  test('a body goes as JSON', async () => {
    const body = { name: 'r1', runner_group_id: 1, labels: ['self-hosted'] }
    const url = `${apiUrl}/orgs/acme/actions/runners/generate-jitconfig`
    const response = await send({ method: 'POST', url, token: TOKEN, timeoutMs: 5000, body })
    assert.equal(response.status, 201)
    assert.equal(github.requests[0].headers['content-type'], 'application/json')
    assert.deepEqual(JSON.parse(github.requests[0].body), body)
  })

  test('repeated headers are joined', async () => {
    github.faults.push({
      handle: (_req, res) => res.writeHead(503, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] }).end('{}'),
    })
    assert.equal((await post()).headers['set-cookie'], 'a=1, b=2')
  })

  for (const status of [301, 302, 307, 308]) {
    test(`a same-origin ${status} is followed, with the token`, async () => {
      github.faults.push({ status, headers: { location: `${apiUrl}/repositories/42/actions/runners/registration-token` } })
      const response = await post()
      assert.equal(response.status, 201)
      assert.equal(github.requests[1].path, '/repositories/42/actions/runners/registration-token')
      assert.equal(github.requests[1].headers.authorization, `Bearer ${TOKEN}`)
    })
  }

  test('a location on an answer that is not a redirect is not followed', async () => {
    github.faults.push({
      status: 201,
      headers: { location: `${apiUrl}/orgs/other/actions/runners/registration-token` },
      body: github.mint(),
    })
    assert.equal((await post()).status, 201)
    assert.equal(github.requests.length, 1)
  })

  test('a location that is not a URL is refused, without repeating it', async () => {
    github.faults.push({ status: 302, headers: { location: 'http://[ghp_secret' } })
    const error = await failure(post())
    assert.ok(error instanceof RedirectError)
    assert.equal(error.message, 'GitHub redirected to a location that is not a URL')
  })

  test("redirects share the request's one limit: a slow redirect loop ends at it, not at six times it", async () => {
    const slowRedirect = {
      handle: (_req: unknown, res: import('node:http').ServerResponse) =>
        void setTimeout(() => {
          res.writeHead(307, { location: PATH })
          res.end()
        }, 300),
      offContract: 'a slow redirect',
    }
    github.faults.push(...Array.from({ length: 6 }, () => slowRedirect))
    const started = performance.now()
    const error = await failure(post(undefined, 800))
    const took = performance.now() - started
    assert.ok(error instanceof NetworkError, String(error))
    assert.equal(error.code, 'ETIMEDOUT')
    // Time is the behaviour: the limit is 800 ms; six hops of 300 ms would take 1.8 s.
    assert.ok(took < 1500, `took ${Math.round(took)} ms`)
    assert.ok(github.requests.length <= 3, `${github.requests.length} requests`)
  })

  test('a redirect without a location is the answer', async () => {
    github.faults.push({ status: 304, offContract: 'a 304 with a body' })
    assert.equal((await post()).status, 304)
  })

  test('a redirect to another origin is refused before any request goes there', async () => {
    github.faults.push({ status: 307, headers: { location: `http://127.0.0.2:1${PATH}` } })
    const error = await failure(post())
    assert.ok(error instanceof RedirectError)
    assert.equal(error.code, 'EREDIRECT')
    assert.equal(
      error.message,
      `GitHub redirected to another host (http://127.0.0.2:1); the token is only sent to ${new URL(apiUrl).origin}`,
    )
  })

  test('at most 5 redirects are followed', async () => {
    for (let i = 0; i < 5; i++) github.faults.push({ status: 307, headers: { location: `${apiUrl}${PATH}` } })
    assert.equal((await post()).status, 201)
    assert.equal(github.requests.length, 6)
    github.requests.length = 0
    for (let i = 0; i < 6; i++) github.faults.push({ status: 307, headers: { location: `${apiUrl}${PATH}` } })
    const error = await failure(post())
    assert.equal(error.message, 'GitHub redirected 6 times in a row; 5 redirects were followed, no more are')
    assert.equal(github.requests.length, 6)
  })

  test('a body over 1 MiB is cut off', async () => {
    github.faults.push({ status: 502, body: 'x'.repeat(1024 * 1024 + 1), offContract: 'huge' })
    const error = await failure(post())
    assert.equal(error.code, 'EBODYTOOLARGE')
    assert.equal(error.message, 'answer body larger than 1048576 bytes')
    github.faults.push({ status: 502, body: 'x'.repeat(1024 * 1024), offContract: 'just under the cap' })
    assert.equal((await post()).body.length, 1024 * 1024)
  })

  test('no complete answer within the timeout: ETIMEDOUT', async () => {
    github.faults.push({ hang: true })
    const error = await failure(post(undefined, 200))
    assert.equal(error.code, 'ETIMEDOUT')
    assert.equal(error.message, 'no complete answer within 200ms')
  })

  test('a refused connection and a reset carry their codes', async () => {
    const closed = new GitHubStandIn()
    const url = await closed.start()
    await closed.close()
    const refused = await failure(post(`${url}${PATH}`))
    assert.ok(refused instanceof NetworkError)
    assert.deepEqual([refused.code, refused.message], ['ECONNREFUSED', 'connection refused'])
    github.faults.push({ reset: true })
    const reset = await failure(post())
    assert.deepEqual([reset.code, reset.message], ['ECONNRESET', 'connection reset'])
  })
})

describe('while a request is set up', () => {
  /** The codes of the warnings `emit` raises, as process 'warning' listeners see them. */
  async function warningsOf(emit: () => void): Promise<string[]> {
    const seen: string[] = []
    const listener = (warning: Error & { code?: string }): void => void seen.push(warning.code ?? warning.name)
    process.on('warning', listener)
    try {
      emit()
      await new Promise((resolve) => setImmediate(resolve))
    } finally {
      process.off('warning', listener)
    }
    return seen
  }

  test("only tunnel's DEP0005 is dropped; other warnings, and DEP0005 at any other time, are not", async () => {
    const deprecation = (code: string) => () => process.emitWarning('deprecated', 'DeprecationWarning', code)
    assert.deepEqual(await warningsOf(() => collectSockets(deprecation('DEP0005'))), [])
    assert.deepEqual(
      await warningsOf(() => collectSockets(() => process.emitWarning('deprecated', { type: 'DeprecationWarning', code: 'DEP0005' }))),
      [],
    )
    assert.deepEqual(await warningsOf(() => collectSockets(deprecation('DEP0999'))), ['DEP0999'])
    assert.deepEqual(await warningsOf(() => collectSockets(() => process.emitWarning('plain'))), ['Warning'])
    assert.deepEqual(await warningsOf(deprecation('DEP0005')), ['DEP0005'])
  })

  test('the sockets opened are collected, and only while the request is set up', async () => {
    const server = new GitHubStandIn()
    const url = new URL(await server.start())
    try {
      const { value: socket, sockets } = collectSockets(() => net.connect(Number(url.port), url.hostname))
      const later = net.connect(Number(url.port), url.hostname)
      assert.deepEqual([...sockets], [socket])
      socket.destroy()
      later.destroy()
    } finally {
      await server.close()
    }
  })
})

test('formatMs', () => {
  assert.deepEqual([0, 999.4, 1000, 1500, 59_940, 60_000, 90_000, 125_000, 119_800].map(formatMs), [
    '0ms',
    '999ms',
    '1s',
    '1.5s',
    '59.9s',
    '1m',
    '1m30s',
    '2m5s',
    '2m', // not 1m60s
  ])
})
