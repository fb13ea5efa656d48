// The call engine (src/engine/call.ts) on its own, against the loopback stand-in with a fake
// clock: what one exchange records, how a retried call labels and records its attempts, makes a
// fresh credential each attempt, is torn down by its own phase rather than the step's signal, and
// says ECUTOFF when its time was cut to that phase's deadline.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CallFailed, Halted, type LastSeen, exchange, recorded, reservePace, retryCall, sendInSlot } from '../../src/engine/call.js'
import { failureLine } from '../../src/engine/answer.js'
import { ConcurrencyLimiter } from '../../src/limiter.js'
import { WritePacer } from '../../src/pacer.js'
import { NetworkError } from '../../src/network-error.js'
import type { ReportedAttempt } from '../../src/retry.js'
import { Deadline, DeadlineReached } from '../../src/step.js'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { FakeClock } from '../support/fake-clock.js'

const TOKEN = 'ghp_EngineUnitCallerToken0123456789'
const PATH = '/orgs/acme/actions/runners/registration-token'
const BACKOFF = { initialDelayMs: 1000, maxDelayMs: 30_000, jitter: 'none' as const, attemptTimeoutMs: 15_000, timeoutMs: 60_000 }

describe('recorded and exchange', () => {
  test('an answer records its request id and keeps an earlier detail; a network error records its text and drops the id', async () => {
    const last: LastSeen = { detail: 'earlier' }
    const answer = await recorded(Promise.resolve({ status: 502, headers: { 'x-github-request-id': 'REQ:1' }, body: '' }), last)
    assert.equal('status' in answer && answer.status, 502)
    assert.deepEqual(last, { detail: 'earlier', requestId: 'REQ:1' })
    const failed = await recorded(Promise.reject(new NetworkError('ECONNRESET', 'connection reset')), last)
    assert.deepEqual(failed, { outcome: { kind: 'network', code: 'ECONNRESET' } })
    assert.deepEqual(last, { detail: 'connection reset' })
  })

  test('anything but a network error (a bug, Halted) propagates', async () => {
    const bug = new TypeError('bug')
    await assert.rejects(recorded(Promise.reject(bug), {}), (error) => error === bug)
  })
})

describe('retryCall and exchange against the stand-in', () => {
  const github = new GitHubStandIn({ acceptToken: TOKEN })
  let apiUrl: string
  useStandIn(github, (url) => (apiUrl = url))
  const parseToken = (response: { body: string }) => (JSON.parse(response.body) as { token?: string }).token

  test('exchange: one request, not retried: a 502 is the answer', async () => {
    github.faults.push({ status: 502, headers: { 'x-github-request-id': 'REQ:X' } })
    const last: LastSeen = {}
    const answer = await exchange({ method: 'POST', url: `${apiUrl}${PATH}`, token: TOKEN, timeoutMs: 5000 }, last)
    assert.equal('status' in answer && answer.status, 502)
    assert.equal(last.requestId, 'REQ:X')
    assert.equal(github.requests.length, 1)
  })

  test('a labelled call: its log lines and attempt records say which call it was; a fresh credential every attempt', async () => {
    github.faults.push({ status: 502, headers: { 'x-github-request-id': 'REQ:A' } }, { reset: true })
    const clock = new FakeClock()
    const lines: string[] = []
    const records: ReportedAttempt[] = []
    let made = 0
    const { value, attempts } = await retryCall(
      { method: 'POST', url: `${apiUrl}${PATH}`, token: () => (made++, TOKEN), parse: parseToken, label: 'Installation token: ' },
      BACKOFF,
      { maxAttempts: 5, deadlineMs: clock.now() + 60_000 },
      { clock, random: () => 0, log: (line) => lines.push(line), onAttempt: (record) => records.push(record) },
    )
    assert.equal(value, github.minted.at(-1))
    assert.equal(attempts, 3)
    assert.equal(made, 3)
    assert.deepEqual(lines, [
      'Installation token: Attempt 1/5 failed: HTTP 502 [request id REQ:A]; retrying in 1s.',
      'Installation token: Attempt 2/5 failed: ECONNRESET (connection reset); retrying in 2s.',
    ])
    assert.deepEqual(
      records.map((r) => [r.call, r.attempt, r.succeeded, r.detail]),
      [
        ['Installation token', 1, false, undefined],
        ['Installation token', 2, false, 'connection reset'],
        ['Installation token', 3, true, undefined],
      ],
    )
  })

  test('without a label the records name no call; a 2xx the parser rejects is retried; onResponse sees every answer', async () => {
    github.faults.push({ status: 201, body: { nope: true }, offContract: 'a body without a token' })
    const clock = new FakeClock()
    const records: ReportedAttempt[] = []
    const seen: number[] = []
    const { attempts } = await retryCall(
      { method: 'POST', url: `${apiUrl}${PATH}`, token: TOKEN, parse: parseToken, onResponse: (r) => seen.push(r.status) },
      BACKOFF,
      { maxAttempts: 3, deadlineMs: clock.now() + 60_000 },
      { clock, random: () => 0, onAttempt: (record) => records.push(record) },
    )
    assert.equal(attempts, 2)
    assert.deepEqual(seen, [201, 201])
    assert.ok(records.every((r) => !('call' in r)))
    assert.equal(records[0].outcome.kind === 'response' && records[0].outcome.validBody, false)
  })

  test('giving up: CallFailed with the last request id and network text', async () => {
    github.faults.push({ status: 404, headers: { 'x-github-request-id': 'REQ:404' } })
    const clock = new FakeClock()
    const error = await retryCall(
      { method: 'POST', url: `${apiUrl}${PATH}`, token: TOKEN, parse: parseToken },
      BACKOFF,
      { maxAttempts: 3, deadlineMs: clock.now() + 60_000 },
      { clock, random: () => 0 },
    ).catch((e: unknown) => e)
    assert.ok(error instanceof CallFailed)
    assert.equal(error.requestId, 'REQ:404')
    assert.equal(error.retryError.attempts, 1)
    assert.equal(error.retryError.failure.stop, 'not-retryable')
  })

  test("a call with a teardown of its own is not torn down by the step's signal, only by its phase", async () => {
    github.faults.push({ hang: true })
    const clock = new FakeClock()
    const step = new AbortController()
    step.abort('SIGINT')
    const phase = new Deadline(clock, clock.now() + 60_000)
    github.options.onRequest = () => setTimeout(() => phase.halt(new DeadlineReached()), 50)
    const error = await retryCall(
      { method: 'DELETE', url: `${apiUrl}/installation/token`, token: TOKEN, parse: () => true, teardown: phase.teardown },
      BACKOFF,
      { maxAttempts: 1, deadlineMs: clock.now() + 60_000 },
      // The step's signal, already aborted: the request is still sent, and lives until its phase ends.
      { clock, random: () => 0, signal: step.signal },
    )
      .catch((e: unknown) => e)
      .finally(() => (github.options.onRequest = undefined))
    assert.ok(step.signal.aborted)
    assert.ok(error instanceof CallFailed)
    assert.equal(error.retryError.failure.outcome.kind === 'network' && error.retryError.failure.outcome.code, 'ECUTOFF')
    assert.equal(error.detail, 'cut off at the cleanup deadline while waiting for the answer; the request may have taken effect')
  })

  for (const [teardown, clipped, code] of [
    [true, true, 'ECUTOFF'],
    [false, true, 'ETIMEDOUT'],
    [true, false, 'ETIMEDOUT'],
  ] as const) {
    test(`a request that runs out of time: ${code} when ${teardown ? 'torn down by its phase' : 'without a phase'}, its time ${clipped ? 'cut to the deadline' : 'its own attempt-timeout'}`, async () => {
      github.faults.push({ hang: true })
      const clock = new FakeClock()
      const phase = new Deadline(clock, clock.now() + 60_000)
      const error = await retryCall(
        {
          method: 'DELETE',
          url: `${apiUrl}/installation/token`,
          token: TOKEN,
          parse: () => true,
          ...(teardown ? { teardown: phase.teardown } : {}),
        },
        { ...BACKOFF, attemptTimeoutMs: clipped ? 15_000 : 200 },
        { maxAttempts: 1, deadlineMs: clock.now() + (clipped ? 200 : 60_000) },
        { clock, random: () => 0 },
      ).catch((e: unknown) => e)
      assert.ok(error instanceof CallFailed)
      const outcome = error.retryError.failure.outcome
      assert.equal(outcome.kind === 'network' && outcome.code, code)
      phase.dispose()
    })
  }
})

describe('the engine at its edges', () => {
  const github = new GitHubStandIn({ acceptToken: TOKEN })
  let apiUrl: string
  useStandIn(github, (url) => (apiUrl = url))

  test('a failed attempt names why it waits when GitHub set the wait, not for our own backoff', () => {
    const outcome = { kind: 'response' as const, status: 429, headers: {} }
    assert.equal(
      failureLine({ attempt: 1, maxAttempts: 3, outcome, waitMs: 2000, why: 'retry-after' }),
      'Attempt 1/3 failed: HTTP 429; retrying in 2s (retry-after).',
    )
    assert.equal(
      failureLine({ attempt: 1, maxAttempts: 3, outcome, waitMs: 2000, why: 'backoff' }),
      'Attempt 1/3 failed: HTTP 429; retrying in 2s.',
    )
  })

  test("a label's trailing colon and spaces are dropped from the call's name, and only those", async () => {
    github.faults.push({ status: 502 })
    const clock = new FakeClock()
    const records: ReportedAttempt[] = []
    for (const label of ['Step: one: ', 'Step: two:']) {
      await retryCall(
        { method: 'POST', url: `${apiUrl}${PATH}`, token: TOKEN, parse: () => true, label },
        BACKOFF,
        { maxAttempts: 2, deadlineMs: clock.now() + 60_000 },
        { clock, random: () => 0, onAttempt: (record) => records.push(record) },
      )
    }
    assert.deepEqual([...new Set(records.map((r) => r.call))], ['Step: one', 'Step: two'])
  })

  test('an error from the parser is a bug: it propagates as it is, not as a CallFailed', async () => {
    const bug = new TypeError('parser bug')
    const error = await retryCall(
      {
        method: 'POST',
        url: `${apiUrl}${PATH}`,
        token: TOKEN,
        parse: () => {
          throw bug
        },
      },
      BACKOFF,
      { maxAttempts: 2, deadlineMs: new FakeClock().now() + 60_000 },
      { clock: new FakeClock(), random: () => 0 },
    ).catch((e: unknown) => e)
    assert.equal(error, bug)
  })

  test('sendInSlot: what each answer tells the limiter (a success grows it, a 5xx halves it, a 404 leaves it) and no onSend is needed', async () => {
    const clock = new FakeClock()
    const limiter = new ConcurrencyLimiter({ initial: 1, max: 4, clock })
    const phase = new Deadline(clock, clock.now() + 60_000)
    const get = () =>
      sendInSlot(limiter, clock, BACKOFF, { method: 'GET', url: `${apiUrl}/rate_limit`, token: TOKEN, timeoutMs: 5000 }, phase)
    assert.equal((await get()).status, 200)
    assert.equal(limiter.limit, 2)
    github.faults.push({ status: 502 }, { status: 404 }, { status: 403, body: { message: 'Must have admin rights' } })
    assert.equal((await get()).status, 502)
    assert.equal(limiter.limit, 1)
    assert.equal((await get()).status, 404)
    assert.equal(limiter.limit, 1)
    assert.equal((await get()).status, 403)
    assert.equal(limiter.limit, 1, 'a 403 that is no rate limit is no strain')
    phase.dispose()
  })

  test('sendInSlot: a rate-limited 403 is strain, and holds every later request of the limiter until GitHub said', async () => {
    const clock = new FakeClock()
    const limiter = new ConcurrencyLimiter({ initial: 2, max: 4, clock })
    const phase = new Deadline(clock, clock.now() + 60_000)
    github.faults.push({ status: 403, headers: { 'retry-after': '120' }, body: { message: 'You have exceeded a secondary rate limit' } })
    const response = await sendInSlot(
      limiter,
      clock,
      BACKOFF,
      { method: 'GET', url: `${apiUrl}/rate_limit`, token: TOKEN, timeoutMs: 5000 },
      phase,
    )
    assert.equal(response.status, 403)
    assert.equal(limiter.limit, 1)
    // The pause (120 s) outlasts this phase's deadline (60 s): the next request is refused at once, never sent.
    const sent = github.requests.length
    await assert.rejects(
      sendInSlot(limiter, clock, BACKOFF, { method: 'GET', url: `${apiUrl}/rate_limit`, token: TOKEN, timeoutMs: 5000 }, phase),
      (error: NetworkError) => error.code === 'EDEADLINE' && /GitHub asked to wait 2m/.test(error.message),
    )
    assert.equal(github.requests.length, sent)
    phase.dispose()
  })

  test('sendInSlot with a pacer: the points are taken before the slot and leave the window one window after the answer; a wait past the deadline or a halt is refused like a wait for a slot', async () => {
    const clock = new FakeClock()
    const limiter = new ConcurrencyLimiter({ initial: 4, max: 4, clock })
    const pacer = new WritePacer({ writes: 1, windowMs: 30_000 }, clock)
    const phase = new Deadline(clock, clock.now() + 60_000)
    const post = (url = `${apiUrl}${PATH}`) =>
      sendInSlot(limiter, clock, BACKOFF, { method: 'POST', url, token: TOKEN, timeoutMs: 5000 }, phase, pacer)
    const start = clock.now()
    assert.equal((await post()).status, 201)
    assert.equal((await post()).status, 201, 'the second write waits for the window')
    assert.equal(clock.now() - start, 30_000)
    assert.equal(limiter.inFlight, 0)
    // The next would fit at 60 s, past the latest start before the deadline: never sent.
    const sent = github.requests.length
    await assert.rejects(
      post(),
      (error: NetworkError) =>
        error.code === 'EDEADLINE' && error.message === 'the write budget of 1 write per 30s had no room before the deadline',
    )
    phase.halt()
    await assert.rejects(post(), (error) => error instanceof Halted)
    assert.equal(github.requests.length, sent)
    phase.dispose()
  })

  test('reservePace: a look and its delete draw points held ahead and do not wait for the pace between; the delete is first in line for a slot', async () => {
    const clock = new FakeClock()
    const limiter = new ConcurrencyLimiter({ initial: 1, max: 1, clock })
    // 6 points a window: one look (1) and one delete (5) on /runners/{id}.
    const pacer = new WritePacer({ writes: 1.2, windowMs: 30_000 }, clock)
    const phase = new Deadline(clock, clock.now() + 120_000)
    const runner = github.register('/orgs/acme', 'paired', { labels: ['self-hosted'] })
    const url = `${apiUrl}/orgs/acme/actions/runners/${runner.id}`
    const pair = (await reservePace(pacer, url, ['GET', 'DELETE'], phase, BACKOFF))!
    const request = (method: 'GET' | 'DELETE', followUp: boolean) =>
      sendInSlot(limiter, clock, BACKOFF, { method, url, token: TOKEN, timeoutMs: 5000, reserved: pair, followUp }, phase, pacer)
    const start = clock.now()
    assert.equal((await request('GET', false)).status, 200)
    // Another request waits for the same slot meanwhile: the delete goes before it.
    const slot = await limiter.acquire()
    const order: string[] = []
    const other = sendInSlot(
      limiter,
      clock,
      BACKOFF,
      { method: 'GET', url: `${apiUrl}/orgs/acme/actions/runners?per_page=100`, token: TOKEN, timeoutMs: 5000 },
      phase,
    )
    void other.then(() => order.push('other'))
    const deleting = request('DELETE', true).then((answer) => (order.push('delete'), answer))
    await new Promise((resolve) => setImmediate(resolve))
    limiter.release(slot, 'neutral')
    assert.equal((await deleting).status, 204)
    await other
    assert.deepEqual(order, ['delete', 'other'])
    assert.equal(clock.now(), start, 'neither waited for the pace')
    pair.release()
    // Not paced: nothing to hold.
    assert.equal(reservePace(undefined, url, ['GET', 'DELETE'], phase, BACKOFF), undefined)
    // Held ahead like a take: a halt while waiting for room refuses it as Halted.
    const full = (await reservePace(pacer, url, ['GET', 'DELETE'], phase, BACKOFF))!
    const waiting = reservePace(pacer, url, ['GET', 'DELETE'], phase, BACKOFF)!
    phase.halt()
    await assert.rejects(waiting, (error) => error instanceof Halted)
    full.release()
    phase.dispose()
  })
})
