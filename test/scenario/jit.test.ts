// Scenario tests for `type: jit`: the bundled action, main and post step, run as a runner runs
// them against a loopback GitHub that keeps a registry of runners.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { type Fault, GitHubStandIn } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { SCOPE, TOKEN, errorLine, jitInputs, ledgerState } from '../support/jit-scenario.js'
import { type ActionRun, assertNoLeak, runAction, runPost } from '../support/run-action.js'
import { runCli } from '../support/run-cli.js'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'

const JITCONFIG = `${SCOPE}/actions/runners/generate-jitconfig`
/** The post step's one line when the main step saved no ledger. */
const NOTHING_TO_CLEAN = 'Nothing to clean up: the main step saved no list of just-in-time runners, so it registered none.'

const github = new GitHubStandIn({ acceptToken: TOKEN })
let apiUrl: string
useStandIn(github, (url) => (apiUrl = url))

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return jitInputs(apiUrl, extra)
}

/** What the stand-in was asked, one "METHOD path" per request. */
function calls(): string[] {
  return github.requests.map((r) => `${r.method} ${r.path}`)
}

function runnersOutput(run: ActionRun): { id: number; name: string; encoded_jit_config: string }[] {
  return JSON.parse(run.outputs.runners)
}

describe('registering just-in-time runners', () => {
  test('a batch rides out a brownout as one mint would: its retries are counted in rounds', async () => {
    // Seven rounds of 100, 200, 400, 400... ms last at least 1.9 s, past a 1 s brownout. Counted
    // one per retry, twenty runners failing together would spend all seven at once; capped at
    // max-attempts each, one of twenty runners drawing short full-jitter waits would sink the batch.
    github.brownout(1000)
    const run = await runAction(inputs({ count: '20', 'runner-name': 'brown', 'initial-delay': '100ms', 'max-delay': '400ms' }))
    assert.equal(run.exitCode, 0, run.stdout + run.stderr)
    assert.equal(runnersOutput(run).length, 20)
    // Twenty runners waiting on one batch: no Node warning (MaxListenersExceededWarning) on stderr.
    assert.equal(run.stderr, '')
    assert.equal(github.registry.get(SCOPE)?.length, 20)
    assert.ok(
      github.requests.some((r) => r.status === 502),
      'the brownout was not met',
    )
  })

  test('one runner: the exact request, masked outputs, the runner registered once', async () => {
    const run = await runAction(inputs({ labels: 'self-hosted, linux\nx64\n', 'runner-name': 'ci-runner-1', 'runner-group-id': '7' }))
    assert.equal(run.exitCode, 0, run.stdout + run.stderr)
    assert.deepEqual(calls(), [`POST ${JITCONFIG}`])
    const [request] = github.requests
    const label = run.outputs['ownership-label']
    assert.match(label, /^mrt-[0-9a-z]+-[0-9a-z]{10}$/)
    assert.equal(
      request.body,
      `{"name":"ci-runner-1","runner_group_id":7,"labels":["self-hosted","linux","x64","${label}"],"work_folder":"_work"}`,
    )
    assert.equal(request.headers['content-type'], 'application/json')
    assert.equal(request.headers.authorization, `Bearer ${TOKEN}`)
    assert.equal(request.headers['x-github-api-version'], '2022-11-28')

    assert.equal(github.runners.length, 1)
    const [runner] = github.runners
    const config = github.minted.at(-1)!
    assert.equal(run.outputs['encoded-jit-config'], config)
    assert.equal(run.outputs['runner-id'], String(runner.id))
    assert.equal(run.outputs['runner-name'], 'ci-runner-1')
    assert.deepEqual(runnersOutput(run), [{ id: runner.id, name: 'ci-runner-1', encoded_jit_config: config }])
    assert.equal(run.outputs.attempts, '1')
    assert.ok(run.lines.includes(`::add-mask::${config}`))
    assertNoLeak(run, [TOKEN, ...github.minted])
    // The post step gets the ledger: the label, where the runners live, names, ids and hand-over; never a config.
    assert.deepEqual(ledgerState(run), {
      label,
      scope: { kind: 'repository', owner: 'octo-org', repo: 'octo-repo' },
      api_url: apiUrl,
      runners: [{ name: 'ci-runner-1', id: runner.id, handed_over: true }],
    })
    assert.match(run.summary, /ci-runner-1/)
    assert.match(run.summary, new RegExp(label))
    assert.ok(run.lines.some((line) => line.includes(`ownership label ${label}`)))
  })

  test('a generated name when runner-name is empty, and the documented defaults', async () => {
    const run = await runAction(inputs(), { GITHUB_RUN_ID: '4242', GITHUB_RUN_ATTEMPT: '2' })
    assert.equal(run.exitCode, 0, run.stdout)
    const body = JSON.parse(github.requests[0].body)
    assert.match(body.name, /^jit-4242-2-[a-z0-9]{6}$/)
    assert.equal(body.runner_group_id, 1)
    assert.equal(body.work_folder, '_work')
    assert.equal(run.outputs['runner-name'], body.name)
  })

  test('a batch: each runner the prefix plus a unique suffix, every config masked', async () => {
    const run = await runAction(inputs({ count: '5', 'runner-name': 'gpu', 'work-folder': 'work' }))
    assert.equal(run.exitCode, 0, run.stdout)
    const runners = runnersOutput(run)
    assert.equal(runners.length, 5)
    assert.equal(new Set(runners.map((r) => r.name)).size, 5)
    for (const runner of runners) assert.match(runner.name, /^gpu-[a-z0-9]{6}$/)
    assert.deepEqual(runners.map((r) => r.name).sort(), github.runners.map((r) => r.name).sort())
    assert.equal(run.outputs['runner-name'], runners[0].name)
    assert.equal(run.outputs['encoded-jit-config'], runners[0].encoded_jit_config)
    for (const runner of runners) assert.ok(run.lines.includes(`::add-mask::${runner.encoded_jit_config}`))
    assert.equal(github.minted.filter((m) => runners.some((r) => r.encoded_jit_config === m)).length, 5)
    assertNoLeak(run, [TOKEN, ...github.minted])
    assert.equal(ledgerState(run).runners.length, 5)
    for (const runner of github.runners) assert.ok(runner.labels.some((l) => l.name === run.outputs['ownership-label']))
  })
})

describe('no duplicates', () => {
  const lost: { name: string; fault: Fault; extra: Record<string, string> }[] = [
    { name: 'a reset connection', fault: { dropAnswer: 'reset' }, extra: {} },
    { name: 'a 502', fault: { dropAnswer: 502 }, extra: {} },
    { name: 'a per-attempt timeout', fault: { dropAnswer: 'hang' }, extra: { 'attempt-timeout': '300ms' } },
  ]
  for (const { name, fault, extra } of lost) {
    test(`${name} after GitHub registered the runner, then 409: ours, deleted and registered again, exactly one left`, async () => {
      github.faults.push(fault)
      const run = await runAction(inputs({ 'runner-name': 'ci-runner-1', ...extra }))
      assert.equal(run.exitCode, 0, run.stdout + run.stderr)
      assert.deepEqual(calls(), [
        `POST ${JITCONFIG}`,
        `POST ${JITCONFIG}`,
        `GET ${SCOPE}/actions/runners?name=ci-runner-1&per_page=100&page=1`,
        `DELETE ${SCOPE}/actions/runners/${ledgerState(run).runners[0].id! - 1}`,
        `POST ${JITCONFIG}`,
      ])
      assert.equal(github.runners.length, 1)
      assert.equal(run.outputs['runner-id'], String(github.runners[0].id))
      assert.equal(run.outputs['encoded-jit-config'], github.minted.at(-1))
      assert.match(run.stdout, /answer was lost; deleting it and registering it again/)
      assertNoLeak(run, [TOKEN, ...github.minted])
    })
  }

  test('a name taken before this step: fails clearly after one request and leaves that runner alone', async () => {
    const theirs = github.register(SCOPE, 'ci-runner-1', { labels: ['self-hosted', 'linux'] })
    const run = await runAction(inputs({ 'runner-name': 'ci-runner-1' }))
    assert.equal(run.exitCode, 1)
    assert.deepEqual(calls(), [`POST ${JITCONFIG}`])
    assert.match(
      errorLine(run),
      /runner name "ci-runner-1" is already taken \(409\) by a runner this step did not register; it was left alone/,
    )
    assert.deepEqual(github.runners, [theirs])
    assert.equal(run.outputs['encoded-jit-config'], undefined)
  })

  test('after a lost answer, a 409 for an online runner of that name is not ours: left alone, clear failure', async () => {
    // The 502 came from a gateway; GitHub never saw the request. The name belongs to a live runner.
    const theirs = github.register(SCOPE, 'ci-runner-1', { labels: ['self-hosted', 'linux'], status: 'online' })
    github.faults.push({ status: 502 })
    const run = await runAction(inputs({ 'runner-name': 'ci-runner-1' }))
    assert.equal(run.exitCode, 1)
    assert.ok(!calls().some((call) => call.startsWith('DELETE')), calls().join('\n'))
    assert.deepEqual(github.runners, [theirs])
    assert.match(
      errorLine(run),
      /taken \(409\) by runner \d+, which this step may not delete \(it is not this step's: it lacks the label mrt-[0-9a-z]+-[0-9a-z]{10}\); it was left alone/,
    )
  })
})

describe('batches are all or nothing', () => {
  test('a runner GitHub refuses in the middle: the batch stops and leaves no runner behind', async () => {
    github.faults.push(
      { pass: true }, // GET /rate_limit, the batch's rate budget
      { pass: true },
      { pass: true },
      { status: 422, body: { message: 'Invalid label', documentation_url: 'https://docs.github.com/rest' } },
    )
    const run = await runAction(inputs({ count: '10', 'runner-name': 'batch' }))
    assert.equal(run.exitCode, 1)
    assert.deepEqual(github.runners, [])
    assert.match(
      errorLine(run),
      /1 of 10 runners could not be registered\. Runner "batch-[a-z0-9]{6}": GitHub could not process the runner \(422\): check "labels", "runner-group-id" \(1\) and "work-folder"/,
    )
    assert.match(errorLine(run), /Rollback: deleted (all )?\d+ \(batch-/)
    assert.doesNotMatch(errorLine(run), /post step/)
    assert.equal(run.outputs['encoded-jit-config'], undefined)
    assert.equal(run.outputs.runners, undefined)
    assert.deepEqual(ledgerState(run).runners, [])
    // The batch stopped at the failure: the runners still waiting for a request slot were never tried.
    assert.ok(github.requests.filter((r) => r.method === 'POST').length < 10, calls().join('\n'))
    assertNoLeak(run, [TOKEN, ...github.minted])
  })

  test('a runner whose answer was lost when the batch failed is found by name and deleted too', async () => {
    github.faults.push(
      { pass: true }, // GET /rate_limit
      { pass: true },
      { dropAnswer: 'hang' },
      { status: 422, body: { message: 'Invalid label', documentation_url: 'https://docs.github.com/rest' } },
    )
    const run = await runAction(inputs({ count: '4', 'runner-name': 'batch', 'attempt-timeout': '500ms' }))
    assert.equal(run.exitCode, 1)
    assert.deepEqual(github.runners, [])
    assert.ok(
      calls().some((call) => /^GET .*\?name=batch-/.test(call)),
      calls().join('\n'),
    )
    assertNoLeak(run, [TOKEN, ...github.minted])
  })

  test('a wait GitHub asks of one runner holds the whole batch', async () => {
    // Admitted requests take 200ms, so runners queued behind the first four would start while
    // the first runner waits out its retry-after, were the batch not one client.
    const slow = new GitHubStandIn({ acceptToken: TOKEN, latencyMs: 200 })
    const slowUrl = await slow.start()
    try {
      // The first request is the batch's GET /rate_limit; the first registration is told to wait.
      slow.faults.push({ pass: true }, { status: 429, headers: { 'retry-after': '1' }, body: { message: 'API rate limit exceeded' } })
      const run = await runAction(inputs({ 'api-url': slowUrl, count: '8' }))
      assert.equal(run.exitCode, 0, run.stdout)
      assert.equal(slow.runners.length, 8)
      assert.equal(slow.requests[0].path, '/rate_limit')
      const limited = slow.requests[1].at
      const early = slow.requests.filter((r) => r.at > limited + 100 && r.at < limited + 950)
      assert.deepEqual(early, [], `requests during the wait: ${early.map((r) => r.at - limited).join(', ')}`)
      assert.equal(slow.requests.length, 10)
    } finally {
      await slow.close()
    }
  })

  test('the deadline and the retry rounds run on a monotonic clock: the wall clock stepping an hour ahead changes nothing', async () => {
    // The first answers, 502s, come after the step; the deadline was set before it.
    const late502: Fault = { handle: (_req, res) => void setTimeout(() => res.writeHead(502).end(), 1500), offContract: 'a bare 502' }
    github.faults.push(late502, late502)
    const run = await runAction(inputs({ count: '2' }), {
      NODE_OPTIONS: `--import=${new URL('../support/clock-step.mjs', import.meta.url).href}`,
      CLOCK_STEP_AFTER_MS: '700',
      CLOCK_STEP_MS: '3600000',
    })
    assert.equal(run.exitCode, 0, run.stdout)
    assert.equal(github.runners.length, 2)
  })

  test('the shared deadline: a runner that cannot be registered in time fails the batch, and the rest are deleted', async () => {
    github.faults.push({ pass: true }, { pass: true }, { hang: true }, { hang: true }) // GET /rate_limit first
    const run = await runAction(inputs({ count: '3', timeout: '1s', 'attempt-timeout': '5s' }))
    assert.equal(run.exitCode, 1)
    // The first to fail halts the batch; the other may fail on its own first or be halted.
    assert.match(errorLine(run), /[12] of 3 runners could not be registered\. .*would pass the 1s "timeout"/)
    // The two hung requests may have registered their runners: not listed, so not found, left to the post step.
    assert.match(errorLine(run), /not found 2 \(jit-[a-z0-9]{6}, jit-[a-z0-9]{6}\)\. The post step looks again for/)
    assert.deepEqual(github.runners, [])
    assert.ok(run.durationMs < 5000, `took ${run.durationMs}ms`)
  })
})

describe('the step summary of a batch', () => {
  test('each attempt names its runner; rows are capped, and what was left out is counted', async () => {
    // The first request of a batch is its rate-limit check; the first registration gets the 502.
    github.faults.push({ pass: true }, { status: 502, headers: { 'x-github-request-id': 'BATCH:502' } })
    const run = await runAction(inputs({ count: '60', 'runner-name': 'big' }))
    assert.equal(run.exitCode, 0, run.stdout)
    const attemptRows = [...run.summary.matchAll(/<tr><td>\d+<\/td><td>big-[a-z0-9]{6}<\/td>/g)]
    assert.equal(attemptRows.length, 50)
    assert.match(run.summary, /11 more attempt\(s\) are not listed here; the log has every one\./)
    assert.match(
      run.summary,
      /<td>1<\/td><td>big-[a-z0-9]{6}<\/td><td>HTTP 502<\/td><td>BATCH:502<\/td><td>retried after \d+ms \(backoff\)<\/td>/,
    )
    const runnerRows = [...run.summary.matchAll(/<tr><td>Runner \d+<\/td>/g)]
    assert.equal(runnerRows.length, 50)
    assert.match(run.summary, /10 more runner\(s\) are not listed here; the &quot;runners&quot; output has every one\./)
  })
})

describe('the post step', () => {
  test('deletes the runners that never connected, spares an online and a busy one, never fails', async () => {
    const main = await runAction(inputs({ count: '3', 'runner-name': 'job' }))
    assert.equal(main.exitCode, 0, main.stdout)
    const [online, busy, orphan] = runnersOutput(main)
    github.setRunner(online.name, { status: 'online' })
    github.setRunner(busy.name, { status: 'online', busy: true })
    github.requests.length = 0

    const post = await runPost(inputs({ count: '3', 'runner-name': 'job' }), main)
    assert.equal(post.exitCode, 0, post.stdout + post.stderr)
    assert.deepEqual(github.runners.map((r) => r.name).sort(), [online.name, busy.name].sort())
    assert.deepEqual(
      calls().filter((call) => call.startsWith('DELETE')),
      [`DELETE ${SCOPE}/actions/runners/${orphan.id}`],
    )
    assert.match(
      post.stdout,
      new RegExp(
        `Cleanup of the runners this step registered: deleted 1 \\(${orphan.name}\\); spared 2 \\((${online.name}: online, ${busy.name}: busy|${busy.name}: busy, ${online.name}: online)\\)\\.`,
      ),
    )
    assert.ok(!post.lines.some((line) => line.startsWith('::warning::') || line.startsWith('::error::')), post.stdout)
    assertNoLeak(post, [TOKEN, ...github.minted])
  })

  test('a runner already gone is fine, and a failed cleanup is a warning, not a failure', async () => {
    const main = await runAction(inputs({ count: '2', 'runner-name': 'job' }))
    const [gone, stuck] = runnersOutput(main)
    github.registry.set(
      SCOPE,
      github.runners.filter((r) => r.id !== gone.id),
    )
    github.requests.length = 0
    github.faults.push({ pass: true }, { pass: true }, ...Array.from({ length: 20 }, () => ({ status: 500 })))
    const post = await runPost(inputs({ 'max-attempts': '3' }), main)
    assert.equal(post.exitCode, 0, post.stdout + post.stderr)
    assert.match(post.stdout, new RegExp(`already gone 1 \\(${gone.name}\\)`))
    assert.ok(
      post.lines.some((line) => line.startsWith('::warning::') && line.includes(stuck.name)),
      post.stdout,
    )
    assert.ok(!post.lines.some((line) => line.startsWith('::error::')))
    assert.equal(github.runners.length, 1)
  })

  test('cleanup-on-failure: false leaves the runners alone', async () => {
    const main = await runAction(inputs({ 'cleanup-on-failure': 'false' }))
    assert.equal(main.exitCode, 0)
    github.requests.length = 0
    const post = await runPost(inputs({ 'cleanup-on-failure': 'false' }), main)
    assert.equal(post.exitCode, 0)
    assert.equal(github.requests.length, 0)
    assert.equal(github.runners.length, 1)
  })

  test('after a token mint there is nothing to clean up and no request', async () => {
    const main = await runAction({ 'github-token': TOKEN, repository: 'octo-org/octo-repo', 'api-url': apiUrl })
    assert.equal(main.exitCode, 0)
    assert.deepEqual(main.state, {})
    github.requests.length = 0
    const post = await runPost({ 'github-token': TOKEN, repository: 'octo-org/octo-repo', 'api-url': apiUrl }, main)
    assert.equal(post.exitCode, 0)
    assert.equal(github.requests.length, 0)
    assert.deepEqual(post.lines, [`::add-mask::${TOKEN}`, NOTHING_TO_CLEAN])
  })

  test('GITHUB_STATE that cannot be written from the start: main registers nothing and says why; the post step sends nothing and says so', async () => {
    // The post step knows it is one from the file the runner starts (action.yml runs.post), not
    // from a state the main step could not write: it must not run as a main step again.
    const main = await runAction(inputs({ 'runner-name': 'stateless' }), { GITHUB_STATE: '/nonexistent/mint-runner-token/state' })
    assert.equal(main.exitCode, 1, main.stdout + main.stderr)
    assert.match(
      main.stdout,
      /^::error::Could not save the list of runners for the post step \(GITHUB_STATE\): Missing file at path: \/nonexistent\/mint-runner-token\/state; no runner was registered\.$/m,
    )
    assert.deepEqual(github.requests, [])
    const post = await runPost(inputs({ 'runner-name': 'stateless' }), main)
    assert.equal(post.exitCode, 0, post.stdout + post.stderr)
    assert.deepEqual(github.requests, [])
    assert.deepEqual(github.runners, [])
    assert.deepEqual(post.lines, [`::add-mask::${TOKEN}`, NOTHING_TO_CLEAN])
  })

  test('a token mint saves no state: GITHUB_STATE that cannot be written does not fail it', async () => {
    const main = await runAction(
      { 'github-token': TOKEN, repository: 'octo-org/octo-repo', 'api-url': apiUrl },
      { GITHUB_STATE: '/nonexistent/mint-runner-token/state' },
    )
    assert.equal(main.exitCode, 0, main.stdout + main.stderr)
    assert.equal(main.outputs.token, github.minted.at(-1))
  })
})

describe('bad jit input: a clear error and no request', () => {
  const cases: { extra: Record<string, string>; expect: RegExp }[] = [
    { extra: { labels: '' }, expect: /Input "labels" is required for type "jit": 1 to 99 labels/ },
    { extra: { labels: ' , \n ,' }, expect: /Input "labels" is required/ },
    {
      extra: { labels: Array.from({ length: 100 }, (_, i) => `l${i}`).join(',') },
      expect:
        /Input "labels" accepts at most 99 labels \(GitHub allows 100 and each runner also gets this step's ownership label\); got 100/,
    },
    { extra: { labels: 'gpu,li\rnux' }, expect: /Input "labels" must not contain control characters; got "li\\rnux"\./ },
    { extra: { labels: 'gpu\u001b[31m' }, expect: /Input "labels" must not contain control characters; got "gpu\\u001b\[31m"\./ },
    { extra: { labels: 'a\tb' }, expect: /Input "labels" must not contain control characters/ },
    { extra: { labels: 'a\u0085b' }, expect: /Input "labels" must not contain control characters; got "a\\x85b"\./ },
    { extra: { 'runner-group-id': 'default' }, expect: /Input "runner-group-id" must be a whole number from 1 to \d+; got "default"/ },
    { extra: { 'runner-group-id': '1.5' }, expect: /Input "runner-group-id"/ },
    { extra: { count: '0' }, expect: /Input "count" must be a whole number from 1 to 1000; got "0"/ },
    { extra: { count: '1001' }, expect: /Input "count" must be a whole number from 1 to 1000; got "1001"/ },
    { extra: { 'cleanup-on-failure': 'yes' }, expect: /Input "cleanup-on-failure" must be "true" or "false"; got "yes"/ },
    { extra: { 'runner-name': 'has space' }, expect: /Input "runner-name" must be 1 to 64 characters/ },
    { extra: { 'runner-name': 'x'.repeat(60), count: '2' }, expect: /Input "runner-name" must be a name prefix of 1 to 57 characters/ },
  ]
  for (const { extra, expect } of cases) {
    test(JSON.stringify(extra).slice(0, 80), async () => {
      const run = await runAction(inputs(extra))
      assert.equal(run.exitCode, 1)
      assert.match(errorLine(run), expect)
      assert.equal(github.requests.length, 0)
    })
  }
})

describe('an input that cannot apply to the chosen type: an error naming it and "type", no request', () => {
  const mintInputs = () => ({ 'github-token': TOKEN, repository: 'octo-org/octo-repo', 'api-url': apiUrl })

  test('count and labels without type: jit (they would silently mint one registration token)', async () => {
    const run = await runAction({ ...mintInputs(), count: '4', labels: 'gpu' })
    assert.equal(run.exitCode, 1)
    assert.equal(
      errorLine(run),
      '::error::Inputs "labels" and "count" apply only to type "jit", but "type" is "registration"; remove them, or set "type" to "jit".',
    )
    assert.equal(github.requests.length, 0)
  })

  for (const name of ['labels', 'runner-name', 'runner-group-id', 'work-folder', 'count', 'cleanup-on-failure']) {
    test(`${name} with type: remove`, async () => {
      const run = await runAction({ ...mintInputs(), type: 'remove', [name]: name === 'cleanup-on-failure' ? 'false' : '2' })
      assert.equal(run.exitCode, 1)
      assert.equal(
        errorLine(run),
        `::error::Input "${name}" applies only to type "jit", but "type" is "remove"; remove it, or set "type" to "jit".`,
      )
      assert.equal(github.requests.length, 0)
    })
  }

  test('the runner fills in every default of action.yml: a registration token still mints', async () => {
    // As the runner does: every input's default from action.yml, the expressions evaluated.
    const action = parse(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')) as {
      inputs: Record<string, { default?: string }>
    }
    const defaults = Object.fromEntries(
      Object.entries(action.inputs)
        .filter(([, input]) => input.default !== undefined && !input.default.includes('${{'))
        .map(([name, input]) => [name, input.default!]),
    )
    const run = await runAction({ ...defaults, ...mintInputs() })
    assert.equal(run.exitCode, 0, run.stdout)
    assert.equal(run.outputs.token, github.minted.at(-1))
  })

  test('the command: --count without --type jit is a usage error (exit 2)', async () => {
    const run = await runCli(['--repository', 'octo-org/octo-repo', '--api-url', apiUrl, '--count', '4'], { GITHUB_TOKEN: TOKEN })
    assert.equal(run.exitCode, 2)
    assert.equal(run.stdout, '')
    assert.match(
      run.stderr,
      /^mint-runner-token: Option --count applies only to type "jit", but --type is "registration"; remove it, or set --type to "jit"\./,
    )
    assert.equal(github.requests.length, 0)
  })
})
