// Scenario tests for pacing writes under GitHub's secondary rate limit (`write-budget`): the
// bundled action and command against a stand-in that enforces that limit, scaled down from 900
// points a minute per endpoint (5 a write) to seconds.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { GitHubStandIn, type RecordedRequest } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { FAST, SCOPE, TOKEN, errorLine, jitInputs } from '../support/jit-scenario.js'
import { runAction, runPost, startAction } from '../support/run-action.js'
import { runCli } from '../support/run-cli.js'

const github = new GitHubStandIn({ acceptToken: TOKEN })
let apiUrl: string
useStandIn(github, (url) => (apiUrl = url))

/** GitHub's limit scaled down: 100 points a second per endpoint, so 20 writes a second. */
const SECONDARY_LIMIT = { points: 100, windowMs: 1000 }

const isRegistration = (r: RecordedRequest): boolean => r.method === 'POST' && r.path.endsWith('/generate-jitconfig')
const isDelete = (r: RecordedRequest): boolean => r.method === 'DELETE'

/** The most requests that arrived within any window of `windowMs`, wherever it starts. */
function mostInAnyWindow(requests: RecordedRequest[], windowMs: number): number {
  const times = requests.map((r) => r.at).sort((a, b) => a - b)
  return Math.max(0, ...times.map((start) => times.filter((t) => t >= start && t < start + windowMs).length))
}

/** For each DELETE of a runner, the time since the latest GET of that runner by id before it. */
function lookToDeleteGaps(requests: RecordedRequest[]): number[] {
  return requests.filter(isDelete).map((deleted) => {
    const looks = requests.filter((r) => r.method === 'GET' && r.path === deleted.path && r.at <= deleted.at)
    return looks.length ? deleted.at - looks.at(-1)!.at : Infinity
  })
}

describe('write-budget: registrations paced under the secondary rate limit', () => {
  test('a batch of 60 at 20 writes a second gets no secondary-limit refusal, and no second holds more than 20', async (t) => {
    github.options.secondaryLimit = SECONDARY_LIMIT
    t.after(() => delete github.options.secondaryLimit)
    const run = await runAction(jitInputs(apiUrl, { count: '60', 'runner-name': 'paced', 'write-budget': '20/1s' }))
    assert.equal(run.exitCode, 0, run.stdout + run.stderr)
    assert.equal(github.registry.get(SCOPE)?.length, 60)
    assert.equal(github.secondaryRefusals, 0)
    const registrations = github.requests.filter(isRegistration)
    assert.equal(registrations.length, 60, 'one request per runner')
    assert.ok(mostInAnyWindow(registrations, 1000) <= 20, `${mostInAnyWindow(registrations, 1000)} in one second`)
    assert.match(
      run.stdout,
      /A batch of 60 runners takes at least 2s under the write budget of 20 writes per 1s; registering at that pace\./,
    )
    assert.match(run.stdout, /\b40 request\(s\) waited for room in the write budget of 20 writes per 1s, the longest (1|2)(\.\d)?s\./)
  })

  test('the same batch with write-budget off is refused by the secondary limit (what the pace prevents)', async (t) => {
    github.options.secondaryLimit = SECONDARY_LIMIT
    t.after(() => delete github.options.secondaryLimit)
    const run = await runAction(jitInputs(apiUrl, { count: '60', 'runner-name': 'unpaced', 'write-budget': 'off' }))
    assert.ok(github.secondaryRefusals > 0, 'no refusal: the stand-in did not enforce the limit')
    // The refusals are answered as today: waited out (retry-after), and the batch completes.
    assert.equal(run.exitCode, 0, run.stdout + run.stderr)
    assert.equal(github.registry.get(SCOPE)?.length, 60)
  })

  test('where GET /rate_limit answers 404 (GHES with rate limiting off) nothing is paced, nor refused up front', async () => {
    github.rateLimit = 'disabled'
    // Paced, 100 runners at 20 a second would take at least 4 s: longer than this timeout.
    const run = await runAction(jitInputs(apiUrl, { count: '100', 'runner-name': 'ghes', 'write-budget': '20/1s', timeout: '3s' }))
    assert.equal(run.exitCode, 0, run.stdout + run.stderr)
    assert.match(run.stdout, /GET \/rate_limit answered 404.*writes are not paced/)
    assert.ok(mostInAnyWindow(github.requests.filter(isRegistration), 1000) > 20, 'paced all the same')
  })
})

describe('write-budget: a batch its timeout cannot hold is refused before its first registration', () => {
  const refusal =
    /A batch of 60 runners takes at least 2s under the write budget of 20 writes per 1s; this step's "timeout" is 1s\b.*No runner was registered\. Raise "timeout", lower "count", or split the batch\./

  test('the action: fails naming both figures and the budget; no POST', async () => {
    const run = await runAction(jitInputs(apiUrl, { count: '60', 'write-budget': '20/1s', timeout: '1s' }))
    assert.equal(run.exitCode, 1)
    assert.match(errorLine(run), refusal)
    assert.deepEqual(
      github.requests.map((r) => `${r.method} ${r.path}`),
      ['GET /rate_limit'],
    )
    assert.equal(run.state.ledger === undefined || !run.state.ledger.includes('"name"'), true)
  })

  test('the command: the same refusal in its own words, exit 1, no POST', async () => {
    const run = await runCli(
      ['--repository', 'octo-org/octo-repo', '--api-url', apiUrl, '--type', 'jit', '--labels', 'x', '--count', '60'].concat([
        '--write-budget',
        '20/1s',
        '--timeout',
        '1s',
      ]),
      { GITHUB_TOKEN: TOKEN },
    )
    assert.equal(run.exitCode, 1, run.stderr)
    assert.match(
      run.stderr,
      /A batch of 60 runners takes at least 2s under the write budget of 20 writes per 1s; this run's --timeout is 1s\b/,
    )
    assert.match(run.stderr, /Raise --timeout, lower --count, or split the batch\./)
    assert.equal(github.requests.filter(isRegistration).length, 0)
  })

  test("GitHub's budget by default: a batch within one window (180) is neither refused nor slowed", async () => {
    const run = await runAction(jitInputs(apiUrl, { count: '100', timeout: '2s' }))
    assert.equal(run.exitCode, 0, run.stdout + run.stderr)
    assert.doesNotMatch(run.stdout, /takes at least/)
  })
})

describe('write-budget: prune paces its looks and deletes', () => {
  const LABEL = `mrt-${Math.floor((Date.now() - 600_000) / 1000).toString(36)}-abcdefghij`
  const pruneInputs = (budget: string): Record<string, string> => ({
    'github-token': TOKEN,
    repository: 'octo-org/octo-repo',
    'api-url': apiUrl,
    type: 'prune',
    'ownership-label': LABEL,
    'write-budget': budget,
    ...FAST,
  })
  // 60 points a second on /runners/{id}: a look (1) and a delete (5) per runner, 10 runners a second.
  const LIMIT = { points: 60, windowMs: 1000 }
  const twenty = (): void => {
    for (let i = 0; i < 20; i++) github.register(SCOPE, `old-${i}`, { labels: ['self-hosted', LABEL] })
  }

  test('20 deletes at 10 writes a second: every one confirmed, no refusal, no second with more than 10', async (t) => {
    github.options.secondaryLimit = LIMIT
    t.after(() => delete github.options.secondaryLimit)
    twenty()
    const run = await runAction(pruneInputs('10/1s'))
    assert.equal(run.exitCode, 0, run.stdout)
    assert.equal(run.outputs.pruned, '20')
    assert.equal(github.secondaryRefusals, 0)
    const deletes = github.requests.filter(isDelete)
    assert.ok(mostInAnyWindow(deletes, 1000) <= 10, `${mostInAnyWindow(deletes, 1000)} deletes in one second`)
  })

  test("each runner's delete follows its own look with no wait for the budget between; one that connects before its look is kept", async (t) => {
    // 10 runners a window of 2 s: the 20 deletes take two windows, and the second ten wait for it.
    github.options.secondaryLimit = { points: 60, windowMs: 2000 }
    t.after(() => delete github.options.secondaryLimit)
    twenty()
    // The last one listed connects half a window after the first delete: in the first window, when
    // the deletes of the second wait for the budget. Its look must come after, right before its delete.
    let connecting: NodeJS.Timeout | undefined
    github.options.onRequest = (request) => {
      if (request.method === 'DELETE') connecting ??= setTimeout(() => github.setRunner('old-19', { status: 'online' }), 1000)
    }
    t.after(() => delete github.options.onRequest)
    const run = await runAction(pruneInputs('10/2s'))
    assert.equal(run.exitCode, 0, run.stdout)
    assert.equal(github.secondaryRefusals, 0)
    assert.equal(run.outputs.pruned, '19')
    assert.match(run.stdout, /spared 1 \(old-19: online\)/)
    assert.deepEqual(
      github.runners.map((r) => r.name),
      ['old-19'],
    )
    const gaps = lookToDeleteGaps(github.requests)
    assert.equal(gaps.length, 19, 'a look before every delete')
    assert.ok(Math.max(...gaps) < 500, `a delete came ${Math.max(...gaps)} ms after its look (the window is 2000 ms)`)
  })

  test('deletes the timeout cannot hold at the pace: said before the first delete; those not reached are never sent, and named as not deleted', async (t) => {
    github.options.secondaryLimit = { points: 60, windowMs: 2000 }
    t.after(() => delete github.options.secondaryLimit)
    twenty()
    // 8 runners a window of 2 s (50 points, 6 each): the first eight fit the 1.5 s timeout, the others would start at 2 s or later.
    const run = await runAction({ ...pruneInputs('10/2s'), timeout: '1500ms' })
    assert.equal(run.exitCode, 1, run.stdout)
    assert.match(
      run.stdout,
      /Deleting 20 runner\(s\), a look and a delete each, takes at least 4s under the write budget of 10 writes per 2s; 1\.\d+s of the timeout is left: at most about 8 can be deleted in time, in the order listed\./,
    )
    assert.equal(run.outputs.pruned, '8')
    const left = github.runners.map((r) => r.name)
    assert.equal(left.length, 12)
    // Neither looked at nor deleted: not one request by id for them.
    const ids = new Set(github.runners.map((r) => `/${r.id}`))
    assert.equal(github.requests.filter((r) => [...ids].some((id) => r.path.endsWith(id))).length, 0)
    const error = errorLine(run)
    assert.match(error, /Could not delete 12 runner\(s\) with the ownership label .*Deleted 8; run the prune again to retry\./)
    for (const name of left)
      assert.match(error, new RegExp(`${name}: [^;]*write budget of 10 writes per 2s had no room before the deadline`))
  })

  test('cancelled while waiting for the pace: ends at once; the runners not reached are named as not deleted, never as deleted', async (t) => {
    github.options.secondaryLimit = { points: 60, windowMs: 2000 }
    t.after(() => delete github.options.secondaryLimit)
    twenty()
    let deletes = 0
    let cancel: () => void = () => {}
    const cancelled = new Promise<void>((resolve) => (cancel = resolve))
    github.options.onRequest = (request) => {
      // The first window's eight deletes have arrived: the rest wait for the budget's next window.
      if (request.method === 'DELETE' && ++deletes === 8) setTimeout(cancel, 300)
    }
    t.after(() => delete github.options.onRequest)
    const started = await startAction(pruneInputs('10/2s'))
    await cancelled
    const signalledAt = Date.now()
    started.kill('SIGINT')
    const run = await started.finished
    assert.ok(Date.now() - signalledAt < 1500, `${Date.now() - signalledAt} ms after SIGINT`)
    assert.equal(run.exitCode, 1, run.stdout)
    assert.equal(github.requests.filter(isDelete).length, 8, 'no look or delete after the signal')
    const left = github.runners.map((r) => r.name)
    assert.equal(left.length, 12)
    const error = errorLine(run)
    assert.match(error, /Could not delete 12 runner\(s\) with the ownership label mrt-.*Deleted 8; run the prune again to retry\./)
    for (const name of left) assert.ok(error.includes(`${name}: the step was cancelled before its next request`), name)
    assert.doesNotMatch(run.stdout, /Deletes: deleted all/)
  })

  test('the same prune with write-budget off is refused by the secondary limit', async (t) => {
    github.options.secondaryLimit = LIMIT
    t.after(() => delete github.options.secondaryLimit)
    twenty()
    await runAction(pruneInputs('off'))
    assert.ok(github.secondaryRefusals > 0)
  })
})

describe("write-budget: the post step's cleanup paces its looks and deletes", () => {
  for (const [budget, paced] of [
    ['10/1s', true],
    ['off', false],
  ] as const) {
    test(`20 runners to delete, write-budget ${budget}: ${paced ? 'no refusal, no second with more than 10 deletes' : 'refused by the secondary limit'}`, async (t) => {
      const inputs = jitInputs(apiUrl, { count: '20', 'runner-name': 'post', 'write-budget': budget })
      const main = await runAction(inputs)
      assert.equal(main.exitCode, 0, main.stdout)
      // A look (1) and a delete (5) per runner on /runners/{id}: 60 points a second is 10 runners a second.
      github.options.secondaryLimit = { points: 60, windowMs: 1000 }
      t.after(() => delete github.options.secondaryLimit)
      github.requests.length = 0
      const post = await runPost(inputs, main)
      assert.equal(post.exitCode, 0, post.stdout)
      if (!paced) return assert.ok(github.secondaryRefusals > 0)
      assert.equal(github.secondaryRefusals, 0)
      assert.equal(github.registry.get(SCOPE)?.length ?? 0, 0, post.stdout)
      const deletes = github.requests.filter(isDelete)
      assert.ok(mostInAnyWindow(deletes, 1000) <= 10, `${mostInAnyWindow(deletes, 1000)} deletes in one second`)
      // Each delete right after its own look, though the second ten wait a window for the budget.
      const gaps = lookToDeleteGaps(github.requests)
      assert.ok(Math.max(...gaps) < 250, `a delete came ${Math.max(...gaps)} ms after its look (the window is 1000 ms)`)
    })
  }
})
