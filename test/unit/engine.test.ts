// The call engine (src/engine/call.ts) on its own, against the loopback stand-in with a fake
// clock: what one exchange records, how a retried call labels and records its attempts, makes a
// fresh credential each attempt, is torn down by its own phase rather than the step's signal, and
// says ECUTOFF when its time was cut to that phase's deadline.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CallFailed, type LastSeen, exchange, recorded, retryCall } from '../../src/engine/call.js'
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
