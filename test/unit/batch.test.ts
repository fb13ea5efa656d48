// A JIT batch end to end through src/jit/batch.ts, register.ts and session.ts: each name in the
// ledger before its request, the configs masked as they arrive, a lost answer recovered, another
// job's runner never touched, all or nothing. The real modules against the loopback stand-in,
// with a fake clock and an injected random source.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Config } from '../../src/inputs.js'
import { BatchFailed, mintRunners } from '../../src/jit/batch.js'
import { Ledger } from '../../src/jit/ledger.js'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { jitConfig } from '../support/jit-unit.js'
import { FakeClock } from '../support/fake-clock.js'

const TOKEN = 'ghp_BatchUnitCallerToken0123456789ab'
const LABEL = 'mrt-abcdefghij'
const SCOPE = '/orgs/octo-org'
const UNPROCESSABLE = (message: string) => ({ message, documentation_url: 'https://docs.github.com/rest', status: '422' })

describe('mintRunners against the stand-in', () => {
  const github = new GitHubStandIn({ acceptToken: TOKEN })
  let apiUrl: string
  useStandIn(github, (url) => (apiUrl = url))

  const config = (jit: Partial<NonNullable<Config['jit']>> = {}, overrides: Partial<Config> = {}): Config =>
    jitConfig(apiUrl, { labels: ['gpu'], ...jit }, { githubToken: TOKEN, scope: { kind: 'organization', name: 'octo-org' }, ...overrides })
  /** What a batch is given, and what it left behind: saved ledgers, masked secrets, log lines. */
  function world() {
    const saves: string[] = []
    const masked: string[] = []
    const lines: string[] = []
    const clock = new FakeClock(Date.now())
    const ledger = new Ledger(LABEL, (saved) => void saves.push(saved))
    // A fixed sequence, not a constant: names with count > 1 draw suffixes until they differ.
    let draws = 0
    const random = (): number => (draws++ * 0.618_034) % 1
    const deps = { clock, random, ledger, log: (line: string) => void lines.push(line), mask: (s: string) => void masked.push(s) }
    return { saves, masked, lines, clock, ledger, deps }
  }
  const posts = () => github.requests.filter((r) => r.method === 'POST')
  const sent = () => github.requests.map((r) => `${r.method} ${r.path.replace(/^\/orgs\/octo-org\/actions\/runners/, '')}`)

  test('each name is in the saved ledger before its request reaches GitHub; each config masked before it is returned', async () => {
    const w = world()
    const savedAtArrival: string[] = []
    github.options.onRequest = (request) => void (request.method === 'POST' && savedAtArrival.push(w.saves.at(-1) ?? ''))
    const { runners, attempts } = await mintRunners(config({ count: 3, runnerName: 'gpu-box' }), {}, w.deps).finally(
      () => (github.options.onRequest = undefined),
    )
    assert.equal(attempts, 3)
    assert.equal(runners.length, 3)
    posts().forEach((request, i) => {
      const { name, labels } = JSON.parse(request.body) as { name: string; labels: string[] }
      assert.match(name, /^gpu-box-[a-z0-9]{6}$/)
      assert.deepEqual(labels, ['gpu', LABEL])
      assert.ok(savedAtArrival[i].includes(`"name":"${name}"`), `${name} was not saved before its request: ${savedAtArrival[i]}`)
    })
    assert.equal(new Set(runners.map((r) => r.name)).size, 3)
    assert.deepEqual(new Set(w.masked), new Set(runners.map((r) => r.encodedJitConfig)))
    // Every runner and its id are in the ledger until the caller hands them over.
    assert.deepEqual(
      w.ledger.entries.map((e) => [e.name, e.id]),
      runners.map((r) => [r.name, r.id]),
    )
  })

  test('a 502 is retried after the backoff, counted, and logged with the runner it was for', async () => {
    const w = world()
    github.faults.push({ status: 502, offContract: "a gateway's page" })
    const { runners, attempts } = await mintRunners(config({ runnerName: 'one' }), {}, w.deps)
    assert.equal(runners[0].name, 'one')
    assert.equal(attempts, 2)
    assert.deepEqual(w.clock.sleeps, [1000])
    assert.match(w.lines.join('\n'), /^Runner "one": Attempt 1\/4 failed: HTTP 502 \[request id STAND-IN:\w+\]; retrying in 1s\.$/m)
  })

  test('an answer lost after GitHub registered the runner: the 409 that follows is ours, so it is deleted and registered again', async () => {
    const w = world()
    github.faults.push({ dropAnswer: 502 })
    const { runners } = await mintRunners(config({ runnerName: 'fixed' }), {}, w.deps)
    assert.equal(runners[0].name, 'fixed')
    const lost = github.requests[0]
    assert.equal(lost.method, 'POST')
    assert.deepEqual(sent().slice(1, 3), ['POST /generate-jitconfig', 'GET ?name=fixed&per_page=100&page=1'])
    assert.match(sent()[3], /^DELETE \/\d+$/)
    assert.deepEqual(sent().slice(4), ['POST /generate-jitconfig'])
    assert.deepEqual(
      github.runners.map((r) => [r.name, r.id]),
      [['fixed', runners[0].id]],
    )
    assert.ok(
      w.lines.some((line) =>
        /^Runner "fixed" \(id \d+\) was registered by an attempt whose answer was lost; deleting it and registering it again\.$/.test(line),
      ),
    )
  })

  test('our own leftover whose delete GitHub refuses (422): the failure says so, not that the inputs are wrong', async () => {
    const w = world()
    github.faults.push({ method: 'POST', dropAnswer: 502 }, { method: 'DELETE', status: 422, body: UNPROCESSABLE('Runner is busy') })
    const error = await mintRunners(config({ runnerName: 'fixed' }), {}, w.deps).catch((e: unknown) => e)
    assert.ok(error instanceof BatchFailed)
    assert.match(
      error.message,
      /The runner name "fixed" is taken \(409\) by runner \d+, this step's own from an attempt whose answer was lost, and GitHub answered 422 to deleting it\. GitHub said: "Runner is busy"\./,
    )
    assert.doesNotMatch(error.message, /check "labels"/)
  })

  test("a fixed name another job's runner holds: a 409 with nothing of ours at stake fails at once, and their runner stays", async () => {
    const w = world()
    const theirs = github.register(SCOPE, 'shared-name', { labels: ['self-hosted', 'mrt-0123456789'] })
    const error = await mintRunners(config({ runnerName: 'shared-name' }), {}, w.deps).catch((e: unknown) => e)
    assert.ok(error instanceof BatchFailed)
    assert.deepEqual(sent(), ['POST /generate-jitconfig'])
    assert.match(
      error.message,
      /The runner name "shared-name" is already taken \(409\) by a runner this step did not register; it was left alone\./,
    )
    assert.deepEqual(github.runners, [theirs])
    assert.equal(error.rollback, undefined, 'GitHub refused our only request: nothing to roll back')
    assert.deepEqual(w.ledger.entries, [])
  })

  test('an answer we did not see, then a 409 for a runner without our label: never deleted, and said why', async () => {
    const w = world()
    const theirs = github.register(SCOPE, 'shared-name', { labels: ['self-hosted', 'mrt-0123456789'] })
    // The first answer is a 502 from a gateway: our request may or may not have reached GitHub.
    github.faults.push({ status: 502, offContract: "a gateway's page" })
    const error = await mintRunners(config({ runnerName: 'shared-name' }), {}, w.deps).catch((e: unknown) => e)
    assert.ok(error instanceof BatchFailed)
    assert.ok(!sent().some((line) => line.startsWith('DELETE')), sent().join(', '))
    assert.deepEqual(github.runners, [theirs])
    assert.match(
      error.message,
      new RegExp(
        `taken \\(409\\) by runner ${theirs.id}, which this step may not delete \\(it is not this step's: it lacks the label ${LABEL}\\); it was left alone\\.`,
      ),
    )
  })

  test('all or nothing: one runner refused (422), the others are rolled back and the failure says how many', async () => {
    const w = world()
    // The third registration is refused while the first two are in flight (GET /rate_limit passes these by).
    github.faults.push(
      { method: 'POST', pass: true },
      { method: 'POST', pass: true },
      { method: 'POST', status: 422, body: UNPROCESSABLE('Validation Failed') },
    )
    const error = await mintRunners(config({ count: 3, runnerName: 'b' }), {}, w.deps).catch((e: unknown) => e)
    assert.ok(error instanceof BatchFailed)
    assert.match(
      error.message,
      /^1 of 3 runners could not be registered\. Runner "b-[a-z0-9]{6}": GitHub could not process the runner \(422\): check "labels", "runner-group-id" \(1\) and "work-folder", and that self-hosted runners are allowed here\. GitHub said: "Validation Failed"\./,
    )
    // A failure halts the batch but lets the answers in flight arrive: both ids are known, both deleted by id.
    assert.equal(error.rollback?.deleted.length, 2)
    assert.deepEqual(
      error.rollback?.deleted.map((e) => e.maybe),
      [false, false],
    )
    assert.equal(github.requests.filter((r) => r.method === 'GET' && r.path.includes('?name=')).length, 0)
    assert.deepEqual(github.runners, [])
    assert.deepEqual(w.ledger.entries, [])
    assert.equal(error.ownershipLabel, LABEL)
    assert.ok(
      w.lines.includes(`Rolling back: removing the 2 runner(s) that may have been registered (label ${LABEL}).`),
      w.lines.join('\n'),
    )
  })

  test('a 201 without the documented body: the runner may exist, so the rollback looks for it by name, and reports what it found', async () => {
    const w = world()
    github.faults.push({ status: 201, body: { runner: { id: 1 } }, offContract: 'a 201 with a body cut short' })
    const error = await mintRunners(config({ runnerName: 'odd' }, { maxAttempts: 1 }), {}, w.deps).catch((e: unknown) => e)
    assert.ok(error instanceof BatchFailed)
    assert.match(error.message, /GitHub answered 201 but not with the documented \{runner, encoded_jit_config\} body\./)
    assert.deepEqual(sent(), ['POST /generate-jitconfig', 'GET ?name=odd&per_page=100&page=1'])
    // The stand-in registered nothing for that answer: not listed, so "not found", and it stays in the ledger.
    assert.deepEqual(
      error.rollback?.unknown.map((e) => e.name),
      ['odd'],
    )
    assert.deepEqual(error.rollback?.deleted, [])
    assert.deepEqual(
      w.ledger.entries.map((e) => [e.name, e.maybe]),
      [['odd', true]],
    )
  })

  test('a step already cancelled sends nothing and says which signal stopped it', async () => {
    const w = world()
    const controller = new AbortController()
    controller.abort('SIGTERM')
    const error = await mintRunners(config({ count: 2 }), {}, { ...w.deps, signal: controller.signal }).catch((e: unknown) => e)
    assert.ok(error instanceof BatchFailed)
    assert.equal(error.message, 'Stopped by SIGTERM while registering 2 just-in-time runner(s).')
    assert.equal(error.stoppedBy, 'SIGTERM')
    assert.deepEqual(github.requests, [])
    assert.equal(error.rollback, undefined)
  })
})
