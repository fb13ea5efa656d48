// The rate budget before a batch, at its edges: an empty budget, a deadline already past, a check
// that must not outlast attempt-timeout, a local clock that is off, and the whole failure text.
// Against the loopback stand-in; a fake clock where the wait is what is checked.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Config } from '../../src/inputs.js'
import { checkRateBudget, checkWriteBudget, parseCoreLimit, requestsNeeded } from '../../src/rate-budget.js'
import { GITHUB_WRITE_BUDGET } from '../../src/pacer.js'
import { MintError } from '../../src/mint.js'
import { systemClock } from '../../src/retry.js'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { jitConfig } from '../support/jit-unit.js'
import { FakeClock } from '../support/fake-clock.js'

const TOKEN = 'ghp_RateBudgetUnitCallerToken012345'

test('resources.core: none left is a reading (0 is a count); a negative count is not', () => {
  const body = (remaining: number) => JSON.stringify({ resources: { core: { limit: 5000, remaining, reset: 1_700_000_100 } } })
  assert.deepEqual(parseCoreLimit(body(0)), { limit: 5000, remaining: 0, resetMs: 1_700_000_100_000 })
  assert.equal(parseCoreLimit(body(-1)), undefined)
  const reset = (value: number) => JSON.stringify({ resources: { core: { limit: 5000, remaining: 1, reset: value } } })
  assert.equal(parseCoreLimit(reset(9e12)), undefined, 'past what a date can hold: unreadable, so the check is skipped')
  assert.equal(parseCoreLimit(reset(8_640_000_000_000))?.resetMs, 8_640_000_000_000_000)
})

test('the write budget: a batch its timeout cannot hold is refused, naming both figures and the budget; one within a window is not', () => {
  const config = { ...jitConfig('http://127.0.0.1:1'), timeoutMs: 120_000 }
  const lines: string[] = []
  const log = (line: string) => void lines.push(line)
  assert.throws(() => checkWriteBudget(config, 600, GITHUB_WRITE_BUDGET, 120_000, log), {
    message:
      "A batch of 600 runners takes at least 3m under the write budget of 180 writes a minute (GitHub's secondary rate limit); " +
      'this step\'s "timeout" is 2m. No runner was registered. Raise "timeout", lower "count", or split the batch.',
  })
  // What the spread and the checks before it used is said too.
  assert.throws(() => checkWriteBudget(config, 300, { writes: 180, windowMs: 60_000 }, 50_000, log), {
    message: /takes at least 1m under .*; this step's "timeout" is 2m, of which 50s is left\. No runner/,
  })
  checkWriteBudget(config, 180, GITHUB_WRITE_BUDGET, 1000, log)
  checkWriteBudget(config, 600, false, 1000, log)
  assert.deepEqual(lines, [])
  checkWriteBudget(config, 300, GITHUB_WRITE_BUDGET, 120_000, log)
  assert.deepEqual(lines, [
    "A batch of 300 runners takes at least 1m under the write budget of 180 writes a minute (GitHub's secondary rate limit); registering at that pace.",
  ])
})

test('the write budget: a batch that fits its pace by less than a minute goes, and the log says it may run out of time', () => {
  const config = { ...jitConfig('http://127.0.0.1:1'), timeoutMs: 330_000 }
  const lines: string[] = []
  checkWriteBudget(config, 1000, GITHUB_WRITE_BUDGET, 329_500, (line) => void lines.push(line))
  // A budget of a shorter window asks for a margin of one window.
  checkWriteBudget(config, 60, { writes: 20, windowMs: 1000 }, 2500, (line) => void lines.push(line))
  checkWriteBudget(config, 60, { writes: 20, windowMs: 1000 }, 3000, (line) => void lines.push(line))
  assert.deepEqual(lines, [
    "A batch of 1000 runners takes at least 5m under the write budget of 180 writes a minute (GitHub's secondary rate limit); registering at that pace. " +
      'Only 29.5s of "timeout" is left beyond that for the requests themselves; if they take longer, the batch fails and is rolled back. ' +
      'Give "timeout" 1m or more beyond the pace.',
    'A batch of 60 runners takes at least 2s under the write budget of 20 writes per 1s; registering at that pace. ' +
      'Only 500ms of "timeout" is left beyond that for the requests themselves; if they take longer, the batch fails and is rolled back. ' +
      'Give "timeout" 1s or more beyond the pace.',
    'A batch of 60 runners takes at least 2s under the write budget of 20 writes per 1s; registering at that pace.',
  ])
})

describe('checkRateBudget against the stand-in', () => {
  const github = new GitHubStandIn({ acceptToken: TOKEN })
  let apiUrl: string
  useStandIn(github, (url) => (apiUrl = url))

  const config = (overrides: Partial<Config> = {}): Config =>
    jitConfig(apiUrl, { count: 4 }, { githubToken: TOKEN, scope: { kind: 'organization', name: 'octo-org' }, ...overrides })
  const logged = () => {
    const lines: string[] = []
    return { lines, log: (line: string) => void lines.push(line) }
  }

  test('a deadline already past: no request, one line, and the batch goes on', async () => {
    const clock = new FakeClock(Date.now())
    const { lines, log } = logged()
    await checkRateBudget(config(), 4, clock.now(), { clock, log })
    assert.deepEqual(github.requests, [])
    assert.deepEqual(lines, [
      'Could not check the rate limit before the batch (no time left before the deadline); registering without the check.',
    ])
  })

  test('none left, reset after the deadline: the whole failure, with what to do', async () => {
    const clock = new FakeClock(Date.now())
    github.rateLimit = { limit: 5000, remaining: 0, reset: Math.floor(clock.now() / 1000) + 600 }
    const { log } = logged()
    const error = await checkRateBudget(config({ timeoutMs: 60_000 }), 4, clock.now() + 60_000, { clock, log }).catch((e: unknown) => e)
    assert.ok(error instanceof MintError)
    assert.match(
      error.message,
      /^GitHub's rate limit for this token has 0 of 5000 requests left, and a batch of 4 runners needs about 8 \(4, and 4 for retries and recovery\); the limit resets at \S+Z \(in (9m\d+s|10m)\), after this step's "timeout" \(1m\) runs out\. No runner was registered\. Run the batch after the reset, lower "count", or raise "timeout" to wait for the reset\.$/,
    )
  })

  test("the reset is measured against GitHub's Date header, not a local clock an hour fast", async () => {
    const clock = new FakeClock(Date.now())
    clock.wallOffset = 3_600_000
    const resetS = Math.floor(Date.now() / 1000) + 20
    github.rateLimit = { limit: 5000, remaining: 1, reset: resetS }
    const { log } = logged()
    await checkRateBudget(config(), 4, clock.now() + 120_000, { clock, log })
    // GitHub's clock says the reset is about 20 s away (the Date header has whole seconds): the
    // wait is that plus a second of slack, not the slack alone that the fast wall clock implies.
    assert.equal(clock.sleeps.length, 1)
    assert.ok(clock.sleeps[0] >= 20_000 && clock.sleeps[0] <= 22_000, `waited ${clock.sleeps[0]} ms`)
    assert.equal(requestsNeeded(4), 8)
  })

  test('a GET /rate_limit that hangs is given up after attempt-timeout, not the 5 s cap', async () => {
    github.faults.push({ hang: true, offContract: 'a rate-limit answer that never comes' })
    const { lines, log } = logged()
    const started = performance.now()
    await checkRateBudget(config({ attemptTimeoutMs: 300 }), 4, systemClock.now() + 60_000, { clock: systemClock, log })
    const took = performance.now() - started
    // Time is the behaviour here: the bound sits well under the 5 s cap the check would otherwise use.
    assert.ok(took < 3000, `gave up after ${Math.round(took)} ms`)
    assert.equal(lines.length, 1)
    assert.match(
      lines[0],
      /^Could not check the rate limit before the batch \(GET \/rate_limit failed: .*\); registering without the check\.$/,
    )
  })
})
