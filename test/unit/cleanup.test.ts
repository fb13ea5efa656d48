// The cleanup of a JIT step (src/jit/cleanup.ts, lookup.ts, report.ts): what is deleted, what is
// spared and why, what stays in the ledger, and the words of the report. The real modules against
// the loopback stand-in, with a fake clock so every wait is on record and takes no time.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Config } from '../../src/inputs.js'
import { ConcurrencyLimiter } from '../../src/limiter.js'
import { CLEANUP_TIMEOUT_MS, LISTING_PATIENCE_MS, type Removal, cleanupTimeoutMs, removeRunners } from '../../src/jit/cleanup.js'
import { GITHUB_WRITE_BUDGET } from '../../src/pacer.js'
import { rollBack } from '../../src/jit/batch.js'
import { Deadline } from '../../src/step.js'
import { Ledger, type LedgerEntry } from '../../src/jit/ledger.js'
import { describeRemoval, notConfirmedGone } from '../../src/jit/report.js'
import { Session } from '../../src/jit/session.js'
import { GitHubStandIn, type StandInRunner } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { jitConfig } from '../support/jit-unit.js'
import { FakeClock } from '../support/fake-clock.js'

const TOKEN = 'ghp_CleanupUnitCallerToken0123456789'
const LABEL = 'mrt-abcdefghij'
const SCOPE = '/orgs/octo-org'
const UNPROCESSABLE = (message: string) => ({ message, documentation_url: 'https://docs.github.com/rest', status: '422' })

describe('removeRunners against the stand-in', () => {
  const github = new GitHubStandIn({ acceptToken: TOKEN })
  let apiUrl: string
  useStandIn(github, (url) => (apiUrl = url))

  const config = (overrides: Partial<Config> = {}): Config =>
    jitConfig(apiUrl, {}, { githubToken: TOKEN, scope: { kind: 'organization', name: 'octo-org' }, ...overrides })

  /** A ledger holding `entries` (as the batch left it), and a cleanup session over it. */
  function cleanup(entries: { name: string; id?: number }[], overrides: Partial<Config> = {}) {
    const clock = new FakeClock(Date.now())
    const ledger = new Ledger(LABEL)
    for (const { name, id } of entries) {
      ledger.sending(name)
      if (id !== undefined) ledger.registered(name, id)
    }
    const lines: string[] = []
    const limiter = new ConcurrencyLimiter({ initial: 4, max: 16, clock })
    const session = new Session(config(overrides), { clock, random: () => 0.5, log: (line) => void lines.push(line) }, limiter, ledger)
    const deadline = new Deadline(clock, clock.now() + CLEANUP_TIMEOUT_MS)
    const run = (mode: 'rollback' | 'post'): Promise<Removal> => removeRunners(ledger.entries, mode, session, deadline)
    return { clock, ledger, lines, deadline, run, session }
  }
  const ours = (name: string, state: { status?: 'online' | 'offline'; busy?: boolean } = {}) =>
    github.register(SCOPE, name, { labels: ['self-hosted', LABEL], ...state })
  const sent = () => github.requests.map((r) => `${r.method} ${r.path.replace(/^\/orgs\/octo-org\/actions\/runners/, '')}`)
  const names = (entries: LedgerEntry[]) => entries.map((e) => e.name)

  for (const [count, outcome] of [
    [150, 'failed'],
    [301, 'deleted'],
  ] as const) {
    test(`rollBack: its budget grows with the runners (${count}: ${count > 150 ? '3 minutes' : 'a minute'}); a delete refused with 502 for over a minute is ${outcome}`, async (t) => {
      const runners = Array.from({ length: count }, (_, i) => ours(`big-${i}`))
      const { session, ledger } = cleanup(
        runners.map((r) => ({ name: r.name, id: r.id })),
        { timeoutMs: 600_000, maxAttempts: 100, initialDelayMs: 1000, maxDelayMs: 30_000, jitter: 'none' },
      )
      // Only the first runner's delete fails, eight times: the fake clock moves by its backoff alone, 2 minutes.
      const flaky = `${SCOPE}/actions/runners/${runners[0].id}`
      let refused = 0
      github.options.onRequest = (request) => {
        if (request.method !== 'DELETE' || request.path !== flaky || refused >= 8) return
        refused++
        github.faults.unshift({ method: 'DELETE', status: 502, body: { message: 'Server Error' } })
      }
      t.after(() => (github.options.onRequest = undefined))
      const removal = await rollBack(ledger.entries, session, undefined)
      assert.equal(removal.deleted.length, outcome === 'deleted' ? count : count - 1, JSON.stringify(removal.failed))
      assert.deepEqual(
        removal.failed.map((f) => f.entry.name),
        outcome === 'deleted' ? [] : ['big-0'],
      )
    })
  }

  test('post: our runner that never connected is looked at by id, deleted, and leaves the ledger', async () => {
    const runner = ours('a')
    const { ledger, run } = cleanup([{ name: 'a', id: runner.id }])
    const removal = await run('post')
    assert.deepEqual(names(removal.deleted), ['a'])
    assert.deepEqual(sent(), [`GET /${runner.id}`, `DELETE /${runner.id}`])
    assert.deepEqual(ledger.entries, [])
    assert.deepEqual(github.runners, [])
    assert.equal(describeRemoval(removal), 'deleted 1 (a)')
  })

  test('post: a runner without our label, or one a host holds, is spared, not deleted, and stays in the ledger', async () => {
    const theirs = github.register(SCOPE, 'theirs', { labels: ['self-hosted', 'mrt-0123456789'] })
    const online = ours('online', { status: 'online' })
    const busy = ours('busy', { status: 'online', busy: true })
    const { ledger, run } = cleanup([
      { name: 'theirs', id: theirs.id },
      { name: 'online', id: online.id },
      { name: 'busy', id: busy.id },
    ])
    const removal = await run('post')
    assert.deepEqual(
      removal.spared.map(({ entry, why }) => `${entry.name}: ${why}`),
      ['theirs: not ours', 'online: online', 'busy: busy'],
    )
    assert.ok(!sent().some((line) => line.startsWith('DELETE')), sent().join(', '))
    assert.equal(github.runners.length, 3)
    assert.deepEqual(names(ledger.entries), ['theirs', 'online', 'busy'])
    assert.equal(describeRemoval(removal), 'spared 3 (theirs: not ours, online: online, busy: busy)')
    assert.deepEqual(notConfirmedGone(removal), ['theirs', 'online', 'busy'])
  })

  test('post: a runner GitHub no longer has (404 by id) is already gone, and leaves the ledger', async () => {
    const { ledger, run } = cleanup([{ name: 'ran-its-job', id: 4242 }])
    const removal = await run('post')
    assert.deepEqual(names(removal.gone), ['ran-its-job'])
    assert.deepEqual(sent(), ['GET /4242'])
    assert.deepEqual(ledger.entries, [])
    assert.equal(describeRemoval(removal), 'already gone 1 (ran-its-job)')
  })

  test('rollback: a runner whose id came from our own 201 is deleted at once, without a look', async () => {
    const a = ours('a')
    const b = ours('b')
    const { ledger, run } = cleanup([
      { name: 'a', id: a.id },
      { name: 'b', id: b.id },
    ])
    const removal = await run('rollback')
    assert.deepEqual(sent().sort(), [`DELETE /${a.id}`, `DELETE /${b.id}`])
    assert.deepEqual(names(removal.deleted).sort(), ['a', 'b'])
    assert.deepEqual(ledger.entries, [])
    assert.match(describeRemoval(removal), /^deleted all 2 \((a, b|b, a)\)$/)
  })

  test('post: a name without an id is found in the listing, on a later page, and deleted', async () => {
    github.ignoresNameFilter = true
    for (let i = 0; i < 150; i++) github.register(SCOPE, `other-${i}`)
    const runner = ours('Lost-Answer')
    const { ledger, run } = cleanup([{ name: 'lost-answer' }])
    const removal = await run('post')
    assert.deepEqual(names(removal.deleted), ['lost-answer'])
    assert.deepEqual(sent(), [
      'GET ?name=lost-answer&per_page=100&page=1',
      'GET ?name=lost-answer&per_page=100&page=2',
      `DELETE /${runner.id}`,
    ])
    assert.deepEqual(ledger.entries, [])
  })

  test('post: every page read, the name on none: looked at again with backoff until the attempts end, then "not found"', async () => {
    github.ignoresNameFilter = true
    for (let i = 0; i < 120; i++) github.register(SCOPE, `other-${i}`)
    const { clock, ledger, lines, run } = cleanup([{ name: 'never-listed' }])
    const removal = await run('post')
    assert.deepEqual(names(removal.unknown), ['never-listed'])
    assert.deepEqual(removal.deleted, [])
    // Each look reads both pages and stops there (the second has no "next").
    const look = ['GET ?name=never-listed&per_page=100&page=1', 'GET ?name=never-listed&per_page=100&page=2']
    assert.deepEqual(sent(), [...look, ...look, ...look, ...look])
    assert.deepEqual(clock.sleeps, [1000, 2000, 4000])
    assert.deepEqual(lines, [
      'Removing runner "never-listed": not listed (a listing can lag behind a registration); looking again in 1s.',
      'Removing runner "never-listed": not listed (a listing can lag behind a registration); looking again in 2s.',
      'Removing runner "never-listed": not listed (a listing can lag behind a registration); looking again in 4s.',
      'Removing runner "never-listed": not listed (a listing can lag behind a registration); not looking again.',
    ])
    assert.deepEqual(names(ledger.entries), ['never-listed'], 'not found is not gone')
    assert.equal(describeRemoval(removal), 'not found 1 (never-listed)')
    assert.deepEqual(notConfirmedGone(removal), ['never-listed'])
  })

  test('post: with attempts to spare, a name not listed is looked for during LISTING_PATIENCE_MS, no longer', async () => {
    const { clock, removal } = await (async () => {
      const c = cleanup([{ name: 'never-listed' }], { maxAttempts: 10 })
      return { clock: c.clock, removal: await c.run('post') }
    })()
    assert.deepEqual(names(removal.unknown), ['never-listed'])
    // Looks at 0, 1, 3 and 7 s miss it; the look at 15 s is past the 10 s of patience: no more waits.
    assert.equal(LISTING_PATIENCE_MS, 10_000)
    assert.deepEqual(clock.sleeps, [1000, 2000, 4000, 8000])
    assert.equal(github.requests.length, 5)
  })

  test('post: a listing that lags behind the registration is waited for, then the runner deleted', async () => {
    ours('late')
    github.listingLagMs = 60_000
    const { clock, run } = cleanup([{ name: 'late' }])
    // The stand-in's lag runs on real time: the first look misses the runner, the second finds it.
    let looks = 0
    github.options.onRequest = () => void (++looks === 2 && (github.listingLagMs = 0))
    const removal = await run('post').finally(() => (github.options.onRequest = undefined))
    assert.deepEqual(names(removal.deleted), ['late'])
    assert.deepEqual(clock.sleeps, [1000])
  })

  test('a DELETE refused with 422: a fresh look tells a busy runner (spared) from one that cannot be deleted (failed)', async () => {
    const busy = ours('busy', { status: 'online', busy: true })
    const stuck = ours('stuck')
    const { ledger, run } = cleanup([{ name: 'busy', id: busy.id }])
    github.faults.push({ method: 'DELETE', status: 422, body: UNPROCESSABLE('Bad request - Runner is still running a job') })
    const first = await run('rollback')
    assert.deepEqual(
      first.spared.map(({ entry, why }) => `${entry.name}: ${why}`),
      ['busy: busy'],
    )
    assert.deepEqual(names(ledger.entries), ['busy'])

    github.requests.length = 0
    const second = cleanup([{ name: 'stuck', id: stuck.id }])
    github.faults.push({ method: 'DELETE', status: 422, body: UNPROCESSABLE('Validation Failed') })
    const removal = await second.run('rollback')
    assert.deepEqual(sent(), [`DELETE /${stuck.id}`, `GET /${stuck.id}`])
    assert.equal(removal.failed.length, 1)
    assert.match(
      removal.failed[0].error,
      /^GitHub refused to delete it \(422\)\. GitHub said: "Validation Failed"\. \(GitHub request id STAND-IN:\w+\)$/,
    )
    assert.deepEqual(removal.deleted, [])
    assert.deepEqual(names(second.ledger.entries), ['stuck'])
    assert.match(
      describeRemoval(removal),
      /^could not delete 1 \(stuck: GitHub refused to delete it \(422\)\. GitHub said: "Validation Failed"\. \(GitHub request id STAND-IN:\w+\)\)$/,
    )
  })

  test('a DELETE refused with 422 for a runner gone by the time we look: already gone', async () => {
    const { ledger, run } = cleanup([{ name: 'vanished', id: 5150 }])
    github.faults.push({ method: 'DELETE', status: 422, body: UNPROCESSABLE('Validation Failed') })
    const removal = await run('rollback')
    assert.deepEqual(sent(), ['DELETE /5150', 'GET /5150'])
    assert.deepEqual(names(removal.gone), ['vanished'])
    assert.deepEqual(ledger.entries, [])
  })

  test('a 502 is retried with backoff and said so; the delete then counts', async () => {
    const runner = ours('a')
    const { clock, lines, run } = cleanup([{ name: 'a', id: runner.id }])
    github.faults.push({ method: 'DELETE', status: 502, offContract: "a gateway's page" })
    const removal = await run('rollback')
    assert.deepEqual(names(removal.deleted), ['a'])
    assert.deepEqual(clock.sleeps, [1000])
    assert.equal(lines.length, 1)
    assert.match(lines[0], /^Removing runner "a": Attempt 1\/4 failed: HTTP 502 \[request id STAND-IN:\w+\]; retrying in 1s\.$/)
  })

  test('an error on every attempt: could not delete, after the attempts, with the reason and the request id', async () => {
    const runner = ours('a')
    const { ledger, run } = cleanup([{ name: 'a', id: runner.id }])
    for (let i = 0; i < 4; i++) github.faults.push({ method: 'DELETE', status: 500, body: { message: 'Server Error' } })
    const removal = await run('rollback')
    assert.equal(github.requests.length, 4)
    assert.equal(removal.failed.length, 1)
    assert.match(
      removal.failed[0].error,
      /^gave up after 4 attempt\(s\)\. GitHub answered 500\. GitHub said: "Server Error"\. \(GitHub request id STAND-IN:\w+\)$/,
    )
    assert.deepEqual(names(ledger.entries), ['a'])
    assert.deepEqual(notConfirmedGone(removal), ['a'])
  })

  test('a wait GitHub asks for that would pass the cleanup deadline: stopped at once, said so', async () => {
    const runner = ours('a')
    const { clock, run } = cleanup([{ name: 'a', id: runner.id }])
    github.faults.push({ method: 'DELETE', status: 429, headers: { 'retry-after': '120' }, body: { message: 'slow down' } })
    const removal = await run('rollback')
    assert.equal(github.requests.length, 1)
    assert.deepEqual(clock.sleeps, [])
    assert.equal(removal.failed.length, 1)
    assert.match(removal.failed[0].error, /^the next wait \(2m\) would pass the cleanup deadline\. /)
  })

  test('a cleanup halted before it starts sends nothing and says the deadline came first', async () => {
    const runner = ours('a')
    const { deadline, ledger, run } = cleanup([{ name: 'a', id: runner.id }])
    deadline.halt()
    const removal = await run('rollback')
    assert.deepEqual(github.requests, [])
    assert.deepEqual(
      removal.failed.map(({ entry, error }) => `${entry.name}: ${error}`),
      ['a: the cleanup deadline came before the next request'],
    )
    assert.deepEqual(names(ledger.entries), ['a'])
  })
  test('rollback: a name without an id (its answer was lost) is looked up by name first, then deleted by id', async () => {
    const runner = ours('lost')
    const { ledger, run } = cleanup([{ name: 'lost' }])
    const removal = await run('rollback')
    assert.deepEqual(sent(), ['GET ?name=lost&per_page=100&page=1', `DELETE /${runner.id}`])
    assert.deepEqual(names(removal.deleted), ['lost'])
    assert.deepEqual(ledger.entries, [])
  })

  test('rollback: a DELETE answered 404 (the runner is gone already) leaves the ledger as gone, not deleted', async () => {
    const { ledger, run } = cleanup([{ name: 'done', id: 777 }])
    const removal = await run('rollback')
    assert.deepEqual(sent(), ['DELETE /777'])
    assert.deepEqual(names(removal.gone), ['done'])
    assert.deepEqual(removal.deleted, [])
    assert.deepEqual(ledger.entries, [])
  })

  test('a reset connection or a 500 on the look, a reset on the delete: each retried, then the delete counts', async () => {
    const runner = ours('a')
    const { clock, lines, run } = cleanup([{ name: 'a', id: runner.id }])
    github.faults.push(
      { method: 'GET', reset: true },
      { method: 'GET', status: 500, body: { message: 'Server Error' } },
      { method: 'DELETE', reset: true },
    )
    const removal = await run('post')
    assert.deepEqual(names(removal.deleted), ['a'])
    const id = runner.id
    assert.deepEqual(sent(), [`GET /${id}`, `GET /${id}`, `GET /${id}`, `DELETE /${id}`, `GET /${id}`, `DELETE /${id}`])
    assert.deepEqual(clock.sleeps, [1000, 2000, 4000])
    assert.equal(lines.length, 3)
    assert.match(lines[1], /^Removing runner "a": Attempt 2\/4 failed: HTTP 500 \[request id STAND-IN:\w+\]; retrying in 2s\.$/)
  })

  test('a look by id whose body is not a runner is retried like any unreadable answer', async () => {
    const runner = ours('a')
    const { run } = cleanup([{ name: 'a', id: runner.id }])
    github.faults.push({ method: 'GET', status: 200, body: { id: runner.id }, offContract: 'a runner object cut short' })
    const removal = await run('post')
    assert.deepEqual(names(removal.deleted), ['a'])
    assert.deepEqual(sent(), [`GET /${runner.id}`, `GET /${runner.id}`, `DELETE /${runner.id}`])
  })

  test('a lookup by name that fails (403) is not "not found": the runner could not be removed, and says why', async () => {
    const { ledger, run } = cleanup([{ name: 'hidden' }])
    github.faults.push({
      method: 'GET',
      status: 403,
      body: { message: 'Must have admin rights to Repository.', documentation_url: 'https://docs.github.com/rest' },
    })
    const removal = await run('post')
    assert.deepEqual(sent(), ['GET ?name=hidden&per_page=100&page=1'])
    assert.deepEqual(removal.unknown, [])
    assert.equal(removal.failed.length, 1)
    assert.match(removal.failed[0].error, /^The token may not manage self-hosted runners for organization octo-org \(403\)/)
    assert.deepEqual(names(ledger.entries), ['hidden'])
  })

  test('a lookup without a Link header pages by total_count: a second page only when the first did not hold them all', async () => {
    const page = (runners: object[], total: number) => ({
      handle: (_req: unknown, res: import('node:http').ServerResponse) => {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ total_count: total, runners }))
      },
      offContract: 'a listing without Link headers',
    })
    const other = (id: number) => ({ id, name: `other-${id}`, os: 'linux', status: 'offline', busy: false, labels: [] })
    const { run } = cleanup([{ name: 'x' }], { maxAttempts: 1 })
    github.faults.push(page([other(1), other(2)], 150), page([other(3)], 150))
    const removal = await run('post')
    assert.deepEqual(sent(), ['GET ?name=x&per_page=100&page=1', 'GET ?name=x&per_page=100&page=2'])
    assert.deepEqual(names(removal.unknown), ['x'])

    github.requests.length = 0
    const single = cleanup([{ name: 'y' }], { maxAttempts: 1 })
    github.faults.push(page([other(1), other(2)], 2))
    await single.run('post')
    assert.deepEqual(sent(), ['GET ?name=y&per_page=100&page=1'])

    github.requests.length = 0
    const empty = cleanup([{ name: 'z' }], { maxAttempts: 1 })
    github.faults.push(page([], 150))
    await empty.run('post')
    assert.deepEqual(sent(), ['GET ?name=z&per_page=100&page=1'], 'an empty page ends the listing, whatever total_count says')
  })

  test('a cleanup halted while it waits to retry: stopped at the cleanup deadline, with what the last answer was', async () => {
    const runner = ours('a')
    const { deadline, run } = cleanup([{ name: 'a', id: runner.id }])
    github.faults.push({ method: 'DELETE', status: 502, offContract: "a gateway's page" })
    github.options.onRequest = () => deadline.halt()
    const removal = await run('rollback').finally(() => (github.options.onRequest = undefined))
    assert.equal(removal.failed.length, 1)
    assert.match(removal.failed[0].error, /^stopped at the cleanup deadline\. /)
  })

  test('a DELETE that took effect but whose answer the cleanup deadline cut off: "may have taken effect", never "could not reach GitHub"', async () => {
    const runner = ours('a')
    // A 1 s timeout: 100 ms are enough to start a request.
    const { clock, ledger, session } = cleanup([{ name: 'a', id: runner.id }], { timeoutMs: 1000 })
    // The cleanup phase has 300 ms left: the DELETE's own time is cut to its deadline.
    const near = new Deadline(clock, clock.now() + 300)
    github.faults.push({ method: 'DELETE', lateAnswer: 30_000 })
    const removal = await removeRunners(ledger.entries, 'rollback', session, near)
    assert.deepEqual(github.runners, [], 'the delete took effect on arrival')
    assert.equal(removal.failed.length, 1)
    assert.equal(
      removal.failed[0].error,
      'stopped at the cleanup deadline. No answer from GitHub: cut off at the cleanup deadline while waiting for the answer; the request may have taken effect.',
    )
    assert.deepEqual(names(ledger.entries), ['a'], 'not confirmed gone: kept for the post step')
  })
})

describe('describeRemoval: every outcome counted and named apart', () => {
  const entry = (name: string): LedgerEntry => ({ name, maybe: false, handedOver: false })
  const empty = (): Removal => ({ deleted: [], gone: [], spared: [], unknown: [], failed: [] })

  test('a mix, in a fixed order; "all" only when every one of several was deleted', () => {
    const removal: Removal = {
      deleted: [entry('a'), entry('b')],
      gone: [entry('c')],
      spared: [{ entry: entry('d'), why: 'online' }],
      unknown: [entry('e')],
      failed: [
        { entry: entry('f'), error: 'gave up after 4 attempt(s). HTTP 500.' },
        { entry: entry('g'), error: 'stopped' },
      ],
    }
    assert.equal(
      describeRemoval(removal),
      'deleted 2 (a, b); already gone 1 (c); spared 1 (d: online); not found 1 (e); could not delete 2 (f: gave up after 4 attempt(s). HTTP 500; g: stopped)',
    )
    assert.deepEqual(notConfirmedGone(removal), ['d', 'e', 'f', 'g'])
    assert.equal(describeRemoval({ ...empty(), deleted: [entry('a'), entry('b')] }), 'deleted all 2 (a, b)')
    assert.equal(describeRemoval({ ...empty(), deleted: [entry('a')] }), 'deleted 1 (a)')
    assert.equal(describeRemoval({ ...empty(), deleted: [entry('a')], gone: [entry('b')] }), 'deleted 1 (a); already gone 1 (b)')
    assert.equal(describeRemoval(empty()), '')
    assert.deepEqual(notConfirmedGone({ ...empty(), deleted: [entry('a')], gone: [entry('b')] }), [])
    // "all" counts every outcome: two deleted among more is never "all".
    for (const rest of [
      { gone: [entry('c')] },
      { spared: [{ entry: entry('c'), why: 'busy' as const }] },
      { unknown: [entry('c')] },
      { failed: [{ entry: entry('c'), error: 'x' }] },
      { spared: [{ entry: entry('c'), why: 'busy' as const }], unknown: [entry('d')] },
      { gone: [entry('c')], unknown: [entry('d')], failed: [{ entry: entry('e'), error: 'x' }] },
    ]) {
      assert.match(
        describeRemoval({ ...empty(), deleted: [entry('a'), entry('b')], ...rest }),
        /^deleted 2 \(a, b\); /,
        JSON.stringify(rest),
      )
    }
  })
})

describe('removeRunners: each answer, exactly as said', () => {
  const github = new GitHubStandIn()
  let apiUrl: string
  useStandIn(github, (url) => (apiUrl = url))

  const SCOPE = '/repos/octo-org/octo-repo'
  const RUNNERS = `${SCOPE}/actions/runners`

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
    const full = jitConfig(apiUrl, {}, { githubToken: 'ghp_UnitCleanupToken0123456789', ...config })
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

  test('the label is compared in any case, as GitHub compares labels', async () => {
    const h = harness()
    const runner = github.register(SCOPE, 'r-1', { labels: [LABEL.toUpperCase()] })
    h.record('r-1', runner.id)
    assert.deepEqual(outcome(await h.remove('post')), { ...NONE, deleted: ['r-1'] })
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
  test('422 for a runner that picked up a job meanwhile (GitHub refuses only a busy runner): spared as busy', async () => {
    const h = harness()
    const runner = ours('r-1', { status: 'online', busy: true })
    h.record('r-1', runner.id)
    // No scripted answer: the stand-in refuses a busy runner with 422, as GitHub does.
    assert.deepEqual(outcome(await h.remove('rollback')), { ...NONE, spared: ['r-1: busy'] })
    assert.deepEqual(sent(), [`DELETE ${RUNNERS}/${runner.id}`, `GET ${RUNNERS}/${runner.id}`])
  })

  test('GitHub deletes an online idle runner (204): no conditional delete protects it, so the post step looks right before each delete', async () => {
    const h = harness()
    const idle = ours('idle', { status: 'online' })
    const fresh = ours('fresh')
    h.record('idle', idle.id)
    h.record('fresh', fresh.id)
    // The rollback deletes by id without a look (never handed over, no host has the config): GitHub says 204.
    assert.deepEqual(outcome(await h.remove('rollback', ['idle'])), { ...NONE, deleted: ['idle'] })
    github.requests.length = 0
    // The post step looks first; what it saw offline it deletes with the very next request for that id.
    h.record('idle2', ours('idle2', { status: 'online' }).id)
    assert.deepEqual(outcome(await h.remove('post', ['idle2', 'fresh'])), { ...NONE, deleted: ['fresh'], spared: ['idle2: online'] })
    const forFresh = sent().filter((line) => line.endsWith(`/${fresh.id}`))
    assert.deepEqual(forFresh, [`GET ${RUNNERS}/${fresh.id}`, `DELETE ${RUNNERS}/${fresh.id}`])
    assert.ok(!sent().some((line) => line.startsWith('DELETE') && !line.endsWith(`/${fresh.id}`)), sent().join('\n'))
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

  test('asks for the name, encoded, 100 a page; a name matches in any case', async () => {
    const h = harness()
    const runner = ours('Gpu Runner+1')
    h.record('gpu runner+1')
    const removal = await h.remove('post')
    assert.deepEqual(outcome(removal), { ...NONE, deleted: ['gpu runner+1'] })
    assert.deepEqual(sent(), [`GET ${RUNNERS}?name=gpu%20runner%2B1&per_page=100&page=1`, `DELETE ${RUNNERS}/${runner.id}`])
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
      {
        status: 200,
        method: 'GET',
        body: { total_count: 1, runners: 'r-1' },
        headers: { 'x-github-request-id': 'REQ:2' },
        offContract: 'runners not a list',
      },
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

  test('pages without a Link header: a next page only while page × 100 < total_count (201: three; 200: two)', async () => {
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
    // 201 runners: a third page; exactly 200: two full pages, no third request.
    const three = harness({ config: { maxAttempts: 1 } })
    three.record('r-1')
    github.faults.push(page(0, 100, 201), page(100, 100, 201), page(200, 1, 201), { status: 500 })
    assert.deepEqual(outcome(await three.remove('post')), { ...NONE, unknown: ['r-1'] })
    assert.equal(github.requests.length, 3)
    assert.equal(github.faults.length, 1)
    github.faults.length = 0
    github.requests.length = 0
    const two = harness({ config: { maxAttempts: 1 } })
    two.record('r-1')
    github.faults.push(page(0, 100, 200), page(100, 100, 200), { status: 500 })
    assert.deepEqual(outcome(await two.remove('post')), { ...NONE, unknown: ['r-1'] })
    assert.equal(github.requests.length, 2)
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
})

describe('cleanupTimeoutMs: the budget of a rollback or a post step grows with the runners to remove', () => {
  const github = GITHUB_WRITE_BUDGET
  test('a few runners: the minute it always had', () => {
    for (const runners of [0, 1, 16, 150]) assert.equal(cleanupTimeoutMs(runners, github), CLEANUP_TIMEOUT_MS, `${runners} runners`)
    assert.equal(cleanupTimeoutMs(1, false), CLEANUP_TIMEOUT_MS)
  })
  test("paced at GitHub's 900 points a minute, a delete (look and DELETE) 6: 150 deletes a window, then one more window each", () => {
    assert.equal(cleanupTimeoutMs(151, github), 2 * 60_000)
    assert.equal(cleanupTimeoutMs(300, github), 2 * 60_000)
    assert.equal(cleanupTimeoutMs(301, github), 3 * 60_000)
    // 1,000 deletes: 6,000 points, 7 windows: 6 minutes from the first to the last, and the minute.
    assert.equal(cleanupTimeoutMs(1000, github), 7 * 60_000)
  })
  test('a budget of its own (write-budget) paces by that, and never below 200 ms a runner', () => {
    assert.equal(cleanupTimeoutMs(1000, { writes: 90, windowMs: 60_000 }), 14 * 60_000)
    assert.equal(cleanupTimeoutMs(1000, { writes: 600, windowMs: 60_000 }), 200_000)
  })
  test('unpaced (write-budget: off): 200 ms a runner, 1,000 deletes at 16 in flight in 200 s', () => {
    assert.equal(cleanupTimeoutMs(300, false), CLEANUP_TIMEOUT_MS)
    assert.equal(cleanupTimeoutMs(301, false), 60_200)
    assert.equal(cleanupTimeoutMs(1000, false), 200_000)
  })
})
