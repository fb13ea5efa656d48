// Registering one JIT runner (register.ts) against the loopback stand-in with a fake clock: the
// request, the ledger as it stood when each request arrived, the retries, and the recovery of a
// 409 that a lost answer of our own may have caused (reclaimed only when it carries our label and
// never connected).
import { beforeEach, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Config } from '../../src/inputs.js'
import { mintOne } from '../../src/jit/register.js'
import { Halted } from '../../src/jit/session.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { LABEL, REPO, jitConfig, recordingStandIn, rig, runnersOf } from '../support/jit-unit.js'

const { github, arrivals, hooks } = recordingStandIn()
let apiUrl: string
useStandIn(github, (url) => (apiUrl = url))
beforeEach(() => {
  arrivals.length = 0
  hooks.watch = undefined
  hooks.onArrival = undefined
})

const DOCS = 'https://docs.github.com/rest/actions/self-hosted-runners'
const RUNNERS = `${REPO}/actions/runners`
const JIT = `POST ${RUNNERS}/generate-jitconfig`
const REFUSED = { status: 422, body: { message: 'Invalid', documentation_url: DOCS } }
const byName = (name: string) => `GET ${RUNNERS}?name=${name}&per_page=100&page=1`
const calls = () => arrivals.map((a) => a.call)
const ledgers = () => arrivals.map((a) => runnersOf(a.ledger))
/** A header that names the answer, so a log line can be checked exactly. */
const rid = (id: string) => ({ 'x-github-request-id': id })

/** Runs mintOne for `name`, watching the ledger at each arrival; the runner or the error. */
async function register(name: string, jit: Partial<NonNullable<Config['jit']>> = {}, overrides: Partial<Config> = {}) {
  const r = rig(jitConfig(apiUrl, jit, overrides))
  hooks.watch = () => r.ledger.toState()
  const result = await mintOne(name, r.session, r.budget, r.deadline).catch((error: Error) => error)
  return { ...r, result }
}

function failed(result: unknown): Error {
  assert.ok(result instanceof Error, `expected an error, got ${JSON.stringify(result)}`)
  return result
}

function registered(result: unknown): { id: number; name: string; encodedJitConfig: string } {
  assert.ok(!(result instanceof Error), String(result))
  return result as { id: number; name: string; encodedJitConfig: string }
}

describe('mintOne: a registration that succeeds', () => {
  test('one POST with the documented body; masked at once; named in the ledger before it is sent', async () => {
    const r = await register('r1')
    const runner = github.runners.find((x) => x.name === 'r1')!
    assert.deepEqual(registered(r.result), { id: runner.id, name: 'r1', encodedJitConfig: github.minted.at(-1) })
    assert.deepEqual(calls(), [JIT])
    assert.deepEqual(JSON.parse(arrivals[0].body), {
      name: 'r1',
      runner_group_id: 1,
      labels: ['self-hosted', 'linux', LABEL],
      work_folder: '_work',
    })
    // The name was saved before the request arrived, and the id once GitHub gave it.
    assert.deepEqual(ledgers(), [[{ name: 'r1' }]])
    assert.deepEqual(r.saves.map(runnersOf), [[{ name: 'r1' }], [{ name: 'r1', id: runner.id }]])
    assert.deepEqual(r.ledger.get('r1'), { name: 'r1', id: runner.id, maybe: false, handedOver: false })
    assert.deepEqual(r.masked, [github.minted.at(-1)])
    assert.equal(r.session.attempts, 1)
    assert.equal(r.session.requests, 1)
    assert.deepEqual(r.lines, [])
    assert.deepEqual(r.clock.sleeps, [])
    assert.deepEqual(
      r.attempts.map(({ attempt, maxAttempts, succeeded, runner: name, detail }) => ({ attempt, maxAttempts, succeeded, name, detail })),
      [{ attempt: 1, maxAttempts: 4, succeeded: true, name: 'r1', detail: undefined }],
    )
  })

  test('a success gives one retry back to the shared budget', async () => {
    const r = rig(jitConfig(apiUrl))
    // Three rounds of retries, each outside the one before.
    for (let i = 0; i < 3; i++) {
      assert.ok(r.budget.take())
      r.clock.time += 60_000
    }
    assert.equal(r.budget.remaining, 0)
    await mintOne('r1', r.session, r.budget, r.deadline)
    assert.equal(r.budget.remaining, 1)
  })

  test('the group id and work folder given are the ones sent', async () => {
    const r = await register('r1', { runnerGroupId: 7, workFolder: 'w', labels: ['gpu'] })
    registered(r.result)
    assert.deepEqual(JSON.parse(arrivals[0].body), { name: 'r1', runner_group_id: 7, labels: ['gpu', LABEL], work_folder: 'w' })
  })
})

describe('mintOne: retries', () => {
  test('a 502 is retried after the backoff; one ledger entry, kept as maybe registered, then given its id', async () => {
    github.faults.push({ status: 502, headers: rid('REQ:1') })
    const r = await register('r1')
    const runner = registered(r.result)
    assert.deepEqual(calls(), [JIT, JIT])
    assert.deepEqual(ledgers(), [[{ name: 'r1' }], [{ name: 'r1' }]])
    assert.deepEqual(r.lines, ['Runner "r1": Attempt 1/4 failed: HTTP 502 [request id REQ:1]; retrying in 1s.'])
    assert.deepEqual(r.clock.sleeps, [1000])
    assert.equal(r.session.attempts, 2)
    assert.equal(r.session.requests, 2)
    assert.deepEqual(r.saves.map(runnersOf), [[{ name: 'r1' }], [{ name: 'r1', id: runner.id }]])
    assert.equal(r.ledger.get('r1')?.maybe, true)
    assert.deepEqual(
      r.attempts.map((a) => [a.attempt, a.succeeded, a.runner]),
      [
        [1, false, 'r1'],
        [2, true, 'r1'],
      ],
    )
  })

  test('a reset connection is retried, its text in the log line and the attempt record', async () => {
    github.faults.push({ reset: true })
    const r = await register('r1')
    registered(r.result)
    assert.deepEqual(r.lines, ['Runner "r1": Attempt 1/4 failed: ECONNRESET (connection reset); retrying in 1s.'])
    assert.equal(r.attempts[0].detail, 'connection reset')
    assert.equal(r.attempts[1].detail, undefined, 'each attempt starts with a clean slate')
    assert.equal(r.ledger.get('r1')?.maybe, true)
  })

  test('the attempts run out: the error counts them and quotes the last answer', async () => {
    for (let i = 1; i <= 3; i++) github.faults.push({ status: 503, headers: rid(`REQ:${i}`) })
    const r = await register('r1', {}, { maxAttempts: 3 })
    assert.equal(
      failed(r.result).message,
      'Runner "r1": Gave up after 3 attempt(s) ("max-attempts"). Last answer: HTTP 503 (GitHub request id REQ:3). GitHub answered 503. GitHub said: "Service Unavailable".',
    )
    assert.equal(r.session.attempts, 3)
    assert.deepEqual(r.clock.sleeps, [1000, 2000])
    // Each 503 may have registered it: the entry stays for the rollback.
    assert.deepEqual(runnersOf(r.ledger.toState()), [{ name: 'r1' }])
    assert.equal(r.ledger.get('r1')?.maybe, true)
  })

  test('a 2xx without the documented body: retried, and the entry kept, since the runner may exist', async () => {
    github.faults.push({ status: 201, body: { runner: {} }, headers: rid('REQ:B'), offContract: 'a body without the runner' })
    const r = await register('r1')
    registered(r.result)
    assert.deepEqual(r.lines, ['Runner "r1": Attempt 1/4 failed: HTTP 201 with an unexpected body [request id REQ:B]; retrying in 1s.'])
    assert.equal(r.ledger.get('r1')?.maybe, true)
    assert.deepEqual(r.masked, [github.minted.at(-1)], 'only the config that arrived whole is masked')
  })

  test('2xx answers without the body to the end: the error says what was missing', async () => {
    for (let i = 0; i < 2; i++) github.faults.push({ status: 200, body: { encoded_jit_config: 'x' }, offContract: 'no runner' })
    const r = await register('r1', {}, { maxAttempts: 2 })
    assert.match(
      failed(r.result).message,
      /^Runner "r1": Gave up after 2 attempt\(s\) \("max-attempts"\)\. Last answer: HTTP 200 with an unexpected body \(GitHub request id STAND-IN:\w+\)\. GitHub answered 200 but not with the documented \{runner, encoded_jit_config\} body\.$/,
    )
    // Each config is masked before the body is checked: beside an unreadable runner it is still a credential.
    assert.deepEqual(r.masked, ['x', 'x'])
  })

  test('in a batch, max-attempts does not bound one runner: the shared budget does', async () => {
    for (let i = 0; i < 6; i++) github.faults.push({ status: 502, headers: rid(`REQ:${i + 1}`) })
    const r = await register('b-1', { count: 2 }, { maxAttempts: 2 })
    // Capacity 1 (max-attempts - 1): one round of retries (1 s), then the budget refuses.
    assert.equal(
      failed(r.result).message,
      'Runner "b-1": Gave up after 2 attempt(s): the batch used up its shared retry budget. Last answer: HTTP 502 (GitHub request id REQ:2). GitHub answered 502. GitHub said: "Bad Gateway".',
    )
    assert.deepEqual(r.lines, [
      'Runner "b-1": Attempt 1 failed: HTTP 502 [request id REQ:1]; retrying in 1s.',
      'Runner "b-1": Attempt 2 failed: HTTP 502 [request id REQ:2]; not retrying.',
    ])
    assert.equal(r.attempts[0].maxAttempts, Infinity)
  })
})

describe('mintOne: a definite error answer', () => {
  test('a 422 takes the entry out of the ledger: that request registered nothing', async () => {
    github.faults.push({ status: 422, headers: rid('REQ:422'), body: { message: 'Invalid labels', documentation_url: DOCS } })
    const r = await register('r1')
    assert.equal(
      failed(r.result).message,
      'Runner "r1": GitHub could not process the runner (422): check "labels", "runner-group-id" (1) and "work-folder", and that self-hosted runners are allowed here. GitHub said: "Invalid labels". (GitHub request id REQ:422)',
    )
    assert.deepEqual(ledgers(), [[{ name: 'r1' }]])
    assert.deepEqual(r.saves.map(runnersOf), [[{ name: 'r1' }], []])
    assert.equal(r.ledger.get('r1'), undefined)
    assert.equal(r.session.attempts, 1)
    assert.deepEqual(r.lines, ['Runner "r1": Attempt 1/4 failed: HTTP 422 [request id REQ:422]; not retrying.'])
  })

  test('a 422 names the group as it was given: by name', async () => {
    github.faults.push({ status: 422, body: { message: 'No such group', documentation_url: DOCS } })
    const r = await register('r1', { runnerGroup: 'GPU', runnerGroupId: 3 })
    assert.match(failed(r.result).message, /check "labels", "runner-group" \(GPU\) and "work-folder"/)
  })

  test('a 422 after a lost answer: the entry stays, the first attempt may have registered it', async () => {
    github.faults.push({ status: 502 }, { status: 422, body: { message: 'Invalid', documentation_url: DOCS } })
    const r = await register('r1')
    failed(r.result)
    assert.deepEqual(runnersOf(r.ledger.toState()), [{ name: 'r1' }])
    assert.equal(r.ledger.get('r1')?.maybe, true)
  })

  test('GHES before 3.10: the 404 says the server has no JIT configs', async () => {
    github.faults.push({ status: 404, headers: { 'x-github-enterprise-version': '3.9.2' }, body: { message: 'Not Found' } })
    const r = await register('r1')
    assert.match(
      failed(r.result).message,
      /^Runner "r1": This GitHub Enterprise Server is version 3\.9\.2, and just-in-time runners \(generate-jitconfig\) need GHES 3\.10 or newer \(GitHub answered 404\)\./,
    )
    assert.equal(r.session.serverVersion, '3.9.2')
    assert.deepEqual(runnersOf(r.ledger.toState()), [])
  })

  test('a 3xx is no registration and no body to judge: not retried, the entry out', async () => {
    github.faults.push({ status: 300, headers: rid('REQ:300'), offContract: 'a 300 without a location' })
    const r = await register('r1')
    assert.equal(failed(r.result).message, 'Runner "r1": GitHub answered 300. GitHub said: "Multiple Choices". (GitHub request id REQ:300)')
    assert.deepEqual(calls(), [JIT])
    assert.equal(r.ledger.get('r1'), undefined)
  })

  test("the error keeps the retry loop's verdict as its cause", async () => {
    github.faults.push(REFUSED)
    const r = await register('r1')
    const cause = failed(r.result).cause as { failure?: { stop?: string }; attempts?: number }
    assert.deepEqual([cause?.failure?.stop, cause?.attempts], ['not-retryable', 1])
  })

  test('any other refusal is explained for the scope', async () => {
    github.faults.push({ status: 403, body: { message: 'Forbidden' } })
    const r = await register('r1')
    assert.match(
      failed(r.result).message,
      /^Runner "r1": The token may not manage self-hosted runners for repository octo-org\/octo-repo \(403\)/,
    )
  })
})

describe('mintOne: a lost answer, then 409', () => {
  test('our own runner, never connected: found by name, deleted, registered again, in the same attempt', async () => {
    github.faults.push({ dropAnswer: 502 })
    const r = await register('r1')
    const runner = registered(r.result)
    const lost = calls()[3].split('/').at(-1)
    assert.deepEqual(calls(), [JIT, JIT, byName('r1'), `DELETE ${RUNNERS}/${lost}`, JIT])
    // The entry stayed through the 502 and the 409; the delete took it out; the next request put it back.
    assert.deepEqual(ledgers(), [[{ name: 'r1' }], [{ name: 'r1' }], [{ name: 'r1' }], [{ name: 'r1' }], [{ name: 'r1' }]])
    assert.deepEqual(r.saves.map(runnersOf), [[{ name: 'r1' }], [], [{ name: 'r1' }], [{ name: 'r1', id: runner.id }]])
    assert.notEqual(String(runner.id), lost)
    assert.deepEqual(
      github.runners.map((x) => [x.id, x.name]),
      [[runner.id, 'r1']],
    )
    assert.deepEqual(r.lines.slice(1), [
      `Runner "r1" (id ${lost}) was registered by an attempt whose answer was lost; deleting it and registering it again.`,
    ])
    assert.equal(r.session.attempts, 2, 'the registration after the delete is part of the attempt that got the 409')
    assert.equal(r.session.requests, 5)
    assert.deepEqual(r.clock.sleeps, [1000])
  })

  test('the delete finds it already gone (404): registered again all the same', async () => {
    github.faults.push({ dropAnswer: 'reset' })
    // Someone else deletes it between our lookup and our delete.
    hooks.onArrival = (request) => {
      if (request.method === 'DELETE') github.registry.set(REPO, [])
    }
    const r = await register('r1')
    const runner = registered(r.result)
    assert.deepEqual(calls(), [JIT, JIT, byName('r1'), calls()[3], JIT])
    assert.match(calls()[3], /^DELETE .*\/actions\/runners\/\d+$/)
    assert.equal(github.requests[3].status, 404)
    assert.deepEqual(r.saves.map(runnersOf), [[{ name: 'r1' }], [], [{ name: 'r1' }], [{ name: 'r1', id: runner.id }]])
  })

  test('a delete that fails is retried with the attempt', async () => {
    github.faults.push({ dropAnswer: 502 }, { method: 'DELETE', status: 500, headers: rid('REQ:DEL') })
    const r = await register('r1')
    registered(r.result)
    const del = calls().find((c) => c.startsWith('DELETE'))!
    assert.deepEqual(calls(), [JIT, JIT, byName('r1'), del, JIT, byName('r1'), del, JIT])
    assert.equal(r.lines[1], r.lines[3], 'the reclaim is announced again')
    assert.equal(r.lines[2], 'Runner "r1": Attempt 2/4 failed: HTTP 500 [request id REQ:DEL]; retrying in 2s.')
    assert.equal(r.session.attempts, 3)
  })

  test("a delete that gets no answer: the line names no request id, not the lookup's", async () => {
    github.faults.push({ dropAnswer: 502 }, { method: 'DELETE', reset: true })
    const r = await register('r1')
    registered(r.result)
    assert.equal(r.lines[2], 'Runner "r1": Attempt 2/4 failed: ECONNRESET (connection reset); retrying in 2s.')
  })

  test('a lookup that fails is retried with the attempt', async () => {
    github.faults.push({ dropAnswer: 502 }, { method: 'GET', status: 502, headers: rid('REQ:GET') })
    const r = await register('r1')
    registered(r.result)
    assert.equal(r.lines[1], 'Runner "r1": Attempt 2/4 failed: HTTP 502 [request id REQ:GET]; retrying in 2s.')
    assert.equal(calls().filter((c) => c.startsWith('DELETE')).length, 1)
  })

  test("another job's runner of that name, without our label: looked at, never deleted; the error says why", async () => {
    const theirs = github.register(REPO, 'r1', { labels: ['self-hosted', 'mrt-otherjob01'] })
    github.faults.push({ status: 502 })
    const r = await register('r1')
    assert.equal(
      failed(r.result).message.replace(/STAND-IN:\w+/, 'ID'),
      `Runner "r1": The runner name "r1" is taken (409) by runner ${theirs.id}, which this step may not delete (it is not this step's: it lacks the label ${LABEL}); it was left alone. Choose another "runner-name", or remove that runner. (GitHub request id ID)`,
    )
    assert.deepEqual(calls(), [JIT, JIT, byName('r1')])
    assert.deepEqual(github.runners, [theirs])
    assert.equal(r.session.attempts, 2)
    // The 502 may have registered ours: the entry stays for the rollback to look at.
    assert.deepEqual(runnersOf(r.ledger.toState()), [{ name: 'r1' }])
  })

  for (const [state, why] of [
    [{ status: 'online' as const }, 'online'],
    [{ busy: true }, 'busy'],
  ] as const) {
    test(`our label, but ${why}: a host holds it, so it is left alone`, async () => {
      github.faults.push({ dropAnswer: 502 })
      hooks.onArrival = (request) => {
        if (request.method === 'GET') github.setRunner('r1', state)
      }
      const r = await register('r1')
      const ours = github.runners.find((x) => x.name === 'r1')!
      assert.match(
        failed(r.result).message,
        new RegExp(
          `^Runner "r1": The runner name "r1" is taken \\(409\\) by runner ${ours.id}, which this step may not delete \\(it is ${why}\\); it was left alone\\.`,
        ),
      )
      assert.equal(calls().filter((c) => c.startsWith('DELETE')).length, 0)
      assert.equal(github.runners.length, 1)
    })
  }

  test('not listed yet: asked again after a backoff, reclaimed once the listing shows it', async () => {
    github.faults.push({ dropAnswer: 502 })
    github.listingLagMs = 3_600_000
    // The listing catches up after our first look.
    hooks.onArrival = (request) => {
      if (request.method === 'POST' && calls().some((c) => c.startsWith('GET'))) github.listingLagMs = 0
    }
    const r = await register('r1')
    registered(r.result)
    const del = calls().find((c) => c.startsWith('DELETE'))!
    assert.deepEqual(calls(), [JIT, JIT, byName('r1'), JIT, byName('r1'), del, JIT])
    assert.equal(r.lines[1], 'Runner "r1": GitHub answered 409 but lists no runner of that name yet; asking again.')
    assert.match(r.lines[2], /^Runner "r1": Attempt 2\/4 failed: HTTP 409 \[request id STAND-IN:\w+\]; retrying in 2s\.$/)
    assert.deepEqual(r.clock.sleeps, [1000, 2000])
    assert.equal(r.session.attempts, 3)
    // The 409 is retried on our own backoff, and recorded so for the step summary.
    assert.deepEqual(
      r.attempts.map((a) => [a.attempt, a.outcome.kind === 'response' && a.outcome.status, a.why, a.succeeded]),
      [
        [1, 502, 'backoff', false],
        [2, 409, 'backoff', false],
        [3, 201, undefined, true],
      ],
    )
  })

  test('after a 409 not listed, the next attempt is judged afresh: a 422 then ends it', async () => {
    github.faults.push({ method: 'POST', dropAnswer: 502 }, { method: 'POST', pass: true }, { method: 'POST', ...REFUSED })
    github.listingLagMs = 3_600_000
    const r = await register('r1')
    assert.match(failed(r.result).message, /^Runner "r1": GitHub could not process the runner \(422\)/)
    assert.deepEqual(calls(), [JIT, JIT, byName('r1'), JIT])
    assert.equal(r.session.attempts, 3)
  })

  test("after a 409 not listed, a later attempt's failure is explained by its own answer, not the earlier note", async () => {
    github.faults.push(
      { method: 'POST', dropAnswer: 502 },
      { method: 'POST', pass: true },
      { method: 'POST', status: 503, headers: rid('REQ:3') },
      { method: 'POST', status: 503, headers: rid('REQ:4') },
    )
    github.listingLagMs = 3_600_000
    const r = await register('r1')
    assert.equal(
      failed(r.result).message,
      'Runner "r1": Gave up after 4 attempt(s) ("max-attempts"). Last answer: HTTP 503 (GitHub request id REQ:4). GitHub answered 503. GitHub said: "Service Unavailable".',
    )
  })

  test('an unreadable listing during the reclaim is said as the listing, not as the registration', async () => {
    github.faults.push(
      { dropAnswer: 502 },
      { method: 'POST', pass: true },
      { method: 'GET', status: 200, body: { runners: 'none' }, offContract: 'runners not a list' },
    )
    const r = await register('r1', {}, { maxAttempts: 2 })
    assert.match(
      failed(r.result).message,
      /^Runner "r1": Gave up after 2 attempt\(s\) \("max-attempts"\)\. Last answer: HTTP 200 with an unexpected body \(GitHub request id STAND-IN:\w+\)\. The runner name "r1" is taken \(409\); looking it up to see whether it is this step's own, GitHub answered an unreadable listing \(HTTP 200\), so it was left alone\.$/,
    )
    assert.doesNotMatch(failed(r.result).message, /encoded_jit_config/)
  })

  test('never listed: the 409 is retried to the end, and the error says the step could not tell', async () => {
    github.faults.push({ dropAnswer: 502 })
    github.listingLagMs = 3_600_000
    const r = await register('r1', {}, { maxAttempts: 3 })
    assert.match(
      failed(r.result).message,
      /^Runner "r1": Gave up after 3 attempt\(s\) \("max-attempts"\)\. Last answer: HTTP 409 \(GitHub request id STAND-IN:\w+\)\. The runner name "r1" is taken \(409\), but GitHub listed no runner of that name, so this step could not tell whether it is its own \(a listing can lag behind a registration\)\.$/,
    )
    assert.deepEqual(calls(), [JIT, JIT, byName('r1'), JIT, byName('r1')])
    assert.equal(github.runners.length, 1)
    assert.deepEqual(runnersOf(r.ledger.toState()), [{ name: 'r1' }])
  })
})

describe('mintOne: a 409 with nothing of ours in doubt', () => {
  test('the name is taken by a runner this step never asked for: not looked up, not deleted', async () => {
    const theirs = github.register(REPO, 'r1', { labels: ['self-hosted'] })
    const r = await register('r1')
    assert.match(
      failed(r.result).message,
      /^Runner "r1": The runner name "r1" is already taken \(409\) by a runner this step did not register; it was left alone\. Choose another "runner-name", or remove that runner\. \(GitHub request id STAND-IN:\w+\)$/,
    )
    assert.deepEqual(calls(), [JIT])
    assert.deepEqual(github.runners, [theirs])
    assert.deepEqual(r.saves.map(runnersOf), [[{ name: 'r1' }], []])
    assert.equal(r.session.attempts, 1)
  })

  test('a 409 on the registration after our delete: someone took the name meanwhile; no second delete', async () => {
    github.faults.push({ method: 'POST', dropAnswer: 502 }, { method: 'POST', pass: true }, { method: 'POST', status: 409 })
    const r = await register('r1')
    assert.match(failed(r.result).message, /is already taken \(409\) by a runner this step did not register/)
    assert.equal(calls().filter((c) => c.startsWith('DELETE')).length, 1)
    assert.deepEqual(calls().slice(-1), [JIT])
  })
})

describe('mintOne: halted', () => {
  test('before the first attempt: no request, no attempt counted, no ledger entry', async () => {
    const r = rig(jitConfig(apiUrl))
    r.deadline.halt()
    await assert.rejects(mintOne('r1', r.session, r.budget, r.deadline), Halted)
    assert.equal(r.session.attempts, 0)
    assert.deepEqual(calls(), [])
    assert.deepEqual(r.saves, [])
  })

  test('while waiting to retry: Halted, not a failure of this runner', async () => {
    github.faults.push({ status: 502 })
    const r = rig(jitConfig(apiUrl))
    hooks.onArrival = () => r.deadline.halt()
    await assert.rejects(mintOne('r1', r.session, r.budget, r.deadline), Halted)
    assert.equal(r.session.attempts, 1)
    assert.deepEqual(calls(), [JIT])
  })
})
