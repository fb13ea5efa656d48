// What the requests of a JIT step share (session.ts), against the loopback stand-in with a fake
// clock: which outcomes leave a registration in doubt, the request slot and its deadline checks,
// the rate-limit pause that holds the whole step, what each answer tells the limiter, and the
// retry options of a phase.
import { beforeEach, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { systemClock } from '../../src/retry.js'
import { ConcurrencyLimiter } from '../../src/limiter.js'
import { Deadline } from '../../src/step.js'
import { Ledger } from '../../src/jit/ledger.js'
import { Halted, INITIAL_IN_FLIGHT, MAX_IN_FLIGHT, type LastSeen, Session, unknownOutcome } from '../../src/jit/session.js'
import type { Fault } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { FakeClock } from '../support/fake-clock.js'
import { LABEL, REPO, jitConfig, recordingStandIn, rig } from '../support/jit-unit.js'

describe('unknownOutcome: whether a request may have registered a runner we never heard about', () => {
  test('an answer: a 5xx or a 2xx (a 2xx without a readable body) leaves it in doubt; any other status is definite', () => {
    const answered = (status: number) => unknownOutcome({ kind: 'response', status, headers: {} })
    for (const status of [500, 502, 504, 599, 200, 201, 299]) assert.equal(answered(status), true, String(status))
    for (const status of [199, 300, 304, 400, 401, 403, 404, 409, 422, 429, 499]) assert.equal(answered(status), false, String(status))
  })

  test('no answer: unknown, unless the request provably never left (refused, DNS, our own deadline, cancelled, proxy, TLS) or could not be sent at all', () => {
    const failed = (code: string) => unknownOutcome({ kind: 'network', code })
    for (const code of ['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET', 'EABORTED', 'ENETWORK', 'XECONNREFUSED']) {
      assert.equal(failed(code), true, code)
    }
    for (const code of [
      'ECONNREFUSED',
      'EAI_AGAIN',
      'EDEADLINE',
      'ECANCELED',
      'EPROXY',
      'EPROXYAUTH',
      'ERR_TLS_CERT_ALTNAME_INVALID',
      'ERR_TLS_HANDSHAKE',
      'ENOTFOUND',
      'EREDIRECT',
      'CERT_HAS_EXPIRED',
    ]) {
      assert.equal(failed(code), false, code)
    }
  })
})

describe('Session', () => {
  const { github, arrivals, hooks } = recordingStandIn()
  let apiUrl: string
  useStandIn(github, (url) => (apiUrl = url))
  beforeEach(() => {
    arrivals.length = 0
    hooks.watch = undefined
    hooks.onArrival = undefined
  })
  const url = (path = '?per_page=1') => `${apiUrl}${REPO}/actions/runners${path}`

  test('the base of every runner URL, per scope', () => {
    const base = (scope: ReturnType<typeof jitConfig>['scope']) => rig(jitConfig('https://h/api/v3', {}, { scope })).session.base
    assert.equal(base({ kind: 'repository', owner: 'o', repo: 'r' }), 'https://h/api/v3/repos/o/r/actions/runners')
    assert.equal(base({ kind: 'organization', name: 'acme' }), 'https://h/api/v3/orgs/acme/actions/runners')
    assert.equal(base({ kind: 'enterprise', name: 'big' }), 'https://h/api/v3/enterprises/big/actions/runners')
  })

  test('without deps: the system clock, Math.random and a silent log', () => {
    const config = jitConfig('https://h')
    const session = new Session(config, {}, new ConcurrencyLimiter({ initial: 1, max: 1 }), new Ledger(LABEL))
    assert.equal(session.clock, systemClock)
    assert.equal(session.random, Math.random)
    assert.doesNotThrow(() => session.log('x'))
    assert.equal(session.requests, 0)
    assert.equal(session.attempts, 0)
    assert.equal(session.serverVersion, undefined)
    assert.deepEqual([INITIAL_IN_FLIGHT, MAX_IN_FLIGHT], [4, 16])
  })

  test('request: onSend runs in the slot before the request leaves; the request is counted; the token sent', async () => {
    const r = rig(jitConfig(apiUrl))
    let sent = 0
    hooks.watch = () => String(sent)
    const response = await r.session.request('GET', url(), { timeoutMs: 5000, deadline: r.deadline, onSend: () => sent++ })
    assert.equal(response.status, 200)
    assert.deepEqual(
      arrivals.map((a) => a.ledger),
      ['1'],
    )
    assert.equal(r.session.requests, 1)
    assert.equal(github.requests[0].headers.authorization, `Bearer ${r.session.config.githubToken}`)
  })

  test('request: the body is sent as JSON', async () => {
    const r = rig(jitConfig(apiUrl))
    const body = { name: 'r', runner_group_id: 1, labels: ['x'] }
    await r.session.request('POST', url('/generate-jitconfig'), { timeoutMs: 5000, deadline: r.deadline, body })
    assert.deepEqual(JSON.parse(arrivals[0].body), body)
  })

  test("the server's version is kept from the answers that name it", async () => {
    const r = rig(jitConfig(apiUrl))
    github.faults.push({ status: 200, headers: { 'x-github-enterprise-version': '3.14.1' }, body: { total_count: 0, runners: [] } })
    await r.session.request('GET', url(), { timeoutMs: 5000, deadline: r.deadline })
    assert.equal(r.session.serverVersion, '3.14.1')
    await r.session.request('GET', url(), { timeoutMs: 5000, deadline: r.deadline })
    assert.equal(r.session.serverVersion, '3.14.1', 'an answer without the header does not forget it')
  })

  test('halted: Halted, and nothing is sent or counted', async () => {
    const r = rig(jitConfig(apiUrl))
    r.deadline.halt()
    let sent = 0
    await assert.rejects(r.session.request('GET', url(), { timeoutMs: 5000, deadline: r.deadline, onSend: () => sent++ }), Halted)
    assert.equal(sent, 0)
    assert.equal(r.session.requests, 0)
    assert.deepEqual(arrivals, [])
  })

  test('too little time before the deadline: EDEADLINE, never sent', async () => {
    const r = rig(jitConfig(apiUrl))
    // 500 ms left; a useful attempt needs min(attempt-timeout 5 s, 1 s, timeout/10).
    const deadline = new Deadline(r.clock, r.clock.now() + 500)
    const last: LastSeen = {}
    const result = await r.session.exchange('GET', url(), { timeoutMs: 5000, deadline }, last)
    assert.deepEqual(result, { outcome: { kind: 'network', code: 'EDEADLINE' } })
    assert.deepEqual(last, { detail: 'no request slot came free before the deadline' })
    assert.deepEqual(arrivals, [])
    assert.equal(r.session.requests, 0)
  })

  test('exactly the margin left (1 s): the request is still sent', async () => {
    const r = rig(jitConfig(apiUrl))
    const deadline = new Deadline(r.clock, r.clock.now() + 1000)
    const response = await r.session.request('GET', url(), { timeoutMs: 5000, deadline })
    assert.equal(response.status, 200)
  })

  test('a short timeout scales the margin down: 1 s left of a 5 s timeout still starts a request', async () => {
    const r = rig(jitConfig(apiUrl, {}, { timeoutMs: 5000 }))
    const deadline = new Deadline(r.clock, r.clock.now() + 600)
    const response = await r.session.request('GET', url(), { timeoutMs: 5000, deadline })
    assert.equal(response.status, 200)
  })

  test('the deadline brought forward while the request waited: EDEADLINE in the slot, before onSend', async () => {
    const clock = new FakeClock()
    const r = rig(jitConfig(apiUrl), { clock })
    const deadline = new Deadline(clock, clock.now() + 60_000)
    r.limiter.pauseUntil(clock.now() + 500)
    // A cancellation arrives during the wait and leaves 100 ms.
    const sleep = clock.sleep.bind(clock)
    clock.sleep = async (ms, signal) => {
      deadline.bringForward(clock.now() + 600)
      return sleep(ms, signal)
    }
    let sent = 0
    const last: LastSeen = {}
    const result = await r.session.exchange('GET', url(), { timeoutMs: 5000, deadline, onSend: () => sent++ }, last)
    deadline.dispose()
    assert.deepEqual(result, { outcome: { kind: 'network', code: 'EDEADLINE' } })
    assert.deepEqual(last, { detail: 'too little time was left before the deadline' })
    assert.equal(sent, 0)
    assert.deepEqual(arrivals, [])
    assert.equal(r.limiter.inFlight, 0, 'the slot was given back')
    assert.equal(r.limiter.limit, 1, 'our own deadline is no sign of strain')
  })

  test("a request's time: its own timeout, or the time left before the deadline if that is shorter", async () => {
    const r = rig(jitConfig(apiUrl, {}, { timeoutMs: 1000 }))
    github.faults.push({ hang: true }, { hang: true })
    const last: LastSeen = {}
    // Far deadline: the request's own 200 ms.
    assert.deepEqual(await r.session.exchange('GET', url(), { timeoutMs: 200, deadline: r.deadline }, last), {
      outcome: { kind: 'network', code: 'ETIMEDOUT' },
    })
    assert.equal(last.detail, 'no complete answer within 200ms')
    // 300 ms left (the margin for a 1 s timeout is 100 ms): those 300 ms, not the 5 s asked for;
    // and since they are a cleanup phase's last, the request was cut off at its deadline.
    const near = new Deadline(r.clock, r.clock.now() + 300)
    const started = Date.now()
    const cut = await r.session.exchange('GET', url(), { timeoutMs: 5000, deadline: near }, last)
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started}ms`)
    assert.deepEqual(cut, { outcome: { kind: 'network', code: 'ECUTOFF' } })
    assert.equal(last.detail, 'cut off at the cleanup deadline while waiting for the answer; the request may have taken effect')
  })

  test("in a batch (requests torn down by the step's signal, not the deadline) a time cut to the deadline is a plain timeout", async () => {
    const r = rig(jitConfig(apiUrl, {}, { timeoutMs: 1000 }))
    github.faults.push({ hang: true })
    const last: LastSeen = {}
    const batch = new Deadline(r.clock, r.clock.now() + 300, new AbortController().signal)
    assert.deepEqual(await r.session.exchange('GET', url(), { timeoutMs: 5000, deadline: batch }, last), {
      outcome: { kind: 'network', code: 'ETIMEDOUT' },
    })
    assert.equal(last.detail, 'no complete answer within 300ms')
  })

  test('a request in flight is torn down when the phase is halted', async () => {
    const r = rig(jitConfig(apiUrl))
    github.faults.push({ hang: true })
    hooks.onArrival = () => setTimeout(() => r.deadline.halt(), 10)
    const last: LastSeen = {}
    const result = await r.session.exchange('GET', url(), { timeoutMs: 30_000, deadline: r.deadline }, last)
    assert.deepEqual(result, { outcome: { kind: 'network', code: 'EABORTED' } })
    assert.equal(last.detail, 'cancelled while waiting for the answer')
  })

  test('exchange: the request id of an answer; Halted is not turned into an outcome', async () => {
    const r = rig(jitConfig(apiUrl))
    github.faults.push({ status: 503, headers: { 'x-github-request-id': 'REQ:9' } })
    const last: LastSeen = {}
    const response = await r.session.exchange('GET', url(), { timeoutMs: 5000, deadline: r.deadline }, last)
    assert.equal('status' in response && response.status, 503)
    assert.deepEqual(last, { requestId: 'REQ:9' })
    // A request of the same attempt that gets no answer has no request id: the earlier one is dropped.
    github.faults.push({ reset: true })
    await r.session.exchange('GET', url(), { timeoutMs: 5000, deadline: r.deadline }, last)
    assert.deepEqual(last, { detail: 'connection reset' })
    r.deadline.halt()
    await assert.rejects(r.session.exchange('GET', url(), { timeoutMs: 5000, deadline: r.deadline }, {}), Halted)
  })

  describe('a rate limit holds every request of the step', () => {
    /** Sends one request that gets `fault`, then another; what the clock did in between. */
    async function twoRequests(fault: Fault, deadlineInMs = 300_000) {
      const r = rig(jitConfig(apiUrl), { limit: 4 })
      const deadline = new Deadline(r.clock, r.clock.now() + deadlineInMs)
      github.faults.push(fault)
      const start = r.clock.now()
      const first = await r.session.request('GET', url(), { timeoutMs: 5000, deadline })
      const last: LastSeen = {}
      const second = await r.session.exchange('GET', url(), { timeoutMs: 5000, deadline }, last)
      return { first, second, last, waitedMs: r.clock.now() - start, sleeps: r.clock.sleeps, r }
    }

    test('retry-after: the next request waits that long, in naps of at most a second', async () => {
      const { waitedMs, sleeps, second } = await twoRequests({ status: 429, headers: { 'retry-after': '3' } })
      assert.equal(waitedMs, 3000)
      assert.deepEqual(sleeps, [1000, 1000, 1000])
      assert.equal('status' in second && second.status, 200)
    })

    test('a 429 without retry-after: at least a minute', async () => {
      const { waitedMs } = await twoRequests({ status: 429 })
      assert.equal(waitedMs, 60_000)
    })

    test("a 403 with the primary limit used up: until GitHub's reset", async () => {
      const reset = Math.floor(Date.now() / 1000) + 5
      const { waitedMs } = await twoRequests({
        status: 403,
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
        body: { message: 'API rate limit exceeded', documentation_url: 'https://docs.github.com/rest' },
      })
      // Counted from the answer's Date header, GitHub's clock in whole seconds.
      assert.ok(waitedMs > 4000 && waitedMs <= 6000, `waited ${waitedMs}ms`)
    })

    test("a 403 that is no rate limit, a 502, a 503's retry-after: no pause (that runner's own retry honours retry-after)", async () => {
      for (const fault of [
        { status: 403, body: { message: 'Forbidden', documentation_url: 'x' } },
        { status: 502 },
        { status: 503, headers: { 'retry-after': '3' } },
      ]) {
        const { waitedMs } = await twoRequests(fault)
        assert.equal(waitedMs, 0, JSON.stringify(fault))
      }
    })

    test('a pause past the deadline: EDEADLINE at once, saying how long GitHub asked to wait', async () => {
      const { second, last, sleeps } = await twoRequests({ status: 429, headers: { 'retry-after': '120' } }, 60_000)
      assert.deepEqual(second, { outcome: { kind: 'network', code: 'EDEADLINE' } })
      assert.deepEqual(last, { detail: 'GitHub asked to wait 2m, past the deadline' })
      assert.deepEqual(sleeps, [])
      assert.equal(github.requests.length, 1)
    })
  })

  describe('what each answer tells the limiter', () => {
    /** The limit after one request answered with `fault`, from a limit of 1 and from a limit of 4. */
    async function limitsAfter(fault: Fault | 'refused', timeoutMs = 5000): Promise<[number, number]> {
      const limits: number[] = []
      for (const initial of [1, 4]) {
        const r = rig(jitConfig(fault === 'refused' ? await closedPort() : apiUrl), { limit: initial })
        if (fault !== 'refused') github.faults.push(fault)
        await r.session.exchange('GET', url().replace(apiUrl, r.session.config.apiUrl), { timeoutMs, deadline: r.deadline }, {})
        limits.push(r.limiter.limit)
      }
      return limits as [number, number]
    }
    const SUCCESS = [2, 4]
    const OVERLOAD = [1, 2]
    const NEUTRAL = [1, 4]
    const body = (status: number) => ({ message: `status ${status}`, documentation_url: 'https://docs.github.com/rest' })

    test('2xx: success (the limit grows)', async () => {
      assert.deepEqual(await limitsAfter({ status: 200, body: { total_count: 0, runners: [] } }), SUCCESS)
      assert.deepEqual(await limitsAfter({ status: 299, body: {}, offContract: 'an unusual 2xx' }), SUCCESS)
    })

    test('5xx, 429 and a rate-limited 403: overload (the limit halves)', async () => {
      for (const status of [500, 502, 599])
        assert.deepEqual(await limitsAfter({ status, offContract: 'a gateway' }), OVERLOAD, String(status))
      assert.deepEqual(await limitsAfter({ status: 429, headers: { 'retry-after': '0' }, offContract: 'a bare 429' }), OVERLOAD)
      const limited = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) - 10) }
      assert.deepEqual(await limitsAfter({ status: 403, headers: limited, body: body(403) }), OVERLOAD)
    })

    test('other answers: nothing (a 403 that is no rate limit, a 404, a 3xx, a 499)', async () => {
      assert.deepEqual(await limitsAfter({ status: 403, body: body(403) }), NEUTRAL)
      assert.deepEqual(await limitsAfter({ status: 404, body: body(404) }), NEUTRAL)
      assert.deepEqual(await limitsAfter({ status: 300, offContract: 'a 300 without a location' }), NEUTRAL)
      assert.deepEqual(await limitsAfter({ status: 304, offContract: 'not modified' }), NEUTRAL)
      assert.deepEqual(await limitsAfter({ status: 499, offContract: 'a proxy code' }), NEUTRAL)
    })

    test('a reset or a timeout: overload; a refused connection: nothing', async () => {
      assert.deepEqual(await limitsAfter({ reset: true }), OVERLOAD)
      assert.deepEqual(await limitsAfter({ hang: true }, 100), OVERLOAD)
      assert.deepEqual(await limitsAfter('refused'), NEUTRAL)
    })
  })

  test('retryOptions: the config, the phase deadline and stop signal, the clock and random; our own EDEADLINE is final', () => {
    const r = rig(jitConfig(apiUrl))
    const options = r.session.retryOptions(r.deadline)
    assert.equal(options.deadlineMs, r.deadline.atMs)
    assert.equal(options.signal, r.deadline.stop)
    assert.equal(options.clock, r.clock)
    assert.equal(options.random, r.session.random)
    assert.equal(options.maxAttempts, 4)
    assert.equal(options.initialDelayMs, 1000)
    const now = Date.now()
    assert.deepEqual(options.decide!({ kind: 'network', code: 'EDEADLINE' }, now, 0), { action: 'fail' })
    assert.deepEqual(options.decide!({ kind: 'network', code: 'ECONNRESET' }, now, 0), { action: 'retry', why: 'backoff' })
    assert.deepEqual(options.decide!({ kind: 'response', status: 502, headers: {} }, now, 0), { action: 'retry', why: 'backoff' })
    assert.deepEqual(options.decide!({ kind: 'response', status: 401, headers: {} }, now, 1), { action: 'fail' })
  })
})

/** A loopback URL where nothing listens: its connections are refused. */
async function closedPort(): Promise<string> {
  const server = http.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}
