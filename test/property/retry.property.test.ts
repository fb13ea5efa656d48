// Properties of the retry policy and loop over arbitrary answers and arbitrary tuning: the
// promises a user relies on when GitHub is at its worst. The answers are scripted, the clock is
// fake and the random source injected, so every case runs instantly and replays from its seed.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { type AttemptFailure, type AttemptResult, RetryError, retry } from '../../src/retry.js'
import { JITTER_MODES, type Jitter, type Outcome } from '../../src/policy.js'
import { FakeClock } from '../support/fake-clock.js'
import { propertyOptions } from '../support/property.js'

// ---- What an attempt can produce, as data the oracles below can read. ----

type RetryAfter =
  | { kind: 'seconds'; seconds: number }
  | { kind: 'fraction'; ms: number }
  | { kind: 'date'; offsetMs: number }
  | { kind: 'ignored'; text: string } // negative or unreadable: as if absent

type Step = { took: number } & (
  | { kind: 'success' }
  | { kind: 'network'; code: string }
  | {
      kind: 'response'
      status: number
      retryAfter?: RetryAfter
      remaining?: string
      reset?: { offsetS: number } | { text: string }
      message?: string
      validBody?: boolean
    }
)

const PERMANENT_NETWORK = ['ENOTFOUND', 'EREDIRECT', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'DEPTH_ZERO_SELF_SIGNED_CERT']
const TRANSIENT_NETWORK = ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'EBODYTOOLARGE', 'UND_ERR_SOCKET']
const SECONDARY = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'
const TRANSIENT_STATUSES = [408, 500, 502, 503, 504]

const retryAfter: fc.Arbitrary<RetryAfter> = fc.oneof(
  fc.record({ kind: fc.constant('seconds' as const), seconds: fc.integer({ min: 0, max: 7200 }) }),
  fc.record({ kind: fc.constant('fraction' as const), ms: fc.integer({ min: 1, max: 600_000 }) }),
  fc.record({ kind: fc.constant('date' as const), offsetMs: fc.integer({ min: -3_600_000, max: 3_600_000 }) }),
  fc.record({ kind: fc.constant('ignored' as const), text: fc.constantFrom('-1', '-0.5', 'soon', '1e3', '', '2026-11-27', 'Infinity') }),
)

const response = fc.record(
  {
    kind: fc.constant('response' as const),
    status: fc.oneof(
      fc.constantFrom(200, 201, 301, 307, 400, 401, 403, 404, 409, 410, 422, 429, ...TRANSIENT_STATUSES),
      fc.integer({ min: 100, max: 599 }),
    ),
    retryAfter,
    remaining: fc.constantFrom('0', '1', '4999'),
    reset: fc.oneof(fc.record({ offsetS: fc.integer({ min: -600, max: 7200 }) }), fc.record({ text: fc.constantFrom('', 'soon', '-5') })),
    message: fc.constantFrom(SECONDARY, 'API rate limit exceeded', 'Not Found', 'Resource not accessible by integration'),
    validBody: fc.boolean(),
  },
  { requiredKeys: ['kind', 'status'] },
)

const step: fc.Arbitrary<Step> = fc
  .tuple(
    fc.oneof(
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('success' as const) }) },
      {
        weight: 2,
        arbitrary: fc.record({ kind: fc.constant('network' as const), code: fc.constantFrom(...TRANSIENT_NETWORK, ...PERMANENT_NETWORK) }),
      },
      { weight: 6, arbitrary: response },
    ),
    fc.double({ min: 0, max: 1, noNaN: true }),
  )
  .map(([s, took]) => ({ ...s, took }))

const tuning = fc
  .record({
    maxAttempts: fc.integer({ min: 1, max: 30 }),
    initialDelayMs: fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 120_000 })),
    extraDelayMs: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 600_000 })),
    timeoutMs: fc.oneof(fc.integer({ min: 1, max: 60_000 }), fc.integer({ min: 1, max: 6 * 3_600_000 })),
    attemptTimeoutMs: fc.oneof(fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 1, max: 6 * 3_600_000 })),
    jitter: fc.constantFrom<Jitter>(...JITTER_MODES),
  })
  .map(({ extraDelayMs, ...t }) => ({ ...t, maxDelayMs: t.initialDelayMs + extraDelayMs }))
type Tuning = typeof tuning extends fc.Arbitrary<infer T> ? T : never

const randoms = fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 20 })

// ---- Playing a script through the real loop, recording everything. ----

const toSecond = (ms: number) => Math.ceil(ms / 1000) * 1000

/** The answer a step stands for, at the moment it arrives. */
function materialize(s: Step, now: number): AttemptResult<string> {
  if (s.kind === 'success') return { value: 'minted', outcome: { kind: 'response', status: 201, headers: {}, validBody: true } }
  if (s.kind === 'network') return { outcome: { kind: 'network', code: s.code } }
  const headers: Record<string, string> = {}
  const ra = s.retryAfter
  if (ra?.kind === 'seconds') headers['retry-after'] = String(ra.seconds)
  if (ra?.kind === 'fraction') headers['retry-after'] = String(ra.ms / 1000)
  if (ra?.kind === 'date') headers['retry-after'] = new Date(toSecond(now + ra.offsetMs)).toUTCString()
  if (ra?.kind === 'ignored') headers['retry-after'] = ra.text
  if (s.remaining !== undefined) headers['x-ratelimit-remaining'] = s.remaining
  if (s.reset) headers['x-ratelimit-reset'] = 'text' in s.reset ? s.reset.text : String(Math.floor(now / 1000) + s.reset.offsetS)
  const outcome: Outcome = { kind: 'response', status: s.status, headers, message: s.message, validBody: s.validBody }
  // A 2xx with the documented body carries the token; the policy must then succeed.
  const good = s.status >= 200 && s.status < 300 && s.validBody !== false
  return good ? { value: 'minted', outcome } : { outcome }
}

/**
 * The least wait GitHub asked for with this answer, by GitHub's documented rules: `retry-after`
 * (seconds or a date) on any answer; else, for a rate limit (403/429), the reset time, or at
 * least a minute for a secondary limit or a bare 429.
 */
function askedByGitHub(s: Step, now: number): number {
  if (s.kind !== 'response') return 0
  const ra = s.retryAfter
  if (ra?.kind === 'seconds') return ra.seconds * 1000
  if (ra?.kind === 'fraction') return ra.ms
  if (ra?.kind === 'date') return Math.max(0, toSecond(now + ra.offsetMs) - now)
  if (s.status !== 403 && s.status !== 429) return 0
  if (s.remaining === '0') {
    if (s.reset && 'offsetS' in s.reset) {
      const reset = (Math.floor(now / 1000) + s.reset.offsetS) * 1000
      if (reset > 0) return Math.max(0, reset - now)
    }
    return 60_000
  }
  if (s.message === SECONDARY || s.status === 429) return 60_000
  return 0
}

/** Answers that no retry can fix, by the README's list; `earlier401s` counts 401s before it. */
function cannotRecover(s: Step, earlier401s: number): boolean {
  if (s.kind === 'success') return false
  if (s.kind === 'network') return PERMANENT_NETWORK.includes(s.code)
  const { status } = s
  if (status === 401) return earlier401s > 0
  if (status === 403) return (!s.retryAfter || s.retryAfter.kind === 'ignored') && s.remaining !== '0' && s.message !== SECONDARY
  if (status >= 200 && status < 300) return false
  return status !== 429 && !TRANSIENT_STATUSES.includes(status)
}

interface Played {
  attempts: { start: number; timeoutMs: number; end: number }[]
  failures: (AttemptFailure & { at: number; asked: number })[]
  result: { value: string; attempts: number } | RetryError
  started: number
  deadlineMs: number
  clock: FakeClock
}

const BEYOND_SCRIPT: Step = { kind: 'response', status: 502, took: 0 }

/** Plays `steps`; with `abortAfter`, the caller calls the loop off as that attempt returns. */
async function play(steps: Step[], t: Tuning, random: number[], abortAfter?: number): Promise<Played> {
  const clock = new FakeClock()
  const stop = new AbortController()
  const started = clock.now()
  const deadlineMs = started + t.timeoutMs
  const attempts: Played['attempts'] = []
  const failures: Played['failures'] = []
  let r = 0
  let result: Played['result']
  try {
    result = await retry(
      async (n, timeoutMs) => {
        const start = clock.now()
        const s = steps[n - 1] ?? BEYOND_SCRIPT
        // The request takes part of the time it was given; the transport enforces the rest.
        clock.time += Math.floor(s.took * timeoutMs)
        attempts.push({ start, timeoutMs, end: clock.now() })
        if (n === abortAfter) stop.abort()
        return materialize(s, clock.now())
      },
      {
        ...t,
        deadlineMs,
        clock,
        signal: stop.signal,
        random: () => random[r++ % random.length],
        onFailure: (f) =>
          failures.push({ ...f, at: clock.now(), asked: askedByGitHub(steps[f.attempt - 1] ?? BEYOND_SCRIPT, clock.now()) }),
      },
    )
  } catch (error) {
    if (!(error instanceof RetryError)) throw error
    result = error
  }
  return { attempts, failures, result, started, deadlineMs, clock }
}

const script = fc.array(step, { maxLength: 30 })

// ---- The promises. ----

test('no request starts after the deadline, none outlives it, and the run ends by it', async () => {
  await fc.assert(
    fc.asyncProperty(script, tuning, randoms, async (steps, t, random) => {
      const { attempts, deadlineMs, clock } = await play(steps, t, random)
      for (const a of attempts) {
        assert.ok(a.start < deadlineMs, 'a request started at or after the deadline')
        assert.ok(a.timeoutMs > 0 && a.timeoutMs <= t.attemptTimeoutMs, `attempt timeout ${a.timeoutMs}`)
        assert.ok(a.start + a.timeoutMs <= deadlineMs, 'a request was allowed to outlive the deadline')
      }
      // The bound is deadline + one attempt-timeout; clipping makes it the deadline itself.
      assert.ok(clock.now() <= deadlineMs, `ended ${clock.now() - deadlineMs}ms after the deadline`)
      assert.ok(clock.now() <= deadlineMs + t.attemptTimeoutMs)
    }),
    propertyOptions(),
  )
})

test('no retry starts with less than a useful attempt left: min(attempt-timeout, 1s, a tenth of the timeout)', async () => {
  await fc.assert(
    fc.asyncProperty(script, tuning, randoms, async (steps, t, random) => {
      const { attempts, deadlineMs } = await play(steps, t, random)
      const floor = Math.min(t.attemptTimeoutMs, 1000, t.timeoutMs / 10)
      for (const a of attempts.slice(1))
        assert.ok(deadlineMs - a.start >= floor, `a retry started ${deadlineMs - a.start}ms before the deadline`)
    }),
    propertyOptions(),
  )
})

test('called off after any attempt: no further attempt, no further sleep, and it says so', async () => {
  await fc.assert(
    fc.asyncProperty(script, tuning, randoms, fc.integer({ min: 1, max: 10 }), async (steps, t, random, abortAfter) => {
      const { attempts, result, clock } = await play(steps, t, random, abortAfter)
      assert.ok(attempts.length <= abortAfter, `${attempts.length} attempts, called off after ${abortAfter}`)
      assert.ok(clock.sleeps.length < abortAfter, 'slept after being called off')
      // Reached the call-off still retrying: the loop ends as "aborted", with no wait chosen.
      if (attempts.length === abortAfter && result instanceof RetryError && result.failure.stop !== 'not-retryable') {
        assert.equal(result.failure.stop, 'aborted')
        assert.equal(result.failure.waitMs, undefined)
      }
    }),
    propertyOptions(),
  )
})

test('a wait never undercuts what GitHub asked for, and never exceeds max-delay unless GitHub asked for longer', async () => {
  await fc.assert(
    fc.asyncProperty(script, tuning, randoms, async (steps, t, random) => {
      const { failures, clock } = await play(steps, t, random)
      for (const f of failures) {
        if (f.waitMs === undefined) continue
        assert.ok(f.waitMs >= f.asked, `attempt ${f.attempt}: waited ${f.waitMs}ms, GitHub asked for ${f.asked}ms`)
        // +1: a fractional retry-after is rounded up to the next millisecond.
        assert.ok(
          f.waitMs <= Math.max(t.maxDelayMs, f.asked + 1),
          `attempt ${f.attempt}: waited ${f.waitMs}ms, max-delay ${t.maxDelayMs}ms`,
        )
      }
      // Every wait chosen (and not refused for the deadline) is the wait slept.
      assert.deepEqual(
        clock.sleeps,
        failures.filter((f) => !f.stop).map((f) => f.waitMs),
      )
    }),
    propertyOptions(),
  )
})

test('the requests never exceed max-attempts', async () => {
  await fc.assert(
    fc.asyncProperty(script, tuning, randoms, async (steps, t, random) => {
      const { attempts, result } = await play(steps, t, random)
      assert.ok(attempts.length <= t.maxAttempts, `${attempts.length} requests, max-attempts ${t.maxAttempts}`)
      assert.equal(result.attempts, attempts.length)
      if (result instanceof RetryError && result.failure.stop === 'attempts-exhausted') assert.equal(attempts.length, t.maxAttempts)
    }),
    propertyOptions(),
  )
})

test('an answer that cannot recover ends the run at once; one that can never ends it as "not retryable"', async () => {
  await fc.assert(
    fc.asyncProperty(script, tuning, randoms, async (steps, t, random) => {
      const { attempts, result, clock } = await play(steps, t, random)
      const stoppedAsHopeless = result instanceof RetryError && result.failure.stop === 'not-retryable'
      let earlier401s = 0
      for (let i = 0; i < attempts.length; i++) {
        const s = steps[i] ?? BEYOND_SCRIPT
        const hopeless = cannotRecover(s, earlier401s)
        if (hopeless) {
          assert.equal(attempts.length, i + 1, `attempt ${i + 1} cannot recover, yet the run went on`)
          assert.ok(stoppedAsHopeless, 'the run did not stop as "not retryable"')
          assert.equal(clock.sleeps.length, i, 'slept after an answer that cannot recover')
        }
        if (i === attempts.length - 1 && stoppedAsHopeless) assert.ok(hopeless, `gave up on attempt ${i + 1}, which can recover`)
        if (s.kind === 'response' && s.status === 401) earlier401s++
      }
    }),
    propertyOptions(),
  )
})

test('with jitter none, the waits are exactly the doubling schedule, capped at max-delay', async () => {
  const backoffOnly = fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant('network' as const), code: fc.constantFrom(...TRANSIENT_NETWORK), took: fc.constant(0) }),
      fc.record({ kind: fc.constant('response' as const), status: fc.constantFrom(...TRANSIENT_STATUSES), took: fc.constant(0) }),
    ),
    { maxLength: 30 },
  )
  await fc.assert(
    fc.asyncProperty(backoffOnly, tuning, randoms, async (steps, t, random) => {
      const { failures } = await play(steps, { ...t, jitter: 'none' }, random)
      for (const f of failures) {
        if (f.waitMs === undefined) continue
        assert.equal(f.waitMs, Math.min(t.maxDelayMs, t.initialDelayMs * 2 ** (f.attempt - 1)), `wait before retry ${f.attempt}`)
      }
    }),
    propertyOptions(),
  )
})
