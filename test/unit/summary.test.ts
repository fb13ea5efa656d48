// The step summary's record, built from attempt records: every cell escaped, rows capped.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MAX_SUMMARY_ROWS, type SummaryAttempt, rateLimitRows, summaryTables, thenText } from '../../src/summary.js'

const answer = (status: number, headers: Record<string, string> = {}): SummaryAttempt['outcome'] => ({ kind: 'response', status, headers })
const attempt = (fields: Partial<SummaryAttempt>): SummaryAttempt => ({
  attempt: 1,
  maxAttempts: 8,
  outcome: answer(502),
  succeeded: false,
  ...fields,
})

test('what came after each attempt, and why it waited', () => {
  assert.equal(thenText(attempt({ succeeded: true }), 'registered'), 'registered')
  assert.equal(thenText(attempt({ waitMs: 1500, why: 'backoff' })), 'retried after 1.5s (backoff)')
  assert.equal(thenText(attempt({ waitMs: 60_000, why: 'rate-limit-floor' })), 'retried after 1m (secondary-limit floor)')
  assert.equal(
    thenText(attempt({ waitMs: 5000, why: 'retry-after', stop: 'deadline' })),
    'gave up: waiting 5s (retry-after) would pass the timeout',
  )
  assert.equal(thenText(attempt({ why: 'rate-limit-reset', stop: 'attempts-exhausted' })), 'gave up: max-attempts reached')
  assert.equal(thenText(attempt({ why: 'backoff', waitMs: 10, stop: 'budget' })), "gave up: the batch's shared retry budget was spent")
  assert.equal(thenText(attempt({ stop: 'not-retryable' })), 'gave up: not retryable')
})

test('the rate-limit headers of the last HTTP answer, the reset also as a time', () => {
  const limited = answer(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1700000000', 'x-ratelimit-resource': 'core' })
  assert.deepEqual(rateLimitRows([attempt({ outcome: limited }), attempt({ outcome: { kind: 'network', code: 'ECONNRESET' } })]), [
    ['Rate limit remaining (last answer)', '0'],
    ['Rate limit reset (last answer)', '1700000000 (2023-11-14T22:13:20Z)'],
    ['Rate limit resource (last answer)', 'core'],
  ])
  // The last answer counts, not an earlier one; a reset that is no epoch is shown as it came.
  assert.deepEqual(rateLimitRows([attempt({ outcome: limited }), attempt({ outcome: answer(201, { 'x-ratelimit-reset': 'soon' }) })]), [
    ['Rate limit reset (last answer)', 'soon'],
  ])
  assert.deepEqual(rateLimitRows([attempt({ outcome: { kind: 'network', code: 'ETIMEDOUT' } })]), [])
})

test('cells are escaped, empty ones shown as a dash, and rows capped with a count of the rest', () => {
  const many = Array.from({ length: MAX_SUMMARY_ROWS + 3 }, (_, i) =>
    attempt({ attempt: i + 1, runner: `r<${i}>`, outcome: answer(502, { 'x-github-request-id': 'a\u001bb' }), waitMs: 1, why: 'backoff' }),
  )
  const { fields, attempts, notes } = summaryTables({
    heading: 'h',
    fields: [['Result', 'GitHub said: "<script>"']],
    attempts: [...many, attempt({ attempt: 9, outcome: { kind: 'network', code: 'ETIMEDOUT' }, detail: 'no answer', stop: 'deadline' })],
    made: { rows: [['Runner 1', 'x']], leftOutNote: (n) => `${n} more` },
  })
  assert.deepEqual(fields[0], ['Result', 'GitHub said: &quot;&lt;script&gt;&quot;'])
  assert.deepEqual(attempts[0], ['Attempt', 'Runner', 'Answer', 'GitHub request id', 'Then'])
  assert.deepEqual(attempts[1], ['1', 'r&lt;0&gt;', 'HTTP 502', String.raw`a\x1bb`, 'retried after 1ms (backoff)'])
  assert.equal(attempts.length, 1 + MAX_SUMMARY_ROWS)
  assert.deepEqual(notes, ['4 more attempt(s) are not listed here; the log has every one.'])
  const single = summaryTables({
    heading: 'h',
    fields: [],
    attempts: [attempt({ outcome: { kind: 'network', code: 'ETIMEDOUT' }, detail: 'no answer', stop: 'deadline' })],
  })
  assert.deepEqual(single.attempts[1], ['1', 'ETIMEDOUT (no answer)', '—', 'gave up: waiting 0ms (backoff) would pass the timeout'])
})

test("a GitHub App's calls get a column of their own, the mint named by the record's mainCall", () => {
  const { attempts } = summaryTables({
    heading: 'h',
    fields: [],
    mainCall: 'registration token',
    attempts: [
      attempt({ call: 'Installation lookup', outcome: answer(200), succeeded: true }),
      attempt({ call: 'Installation token', outcome: answer(201), succeeded: true }),
      attempt({ outcome: answer(201), succeeded: true }),
    ],
  })
  assert.deepEqual(
    attempts.map((row) => row[1]),
    ['Call', 'Installation lookup', 'Installation token', 'registration token'],
  )
  assert.deepEqual(
    attempts.map((row) => row[4]),
    ['Then', 'done', 'done', 'minted'],
  )
})
