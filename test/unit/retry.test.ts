import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { type AttemptResult, RetryError, type RetryOptions, retry, systemClock } from '../../src/retry.js'
import type { Outcome } from '../../src/policy.js'
import { FakeClock } from '../support/fake-clock.js'

const ok: AttemptResult<string> = { value: 'minted', outcome: { kind: 'response', status: 201, headers: {}, validBody: true } }
const status = (code: number, headers: Record<string, string> = {}): AttemptResult<string> => ({
  outcome: { kind: 'response', status: code, headers },
})
const network = (code: string): AttemptResult<string> => ({ outcome: { kind: 'network', code } as Outcome })

function options(clock: FakeClock, overrides: Partial<RetryOptions> = {}): RetryOptions {
  return {
    maxAttempts: 8,
    initialDelayMs: 1000,
    maxDelayMs: 30_000,
    jitter: 'none',
    deadlineMs: clock.now() + 300_000,
    attemptTimeoutMs: 15_000,
    clock,
    random: () => 0.5,
    ...overrides,
  }
}

/** An attempt function that plays `results` in order and records the timeouts it was given. */
function scripted(results: AttemptResult<string>[]) {
  const timeouts: number[] = []
  const attempt = async (_n: number, timeoutMs: number) => {
    timeouts.push(timeoutMs)
    const next = results.shift()
    assert.ok(next, 'an attempt beyond the script')
    return next
  }
  return { attempt, timeouts }
}

describe('retry', () => {
  test('returns the first value and counts the attempts', async () => {
    const clock = new FakeClock()
    const { attempt } = scripted([status(502), network('ECONNRESET'), ok])
    assert.deepEqual(await retry(attempt, options(clock)), { value: 'minted', attempts: 3 })
    assert.deepEqual(clock.sleeps, [1000, 2000])
  })

  test('uses the random source for jitter', async () => {
    const clock = new FakeClock()
    const { attempt } = scripted([status(502), status(502), ok])
    await retry(attempt, options(clock, { jitter: 'full', random: () => 0.25 }))
    assert.deepEqual(clock.sleeps, [250, 500])
  })

  test('stops at once on an answer that cannot recover', async () => {
    const clock = new FakeClock()
    const failures: unknown[] = []
    const { attempt } = scripted([status(404)])
    await assert.rejects(retry(attempt, options(clock, { onFailure: (f) => failures.push(f) })), (error: RetryError) => {
      assert.equal(error.attempts, 1)
      assert.equal(error.failure.stop, 'not-retryable')
      return true
    })
    assert.equal(failures.length, 1)
    assert.deepEqual(clock.sleeps, [])
  })

  test('stops after max-attempts', async () => {
    const clock = new FakeClock()
    const { attempt } = scripted([status(503), status(503), status(503)])
    await assert.rejects(
      retry(attempt, options(clock, { maxAttempts: 3 })),
      (error: RetryError) => error.failure.stop === 'attempts-exhausted' && error.attempts === 3,
    )
  })

  test('fails at once when the next wait would pass the deadline, without sleeping', async () => {
    const clock = new FakeClock()
    const { attempt } = scripted([status(429, { 'retry-after': '120' })])
    await assert.rejects(retry(attempt, options(clock, { deadlineMs: clock.now() + 60_000 })), (error: RetryError) => {
      assert.equal(error.failure.stop, 'deadline')
      assert.equal(error.failure.waitMs, 120_000)
      return true
    })
    assert.deepEqual(clock.sleeps, [])
  })

  test('a late timer that lands on the deadline starts no request', async () => {
    // The wait fits before the deadline, but the sleep overshoots it by 5ms.
    const clock = new FakeClock()
    const sleep = clock.sleep.bind(clock)
    clock.sleep = async (ms) => {
      await sleep(ms)
      clock.time += 5
    }
    const { attempt, timeouts } = scripted([status(502)])
    await assert.rejects(retry(attempt, options(clock, { deadlineMs: clock.now() + 1003 })), (error: RetryError) => {
      assert.equal(error.failure.stop, 'deadline')
      assert.equal(error.attempts, 1)
      return true
    })
    assert.deepEqual(timeouts, [1003])
  })

  test('clips the per-attempt timeout to the time left', async () => {
    const clock = new FakeClock()
    const { attempt, timeouts } = scripted([status(502), status(502), ok])
    await retry(attempt, options(clock, { deadlineMs: clock.now() + 20_000, attemptTimeoutMs: 15_000, initialDelayMs: 4000 }))
    assert.deepEqual(timeouts, [15_000, 15_000, 8000])
  })

  test('a 401 is retried once only', async () => {
    const clock = new FakeClock()
    const { attempt } = scripted([status(401), status(401)])
    await assert.rejects(
      retry(attempt, options(clock)),
      (error: RetryError) => error.attempts === 2 && error.failure.stop === 'not-retryable',
    )
  })

  test('reports every failure with the wait it chose', async () => {
    const clock = new FakeClock()
    const seen: string[] = []
    const { attempt } = scripted([status(502), status(500), ok])
    await retry(attempt, options(clock, { onFailure: (f) => seen.push(`${f.attempt}/${f.maxAttempts}:${f.waitMs}`) }))
    assert.deepEqual(seen, ['1/8:1000', '2/8:2000'])
  })

  test('a wait that would end exactly at the deadline is refused: no request may start at the deadline', async () => {
    const clock = new FakeClock()
    const { attempt } = scripted([status(502), ok])
    await assert.rejects(retry(attempt, options(clock, { deadlineMs: clock.now() + 1000 })), (error: RetryError) => {
      assert.equal(error.failure.stop, 'deadline')
      assert.equal(error.failure.waitMs, 1000)
      assert.equal(error.message, 'gave up after 1 attempt(s): deadline')
      return true
    })
  })

  test('a value counts only when the policy says the answer succeeded', async () => {
    const clock = new FakeClock()
    const { attempt } = scripted([{ value: 'stale', outcome: { kind: 'response', status: 502, headers: {} } }, ok])
    assert.deepEqual(await retry(attempt, options(clock)), { value: 'minted', attempts: 2 })
  })

  test('a success without a value is not a success', async () => {
    const clock = new FakeClock()
    const { attempt } = scripted([{ outcome: ok.outcome }])
    await assert.rejects(
      retry(attempt, options(clock)),
      (error: RetryError) => error.failure.stop === 'not-retryable' && error.attempts === 1,
    )
  })

  test('only 401s count towards the one 401 retry', async () => {
    const clock = new FakeClock()
    const { attempt } = scripted([status(502), network('ECONNRESET'), status(401), ok])
    assert.deepEqual(await retry(attempt, options(clock)), { value: 'minted', attempts: 4 })
  })
})

describe('retry within a deadline and a signal', () => {
  test('no attempt starts with less than a useful attempt left: min(attempt-timeout, 1s, a tenth of the timeout)', async () => {
    const clock = new FakeClock()
    // The 1s wait would leave 999ms before the deadline: less than 1s, so it stops now.
    const { attempt } = scripted([status(502)])
    await assert.rejects(
      retry(attempt, options(clock, { deadlineMs: clock.now() + 1999 })),
      (error: RetryError) => error.failure.stop === 'deadline' && error.failure.waitMs === 1000,
    )
    assert.deepEqual(clock.sleeps, [])
    // With a 2s timeout the floor is 200ms: the same wait leaves enough.
    const short = scripted([status(502), ok])
    assert.deepEqual(await retry(short.attempt, options(clock, { deadlineMs: clock.now() + 1999, timeoutMs: 2000 })), {
      value: 'minted',
      attempts: 2,
    })
  })

  test('a signal aborted during a sleep ends the loop at once: no further attempt', async () => {
    const stop = new AbortController()
    let attempts = 0
    const started = Date.now()
    const loop = retry(
      async () => {
        attempts++
        return status(503, { 'retry-after': '20' })
      },
      options(new FakeClock(), { clock: systemClock, deadlineMs: Date.now() + 300_000, signal: stop.signal }),
    )
    setTimeout(() => stop.abort(), 30)
    await assert.rejects(loop, (error: RetryError) => error.failure.stop === 'aborted' && error.attempts === 1)
    assert.equal(attempts, 1)
    assert.ok(Date.now() - started < 1000, `woke after ${Date.now() - started}ms`)
  })

  test('a signal aborted during an attempt: its failure is the last, without a wait', async () => {
    const clock = new FakeClock()
    const stop = new AbortController()
    const seen: (string | undefined)[] = []
    const loop = retry(
      async () => {
        stop.abort()
        return network('EABORTED')
      },
      options(clock, { signal: stop.signal, onFailure: (f) => seen.push(f.stop) }),
    )
    await assert.rejects(loop, (error: RetryError) => error.failure.stop === 'aborted' && error.failure.waitMs === undefined)
    assert.deepEqual(seen, ['aborted'])
    assert.deepEqual(clock.sleeps, [])
  })
})

describe('systemClock', () => {
  test('tells the time and sleeps for real', async () => {
    assert.ok(Math.abs(systemClock.now() - Date.now()) < 50)
    const started = performance.now()
    await systemClock.sleep(30)
    assert.ok(performance.now() - started >= 25)
  })
})
