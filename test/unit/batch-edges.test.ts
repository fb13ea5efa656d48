// A batch of JIT runners (batch.ts) at its edges against the loopback stand-in with a fake clock: the names,
// the requests, the attempts of all runners together, the limiter's start, and all or nothing:
// a failure or a cancellation rolls back every runner the ledger holds, within the cleanup
// deadline (a minute at most after a failure, the step's cleanup phase (6.5 s) after a cancellation).
import { beforeEach, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Config } from '../../src/inputs.js'
import { BatchFailed, type MintedRunners, mintRunners, stopSignal } from '../../src/jit/batch.js'
import { Ledger } from '../../src/jit/ledger.js'
import type { BatchStats, JitDeps } from '../../src/jit/session.js'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { FakeClock } from '../support/fake-clock.js'
import { LABEL, REPO, TOKEN, jitConfig, recordingStandIn, runnersOf } from '../support/jit-unit.js'

const DOCS = 'https://docs.github.com/rest/actions/self-hosted-runners'
const RUNNERS = `${REPO}/actions/runners`
const JIT = `POST ${RUNNERS}/generate-jitconfig`
const REFUSED = { status: 422, body: { message: 'Invalid labels', documentation_url: DOCS } }

/** A random source that plays `values` in a loop. */
function sequence(...values: number[]): () => number {
  let i = 0
  return () => values[i++ % values.length]
}
/** Draws for three distinct suffixes: "aaaaaa", "ssssss", "999999". */
const three = () => sequence(...Array(6).fill(0), ...Array(6).fill(0.5), ...Array(6).fill(0.99))

stopSignalTests()

describe('mintRunners', () => {
  const { github, arrivals, hooks } = recordingStandIn()
  let apiUrl: string
  useStandIn(github, (url) => (apiUrl = url))
  beforeEach(() => {
    arrivals.length = 0
    hooks.watch = undefined
    hooks.onArrival = undefined
    github.options.latencyMs = 0
    github.peakInFlight = 0
  })
  const calls = () => arrivals.map((a) => a.call).filter((c) => c !== 'GET /rate_limit')

  /** Runs a batch; the result or the BatchFailed, the log, the stats, the ledger's saves. */
  async function batch(jit: Partial<NonNullable<Config['jit']>>, overrides: Partial<Config> = {}, extra: Partial<JitDeps> = {}, env = {}) {
    const clock = new FakeClock()
    const lines: string[] = []
    const stats: BatchStats[] = []
    const saves: string[] = []
    const ledger = new Ledger(LABEL, (saved) => saves.push(saved))
    hooks.watch = () => ledger.toState()
    const deps: JitDeps = {
      clock,
      random: three(),
      log: (line) => lines.push(line),
      onStats: (s) => stats.push(s),
      ledger,
      ...extra,
    }
    const result = await mintRunners(jitConfig(apiUrl, jit, overrides), env, deps).catch((error: Error) => error)
    return { result, lines, stats, saves, ledger, clock }
  }
  const minted = (result: MintedRunners | Error): MintedRunners => {
    assert.ok(!(result instanceof Error), String(result))
    return result
  }
  const batchFailed = (result: MintedRunners | Error): BatchFailed => {
    assert.ok(result instanceof BatchFailed, String(result))
    return result
  }

  test('three runners: a prefix and distinct suffixes, one request each, in the order named', async () => {
    const b = await batch({ runnerName: 'b', count: 3 })
    const { runners, attempts, pacer, ...rest } = minted(b.result)
    assert.deepEqual(
      runners.map((r) => r.name),
      ['b-aaaaaa', 'b-ssssss', 'b-999999'],
    )
    for (const runner of runners) {
      const registered = github.runners.find((r) => r.name === runner.name)!
      assert.equal(runner.id, registered.id)
      assert.ok(github.minted.includes(runner.encodedJitConfig))
    }
    assert.equal(attempts, 3)
    assert.deepEqual(rest, {}, 'no server version: the answers named none')
    // Paced at GitHub's budget (the stand-in has rate limits), the pacer handed on for a rollback after the hand-over.
    assert.deepEqual(pacer?.budget, { writes: 180, windowMs: 60_000 })
    assert.deepEqual(calls(), [JIT, JIT, JIT])
    for (const arrival of arrivals.filter((a) => a.call === JIT)) {
      assert.deepEqual(JSON.parse(arrival.body).labels, ['self-hosted', 'linux', LABEL])
      // Each name was in the ledger before its request arrived.
      assert.ok(runnersOf(arrival.ledger).some((r) => r.name === JSON.parse(arrival.body).name))
    }
    assert.deepEqual(b.stats, [{ requests: 3, attempts: 3, retriesGranted: 0, retriesRefused: 0, lowestLimit: 3, highestLimit: 3 }])
    assert.deepEqual(
      b.ledger.entries.map((e) => [e.name, e.id, e.handedOver]),
      runners.map((r) => [r.name, r.id, false]),
      'the caller hands them over, not the batch',
    )
    assert.deepEqual(b.lines, [
      "GitHub's rate limit for this token has 5000 of 5000 requests left; a batch of 3 runners needs about 7 (3, and 4 for retries and recovery).",
    ])
  })

  test('two answers with the same runner id: the second is an unexpected answer, retried; the rollback could never delete twice', async () => {
    github.faults.push(
      { method: 'POST', pass: true },
      {
        method: 'POST',
        offContract: 'a runner id another answer of this batch already gave',
        // Once the first runner is registered, its own answer again, with a config of its own.
        handle: (_req, res) =>
          void setTimeout(() => {
            res.writeHead(201, { 'content-type': 'application/json' })
            res.end(JSON.stringify({ runner: github.runners[0], encoded_jit_config: 'ZHVwbGljYXRlLWNvbmZpZw==' }))
          }, 50),
      },
    )
    const b = await batch({ runnerName: 'd', count: 2 })
    const { runners, attempts } = minted(b.result)
    assert.equal(new Set(runners.map((r) => r.id)).size, 2, 'two runners, two ids')
    assert.equal(attempts, 3)
    assert.match(b.lines.join('\n'), /Attempt 1 failed: HTTP 201 with an unexpected body/)
    const ids = runnersOf(b.ledger.toState()).map((r) => r.id)
    assert.equal(new Set(ids).size, ids.length, 'no id twice in the ledger')
  })

  test('a single runner with a name: that exact name', async () => {
    const b = await batch({ runnerName: 'solo' })
    assert.deepEqual(
      minted(b.result).runners.map((r) => r.name),
      ['solo'],
    )
  })

  test('without a name, in a workflow: jit-RUNID-ATTEMPT and a suffix', async () => {
    const b = await batch({ count: 2 }, {}, {}, { GITHUB_RUN_ID: '4711', GITHUB_RUN_ATTEMPT: '3' })
    assert.deepEqual(
      minted(b.result).runners.map((r) => r.name),
      ['jit-4711-3-aaaaaa', 'jit-4711-3-ssssss'],
    )
  })

  test('without a ledger: a fresh ownership label on every runner', async () => {
    const b = await batch({ count: 2, runnerName: 'b' }, {}, { ledger: undefined })
    minted(b.result)
    const labels = arrivals.filter((a) => a.call === JIT).map((a) => JSON.parse(a.body).labels.at(-1))
    assert.match(labels[0], /^mrt-[0-9a-z]+-[0-9a-z]{10}$/)
    assert.notEqual(labels[0], LABEL)
    assert.equal(labels[1], labels[0])
  })

  test('a retried 5xx: the attempts of all runners together, the retry drawn from the shared budget', async () => {
    github.faults.push({ method: 'POST', status: 502 })
    const b = await batch({ runnerName: 'b', count: 2 })
    assert.equal(minted(b.result).attempts, 3)
    assert.deepEqual(calls(), [JIT, JIT, JIT])
    assert.equal(b.stats.length, 1)
    // The 502 halved the limit; the successes after it brought it back.
    assert.deepEqual(b.stats, [{ requests: 3, attempts: 3, retriesGranted: 1, retriesRefused: 0, lowestLimit: 1, highestLimit: 2 }])
  })

  test('the limiter starts at 4 requests in flight, however large the batch', async () => {
    github.options.latencyMs = 40
    const b = await batch({ runnerName: 'b', count: 6 }, {}, { random: Math.random })
    assert.equal(minted(b.result).runners.length, 6)
    assert.equal(github.peakInFlight, 4)
    assert.equal(b.stats[0].lowestLimit, 4)
  })

  test('the limit never grows past the batch size', async () => {
    // Four runners and five successful answers (one 201 without its body is retried).
    github.faults.push({ method: 'POST', status: 201, body: { runner: {} }, offContract: 'a 201 without the runner' })
    const b = await batch({ runnerName: 'b', count: 4 }, {}, { random: Math.random })
    minted(b.result)
    assert.deepEqual([b.stats[0].lowestLimit, b.stats[0].highestLimit], [4, 4])
  })

  test('all or none: one runner refused, the others registered are rolled back, and the error says which failed', async () => {
    const release = github.hold()
    void github.whenRequests(3, (r) => r.method === 'POST').then(release)
    github.faults.push({ method: 'POST', ...REFUSED })
    const b = await batch({ runnerName: 'b', count: 3 })
    const error = batchFailed(b.result)
    const refused = JSON.parse(arrivals.find((a) => a.call === JIT)!.body).name as string
    assert.equal(
      error.message.replace(/STAND-IN:\w+/, 'ID'),
      `1 of 3 runners could not be registered. Runner "${refused}": GitHub could not process the runner (422): check "labels", "runner-group-id" (1) and "work-folder", and that self-hosted runners are allowed here. GitHub said: "Invalid labels". (GitHub request id ID)`,
    )
    assert.equal(error.attempts, 3)
    assert.equal(error.ownershipLabel, LABEL)
    assert.equal(error.stoppedBy, undefined)
    assert.deepEqual(github.runners, [], 'nothing is left registered')
    const others = ['b-aaaaaa', 'b-ssssss', 'b-999999'].filter((n) => n !== refused)
    assert.deepEqual(error.rollback?.deleted.map((e) => e.name).sort(), others.sort())
    assert.deepEqual([error.rollback?.gone, error.rollback?.spared, error.rollback?.unknown, error.rollback?.failed], [[], [], [], []])
    // Registered with known ids: deleted straight away, no lookups.
    assert.deepEqual(
      calls()
        .slice(3)
        .map((c) => c.replace(/\d+$/, 'ID')),
      [`DELETE ${RUNNERS}/ID`, `DELETE ${RUNNERS}/ID`],
    )
    assert.ok(
      b.lines.includes(`Rolling back: removing the 2 runner(s) that may have been registered (label ${LABEL}).`),
      b.lines.join('\n'),
    )
    assert.deepEqual(b.ledger.entries, [])
    assert.deepEqual(b.stats, [{ requests: 5, attempts: 3, retriesGranted: 0, retriesRefused: 0, lowestLimit: 3, highestLimit: 3 }])
  })

  test('two runners refused: the first failure is the one reported', async () => {
    const release = github.hold()
    void github.whenRequests(2, (r) => r.method === 'POST').then(release)
    github.faults.push(
      { method: 'POST', ...REFUSED },
      { method: 'POST', status: 422, body: { message: 'Second', documentation_url: DOCS } },
    )
    const b = await batch({ runnerName: 'b', count: 2 })
    const error = batchFailed(b.result)
    const first = JSON.parse(arrivals.find((a) => a.call === JIT)!.body).name as string
    assert.match(
      error.message,
      new RegExp(`^2 of 2 runners could not be registered\\. Runner "${first}": .*GitHub said: "Invalid labels"\\.`),
    )
    assert.equal(error.rollback, undefined)
  })

  test('a failure halts the batch: a runner waiting to retry does not try again', async () => {
    const release = github.hold()
    void github.whenRequests(2, (r) => r.method === 'POST').then(release)
    github.faults.push({ method: 'POST', ...REFUSED }, { method: 'POST', status: 502 })
    const b = await batch({ runnerName: 'b', count: 2 })
    const error = batchFailed(b.result)
    const [refused, other] = arrivals.filter((a) => a.call === JIT).map((a) => JSON.parse(a.body).name as string)
    assert.match(
      error.message,
      new RegExp(`^1 of 2 runners could not be registered\\. Runner "${refused}": GitHub could not process the runner \\(422\\)`),
    )
    assert.deepEqual(calls().filter((c) => c === JIT).length, 2)
    assert.equal(error.attempts, 2)
    // The 502 may have registered the other: looked for by name, never found.
    assert.deepEqual(
      error.rollback?.unknown.map((e) => e.name),
      [other],
    )
  })

  test('a failed batch without onStats: still a BatchFailed', async () => {
    github.faults.push(REFUSED)
    const b = await batch({ runnerName: 'solo' }, {}, { onStats: undefined })
    assert.match(batchFailed(b.result).message, /^Runner "solo": GitHub could not process the runner \(422\)/)
  })

  test('one runner that fails: its own message, and no rollback when the ledger holds nothing', async () => {
    github.faults.push(REFUSED)
    const b = await batch({ runnerName: 'solo' })
    const error = batchFailed(b.result)
    assert.match(error.message, /^Runner "solo": GitHub could not process the runner \(422\)/)
    assert.equal(error.rollback, undefined)
    assert.equal(error.attempts, 1)
    assert.deepEqual(calls(), [JIT])
    assert.deepEqual(
      b.lines.map((line) => line.replace(/STAND-IN:\w+/, 'ID')),
      ['Runner "solo": Attempt 1/4 failed: HTTP 422 [request id ID]; not retrying.'],
    )
    assert.equal(b.stats.length, 1)
  })

  test('the shared budget runs out: the first failure halts the other runner, which is not counted as failed', async () => {
    for (let i = 0; i < 4; i++) github.faults.push({ method: 'POST', status: 502 })
    const b = await batch({ runnerName: 'b', count: 2 }, { maxAttempts: 2 })
    const error = batchFailed(b.result)
    // The fake clock moves on each runner's sleep, so which runner runs out first depends on
    // which answer arrives first; either way one fails on the budget and the other is halted.
    assert.match(
      error.message,
      /^1 of 2 runners could not be registered\. Runner "b-(aaaaaa|ssssss)": Gave up after [12] attempt\(s\): the batch used up its shared retry budget\. Last answer: HTTP 502/,
    )
    assert.equal(error.attempts, calls().filter((c) => c === JIT).length)
    assert.equal(b.stats[0].retriesRefused, 1)
    assert.equal(b.stats[0].retriesGranted + b.stats[0].retriesRefused + 2, error.attempts + 1)
    // Each 502 may have registered its runner: both are looked for, and neither ever turns up.
    assert.deepEqual(error.rollback?.unknown.map((e) => e.name).sort(), ['b-aaaaaa', 'b-ssssss'])
  })

  describe('cancelled', () => {
    test('before the first request: nothing is sent, and the error names the signal', async () => {
      for (const reason of ['SIGTERM', 'SIGINT']) {
        const stop = new AbortController()
        stop.abort(reason)
        arrivals.length = 0
        const b = await batch({ runnerName: 'b', count: 2 }, {}, { signal: stop.signal })
        const error = batchFailed(b.result)
        assert.equal(error.message, `Stopped by ${reason} while registering 2 just-in-time runner(s).`)
        assert.equal(error.stoppedBy, reason)
        assert.equal(error.attempts, 0)
        assert.equal(error.rollback, undefined)
        assert.deepEqual(arrivals, [])
        assert.equal(b.stats.length, 1)
      }
    })

    test('with a request in flight: it is torn down, and the runner it registered is rolled back', async () => {
      const stop = new AbortController()
      github.faults.push({ method: 'POST', lateAnswer: 60_000 })
      hooks.onArrival = (request) => {
        if (request.method === 'POST') stop.abort('SIGTERM')
      }
      const b = await batch({ runnerName: 'solo' }, {}, { signal: stop.signal })
      const error = batchFailed(b.result)
      assert.equal(error.message, 'Stopped by SIGTERM while registering 1 just-in-time runner(s).')
      assert.equal(error.stoppedBy, 'SIGTERM')
      assert.equal(error.attempts, 1)
      assert.deepEqual(
        error.rollback?.deleted.map((e) => e.name),
        ['solo'],
      )
      assert.deepEqual(
        calls().map((c) => c.replace(/^DELETE (.*)\/\d+$/, 'DELETE $1/ID')),
        [JIT, `GET ${RUNNERS}?name=solo&per_page=100&page=1`, `DELETE ${RUNNERS}/ID`],
      )
      assert.deepEqual(github.runners, [])
    })
  })

  describe('the rollback deadline', () => {
    /**
     * One runner whose answer is lost (a 503 after it was registered), then refused (422): the batch
     * fails, and every DELETE of the rollback answers 502, so its retries run into its deadline.
     * Returns how many DELETEs were sent and the rollback's error.
     */
    async function rollbackAgainst502s(overrides: Partial<Config>, extra: Partial<JitDeps> = {}, cancelOn?: (call: string) => boolean) {
      const stop = new AbortController()
      github.faults.push({ method: 'POST', dropAnswer: 503 }, { method: 'POST', ...REFUSED })
      for (let i = 0; i < 20; i++) github.faults.push({ method: 'DELETE', status: 502 })
      hooks.onArrival = (request) => {
        if (cancelOn?.(`${request.method} ${request.path}`)) stop.abort('SIGINT')
      }
      const b = await batch({ runnerName: 'solo' }, { maxAttempts: 20, ...overrides }, { signal: stop.signal, ...extra })
      const error = batchFailed(b.result)
      const deletes = calls().filter((c) => c.startsWith('DELETE')).length
      return { error, deletes, b, stop }
    }

    test('after a failure: a minute at most (retries at 0, 1, 3, 7, 15 and 31 s; the next, 30 s later, would pass it)', async () => {
      const { error, deletes } = await rollbackAgainst502s({})
      assert.match(error.message, /^Runner "solo": GitHub could not process the runner \(422\)/)
      assert.equal(error.stoppedBy, undefined)
      assert.equal(deletes, 6)
      assert.deepEqual(
        error.rollback?.failed.map((f) => f.entry.name),
        ['solo'],
      )
      assert.match(
        error.rollback!.failed[0].error,
        /^the next wait \(30s\) would pass the cleanup deadline\. GitHub answered 502\. GitHub said: "Bad Gateway"\. \(GitHub request id STAND-IN:\w+\)$/,
      )
    })

    test('after a failure: the step\'s "timeout" when shorter than a minute', async () => {
      const { deletes, error } = await rollbackAgainst502s({ timeoutMs: 20_000 })
      assert.equal(deletes, 5)
      assert.match(error.rollback!.failed[0].error, /^the next wait \(16s\) would pass the cleanup deadline\./)
    })

    test('a cancellation during the rollback cuts it to the grace period', async () => {
      const { deletes, error } = await rollbackAgainst502s({}, {}, (call) => call.startsWith('GET'))
      // Attempts at 0, 1 and 3 s; none at 7 s, past the 6.5 s. (The retry loop planned its waits for the
      // minute it started with; on a real clock the deadline's timer cuts the 4 s wait short, on this
      // fake one the next request's own check refuses to start it.)
      assert.equal(deletes, 3)
      assert.equal(calls().filter((c) => c.startsWith('GET')).length, 3)
      assert.equal(error.rollback!.failed[0].error, 'No request could start in time: no request slot came free before the deadline.')
      assert.equal(error.stoppedBy, 'SIGINT')
      assert.match(error.message, /^Runner "solo": GitHub could not process the runner \(422\)/, 'the failure came first')
    })

    test('a cancellation between the batch and the rollback: the grace period too', async () => {
      const stop = new AbortController()
      const { deletes } = await rollbackAgainst502s(
        {},
        {
          signal: stop.signal,
          log: (line) => {
            if (line.startsWith('Rolling back')) stop.abort('SIGTERM')
          },
        },
      )
      assert.equal(deletes, 3)
    })

    test('a cancellation of the batch: time spent before the rollback starts counts against the grace period', async () => {
      const stop = new AbortController()
      const clock = new FakeClock()
      github.faults.push({ method: 'POST', lateAnswer: 60_000 })
      for (let i = 0; i < 20; i++) github.faults.push({ method: 'DELETE', status: 502 })
      hooks.onArrival = (request) => {
        if (request.method === 'POST') stop.abort('SIGINT')
      }
      // 3 s pass between the cancellation and the rollback (the torn-down attempt's log line).
      const log = (line: string) => {
        if (line.includes('EABORTED')) clock.time += 3000
      }
      const b = await batch({ runnerName: 'solo' }, { maxAttempts: 20 }, { signal: stop.signal, clock, log })
      const error = batchFailed(b.result)
      // 3 s left: attempts at 3 and 4 s after the cancellation; the next (2 s later, at 6 s) would leave less than
      // the 1 s a useful attempt needs before 6.5 s.
      assert.equal(calls().filter((c) => c.startsWith('DELETE')).length, 2)
      assert.match(error.rollback!.failed[0].error, /^the next wait \(2s\) would pass the cleanup deadline\./)
    })

    test('a cancellation of the batch: the grace period from the moment it came', async () => {
      const stop = new AbortController()
      github.faults.push({ method: 'POST', lateAnswer: 60_000 })
      for (let i = 0; i < 20; i++) github.faults.push({ method: 'DELETE', status: 502 })
      hooks.onArrival = (request) => {
        if (request.method === 'POST') stop.abort('SIGINT')
      }
      const b = await batch({ runnerName: 'solo' }, { maxAttempts: 20 }, { signal: stop.signal })
      const error = batchFailed(b.result)
      assert.equal(calls().filter((c) => c.startsWith('DELETE')).length, 3)
      assert.match(error.rollback!.failed[0].error, /^the next wait \(4s\) would pass the cleanup deadline\./)
    })
  })
})

describe('mintRunners on GitHub Enterprise Server', () => {
  const github = new GitHubStandIn({ acceptToken: TOKEN, enterpriseVersion: '3.14.2' })
  let apiUrl: string
  useStandIn(github, (url) => (apiUrl = url))

  test('the version its answers named comes back with the runners', async () => {
    const result = await mintRunners(jitConfig(apiUrl, { runnerName: 'solo' }), {}, { clock: new FakeClock(), random: three() })
    assert.equal(result.serverVersion, '3.14.2')
    assert.equal(result.runners.length, 1)
  })
})

function stopSignalTests(): void {
  describe('stopSignal', () => {
    test('the signal that cancelled the step: SIGTERM by name, any other reason is SIGINT; none when not cancelled', () => {
      const aborted = (reason?: unknown) => {
        const controller = new AbortController()
        controller.abort(reason)
        return controller.signal
      }
      assert.equal(stopSignal(undefined), undefined)
      assert.equal(stopSignal(new AbortController().signal), undefined)
      assert.equal(stopSignal(aborted('SIGTERM')), 'SIGTERM')
      assert.equal(stopSignal(aborted('SIGINT')), 'SIGINT')
      assert.equal(stopSignal(aborted()), 'SIGINT')
    })
  })
}
