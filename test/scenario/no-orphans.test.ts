// Scenario tests for the promise "no orphan, no stolen runner, no false report": the bundled
// action (main and post step) and the command, run as processes, cancelled and killed mid-batch
// the way a runner and a host's supervisor do it, against a stand-in GitHub that registers on
// arrival and answers late, lags in its listings, pages them, and fails deletes.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { GitHubStandIn, type RecordedRequest } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { SCOPE, TOKEN, errorLine, jitInputs, ledgerState } from '../support/jit-scenario.js'
import { runAction, runPost, startAction, startPost } from '../support/run-action.js'
import { assertNoLeakOnStderr, startCli } from '../support/run-cli.js'

/** Long enough that no answer arrives before the step is signalled. */
const LATE_MS = 30_000

const github = new GitHubStandIn({ acceptToken: TOKEN })
let apiUrl: string
useStandIn(github, (url) => (apiUrl = url))

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return jitInputs(apiUrl, extra)
}

const isRegistration = (r: RecordedRequest): boolean => r.method === 'POST' && r.path.endsWith('/generate-jitconfig')

/** Every runner GitHub would answer late: registered on arrival, the answer 30 s later. */
function answerLate(count: number): void {
  for (let i = 0; i < count; i++) github.faults.push({ method: 'POST', lateAnswer: LATE_MS })
}

describe('cancellation mid-batch leaves no runner', () => {
  test('SIGINT with 4 of 8 requests in flight: the step rolls back at once, and the post step finds nothing left', async () => {
    answerLate(8)
    const step = await startAction(inputs({ count: '8', 'runner-name': 'cancel' }))
    await github.whenRequests(4, isRegistration)
    assert.equal(github.runners.length, 4, 'the stand-in registered the four on arrival')
    const signalledAt = Date.now()
    step.kill('SIGINT')
    const main = await step.finished
    assert.deepEqual(github.runners, [])
    assert.equal(main.signal, null, 'the step handled SIGINT itself')
    assert.equal(main.exitCode, 1)
    assert.equal(main.stderr, '')
    // The runner sends SIGTERM 7.5 s after SIGINT.
    assert.ok(main.endedAt - signalledAt < 7500, `ended ${main.endedAt - signalledAt}ms after SIGINT`)
    assert.equal(github.requests.filter(isRegistration).length, 4, 'no request started after the signal')
    assert.match(errorLine(main), /Stopped by SIGINT while registering 8 just-in-time runner\(s\)\. Rollback: deleted all 4 \(cancel-/)
    assert.deepEqual(ledgerState(main).runners, [])
    assert.match(main.outputs['ownership-label'], /^mrt-[a-z0-9]{10}$/)

    const post = await runPost(inputs({ count: '8', 'runner-name': 'cancel' }), main)
    assert.equal(post.exitCode, 0, post.stdout)
    assert.deepEqual(github.runners, [])
  })

  test('SIGKILL mid-batch: the ledger was on disk before each request, and the post step of the cancelled job removes all four', async () => {
    answerLate(8)
    const step = await startAction(inputs({ count: '8', 'runner-name': 'killed' }))
    await github.whenRequests(4, isRegistration)
    step.kill('SIGKILL')
    const main = await step.finished
    assert.equal(main.signal, 'SIGKILL')
    const registered = github.runners.map((r) => ({ name: r.name, labels: r.labels.map((l) => l.name) }))
    assert.equal(registered.length, 4)
    github.requests.length = 0

    // Never handed over, so orphans for certain: removed even with cleanup-on-failure false.
    const post = await runPost(inputs({ count: '8', 'runner-name': 'killed', 'cleanup-on-failure': 'false' }), main)
    assert.deepEqual(github.runners, [])
    assert.equal(post.exitCode, 0, post.stdout)
    assert.match(post.stdout, /Cleanup of the runners this step registered: deleted all 4 \(killed-/)
    const saved = ledgerState(main)
    assert.deepEqual(saved.runners.map((r) => r.name).sort(), registered.map((r) => r.name).sort())
    for (const runner of registered) assert.ok(runner.labels.includes(saved.label))
    for (const request of github.requests.filter((r) => r.method === 'GET')) {
      assert.match(request.path, /\/actions\/runners\?name=killed-[a-z0-9]{6}&per_page=100&page=1$/)
    }
  })

  test('the command with SIGTERM mid-batch: deletes what it registered, exits 143, and says so on stderr', async () => {
    answerLate(8)
    const args = ['--repository', 'octo-org/octo-repo', '--api-url', apiUrl, '--type', 'jit', '--labels', 'gpu', '--count', '8']
    const command = startCli([...args, '--initial-delay', '10ms', '--max-delay', '50ms'], { GITHUB_TOKEN: TOKEN })
    await github.whenRequests(4, isRegistration)
    const labels = github.runners.flatMap((r) => r.labels.map((l) => l.name))
    const signalledAt = Date.now()
    command.kill('SIGTERM')
    const run = await command.finished
    assert.ok(run.endedAt! - signalledAt < 7500, `exited ${run.endedAt! - signalledAt}ms after SIGTERM`)
    assert.deepEqual(github.runners, [])
    assert.equal(run.signal, null)
    assert.equal(run.exitCode, 143, run.stderr)
    assert.equal(run.stdout, '')
    const label = /ownership label (mrt-[a-z0-9]{10})/.exec(run.stderr)?.[1]
    assert.ok(label && labels.includes(label), run.stderr)
    assert.match(
      run.stderr,
      /mint-runner-token: Stopped by SIGTERM while registering 8 just-in-time runner\(s\)\.\nRollback: deleted all 4 \(jit-/,
    )
    assert.doesNotMatch(run.stderr, /post step/)
    assertNoLeakOnStderr(run, [TOKEN, ...github.minted])
  })
})

describe('cancellation during the rollback of a failed batch', () => {
  test('SIGINT brings the rollback deadline forward: the step ends within the grace, the post step finishes', async () => {
    github.faults.push(
      { method: 'POST', pass: true },
      { method: 'POST', status: 422, body: { message: 'Invalid label', documentation_url: 'https://docs.github.com/rest' } },
      // The delete is done on arrival, but its answer would come only after attempt-timeout (15s).
      { method: 'DELETE', lateAnswer: LATE_MS },
    )
    const step = await startAction(inputs({ count: '2', 'runner-name': 'grace' }))
    await github.whenRequests(1, (r) => r.method === 'DELETE')
    const signalledAt = Date.now()
    step.kill('SIGINT')
    const main = await step.finished
    const took = main.endedAt - signalledAt
    assert.ok(took < 7500, `ended ${took}ms after SIGINT`)
    assert.match(errorLine(main), /Rollback: could not delete 1 \(grace-[a-z0-9]{6}: stopped at the cleanup deadline/)
    assert.equal(ledgerState(main).runners.length, 1)

    const post = await runPost(inputs({ count: '2', 'runner-name': 'grace' }), main)
    assert.equal(post.exitCode, 0)
    assert.match(post.stdout, /already gone 1 \(grace-/)
    assert.deepEqual(github.runners, [])
  })
})

describe('no stolen runner', () => {
  test("another job's offline runner with our fixed name is never deleted after a lost answer", async () => {
    // Another job registered "ci-runner-1" and its host is still booting: offline, not busy, same labels.
    const theirs = github.register(SCOPE, 'ci-runner-1', { labels: ['self-hosted', 'linux'] })
    github.faults.push({ method: 'POST', status: 502 }) // a gateway's 502: our outcome is unknown
    const main = await runAction(inputs({ 'runner-name': 'ci-runner-1' }))
    assert.equal(main.exitCode, 1)
    assert.deepEqual(github.runners, [theirs])
    assert.ok(!github.requests.some((r) => r.method === 'DELETE'))
    assert.match(
      errorLine(main),
      /taken \(409\) by runner \d+, which this step may not delete \(it is not this step's: it lacks the label mrt-/,
    )
    assert.match(errorLine(main), /Rollback: spared 1 \(ci-runner-1: not ours\)/)

    const post = await runPost(inputs({ 'runner-name': 'ci-runner-1' }), main)
    assert.equal(post.exitCode, 0)
    assert.deepEqual(github.runners, [theirs])
    assert.ok(!github.requests.some((r) => r.method === 'DELETE'))
  })
})

describe('no false report', () => {
  test('a listing that lags behind a registration is "not found", never "deleted", and the name stays for the post step', async () => {
    github.listingLagMs = 60_000
    github.faults.push({ method: 'POST', dropAnswer: 'reset' }) // registered, answer lost
    const main = await runAction(inputs({ 'runner-name': 'lagging', 'max-attempts': '3' }))
    assert.equal(main.exitCode, 1)
    assert.equal(github.runners.length, 1, 'the runner is registered, only not listed')
    assert.match(errorLine(main), /Rollback: not found 1 \(lagging\)\. The post step looks again for lagging/)
    assert.doesNotMatch(errorLine(main), /deleted/)
    assert.deepEqual(
      ledgerState(main).runners.map((r) => r.name),
      ['lagging'],
    )

    github.listingLagMs = 0
    const post = await runPost(inputs({ 'runner-name': 'lagging' }), main)
    assert.equal(post.exitCode, 0, post.stdout)
    assert.deepEqual(github.runners, [])
    assert.match(post.stdout, /deleted 1 \(lagging\)/)
  })

  test('a rollback whose deletes GitHub refuses (422) reports no deletion, and keeps every runner for the post step', async () => {
    github.faults.push(
      ...Array.from({ length: 4 }, () => ({ method: 'POST' as const, pass: true as const })),
      { method: 'POST', status: 422, body: { message: 'Invalid label', documentation_url: 'https://docs.github.com/rest' } },
      ...Array.from({ length: 4 }, () => ({
        method: 'DELETE' as const,
        status: 422,
        body: { message: 'Validation Failed', documentation_url: 'https://docs.github.com/rest' },
      })),
    )
    const main = await runAction(inputs({ count: '5', 'runner-name': 'refused' }))
    assert.equal(main.exitCode, 1)
    assert.equal(github.runners.length, 4)
    assert.match(errorLine(main), /Rollback: could not delete 4 \(refused-[a-z0-9]{6}: GitHub refused to delete it \(422\)/)
    // Any "deleted" (say "deleted all 4") would be false here.
    assert.doesNotMatch(errorLine(main), /\bdeleted\b/)
    assert.equal(ledgerState(main).runners.length, 4)

    const post = await runPost(inputs({ count: '5', 'runner-name': 'refused' }), main)
    assert.equal(post.exitCode, 0)
    assert.deepEqual(github.runners, [])
  })
})

describe('deadlines in the rollback', () => {
  test('a rate limit during the rollback whose wait passes the cleanup deadline ends the step at once; the post step cleans up', async () => {
    github.faults.push(
      ...Array.from({ length: 3 }, () => ({ method: 'POST' as const, pass: true as const })),
      { method: 'POST', status: 422, body: { message: 'Invalid label', documentation_url: 'https://docs.github.com/rest' } },
      // The first delete is told to wait two minutes; the others meet a 502 and would retry into that wait.
      { method: 'DELETE', status: 429, headers: { 'retry-after': '120' }, body: { message: 'API rate limit exceeded' } },
      { method: 'DELETE', status: 502, body: { message: 'Server Error' } },
      { method: 'DELETE', status: 502, body: { message: 'Server Error' } },
    )
    const failedAt = { at: 0 }
    const main = await runAction(inputs({ count: '4', 'runner-name': 'limited', 'initial-delay': '200ms', 'max-delay': '200ms' }))
    failedAt.at = github.requests.find((r) => r.status === 422)!.at
    assert.equal(main.exitCode, 1)
    assert.ok(main.endedAt - failedAt.at < 5000, `the step ended ${main.endedAt - failedAt.at}ms after the 422`)
    assert.equal(github.runners.length, 3)
    assert.match(errorLine(main), /Rollback: could not delete 3 \(/)
    assert.match(errorLine(main), /\(2m\) would pass the cleanup deadline/)
    assert.match(errorLine(main), /GitHub asked to wait 2m|1m5\ds, past the deadline/)
    assert.equal(ledgerState(main).runners.length, 3)

    const post = await runPost(inputs({ count: '4', 'runner-name': 'limited' }), main)
    assert.equal(post.exitCode, 0, post.stdout)
    assert.deepEqual(github.runners, [])
  })

  test('the rollback starts at once after a fatal error, while another runner sleeps on retry-after: 20', async () => {
    github.faults.push(
      { method: 'POST', status: 503, headers: { 'retry-after': '20' }, body: { message: 'Service Unavailable' } },
      { method: 'POST', status: 422, body: { message: 'Invalid label', documentation_url: 'https://docs.github.com/rest' } },
    )
    const main = await runAction(inputs({ count: '2', 'runner-name': 'sleeper' }))
    assert.equal(main.exitCode, 1)
    const failedAt = github.requests.find((r) => r.status === 422)!.at
    assert.ok(main.endedAt - failedAt < 5000, `the step ended ${main.endedAt - failedAt}ms after the 422`)
    assert.match(errorLine(main), /1 of 2 runners could not be registered\./)
    // The 503 may have come after GitHub did the work: looked up by name, not found, kept for the post step.
    assert.match(errorLine(main), /Rollback: not found 1 \(sleeper-[a-z0-9]{6}\)/)
    assert.deepEqual(github.runners, [])
  })
})

describe('finding a runner by name', () => {
  test('pages through a listing of more runners than one page (per_page=100, Link header) until the name turns up', async () => {
    // A server that ignores ?name= lists all 151 runners: ours is the last, on page 2.
    github.ignoresNameFilter = true
    for (let i = 0; i < 150; i++) github.register(SCOPE, `other-${i}`, { labels: ['self-hosted'] })
    github.faults.push(
      { method: 'POST', dropAnswer: 'reset' },
      { method: 'POST', status: 422, body: { message: 'Invalid label', documentation_url: 'https://docs.github.com/rest' } },
    )
    const main = await runAction(
      inputs({ count: '2', 'runner-name': 'paged', 'max-attempts': '2', 'initial-delay': '1s', 'max-delay': '1s' }),
    )
    assert.equal(main.exitCode, 1)
    assert.equal(github.runners.length, 150, 'ours deleted, the 150 others left alone')
    assert.ok(github.runners.every((r) => r.name.startsWith('other-')))
    const pages = github.requests
      .filter((r) => r.method === 'GET' && r.path.includes('/actions/runners?'))
      .map((r) => new URL(r.path, 'http://x').searchParams.get('page'))
    assert.deepEqual(pages, ['1', '2'])
    assert.match(errorLine(main), /Rollback: deleted 1 \(paged-[a-z0-9]{6}\)/)
  })
})

describe('the post step under a signal', () => {
  test('SIGTERM during its cleanup: it stops within a second and still warns, naming what may remain and the ownership label', async () => {
    const inputs = jitInputs(apiUrl, { count: '2', 'runner-name': 'post-term' })
    const main = await runAction(inputs)
    assert.equal(main.exitCode, 0, main.stdout)
    const label = main.outputs['ownership-label']
    // The job failed later; the post step's deletes hang.
    github.faults.push({ method: 'DELETE', hang: true }, { method: 'DELETE', hang: true })
    const post = await startPost(inputs, main)
    await github.whenRequests(2, (r) => r.method === 'DELETE')
    const signalledAt = Date.now()
    post.kill('SIGTERM')
    const run = await post.finished
    const took = run.endedAt - signalledAt
    assert.equal(run.signal, null, 'the post step handled SIGTERM itself')
    assert.equal(run.exitCode, 0, 'the post step never fails the job')
    const warning = run.lines.find((l) => l.startsWith('::warning::')) ?? ''
    assert.match(
      warning,
      /^::warning::Cleanup of the runners this step registered \(stopped by SIGTERM\): could not delete 2 \(post-term-[a-z0-9]{6}: stopped at the cleanup deadline/,
    )
    const names = github.runners.map((r) => r.name)
    assert.equal(names.length, 2)
    assert.match(warning, new RegExp(`Runners that may remain carry the label ${label}; remove them by hand: post-term-`))
    for (const name of names) assert.ok(warning.includes(name), warning)
    assert.doesNotMatch(warning, /\bdeleted\b/)
    assert.match(run.summary, /Cleanup of just-in-time runners/)
    assert.match(run.summary, new RegExp(`stopped by SIGTERM.*${label}`))
    assert.ok(took < 1500, `ended ${took}ms after SIGTERM`)
  })
})

describe('the post step cleans where the runners live', () => {
  test('inputs that name another repository and API URL in the post step: it removes the runners where the ledger says, and says so', async () => {
    const inputs = jitInputs(apiUrl, { count: '2', 'runner-name': 'moved' })
    const main = await runAction(inputs)
    assert.equal(main.exitCode, 0, main.stdout)
    assert.equal(github.runners.length, 2)
    github.requests.length = 0
    // The runner evaluates `with:` again for the post step: say env.REPO changed through GITHUB_ENV.
    const otherApi = apiUrl.replace('127.0.0.1', 'localhost')
    const post = await runPost({ ...inputs, repository: 'octo-org/other-repo', 'api-url': otherApi }, main)
    assert.equal(post.exitCode, 0, post.stdout)
    assert.deepEqual(github.runners, [])
    assert.ok(
      post.lines.includes(
        `The inputs now name repository octo-org/other-repo via ${otherApi}; the runners were registered for repository octo-org/octo-repo via ${apiUrl}, and are removed there.`,
      ),
      post.stdout,
    )
    assert.match(post.stdout, /Cleanup of the runners this step registered: deleted all 2 \(moved-/)
    for (const request of github.requests) {
      assert.ok(request.path.startsWith('/repos/octo-org/octo-repo/'), request.path)
      assert.equal(request.headers.host, new URL(apiUrl).host)
    }
  })
})
