import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  type Backoff,
  type Outcome,
  backoffCeiling,
  backoffDelay,
  decide,
  parseHttpDate,
  parseRetryAfter,
  waitFor,
} from '../../src/policy.js'

const NOW = Date.parse('2026-11-27T12:00:00Z')
const response = (status: number, headers: Record<string, string> = {}, message?: string, validBody?: boolean): Outcome => ({
  kind: 'response',
  status,
  headers,
  message,
  validBody,
})

describe('decide', () => {
  test('success only with a valid body', () => {
    assert.deepEqual(decide(response(201, {}, undefined, true), NOW), { action: 'succeed' })
    assert.deepEqual(decide(response(200, {}, undefined, true), NOW), { action: 'succeed' })
    assert.deepEqual(decide(response(201, {}, undefined, false), NOW), { action: 'retry', why: 'backoff' })
  })

  for (const status of [408, 500, 502, 503, 504]) {
    test(`${status} is retried with our own backoff`, () =>
      assert.deepEqual(decide(response(status), NOW), { action: 'retry', why: 'backoff' }))
  }
  for (const status of [100, 199, 300, 301, 400, 404, 405, 409, 410, 422, 451, 501, 505, 599]) {
    test(`${status} is not retried`, () => assert.deepEqual(decide(response(status), NOW), { action: 'fail' }))
  }

  test('401 is retried once, then not', () => {
    assert.deepEqual(decide(response(401), NOW, 0), { action: 'retry', why: 'backoff' })
    assert.deepEqual(decide(response(401), NOW, 1), { action: 'fail' })
  })

  test('network errors are retried unless they cannot recover', () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']) {
      assert.deepEqual(decide({ kind: 'network', code }, NOW), { action: 'retry', why: 'backoff' }, code)
    }
    for (const code of ['ENOTFOUND', 'EREDIRECT', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'ERR_TLS_CERT_ALTNAME_INVALID']) {
      assert.deepEqual(decide({ kind: 'network', code }, NOW), { action: 'fail' }, code)
    }
  })

  test("a proxy's 407 (EPROXYAUTH) is permanent; its other failures to open a tunnel (EPROXY) are retried", () => {
    assert.deepEqual(decide({ kind: 'network', code: 'EPROXYAUTH' }, NOW), { action: 'fail' })
    assert.deepEqual(decide({ kind: 'network', code: 'EPROXY' }, NOW), { action: 'retry', why: 'backoff' })
  })

  test('2xx is 200 to 299', () => {
    assert.deepEqual(decide(response(299, {}, undefined, true), NOW), { action: 'succeed' })
    assert.deepEqual(decide(response(299, {}, undefined, false), NOW), { action: 'retry', why: 'backoff' })
  })

  test('a network code is permanent only when it starts with a permanent code', () => {
    for (const code of ['ERR_INVALID_URL', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN']) {
      assert.deepEqual(decide({ kind: 'network', code }, NOW), { action: 'fail' }, code)
    }
    for (const code of ['E_WRAPPED_ENOTFOUND', 'UND_ERR_CERT_'])
      assert.deepEqual(decide({ kind: 'network', code }, NOW), { action: 'retry', why: 'backoff' }, code)
  })

  test('a 403 without a rate-limit signal is a permission problem', () => {
    assert.deepEqual(decide(response(403, { 'x-ratelimit-remaining': '4999' }, 'Resource not accessible by integration'), NOW), {
      action: 'fail',
    })
  })

  test('retry-after wins over every other signal', () => {
    const headers = { 'retry-after': '7', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 100) }
    assert.deepEqual(decide(response(403, headers, 'secondary rate limit'), NOW), { action: 'retry', why: 'retry-after', askedMs: 7000 })
    assert.deepEqual(decide(response(429, headers), NOW), { action: 'retry', why: 'retry-after', askedMs: 7000 })
  })

  test('remaining 0 waits until the reset', () => {
    const headers = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 42) }
    assert.deepEqual(decide(response(403, headers), NOW), { action: 'retry', why: 'rate-limit-reset', askedMs: 42_000 })
  })

  test("the reset and a dated retry-after are measured against the answer's Date header, the server's clock", () => {
    const server = NOW - 3_600_000 // an hour behind our clock
    const date = new Date(server).toUTCString()
    const reset = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(server / 1000 + 42) }
    assert.deepEqual(decide(response(403, { ...reset, date }), NOW), { action: 'retry', why: 'rate-limit-reset', askedMs: 42_000 })
    // Without the Date header the reset looks an hour past: our own backoff.
    assert.deepEqual(decide(response(403, reset), NOW), { action: 'retry', why: 'backoff' })
    const retryAfter = { 'retry-after': new Date(server + 5000).toUTCString() }
    assert.deepEqual(decide(response(429, { ...retryAfter, date }), NOW), { action: 'retry', why: 'retry-after', askedMs: 5000 })
    assert.deepEqual(decide(response(429, retryAfter), NOW), { action: 'retry', why: 'backoff' })
  })

  test('an unreadable Date header is ignored: our wall clock', () => {
    const reset = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 42) }
    for (const date of ['yesterday', '2026-11-27T11:00:00Z', '', `soon ${new Date(NOW - 3_600_000).toUTCString()}`]) {
      assert.deepEqual(decide(response(403, { ...reset, date }), NOW), { action: 'retry', why: 'rate-limit-reset', askedMs: 42_000 }, date)
    }
  })

  test('remaining 0 with a reset in the past, or right now, falls back to our backoff', () => {
    for (const reset of [NOW / 1000 - 5, NOW / 1000]) {
      assert.deepEqual(decide(response(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }), NOW), {
        action: 'retry',
        why: 'backoff',
      })
    }
  })

  test('remaining 0 with an unreadable or zero reset waits at least a minute', () => {
    for (const reset of ['soon', '0', '-5', '']) {
      const headers = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }
      assert.deepEqual(decide(response(403, headers), NOW), { action: 'retry', why: 'rate-limit-floor', minimumMs: 60_000 }, reset)
    }
  })

  test('remaining 0 with a reset past what a date can hold is unreadable: the minute floor, not a crash', () => {
    for (const reset of ['99999999999999', '8640000000001']) {
      const headers = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }
      assert.deepEqual(decide(response(403, headers), NOW), { action: 'retry', why: 'rate-limit-floor', minimumMs: 60_000 }, reset)
    }
    const latest = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '8640000000000' }
    assert.equal((decide(response(403, latest), NOW) as { why?: string }).why, 'rate-limit-reset')
  })

  test('a readable retry-after of 0 outranks the other signals: our own backoff, no floor', () => {
    const signals = { 'retry-after': '0', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 100) }
    assert.deepEqual(decide(response(403, signals, 'You have exceeded a secondary rate limit'), NOW), { action: 'retry', why: 'backoff' })
    assert.deepEqual(decide(response(429, { 'retry-after': '0' }), NOW), { action: 'retry', why: 'backoff' })
    assert.deepEqual(decide(response(403, { 'retry-after': '0' }), NOW), { action: 'retry', why: 'backoff' })
  })

  test('a retry-after on any other answer worth retrying is honoured too (a 503 during maintenance)', () => {
    assert.deepEqual(decide(response(503, { 'retry-after': '5' }), NOW), { action: 'retry', why: 'retry-after', askedMs: 5000 })
    assert.deepEqual(decide(response(201, { 'retry-after': '2' }, undefined, false), NOW), {
      action: 'retry',
      why: 'retry-after',
      askedMs: 2000,
    })
    assert.deepEqual(decide(response(503, { 'retry-after': '0' }), NOW), { action: 'retry', why: 'backoff' })
    assert.deepEqual(decide(response(503, { 'retry-after': 'soon' }), NOW), { action: 'retry', why: 'backoff' })
    assert.deepEqual(decide(response(404, { 'retry-after': '5' }), NOW), { action: 'fail' })
  })

  test('a secondary rate limit without retry-after waits at least a minute', () => {
    assert.deepEqual(decide(response(403, {}, 'You have exceeded a secondary rate limit'), NOW), {
      action: 'retry',
      why: 'rate-limit-floor',
      minimumMs: 60_000,
    })
    assert.deepEqual(decide(response(429), NOW), { action: 'retry', why: 'rate-limit-floor', minimumMs: 60_000 })
  })
})

describe('parseRetryAfter', () => {
  test('seconds, fractions, dates; garbage and negatives are ignored', () => {
    assert.equal(parseRetryAfter('3', NOW), 3000)
    assert.equal(parseRetryAfter(' 0.25 ', NOW), 250)
    assert.equal(parseRetryAfter('0', NOW), 0)
    assert.equal(parseRetryAfter(new Date(NOW + 5000).toUTCString(), NOW), 5000)
    assert.equal(parseRetryAfter(new Date(NOW - 5000).toUTCString(), NOW), 0)
    assert.equal(parseRetryAfter('-1', NOW), undefined)
    assert.equal(parseRetryAfter('soon', NOW), undefined)
    assert.equal(parseRetryAfter('2026', NOW), 2026_000)
    assert.equal(parseRetryAfter('2026-11-27', NOW), undefined)
    // Date.parse alone would accept these; an HTTP date has exactly this shape.
    assert.equal(parseRetryAfter(`soon ${new Date(NOW + 5000).toUTCString()}`, NOW), undefined)
    assert.equal(parseRetryAfter(`${new Date(NOW + 5000).toUTCString()}+0500`, NOW), undefined)
    assert.equal(parseRetryAfter(undefined, NOW), undefined)
  })
})

test('parseHttpDate reads only the HTTP date shape', () => {
  assert.equal(parseHttpDate('Fri, 27 Nov 2026 12:00:00 GMT'), NOW)
  assert.equal(parseHttpDate(' Fri, 27 Nov 2026 12:00:00 GMT '), NOW)
  for (const text of [undefined, '', '2026-11-27T12:00:00Z', 'Fri, 27 Nov 2026 12:00:00 +0000', 'Fri, 99 Nov 2026 12:00:00 GMT']) {
    assert.equal(parseHttpDate(text), undefined, text)
  }
})

describe('backoff', () => {
  const backoff: Backoff = { initialDelayMs: 1000, maxDelayMs: 30_000, jitter: 'none' }

  test('the ceiling doubles from initial-delay and stops at max-delay', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7].map((n) => backoffCeiling(n, backoff)),
      [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000],
    )
  })

  test('jitter none waits exactly the ceiling', () => {
    assert.deepEqual(
      [1, 2, 3].map((n) => backoffDelay(n, backoff, 0.123)),
      [1000, 2000, 4000],
    )
  })

  test('full jitter spans 0 to the ceiling', () => {
    const full = { ...backoff, jitter: 'full' as const }
    assert.equal(backoffDelay(3, full, 0), 0)
    assert.equal(backoffDelay(3, full, 0.5), 2000)
    assert.equal(backoffDelay(3, full, 0.999), 3996)
  })

  test('equal jitter keeps half the ceiling fixed', () => {
    const equal = { ...backoff, jitter: 'equal' as const }
    assert.equal(backoffDelay(3, equal, 0), 2000)
    assert.equal(backoffDelay(3, equal, 0.5), 3000)
  })

  test('decorrelated jitter grows from the previous wait, within initial-delay and max-delay', () => {
    const decorrelated = { ...backoff, jitter: 'decorrelated' as const }
    assert.equal(backoffDelay(1, decorrelated, 0.5, 0), 1000)
    assert.equal(backoffDelay(2, decorrelated, 0.5, 4000), 1000 + 0.5 * (12_000 - 1000))
    assert.equal(backoffDelay(9, decorrelated, 0.999, 29_000), 30_000)
    assert.equal(backoffDelay(9, decorrelated, 0, 29_000), 1000)
  })

  test('waitFor honours what GitHub asked for exactly, and a floor at least', () => {
    const full = { ...backoff, jitter: 'full' as const }
    assert.equal(waitFor({ action: 'retry', why: 'retry-after', askedMs: 120_000 }, 1, full, 0.5), 120_000)
    assert.equal(waitFor({ action: 'retry', why: 'rate-limit-reset', askedMs: 10 }, 5, full, 0.99), 10)
    assert.equal(waitFor({ action: 'retry', why: 'rate-limit-floor', minimumMs: 60_000 }, 1, full, 0.5), 60_000)
    assert.equal(waitFor({ action: 'retry', why: 'backoff' }, 2, full, 0.5), 1000)
  })
})
