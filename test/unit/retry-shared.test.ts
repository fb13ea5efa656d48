// The optional parts of retry() a batch uses: a decision override and a shared retry budget.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { type AttemptResult, RetryError, retry } from '../../src/retry.js'
import { SharedRetryBudget } from '../../src/limiter.js'
import { FakeClock } from '../support/fake-clock.js'

const status = (code: number): AttemptResult<string> => ({ outcome: { kind: 'response', status: code, headers: {} } })
const ok: AttemptResult<string> = { value: 'v', outcome: { kind: 'response', status: 201, headers: {}, validBody: true } }

function options(clock: FakeClock) {
  return {
    maxAttempts: 8,
    initialDelayMs: 100,
    maxDelayMs: 1000,
    jitter: 'none' as const,
    deadlineMs: clock.now() + 60_000,
    attemptTimeoutMs: 5000,
    clock,
    random: () => 0.5,
  }
}

describe('retry with a shared budget', () => {
  test('two loops share the retries: once the pool is empty, the next failure stops with "budget"', async () => {
    const clock = new FakeClock()
    const budget = new SharedRetryBudget(3)
    const failures: string[] = []
    const always502 = async () => status(502)
    const loop = () =>
      retry(always502, { ...options(clock), budget, onFailure: (f) => failures.push(f.stop ?? 'retry') }).catch((e: RetryError) => e)
    const [a, b] = await Promise.all([loop(), loop()])
    assert.ok(a instanceof RetryError && b instanceof RetryError)
    assert.deepEqual([a.failure.stop, b.failure.stop], ['budget', 'budget'])
    assert.equal(a.attempts + b.attempts, 3 + 2, 'three retries in all, plus each loop’s first attempt')
    assert.equal(budget.refused, 2)
  })

  test('without a budget nothing changes: the attempts run out first', async () => {
    const clock = new FakeClock()
    const error = await retry(async () => status(502), options(clock)).catch((e: RetryError) => e)
    assert.equal((error as RetryError).failure.stop, 'attempts-exhausted')
    assert.equal((error as RetryError).attempts, 8)
  })
})

describe('retry with a decision override', () => {
  test('an outcome the policy would not retry is retried when the caller says so', async () => {
    const clock = new FakeClock()
    const results = [status(409), ok]
    const { value, attempts } = await retry(async () => results.shift()!, {
      ...options(clock),
      decide: (outcome) =>
        outcome.kind === 'response' && outcome.status === 409 ? { action: 'retry', why: 'backoff' } : { action: 'succeed' },
    })
    assert.deepEqual([value, attempts], ['v', 2])
  })
})
