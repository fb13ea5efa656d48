// Removing the runners a step may have registered (rollback and post step), against the loopback
// stand-in with a fake clock: the ownership proof, each answer a DELETE can get, the lookup by id
// and by name (a lagging listing, pages), the cleanup deadline, and what stays in the ledger.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Config } from '../../src/inputs.js'
import { ConcurrencyLimiter } from '../../src/limiter.js'
import { CLEANUP_TIMEOUT_MS, LISTING_PATIENCE_MS, type Removal, removeRunners } from '../../src/jit/cleanup.js'
import { Deadline } from '../../src/jit/deadline.js'
import { Ledger } from '../../src/jit/ledger.js'
import { describeRemoval, notConfirmedGone } from '../../src/jit/report.js'
import { Session } from '../../src/jit/session.js'
import { GitHubStandIn, type StandInRunner } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { FakeClock } from '../support/fake-clock.js'

const LABEL = 'mrt-abcdefghij'
const SCOPE = '/repos/octo-org/octo-repo'
const RUNNERS = `${SCOPE}/actions/runners`

const github = new GitHubStandIn()
let apiUrl: string
useStandIn(github, (url) => (apiUrl = url))

interface Setup {
  config?: Partial<Config>
  /** Ms from now to the cleanup deadline. */
  deadlineMs?: number
}

/** A session as the rollback and the post step build one: a ledger with our label, a fake clock, a log. */
function harness({ config = {}, deadlineMs = CLEANUP_TIMEOUT_MS }: Setup = {}) {
  const clock = new FakeClock()
  const log: string[] = []
  const hooks: { onLog?: (line: string) => void } = {}
  const saves: string[] = []
  const ledger = new Ledger(LABEL, (saved) => saves.push(saved))
  const full: Config = {
    githubToken: 'ghp_UnitCleanupToken0123456789',
    scope: { kind: 'repository', owner: 'octo-org', repo: 'octo-repo' },
    type: 'jit',
    apiUrl,
    maxAttempts: 4,
    initialDelayMs: 1000,
    maxDelayMs: 30_000,
    timeoutMs: 300_000,
    attemptTimeoutMs: 5000,
    jitter: 'none',
    ...config,
  }
  const limiter = new ConcurrencyLimiter({ initial: 4, max: 16, clock })
  const session = new Session(full, { clock, random: () => 0.5, log: (line) => (log.push(line), hooks.onLog?.(line)) }, limiter, ledger)
  const deadline = new Deadline(clock, clock.now() + deadlineMs)
  /** Records `name` in the ledger as the batch does: before the request, then the id GitHub gave. */
  const record = (name: string, id?: number): void => {
    ledger.sending(name)
    if (id !== undefined) ledger.registered(name, id)
  }
  const remove = async (mode: 'rollback' | 'post', names = ledger.entries.map((e) => e.name)): Promise<Removal> => {
    try {
      return await removeRunners(
        names.map((name) => ledger.get(name)!),
        mode,
        session,
        deadline,
      )
    } finally {
      deadline.dispose()
    }
  }
  return { clock, log, hooks, saves, ledger, session, deadline, record, remove }
}

/** A runner in the stand-in's registry, as GitHub would hold one this step registered (our label). */
function ours(name: string, state: { status?: 'online' | 'offline'; busy?: boolean } = {}): StandInRunner {
  return github.register(SCOPE, name, { labels: ['self-hosted', LABEL], ...state })
}

/** The requests sent, as "METHOD path". */
const sent = (): string[] => github.requests.map((r) => `${r.method} ${r.path}`)
const names = (list: { name: string }[]): string[] => list.map((e) => e.name)
/** The outcome counts, by kind, with the names. */
function outcome(removal: Removal) {
  return {
    deleted: names(removal.deleted),
    gone: names(removal.gone),
    spared: removal.spared.map(({ entry, why }) => `${entry.name}: ${why}`),
    unknown: names(removal.unknown),
    failed: removal.failed.map(({ entry, error }) => `${entry.name}: ${error}`),
  }
}
const NONE = { deleted: [], gone: [], spared: [], unknown: [], failed: [] }

describe('the ownership proof', () => {
  test('post step: a runner with our label that never connected is looked at by id, then deleted, and leaves the ledger', async () => {
    const h = harness()
    const runner = ours('r-1')
    h.record('r-1', runner.id)
    const removal = await h.remove('post')
    assert.deepEqual(outcome(removal), { ...NONE, deleted: ['r-1'] })
    assert.deepEqual(sent(), [`GET ${RUNNERS}/${runner.id}`, `DELETE ${RUNNERS}/${runner.id}`])
    assert.deepEqual(github.runners, [])
    assert.deepEqual(h.ledger.entries, [])
    assert.equal(h.saves.at(-1), `{"label":"${LABEL}","runners":[]}`)
    assert.equal(describeRemoval(removal), 'deleted 1 (r-1)')
    assert.deepEqual(h.log, [])
  })

  test('post step: a runner without our label is spared, never sent a DELETE, and stays in the ledger', async () => {
    const h = harness()
    const theirs = github.register(SCOPE, 'r-1', { labels: ['self-hosted', 'mrt-zzzzzzzzzz'] })
    h.record('r-1', theirs.id)
    const removal = await h.remove('post')
    assert.deepEqual(outcome(removal), { ...NONE, spared: ['r-1: not ours'] })
    assert.deepEqual(sent(), [`GET ${RUNNERS}/${theirs.id}`])
    assert.equal(github.runners.length, 1)
    assert.deepEqual(names(h.ledger.entries), ['r-1'])
    assert.equal(describeRemoval(removal), 'spared 1 (r-1: not ours)')
    assert.deepEqual(notConfirmedGone(removal), ['r-1'])
  })

  test('the label is compared in any case, as GitHub compares labels', async () => {
    const h = harness()
    const runner = github.register(SCOPE, 'r-1', { labels: [LABEL.toUpperCase()] })
    h.record('r-1', runner.id)
    assert.deepEqual(outcome(await h.remove('post')), { ...NONE, deleted: ['r-1'] })
  })

  test('post step: our runner that connected (online) or runs a job (busy) is spared, no DELETE, kept in the ledger', async () => {
    const h = harness()
    const online = ours('r-online', { status: 'online' })
    const busy = ours('r-busy', { status: 'online', busy: true })
    h.record('r-online', online.id)
    h.record('r-busy', busy.id)
    const removal = await h.remove('post')
    assert.deepEqual(outcome(removal), { ...NONE, spared: ['r-online: online', 'r-busy: busy'] })
    assert.equal(github.requests.filter((r) => r.method === 'DELETE').length, 0)
    assert.deepEqual(names(h.ledger.entries), ['r-online', 'r-busy'])
    assert.equal(describeRemoval(removal), 'spared 2 (r-online: online, r-busy: busy)')
  })

  test('found by name (no id): a runner of that name without our label is spared; one with it is deleted', async () => {
    const h = harness()
    github.register(SCOPE, 'theirs', { labels: ['self-hosted'] })
    const mine = ours('mine')
    h.record('theirs')
    h.record('mine')
    const removal = await h.remove('post')
    assert.deepEqual(outcome(removal), { ...NONE, deleted: ['mine'], spared: ['theirs: not ours'] })
    assert.deepEqual(
      sent().filter((line) => line.startsWith('DELETE')),
      [`DELETE ${RUNNERS}/${mine.id}`],
    )
    assert.deepEqual(names(github.runners), ['theirs'])
    assert.deepEqual(names(h.ledger.entries), ['theirs'])
  })

  test('rollback: an id GitHub gave to our own request is deleted straight away, without a look first', async () => {
    const h = harness()
    const runner = ours('r-1')
    h.record('r-1', runner.id)
    const removal = await h.remove('rollback')
    assert.deepEqual(outcome(removal), { ...NONE, deleted: ['r-1'] })
    assert.deepEqual(sent(), [`DELETE ${RUNNERS}/${runner.id}`])
    assert.deepEqual(h.ledger.entries, [])
  })

  test('rollback without an id: found by name first, and the ownership proof applies', async () => {
    const h = harness()
    github.register(SCOPE, 'r-1', { labels: ['self-hosted'] })
    h.record('r-1')
    const removal = await h.remove('rollback')
    assert.deepEqual(outcome(removal), { ...NONE, spared: ['r-1: not ours'] })
    assert.deepEqual(sent(), [`GET ${RUNNERS}?name=r-1&per_page=100&page=1`])
    assert.deepEqual(names(h.ledger.entries), ['r-1'])
  })

  test('only the entries given are removed; the rest of the ledger is untouched', async () => {
    const h = harness()
    const a = ours('a')
    const b = ours('b')
    h.record('a', a.id)
    h.record('b', b.id)
    const removal = await h.remove('rollback', ['b'])
    assert.deepEqual(outcome(removal), { ...NONE, deleted: ['b'] })
    assert.deepEqual(names(h.ledger.entries), ['a'])
    assert.deepEqual(names(github.runners), ['a'])
  })
})

describe('what a DELETE answers', () => {
  test('204: deleted; 404: already gone (an ephemeral runner that ran its job); both leave the ledger', async () => {
    const h = harness()
    const a = ours('a')
    const b = ours('b')
    h.record('a', a.id)
    h.record('b', b.id)
    github.faults.push({ status: 204, method: 'DELETE', body: '' }, { status: 404, method: 'DELETE' })
    const removal = await h.remove('rollback')
    assert.deepEqual(outcome(removal), { ...NONE, deleted: ['a'], gone: ['b'] })
    assert.deepEqual(h.ledger.entries, [])
    assert.equal(describeRemoval(removal), 'deleted 1 (a); already gone 1 (b)')
    assert.deepEqual(notConfirmedGone(removal), [])
  })

  test('a GET by id answered 404: already gone, no DELETE sent', async () => {
    const h = harness()
    h.record('gone', 4242)
    const removal = await h.remove('post')
    assert.deepEqual(outcome(removal), { ...NONE, gone: ['gone'] })
    assert.deepEqual(sent(), [`GET ${RUNNERS}/4242`])
    assert.deepEqual(h.ledger.entries, [])
    assert.equal(describeRemoval(removal), 'already gone 1 (gone)')
  })

  test('422 for a runner that took a job meanwhile: looked at again, spared as busy, kept in the ledger', async () => {
    const h = harness()
    const runner = ours('r-1', { status: 'online', busy: true })
    h.record('r-1', runner.id)
    const removal = await h.remove('rollback')
    assert.deepEqual(outcome(removal), { ...NONE, spared: ['r-1: busy'] })
    assert.deepEqual(sent(), [`DELETE ${RUNNERS}/${runner.id}`, `GET ${RUNNERS}/${runner.id}`])
    assert.deepEqual(names(h.ledger.entries), ['r-1'])
    assert.deepEqual(h.log, [])
  })

  test('422 for a runner that came online meanwhile: spared as online', async () => {
    const h = harness()
    const runner = ours('r-1', { status: 'online' })
    h.record('r-1', runner.id)
    github.faults.push({ status: 422, method: 'DELETE', body: { message: 'Runner is online', documentation_url: 'x' } })
    assert.deepEqual(outcome(await h.remove('rollback')), { ...NONE, spared: ['r-1: online'] })
  })

  test('422, and the look again finds it gone (404): already gone', async () => {
    const h = harness()
    h.record('r-1', 4242)
    github.faults.push({ status: 422, method: 'DELETE', body: { message: 'Unprocessable Entity', documentation_url: 'x' } })
    const removal = await h.remove('rollback')
    assert.deepEqual(outcome(removal), { ...NONE, gone: ['r-1'] })
    assert.deepEqual(sent(), [`DELETE ${RUNNERS}/4242`, `GET ${RUNNERS}/4242`])
    assert.deepEqual(h.ledger.entries, [])
  })

  test('422 for a runner still offline and idle: could not delete, not retried, said as GitHub said it; kept', async () => {
    const h = harness()
    const runner = ours('r-1')
    h.record('r-1', runner.id)
    github.faults.push({
      status: 422,
      method: 'DELETE',
      headers: { 'x-github-request-id': 'REQ:422' },
      body: { message: 'Runner cannot be deleted', documentation_url: 'x' },
    })
    const removal = await h.remove('rollback')
    const error = 'GitHub refused to delete it (422). GitHub said: "Runner cannot be deleted". (GitHub request id REQ:422)'
    assert.deepEqual(outcome(removal), { ...NONE, failed: [`r-1: ${error}`] })
    assert.deepEqual(sent(), [`DELETE ${RUNNERS}/${runner.id}`, `GET ${RUNNERS}/${runner.id}`])
    assert.deepEqual(h.log, [`Removing runner "r-1": Attempt 1/4 failed: HTTP 422 [request id REQ:422]; not retrying.`])
    assert.deepEqual(names(github.runners), ['r-1'])
    assert.deepEqual(names(h.ledger.entries), ['r-1'])
    assert.equal(describeRemoval(removal), `could not delete 1 (r-1: ${error})`)
  })

  test('422, and the look again fails or shows no runner: the refusal is what is reported', async () => {
    for (const fault of [
      { status: 502, method: 'GET' as const },
      { reset: true as const, method: 'GET' as const },
      { status: 200, method: 'GET' as const, body: { id: 'x' }, offContract: 'a runner without its fields' },
    ]) {
      github.faults.length = 0
      github.requests.length = 0
      const h = harness()
      h.record('r-1', ours('r-1').id)
      github.faults.push(
        {
          status: 422,
          method: 'DELETE',
          headers: { 'x-github-request-id': 'REQ:422' },
          body: { message: 'Unprocessable Entity', documentation_url: 'x' },
        },
        fault,
      )
      const removal = await h.remove('rollback')
      const what = JSON.stringify(fault)
      assert.deepEqual(
        outcome(removal),
        { ...NONE, failed: ['r-1: GitHub refused to delete it (422). GitHub said: "Unprocessable Entity". (GitHub request id REQ:422)'] },
        what,
      )
      // The line names the refused request, not the look after it (nor its network error).
      assert.deepEqual(h.log, ['Removing runner "r-1": Attempt 1/4 failed: HTTP 422 [request id REQ:422]; not retrying.'], what)
      assert.equal(github.requests.length, 2)
    }
  })

  test('5xx is retried with backoff, logged with its request id, then deleted', async () => {
    const h = harness()
    const runner = ours('r-1')
    h.record('r-1', runner.id)
    github.faults.push(
      { status: 502, method: 'DELETE', headers: { 'x-github-request-id': 'REQ:1' } },
      { status: 503, method: 'DELETE', headers: { 'x-github-request-id': 'REQ:2' } },
    )
    const removal = await h.remove('rollback')
    assert.deepEqual(outcome(removal), { ...NONE, deleted: ['r-1'] })
    assert.deepEqual(h.log, [
      'Removing runner "r-1": Attempt 1/4 failed: HTTP 502 [request id REQ:1]; retrying in 1s.',
      'Removing runner "r-1": Attempt 2/4 failed: HTTP 503 [request id REQ:2]; retrying in 2s.',
    ])
    assert.deepEqual(h.clock.sleeps, [1000, 2000])
    assert.equal(github.requests.filter((r) => r.method === 'DELETE').length, 3)
    assert.deepEqual(h.ledger.entries, [])
  })

  test('5xx until the attempts run out: could not delete, with the last answer; kept in the ledger', async () => {
    const h = harness({ config: { maxAttempts: 2 } })
    h.record('r-1', ours('r-1').id)
    github.faults.push(
      { status: 502, method: 'DELETE', headers: { 'x-github-request-id': 'REQ:1' } },
      { status: 502, method: 'DELETE', headers: { 'x-github-request-id': 'REQ:2' } },
    )
    const removal = await h.remove('rollback')
    const error = 'gave up after 2 attempt(s). GitHub answered 502. GitHub said: "Bad Gateway". (GitHub request id REQ:2)'
    assert.deepEqual(outcome(removal), { ...NONE, failed: [`r-1: ${error}`] })
    assert.deepEqual(h.log, [
      'Removing runner "r-1": Attempt 1/2 failed: HTTP 502 [request id REQ:1]; retrying in 1s.',
      'Removing runner "r-1": Attempt 2/2 failed: HTTP 502 [request id REQ:2]; not retrying.',
    ])
    assert.deepEqual(names(h.ledger.entries), ['r-1'])
    assert.equal(describeRemoval(removal), `could not delete 1 (r-1: ${error})`)
  })

  test('a network error is retried, and explained by its text when retrying does not help', async () => {
    const h = harness({ config: { maxAttempts: 2 } })
    h.record('a', ours('a').id)
    github.faults.push({ reset: true, method: 'DELETE' })
    assert.deepEqual(outcome(await h.remove('rollback')), { ...NONE, deleted: ['a'] })
    assert.deepEqual(h.log, ['Removing runner "a": Attempt 1/2 failed: ECONNRESET (connection reset); retrying in 1s.'])

    const again = harness({ config: { maxAttempts: 2 } })
    again.record('b', ours('b').id)
    github.faults.push({ reset: true, method: 'DELETE' }, { reset: true, method: 'DELETE' })
    const removal = await again.remove('rollback')
    assert.deepEqual(outcome(removal), {
      ...NONE,
      failed: ['b: gave up after 2 attempt(s). Could not reach GitHub: connection reset.'],
    })
    assert.deepEqual(names(again.ledger.entries), ['b'])
  })

  test('a GET by id that gets no answer (a reset) is retried, then the runner is judged and deleted', async () => {
    const h = harness()
    const runner = ours('r-1')
    h.record('r-1', runner.id)
    github.faults.push({ reset: true, method: 'GET' })
    const removal = await h.remove('post')
    assert.deepEqual(outcome(removal), { ...NONE, deleted: ['r-1'] })
    assert.deepEqual(h.log, ['Removing runner "r-1": Attempt 1/4 failed: ECONNRESET (connection reset); retrying in 1s.'])
    assert.deepEqual(sent(), [`GET ${RUNNERS}/${runner.id}`, `GET ${RUNNERS}/${runner.id}`, `DELETE ${RUNNERS}/${runner.id}`])
  })

  test('an unexpected error is not disguised as an outcome: it propagates', async () => {
    const h = harness()
    h.record('r-1', ours('r-1').id)
    github.faults.push({ status: 502, method: 'DELETE' })
    h.hooks.onLog = () => {
      throw new TypeError('the log broke')
    }
    await assert.rejects(h.remove('rollback'), { name: 'TypeError', message: 'the log broke' })
    assert.deepEqual(names(h.ledger.entries), ['r-1'])
  })

  test('an answer no retry can fix (403) is not retried: could not delete, explained', async () => {
    const h = harness()
    h.record('r-1', ours('r-1').id)
    github.faults.push({
      status: 403,
      method: 'DELETE',
      headers: { 'x-github-request-id': 'REQ:403' },
      body: { message: 'Must have admin rights' },
    })
    const removal = await h.remove('rollback')
    assert.equal(removal.failed.length, 1)
    assert.match(
      removal.failed[0].error,
      /^The token may not manage self-hosted runners for repository octo-org\/octo-repo \(403\); it needs .*\. GitHub said: "Must have admin rights"\. \(GitHub request id REQ:403\)$/,
    )
    assert.equal(github.requests.length, 1)
  })

  test('a GET by id answered 5xx or with a body that is no runner is retried before deciding', async () => {
    const h = harness()
    const runner = ours('r-1')
    h.record('r-1', runner.id)
    github.faults.push(
      { status: 500, method: 'GET', headers: { 'x-github-request-id': 'REQ:1' } },
      {
        status: 200,
        method: 'GET',
        body: { id: runner.id },
        headers: { 'x-github-request-id': 'REQ:2' },
        offContract: 'a runner without its fields',
      },
    )
    const removal = await h.remove('post')
    assert.deepEqual(outcome(removal), { ...NONE, deleted: ['r-1'] })
    assert.deepEqual(h.log, [
      'Removing runner "r-1": Attempt 1/4 failed: HTTP 500 [request id REQ:1]; retrying in 1s.',
      'Removing runner "r-1": Attempt 2/4 failed: HTTP 200 with an unexpected body [request id REQ:2]; retrying in 2s.',
    ])
  })
})

describe('the lookup by name', () => {
  test('asks for the name, encoded, 100 a page; a name matches in any case', async () => {
    const h = harness()
    const runner = ours('Gpu Runner+1')
    h.record('gpu runner+1')
    const removal = await h.remove('post')
    assert.deepEqual(outcome(removal), { ...NONE, deleted: ['gpu runner+1'] })
    assert.deepEqual(sent(), [`GET ${RUNNERS}?name=gpu%20runner%2B1&per_page=100&page=1`, `DELETE ${RUNNERS}/${runner.id}`])
  })

  test('a listing that lags: not found, looked for again with backoff for 10 s, then "not found" and kept in the ledger', async () => {
    const h = harness({ config: { maxAttempts: 100 } })
    github.listingLagMs = 3_600_000 // never listed within the test
    const runner = ours('r-1')
    h.record('r-1')
    const removal = await h.remove('post')
    assert.deepEqual(outcome(removal), { ...NONE, unknown: ['r-1'] })
    // 1 + 2 + 4 = 7 s of looking; the fourth look, at 7 s, is not yet 10 s after the first; the fifth (at 15 s) is.
    assert.deepEqual(h.clock.sleeps, [1000, 2000, 4000, 8000])
    assert.equal(github.requests.length, 5)
    assert.ok(github.requests.every((r) => r.method === 'GET' && r.path === `${RUNNERS}?name=r-1&per_page=100&page=1`))
    assert.deepEqual(h.log, [
      'Removing runner "r-1": not listed (a listing can lag behind a registration); looking again in 1s.',
      'Removing runner "r-1": not listed (a listing can lag behind a registration); looking again in 2s.',
      'Removing runner "r-1": not listed (a listing can lag behind a registration); looking again in 4s.',
      'Removing runner "r-1": not listed (a listing can lag behind a registration); looking again in 8s.',
    ])
    assert.deepEqual(names(h.ledger.entries), ['r-1'])
    assert.deepEqual(names(github.runners), [runner.name])
    assert.equal(describeRemoval(removal), 'not found 1 (r-1)')
    assert.deepEqual(notConfirmedGone(removal), ['r-1'])
  })

  test('patience is LISTING_PATIENCE_MS exactly: a look at 10 s after the first is the last', async () => {
    assert.equal(LISTING_PATIENCE_MS, 10_000)
    // Fixed 5 s waits (initial = max): looks at 0, 5, 10 s; the one at 10 s gives up.
    const h = harness({ config: { maxAttempts: 100, initialDelayMs: 5000, maxDelayMs: 5000 } })
    github.listingLagMs = 3_600_000
    ours('r-1')
    h.record('r-1')
    assert.deepEqual(outcome(await h.remove('post')), { ...NONE, unknown: ['r-1'] })
    assert.deepEqual(h.clock.sleeps, [5000, 5000])
    assert.equal(github.requests.length, 3)
  })

  test('a listing that catches up: found on a later look, then deleted', async () => {
    const h = harness()
    const runner = ours('r-1')
    h.record('r-1')
    github.faults.push({ status: 200, method: 'GET', body: { total_count: 0, runners: [] } })
    const removal = await h.remove('post')
    assert.deepEqual(outcome(removal), { ...NONE, deleted: ['r-1'] })
    assert.deepEqual(h.log, ['Removing runner "r-1": not listed (a listing can lag behind a registration); looking again in 1s.'])
    assert.deepEqual(sent(), [
      `GET ${RUNNERS}?name=r-1&per_page=100&page=1`,
      `GET ${RUNNERS}?name=r-1&per_page=100&page=1`,
      `DELETE ${RUNNERS}/${runner.id}`,
    ])
    assert.deepEqual(h.ledger.entries, [])
  })

  test('not listed when the attempts run out: "not looking again", not found, never a failure', async () => {
    const h = harness({ config: { maxAttempts: 2 } })
    h.record('r-1')
    const removal = await h.remove('post')
    assert.deepEqual(outcome(removal), { ...NONE, unknown: ['r-1'] })
    assert.deepEqual(h.log, [
      'Removing runner "r-1": not listed (a listing can lag behind a registration); looking again in 1s.',
      'Removing runner "r-1": not listed (a listing can lag behind a registration); not looking again.',
    ])
    assert.deepEqual(names(h.ledger.entries), ['r-1'])
  })

  test('a look that failed after one that did not list the name: the failure is reported, the patience kept', async () => {
    const h = harness({ config: { maxAttempts: 2 } })
    h.record('r-1')
    github.faults.push(
      { status: 200, method: 'GET', body: { total_count: 0, runners: [] } },
      { status: 502, method: 'GET', headers: { 'x-github-request-id': 'REQ:2' } },
    )
    const removal = await h.remove('post')
    assert.deepEqual(outcome(removal), {
      ...NONE,
      failed: ['r-1: gave up after 2 attempt(s). GitHub answered 502. GitHub said: "Bad Gateway". (GitHub request id REQ:2)'],
    })
    assert.deepEqual(h.log, [
      'Removing runner "r-1": not listed (a listing can lag behind a registration); looking again in 1s.',
      'Removing runner "r-1": Attempt 2/2 failed: HTTP 502 [request id REQ:2]; not retrying.',
    ])
  })

  test('a listing answered with an error or a body that is no page is retried', async () => {
    const h = harness()
    ours('r-1')
    h.record('r-1')
    github.faults.push(
      { status: 503, method: 'GET', headers: { 'x-github-request-id': 'REQ:1' } },
      { status: 200, method: 'GET', body: { runners: [] }, headers: { 'x-github-request-id': 'REQ:2' }, offContract: 'no total_count' },
    )
    const removal = await h.remove('post')
    assert.deepEqual(outcome(removal), { ...NONE, deleted: ['r-1'] })
    assert.deepEqual(h.log, [
      'Removing runner "r-1": Attempt 1/4 failed: HTTP 503 [request id REQ:1]; retrying in 1s.',
      'Removing runner "r-1": Attempt 2/4 failed: HTTP 200 with an unexpected body [request id REQ:2]; retrying in 2s.',
    ])
    assert.equal(github.runners.length, 0)
  })

  test('a listing that gets no answer (a reset) is retried, and the runner found then', async () => {
    const h = harness()
    const runner = ours('r-1')
    h.record('r-1')
    github.faults.push({ reset: true, method: 'GET' })
    const removal = await h.remove('post')
    assert.deepEqual(outcome(removal), { ...NONE, deleted: ['r-1'] })
    assert.deepEqual(h.log, ['Removing runner "r-1": Attempt 1/4 failed: ECONNRESET (connection reset); retrying in 1s.'])
    assert.deepEqual(sent(), [
      `GET ${RUNNERS}?name=r-1&per_page=100&page=1`,
      `GET ${RUNNERS}?name=r-1&per_page=100&page=1`,
      `DELETE ${RUNNERS}/${runner.id}`,
    ])
  })

  test('pages: a server that ignores the name filter is read page after page (Link rel="next") until the name turns up', async () => {
    const h = harness()
    github.ignoresNameFilter = true
    for (let i = 0; i < 230; i++) github.register(SCOPE, `other-${i}`)
    const runner = ours('r-1')
    for (let i = 230; i < 260; i++) github.register(SCOPE, `other-${i}`)
    h.record('r-1')
    const removal = await h.remove('post')
    assert.deepEqual(outcome(removal), { ...NONE, deleted: ['r-1'] })
    assert.deepEqual(sent(), [
      `GET ${RUNNERS}?name=r-1&per_page=100&page=1`,
      `GET ${RUNNERS}?name=r-1&per_page=100&page=2`,
      `GET ${RUNNERS}?name=r-1&per_page=100&page=3`,
      `DELETE ${RUNNERS}/${runner.id}`,
    ])
  })

  test('pages: the last page (no rel="next") ends the lookup: not listed', async () => {
    const h = harness({ config: { maxAttempts: 1 } })
    github.ignoresNameFilter = true
    for (let i = 0; i < 150; i++) github.register(SCOPE, `other-${i}`)
    h.record('r-1')
    const removal = await h.remove('post')
    assert.deepEqual(outcome(removal), { ...NONE, unknown: ['r-1'] })
    assert.deepEqual(sent(), [`GET ${RUNNERS}?name=r-1&per_page=100&page=1`, `GET ${RUNNERS}?name=r-1&per_page=100&page=2`])
  })

  test('pages without a Link header: total_count tells whether another page follows', async () => {
    const page = (from: number, count: number, total: number) => ({
      status: 200,
      method: 'GET' as const,
      body: {
        total_count: total,
        runners: Array.from({ length: count }, (_, i) => ({
          id: 5000 + from + i,
          name: `other-${from + i}`,
          os: 'linux',
          status: 'offline',
          busy: false,
          labels: [],
        })),
      },
    })
    // 201 runners: pages of 100, 100, 1; the name is on none of them.
    const h = harness({ config: { maxAttempts: 1 } })
    h.record('r-1')
    github.faults.push(page(0, 100, 201), page(100, 100, 201), page(200, 1, 201), { status: 500 })
    assert.deepEqual(outcome(await h.remove('post')), { ...NONE, unknown: ['r-1'] })
    assert.equal(github.requests.length, 3)
    assert.equal(github.faults.length, 1)

    // Exactly 200: two full pages, no third request.
    github.faults.length = 0
    github.requests.length = 0
    const two = harness({ config: { maxAttempts: 1 } })
    two.record('r-1')
    github.faults.push(page(0, 100, 200), page(100, 100, 200), { status: 500 })
    assert.deepEqual(outcome(await two.remove('post')), { ...NONE, unknown: ['r-1'] })
    assert.equal(github.requests.length, 2)

    // An empty page ends it, whatever total_count claims.
    github.faults.length = 0
    github.requests.length = 0
    const empty = harness({ config: { maxAttempts: 1 } })
    empty.record('r-1')
    github.faults.push(page(0, 0, 500), { status: 500 })
    assert.deepEqual(outcome(await empty.remove('post')), { ...NONE, unknown: ['r-1'] })
    assert.equal(github.requests.length, 1)
  })

  test('a Link header without rel="next" ends the lookup even when total_count claims more', async () => {
    const h = harness({ config: { maxAttempts: 1 } })
    h.record('r-1')
    const link = `<${apiUrl}${RUNNERS}?name=r-1&per_page=100&page=1>; rel="first"`
    github.faults.push({ status: 200, method: 'GET', headers: { link }, body: { total_count: 900, runners: [] } }, { status: 500 })
    assert.deepEqual(outcome(await h.remove('post')), { ...NONE, unknown: ['r-1'] })
    assert.equal(github.requests.length, 1)
  })

  test('pages that never end: at most 100 pages are read', async () => {
    const h = harness({ config: { maxAttempts: 1 } })
    h.record('r-1')
    for (let page = 1; page <= 101; page++) {
      github.faults.push({
        status: 200,
        method: 'GET',
        headers: { link: `<${apiUrl}${RUNNERS}?name=r-1&per_page=100&page=${page + 1}>; rel="next"` },
        body: { total_count: 1_000_000, runners: [] },
      })
    }
    assert.deepEqual(outcome(await h.remove('post')), { ...NONE, unknown: ['r-1'] })
    assert.equal(github.requests.length, 100)
    assert.equal(github.requests.at(-1)!.path, `${RUNNERS}?name=r-1&per_page=100&page=100`)
    assert.equal(github.faults.length, 1)
  })
})

describe('the cleanup deadline', () => {
  test('a wait that would pass the deadline is not taken: could not delete, saying so; kept', async () => {
    // 7.5 s to the deadline, the last useful start 1 s before it: waits of 1 s and 2 s fit, the next (4 s) would not.
    const h = harness({ deadlineMs: 7500 })
    h.record('r-1', ours('r-1').id)
    for (const id of ['REQ:1', 'REQ:2', 'REQ:3'])
      github.faults.push({ status: 502, method: 'DELETE', headers: { 'x-github-request-id': id } })
    const removal = await h.remove('rollback')
    const error =
      'the next wait (4s) would pass the cleanup deadline. GitHub answered 502. GitHub said: "Bad Gateway". (GitHub request id REQ:3)'
    assert.deepEqual(outcome(removal), { ...NONE, failed: [`r-1: ${error}`] })
    assert.deepEqual(h.clock.sleeps, [1000, 2000])
    assert.equal(h.log.at(-1), 'Removing runner "r-1": Attempt 3/4 failed: HTTP 502 [request id REQ:3]; not retrying.')
    assert.deepEqual(names(h.ledger.entries), ['r-1'])
  })

  test('a listing that lags past the deadline: "not looking again", and not found, never failed', async () => {
    const h = harness({ deadlineMs: 3500, config: { maxAttempts: 100 } })
    github.listingLagMs = 3_600_000
    ours('r-1')
    h.record('r-1')
    const removal = await h.remove('post')
    assert.deepEqual(outcome(removal), { ...NONE, unknown: ['r-1'] })
    assert.deepEqual(h.log, [
      'Removing runner "r-1": not listed (a listing can lag behind a registration); looking again in 1s.',
      'Removing runner "r-1": not listed (a listing can lag behind a registration); not looking again.',
    ])
  })

  test('halted before it starts: no request, "the cleanup deadline came before the next request", kept', async () => {
    const h = harness()
    h.record('r-1', ours('r-1').id)
    h.record('r-2')
    h.deadline.halt()
    const removal = await h.remove('rollback')
    const error = 'the cleanup deadline came before the next request'
    assert.deepEqual(outcome(removal), { ...NONE, failed: [`r-1: ${error}`, `r-2: ${error}`] })
    assert.deepEqual(github.requests, [])
    assert.deepEqual(names(h.ledger.entries), ['r-1', 'r-2'])
    assert.equal(describeRemoval(removal), `could not delete 2 (r-1: ${error}; r-2: ${error})`)
  })

  test('halted during a wait: stops at once, "stopped at the cleanup deadline", with the last answer', async () => {
    const h = harness()
    h.record('r-1', ours('r-1').id)
    github.faults.push({ status: 502, method: 'DELETE', headers: { 'x-github-request-id': 'REQ:1' } })
    // The halt comes as the first failure is logged, before its wait starts.
    h.hooks.onLog = () => h.deadline.halt()
    const removal = await h.remove('rollback')
    assert.deepEqual(outcome(removal), {
      ...NONE,
      failed: ['r-1: stopped at the cleanup deadline. GitHub answered 502. GitHub said: "Bad Gateway". (GitHub request id REQ:1)'],
    })
    assert.deepEqual(h.clock.sleeps, [])
    assert.equal(github.requests.length, 1)
    assert.deepEqual(names(h.ledger.entries), ['r-1'])
  })

  test('too little time left for a useful request: none is sent, and the error says so', async () => {
    const h = harness({ deadlineMs: 500 })
    h.record('r-1', ours('r-1').id)
    const removal = await h.remove('rollback')
    assert.deepEqual(outcome(removal), {
      ...NONE,
      failed: ['r-1: No request could start in time: no request slot came free before the deadline.'],
    })
    assert.deepEqual(github.requests, [])
    assert.equal(
      describeRemoval(removal),
      'could not delete 1 (r-1: No request could start in time: no request slot came free before the deadline)',
    )
  })

  test('the cleanup may take at most a minute', () => {
    assert.equal(CLEANUP_TIMEOUT_MS, 60_000)
  })
})

describe('the report of a removal', () => {
  test('every outcome at once, each counted apart and named; "deleted" only for the confirmed delete', async () => {
    const h = harness({ config: { maxAttempts: 1 } })
    const deleted = ours('deleted')
    const theirs = github.register(SCOPE, 'theirs', { labels: ['self-hosted'] })
    const failing = ours('failing')
    h.record('deleted', deleted.id)
    h.record('gone', 4242)
    h.record('theirs', theirs.id)
    h.record('lagging')
    h.record('failing', failing.id)
    // The runners are removed concurrently: each DELETE is answered by its id, 502 for "failing".
    const byId = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void => {
      const id = Number(req.url?.split('/').pop())
      if (id === failing.id) {
        res.writeHead(502, { 'content-type': 'application/json', 'x-github-request-id': 'REQ:F' })
        return void res.end('{"message":"Bad Gateway"}')
      }
      github.registry.set(
        SCOPE,
        github.runners.filter((r) => r.id !== id),
      )
      res.writeHead(204, { 'x-github-request-id': 'REQ:D' })
      res.end()
    }
    github.faults.push({ handle: byId, method: 'DELETE' }, { handle: byId, method: 'DELETE' })
    const removal = await h.remove('post')
    assert.deepEqual(outcome(removal), {
      deleted: ['deleted'],
      gone: ['gone'],
      spared: ['theirs: not ours'],
      unknown: ['lagging'],
      failed: ['failing: gave up after 1 attempt(s). GitHub answered 502. GitHub said: "Bad Gateway". (GitHub request id REQ:F)'],
    })
    assert.equal(
      describeRemoval(removal),
      'deleted 1 (deleted); already gone 1 (gone); spared 1 (theirs: not ours); not found 1 (lagging); ' +
        'could not delete 1 (failing: gave up after 1 attempt(s). GitHub answered 502. GitHub said: "Bad Gateway". (GitHub request id REQ:F))',
    )
    assert.deepEqual(notConfirmedGone(removal), ['theirs', 'lagging', 'failing'])
    assert.deepEqual(names(h.ledger.entries), ['theirs', 'lagging', 'failing'])
    assert.deepEqual(names(github.runners), ['theirs', 'failing'])
  })

  test('several deleted: "deleted all N" only when every runner was', async () => {
    const h = harness()
    for (const name of ['a', 'b', 'c']) h.record(name, ours(name).id)
    const removal = await h.remove('rollback')
    assert.deepEqual(outcome(removal), { ...NONE, deleted: ['a', 'b', 'c'] })
    assert.equal(describeRemoval(removal), 'deleted all 3 (a, b, c)')
    assert.deepEqual(h.ledger.entries, [])
  })
})
