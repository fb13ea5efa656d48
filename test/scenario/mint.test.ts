// Scenario tests: the bundled action, run as a runner runs it, against a loopback GitHub.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { type ActionRun, assertNoLeak, runAction } from '../support/run-action.js'
import { runCli } from '../support/run-cli.js'
import { ipv6LoopbackMissing } from '../support/ipv6.js'

const TOKEN = 'ghp_StandInCallerToken0123456789abcdef'
const FAST = { 'initial-delay': '10ms', 'max-delay': '50ms' }
const CLOCK_STEP = new URL('../support/clock-step.mjs', import.meta.url).href

const github = new GitHubStandIn({ acceptToken: TOKEN })
let apiUrl: string
useStandIn(github, (url) => (apiUrl = url))

function mint(inputs: Record<string, string> = {}, env: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({ 'github-token': TOKEN, repository: 'octo-org/octo-repo', 'api-url': apiUrl, ...FAST, ...inputs }, env)
}

function errorLine(run: ActionRun): string {
  return run.lines.find((line) => line.startsWith('::error::')) ?? ''
}

/** Checks a successful run: the minted token is the output, masked first, and nothing leaked. */
function assertMinted(run: ActionRun, attempts: number): void {
  assert.equal(run.exitCode, 0, run.stdout + run.stderr)
  const token = github.minted.at(-1)!
  assert.equal(run.outputs.token, token)
  assert.match(run.outputs['expires-at'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
  assert.equal(run.outputs.attempts, String(attempts))
  assert.equal(github.requests.length, attempts)
  assertNoLeak(run, [TOKEN, ...github.minted])
}

describe('minting', () => {
  test('a repository registration token, with the headers GitHub expects', async () => {
    const run = await mint()
    assertMinted(run, 1)
    const [request] = github.requests
    assert.equal(request.method, 'POST')
    assert.equal(request.path, '/repos/octo-org/octo-repo/actions/runners/registration-token')
    assert.equal(request.headers.authorization, `Bearer ${TOKEN}`)
    assert.equal(request.headers.accept, 'application/vnd.github+json')
    assert.equal(request.headers['x-github-api-version'], '2022-11-28')
    assert.match(request.headers['user-agent'] ?? '', /mint-runner-token/)
    assert.equal(request.body, '')
    assert.ok(run.lines.includes(`::add-mask::${TOKEN}`))
    assert.ok(run.lines.includes(`::add-mask::${github.minted.at(-1)}`))
    assert.match(run.stdout, /expires at \d{4}-/)
    assert.match(run.summary, /repository octo-org\/octo-repo/)
    assert.match(run.summary, /registration/)
  })

  const scopes: { inputs: Record<string, string>; path: string }[] = [
    { inputs: { organization: 'octo-org' }, path: '/orgs/octo-org/actions/runners/registration-token' },
    { inputs: { enterprise: 'octo-ent' }, path: '/enterprises/octo-ent/actions/runners/registration-token' },
    { inputs: { type: 'remove' }, path: '/repos/octo-org/octo-repo/actions/runners/remove-token' },
    { inputs: { organization: 'octo-org', type: 'remove' }, path: '/orgs/octo-org/actions/runners/remove-token' },
  ]
  for (const { inputs, path } of scopes) {
    test(`calls ${path}`, async () => {
      assertMinted(await mint(inputs), 1)
      assert.equal(github.requests[0].path, path)
    })
  }

  test('an Enterprise Managed User owner with an underscore (octocat_acme/tools), as input and as GITHUB_REPOSITORY', async () => {
    assertMinted(await mint({ repository: 'octocat_acme/tools' }), 1)
    assert.equal(github.requests[0].path, '/repos/octocat_acme/tools/actions/runners/registration-token')
    github.requests.length = 0
    const run = await runAction({ 'github-token': TOKEN, 'api-url': apiUrl }, { GITHUB_REPOSITORY: 'octocat_acme/tools' })
    assertMinted(run, 1)
    assert.equal(github.requests[0].path, '/repos/octocat_acme/tools/actions/runners/registration-token')
  })

  test('a GHES api-url with /api/v3 and a trailing slash', async () => {
    const ghes = new GitHubStandIn({ acceptToken: TOKEN, prefix: '/api/v3' })
    const url = await ghes.start()
    try {
      const run = await runAction({ 'github-token': TOKEN, organization: 'octo-org', 'api-url': `${url}/` })
      assert.equal(run.exitCode, 0, run.stdout)
      assert.equal(ghes.requests[0].path, '/api/v3/orgs/octo-org/actions/runners/registration-token')
      assert.equal(run.outputs.token, ghes.minted[0])
    } finally {
      await ghes.close()
    }
  })
})

describe('an IPv6 loopback api-url', async () => {
  const skip = await ipv6LoopbackMissing()
  for (const entry of ['action', 'command'] as const) {
    test(`the ${entry} mints from a stand-in at http://[::1]:PORT`, { skip }, async () => {
      const v6 = new GitHubStandIn({ acceptToken: TOKEN, host: '::1' })
      const url = await v6.start()
      try {
        assert.match(url, /^http:\/\/\[::1\]:\d+$/)
        if (entry === 'action') {
          const run = await runAction({ 'github-token': TOKEN, repository: 'octo-org/octo-repo', 'api-url': url, 'max-attempts': '1' })
          assert.equal(run.exitCode, 0, run.stdout)
          assert.equal(run.outputs.token, v6.minted.at(-1))
        } else {
          const run = await runCli(['--repository', 'octo-org/octo-repo', '--api-url', url, '--max-attempts', '1'], { GITHUB_TOKEN: TOKEN })
          assert.equal(run.exitCode, 0, run.stderr)
          assert.equal(run.stdout, `${v6.minted.at(-1)}\n`)
        }
        assert.equal(v6.requests.length, 1)
      } finally {
        await v6.close()
      }
    })
  }
})

describe('retried', () => {
  const transient = [
    { name: '502', fault: { status: 502, body: '<html>Bad Gateway</html>', offContract: 'a gateway page' } },
    { name: '500', fault: { status: 500 } },
    { name: '503', fault: { status: 503 } },
    { name: '504', fault: { status: 504 } },
    { name: '408', fault: { status: 408 } },
    { name: 'a reset connection', fault: { reset: true as const } },
    { name: 'a 201 without a token', fault: { status: 201, body: { expires_at: '2030-01-01T00:00:00Z' }, offContract: 'no token' } },
    { name: 'a 201 that is not JSON', fault: { status: 201, body: '<html>', offContract: 'not JSON' } },
    { name: 'a connection closed after the headers', fault: { closeAfterHeaders: true as const } },
    {
      name: 'a 403 secondary rate limit with retry-after',
      fault: { status: 403, headers: { 'retry-after': '0' }, body: { message: 'You have exceeded a secondary rate limit.' } },
    },
  ]
  for (const { name, fault } of transient) {
    test(`${name}, then a token`, async () => {
      github.faults.push(fault, fault)
      const run = await mint()
      assertMinted(run, 3)
      assert.equal(run.lines.filter((line) => /^Attempt \d\/8 failed: .*retrying in/.test(line)).length, 2)
    })
  }

  test('each failed attempt logs its number, the status, the request id and the wait', async () => {
    github.faults.push({ status: 502, headers: { 'x-github-request-id': 'ABCD:1234:5678' } })
    const run = await mint()
    assertMinted(run, 2)
    assert.ok(
      run.lines.some((line) => /^Attempt 1\/8 failed: HTTP 502 \[request id ABCD:1234:5678\]; retrying in \d+ms\.$/.test(line)),
      run.stdout,
    )
  })

  test('a hung request is cut off by attempt-timeout and retried', async () => {
    github.faults.push({ hang: true })
    const run = await mint({ 'attempt-timeout': '300ms' })
    assertMinted(run, 2)
    assert.match(run.stdout, /Attempt 1\/8 failed: ETIMEDOUT/)
  })

  test('a body that trickles in is cut off by attempt-timeout', async () => {
    github.faults.push({ trickle: true, everyMs: 100 })
    const run = await mint({ 'attempt-timeout': '500ms' })
    assertMinted(run, 2)
  })

  test('401 is retried once (a new App token may not be valid yet)', async () => {
    github.faults.push({ status: 401, body: { message: 'Bad credentials' } })
    assertMinted(await mint(), 2)
  })

  test('401 twice fails and says the token is bad', async () => {
    github.faults.push({ status: 401, body: { message: 'Bad credentials' } }, { status: 401, body: { message: 'Bad credentials' } })
    const run = await mint()
    assert.equal(run.exitCode, 1)
    assert.equal(github.requests.length, 2)
    assert.match(errorLine(run), /github-token.*401.*invalid, expired or revoked/)
    assertNoLeak(run, [TOKEN])
  })
})

describe('waits that GitHub asks for', () => {
  test('retry-after is honoured exactly, even above max-delay', async () => {
    github.faults.push({ status: 429, headers: { 'retry-after': '1' }, body: { message: 'API rate limit exceeded' } })
    const run = await mint({ 'max-delay': '50ms' })
    assertMinted(run, 2)
    const gap = github.requests[1].at - github.requests[0].at
    assert.ok(gap >= 1000 && gap < 5000, `waited ${gap}ms`)
    assert.match(run.stdout, /retrying in 1s \(retry-after\)\./)
  })

  test('retry-after as an HTTP date', async () => {
    // Dated when the answer is sent, as GitHub does; HTTP dates have whole seconds, so the
    // wait asked for is between 1 and 2 seconds.
    github.faults.push({
      handle: (_req, res) => {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': new Date(Date.now() + 2000).toUTCString() })
        res.end(JSON.stringify({ message: 'API rate limit exceeded' }))
      },
    })
    const run = await mint()
    assertMinted(run, 2)
    const gap = github.requests[1].at - github.requests[0].at
    assert.ok(gap >= 900 && gap < 5000, `waited ${gap}ms`)
  })

  test('x-ratelimit-remaining: 0 waits until x-ratelimit-reset', async () => {
    const reset = Math.ceil(Date.now() / 1000) + 1
    github.faults.push({
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      body: { message: 'API rate limit exceeded' },
    })
    const run = await mint()
    assertMinted(run, 2)
    assert.ok(github.requests[1].at >= reset * 1000 - 50, 'retried before the reset')
  })

  // GitHub states the reset in its own time. Measured against a local clock that runs ahead, the
  // reset looks past and the retry would hammer a rate-limited API; the answer's Date header is
  // the server's clock at the moment it answered.
  for (const { name, skewMs } of [
    { name: 'an hour behind ours (a local clock that runs fast)', skewMs: -3_600_000 },
    { name: 'an hour ahead of ours', skewMs: 3_600_000 },
  ]) {
    test(`x-ratelimit-reset is measured against the answer's Date header: a server clock ${name}`, async () => {
      github.faults.push({
        handle: (_req, res) => {
          const serverNow = Date.now() + skewMs
          const reset = Math.floor(serverNow / 1000) + 2
          res.writeHead(403, {
            'content-type': 'application/json; charset=utf-8',
            date: new Date(serverNow).toUTCString(),
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': String(reset),
            'x-github-request-id': 'RATE:LIMITED',
          })
          res.end(
            JSON.stringify({ message: 'API rate limit exceeded for installation.', documentation_url: 'https://docs.github.com/rest' }),
          )
        },
      })
      const run = await mint({ timeout: '1m' })
      assertMinted(run, 2)
      const gap = github.requests[1].at - github.requests[0].at
      // Dates have whole seconds: the reset is 1 to 2 s after the server's Date.
      assert.ok(gap >= 900 && gap < 10_000, `retried ${gap}ms after the rate-limited answer`)
    })
  }

  test('an HTTP-date retry-after is measured against the Date header too', async () => {
    github.faults.push({
      handle: (_req, res) => {
        const serverNow = Date.now() - 3_600_000
        res.writeHead(429, {
          'content-type': 'application/json; charset=utf-8',
          date: new Date(serverNow).toUTCString(),
          'retry-after': new Date(serverNow + 2000).toUTCString(),
        })
        res.end(JSON.stringify({ message: 'API rate limit exceeded' }))
      },
    })
    const run = await mint()
    assertMinted(run, 2)
    const gap = github.requests[1].at - github.requests[0].at
    assert.ok(gap >= 900 && gap < 10_000, `retried ${gap}ms after the 429`)
  })

  test('a secondary rate limit without retry-after waits a minute: past the timeout, it fails at once', async () => {
    github.faults.push({
      status: 403,
      body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' },
    })
    const run = await mint({ timeout: '10s' })
    assert.equal(run.exitCode, 1)
    assert.equal(github.requests.length, 1)
    assert.ok(run.durationMs < 8000, `took ${run.durationMs}ms`)
    assert.match(errorLine(run), /a wait of at least 1m, and the 10s "timeout" ends before that/)
  })

  test('a retry-after past the timeout fails at once and says how long GitHub asked', async () => {
    github.faults.push({ status: 429, headers: { 'retry-after': '120' } })
    const run = await mint({ timeout: '30s' })
    assert.equal(run.exitCode, 1)
    assert.equal(github.requests.length, 1)
    assert.match(errorLine(run), /2m/)
  })
})

describe('a rate limit that outlasts the run says so, never that a permission is missing', () => {
  const PERMISSION_TEXT = /may not manage|Administration: write|needs a/

  test('403 with x-ratelimit-remaining: 0: the reset time, the wait, and that the timeout is shorter', async () => {
    const reset = Math.floor(Date.now() / 1000) + 3600
    github.faults.push({
      status: 403,
      headers: {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(reset),
        'x-ratelimit-resource': 'core',
        'x-github-request-id': 'RATE:1',
      },
      body: { message: 'API rate limit exceeded for user ID 1.', documentation_url: 'https://docs.github.com/rest' },
    })
    const run = await mint({ timeout: '1m' })
    assert.equal(run.exitCode, 1)
    assert.equal(github.requests.length, 1)
    const error = errorLine(run)
    const resetAt = new Date(reset * 1000).toISOString().replace('.000Z', 'Z')
    assert.match(
      error,
      new RegExp(
        `^::error::Gave up after 1 attempt\\(s\\): GitHub's rate limit for "core" is used up until ${resetAt}, a wait of (59m\\d+s|1h|60m), and the 1m "timeout" ends before that\\. Last answer: HTTP 403 \\(GitHub request id RATE:1\\)\\. This is a rate limit, not a permission problem:`,
      ),
    )
    assert.match(error, /GitHub said: "API rate limit exceeded for user ID 1\."/)
    assert.doesNotMatch(error, PERMISSION_TEXT)
  })

  test('429 with a retry-after past the timeout: the wait GitHub asked for', async () => {
    github.faults.push({ status: 429, headers: { 'retry-after': '120' }, body: { message: 'API rate limit exceeded' } })
    const run = await mint({ timeout: '30s' })
    assert.equal(run.exitCode, 1)
    assert.match(
      errorLine(run),
      /GitHub asked to wait 2m \(retry-after\) before the next request, and the 30s "timeout" ends before that\./,
    )
    assert.match(errorLine(run), /This is a rate limit/)
  })

  test('a secondary rate limit: at least a minute, and the timeout is shorter', async () => {
    github.faults.push({ status: 403, body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes.' } })
    const run = await mint({ timeout: '10s' })
    assert.equal(run.exitCode, 1)
    assert.match(errorLine(run), /GitHub's secondary rate limit calls for a wait of at least 1m, and the 10s "timeout" ends before that\./)
    assert.doesNotMatch(errorLine(run), PERMISSION_TEXT)
  })

  test('a rate-limited 403 on the last attempt is still a rate limit', async () => {
    const reset = Math.floor(Date.now() / 1000) + 30
    github.faults.push({ status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) } })
    const run = await mint({ 'max-attempts': '1' })
    assert.equal(run.exitCode, 1)
    assert.match(
      errorLine(run),
      /Gave up after 1 attempt\(s\) \("max-attempts"\)\. Last answer: HTTP 403 \(GitHub request id [^)]+\)\. GitHub's rate limit is used up until \S+Z\. This is a rate limit, not a permission problem: try again later\./,
    )
    assert.doesNotMatch(errorLine(run), PERMISSION_TEXT)
  })

  test('the command says the same on stderr', async () => {
    const reset = Math.floor(Date.now() / 1000) + 3600
    github.faults.push({ status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) } })
    const run = await runCli(['--repository', 'octo-org/octo-repo', '--api-url', apiUrl, '--timeout', '1m'], { GITHUB_TOKEN: TOKEN })
    assert.equal(run.exitCode, 1)
    assert.match(run.stderr, /GitHub's rate limit is used up until .*, and the 1m --timeout ends before that\./)
    assert.doesNotMatch(run.stderr, PERMISSION_TEXT)
  })
})

describe('the step summary is an incident record', () => {
  /** The summary's table rows as lists of cell texts (the HTML entities left as written). */
  function rows(summary: string): string[][] {
    return [...summary.matchAll(/<tr>(.*?)<\/tr>/g)].map(([, row]) => [...row.matchAll(/<t[hd]>(.*?)<\/t[hd]>/g)].map(([, cell]) => cell))
  }
  const RATE = { 'x-ratelimit-limit': '5000', 'x-ratelimit-used': '4', 'x-ratelimit-resource': 'core' }

  test('every attempt: the answer, the request id, the wait and why; the rate-limit headers of the last answer', async () => {
    const reset = String(Math.floor(Date.now() / 1000) + 1800)
    github.faults.push(
      { status: 502, headers: { 'x-github-request-id': 'REQ:<b>1</b>\u009b' } },
      { reset: true },
      { status: 429, headers: { 'retry-after': '1', 'x-github-request-id': 'REQ:3' }, body: { message: 'API rate limit exceeded' } },
      {
        status: 201,
        headers: { ...RATE, 'x-ratelimit-remaining': '4996', 'x-ratelimit-reset': reset, 'x-github-request-id': 'REQ:4' },
        body: github.mint(),
      },
    )
    const run = await mint({ 'initial-delay': '100ms', 'max-delay': '1s', jitter: 'none' })
    assertMinted(run, 4)
    const table = rows(run.summary)
    assert.deepEqual(
      table.filter((row) => row.length === 4),
      [
        ['Attempt', 'Answer', 'GitHub request id', 'Then'],
        ['1', 'HTTP 502', String.raw`REQ:&lt;b&gt;1&lt;/b&gt;\x9b`, 'retried after 100ms (backoff)'],
        ['2', 'ECONNRESET (connection reset)', '—', 'retried after 200ms (backoff)'],
        ['3', 'HTTP 429', 'REQ:3', 'retried after 1s (retry-after)'],
        ['4', 'HTTP 201', 'REQ:4', 'minted'],
      ],
    )
    const resetAt = new Date(Number(reset) * 1000).toISOString().replace('.000Z', 'Z')
    assert.ok(
      table.some((row) => row[0] === 'Rate limit remaining (last answer)' && row[1] === '4996'),
      run.summary,
    )
    assert.ok(
      table.some((row) => row[0] === 'Rate limit reset (last answer)' && row[1] === `${reset} (${resetAt})`),
      run.summary,
    )
    assert.ok(
      table.some((row) => row[0] === 'Rate limit resource (last answer)' && row[1] === 'core'),
      run.summary,
    )
    assert.ok(!run.summary.includes('<b>'), 'server text was written into the summary as HTML')
  })

  test('a failed mint writes the record too: why it gave up, and the rate limit that stopped it', async () => {
    const reset = String(Math.floor(Date.now() / 1000) + 3600)
    github.faults.push({
      status: 403,
      headers: { ...RATE, 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset, 'x-github-request-id': 'REQ:RL' },
      body: { message: 'API rate limit exceeded for user ID 1.' },
    })
    const run = await mint({ timeout: '1m' })
    assert.equal(run.exitCode, 1)
    const table = rows(run.summary)
    assert.match(run.summary, /<h3>Runner token not minted<\/h3>/)
    assert.ok(
      table.some(
        (row) => row[0] === 'Result' && /^Gave up after 1 attempt\(s\): GitHub&#39;s rate limit for &quot;core&quot;/.test(row[1]),
      ),
      run.summary,
    )
    assert.ok(
      table.some((row) =>
        /^1\|HTTP 403\|REQ:RL\|gave up: waiting (59m\d+s|60m) \(rate-limit reset\) would pass the timeout$/.test(row.join('|')),
      ),
      run.summary,
    )
    assert.ok(
      table.some((row) => row[0] === 'Rate limit remaining (last answer)' && row[1] === '0'),
      run.summary,
    )
  })

  test('a secondary-limit floor and a refusal that cannot be retried are named as such', async () => {
    github.faults.push({
      status: 403,
      body: { message: 'You have exceeded a secondary rate limit.' },
      headers: { 'x-github-request-id': 'S' },
    })
    const run = await mint({ timeout: '10s' })
    assert.ok(
      rows(run.summary).some((row) => row.join('|') === '1|HTTP 403|S|gave up: waiting 1m (secondary-limit floor) would pass the timeout'),
      run.summary,
    )
    github.faults.push({ status: 404, headers: { 'x-github-request-id': 'N' } })
    const notFound = await mint()
    assert.ok(
      rows(notFound.summary).some((row) => row.join('|') === '1|HTTP 404|N|gave up: not retryable'),
      notFound.summary,
    )
    github.faults.push({ status: 503 }, { status: 503, headers: { 'x-github-request-id': 'M' } })
    const exhausted = await mint({ 'max-attempts': '2' })
    assert.ok(
      rows(exhausted.summary).some((row) => row.join('|') === '2|HTTP 503|M|gave up: max-attempts reached'),
      exhausted.summary,
    )
  })
})

describe('the deadline', () => {
  test('no request starts after timeout, and the run ends by it', async () => {
    for (let i = 0; i < 100; i++) github.faults.push({ status: 502 })
    // attempt-timeout 300ms: no request starts with less than that left (its floor is min(attempt-timeout, 1s)).
    const run = await mint({
      timeout: '1500ms',
      'attempt-timeout': '300ms',
      'initial-delay': '200ms',
      'max-delay': '400ms',
      jitter: 'none',
      'max-attempts': '100',
    })
    assert.equal(run.exitCode, 1)
    assert.ok(github.requests.length >= 3, `${github.requests.length} requests`)
    // The deadline starts inside the action, just before its first request: count from there,
    // so a slow process start-up on a loaded machine does not count against it.
    const first = github.requests[0].at
    for (const request of github.requests) assert.ok(request.at - first < 1500 + 200, 'a request after the deadline')
    assert.ok(run.durationMs < 1500 + 5000, `took ${run.durationMs}ms`)
    assert.match(errorLine(run), /would pass the 1\.5s "timeout"/)
    assert.equal(run.outputs.attempts, String(github.requests.length))
  })

  test('the deadline runs on a monotonic clock: the wall clock stepping an hour ahead does not end the run', async () => {
    // The first answer, a 502, comes after the step; the deadline was set before it.
    github.faults.push({ handle: (_req, res) => void setTimeout(() => res.writeHead(502).end(), 1500), offContract: 'a bare 502' })
    const run = await mint({}, { NODE_OPTIONS: `--import=${CLOCK_STEP}`, CLOCK_STEP_AFTER_MS: '700', CLOCK_STEP_MS: '3600000' })
    assertMinted(run, 2)
  })

  test('max-attempts bounds the requests', async () => {
    for (let i = 0; i < 10; i++) github.faults.push({ status: 503 })
    const run = await mint({ 'max-attempts': '3' })
    assert.equal(run.exitCode, 1)
    assert.equal(github.requests.length, 3)
    assert.match(errorLine(run), /Gave up after 3 attempt\(s\) \("max-attempts"\)\. Last answer: HTTP 503/)
  })

  test('a refused connection is retried until the attempts run out', async () => {
    const closed = new GitHubStandIn()
    const url = await closed.start()
    await closed.close()
    const run = await mint({ 'api-url': url, 'max-attempts': '3' })
    assert.equal(run.exitCode, 1)
    assert.equal(run.outputs.attempts, '3')
    assert.match(errorLine(run), /connection refused/)
  })
})

describe('not retried', () => {
  const permanent = [
    { status: 400, expect: /malformed \(400\)/ },
    {
      status: 403,
      expect: /may not manage self-hosted runners for repository octo-org\/octo-repo \(403\); it needs .*Administration: write/,
    },
    { status: 404, expect: /not found \(404\)\. GitHub answers 404 when the token cannot see the target/ },
    { status: 409, expect: /conflict \(409\)/ },
    { status: 410, expect: /gone \(410\)/ },
    { status: 422, expect: /could not process.*\(422\)/ },
  ]
  test("GitHub's message is quoted with one full stop, whether or not it ends a sentence itself", async () => {
    const cases = [
      { status: 404, message: 'Not Found', quoted: 'GitHub said: "Not Found". (GitHub request id' },
      { status: 422, message: 'Validation Failed.', quoted: 'GitHub said: "Validation Failed." (GitHub request id' },
      { status: 400, message: 'Is this JSON?', quoted: 'GitHub said: "Is this JSON?" (GitHub request id' },
    ]
    for (const { status, message, quoted } of cases) {
      github.faults.push({ status, body: { message } })
      const run = await mint()
      assert.equal(run.exitCode, 1)
      assert.ok(errorLine(run).includes(quoted), errorLine(run))
      assert.doesNotMatch(errorLine(run), /[.?]"\./)
    }
    // A rate limit past the timeout quotes GitHub last, at the end of the line.
    github.faults.push({
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600) },
      body: { message: 'API rate limit exceeded for user ID 1.' },
    })
    const limited = await mint({ timeout: '1m' })
    assert.match(errorLine(limited), / GitHub said: "API rate limit exceeded for user ID 1\."$/)
  })

  for (const { status, expect } of permanent) {
    test(`${status} fails after one request with a clear message`, async () => {
      github.faults.push({ status, body: { message: `stand-in says ${status}` } }, { status: 201 })
      const run = await mint()
      assert.equal(run.exitCode, 1)
      assert.equal(github.requests.length, 1)
      assert.match(errorLine(run), expect)
      assert.match(errorLine(run), new RegExp(`GitHub said: "stand-in says ${status}"`))
      assert.match(errorLine(run), /GitHub request id STAND-IN:/)
      assert.equal(run.outputs.token, undefined)
      assertNoLeak(run, [TOKEN])
    })
  }

  test('a 403 names the permission GitHub says is missing', async () => {
    github.faults.push({ status: 403, headers: { 'x-accepted-github-permissions': 'organization_self_hosted_runners=write' } })
    const run = await mint({ organization: 'octo-org' })
    assert.equal(github.requests.length, 1)
    assert.match(errorLine(run), /organization octo-org \(403\); it needs a token with organization_self_hosted_runners=write/)
  })
})

test('durations in hours and compound forms: timeout 1h30m, attempt-timeout 2m30s', async () => {
  assertMinted(await mint({ timeout: '1h30m', 'attempt-timeout': '2m30s' }), 1)
})

describe('redirects', () => {
  test('a same-host redirect (renamed repository) is followed, with the token', async () => {
    github.faults.push({
      status: 307,
      headers: { location: `${apiUrl}/repositories/42/actions/runners/registration-token` },
      body: { message: 'Moved' },
    })
    const run = await mint()
    assert.equal(run.exitCode, 0, run.stdout)
    assert.equal(github.requests[1].path, '/repositories/42/actions/runners/registration-token')
    assert.equal(github.requests[1].method, 'POST')
    assert.equal(github.requests[1].headers.authorization, `Bearer ${TOKEN}`)
    assert.equal(run.outputs.token, github.minted.at(-1))
  })

  test('a redirect loop: 5 redirects are followed, the sixth is refused, and the message counts them truly', async () => {
    for (let i = 0; i < 10; i++)
      github.faults.push({ status: 307, headers: { location: `${apiUrl}/repos/octo-org/octo-repo/actions/runners/registration-token` } })
    const run = await mint({ 'max-attempts': '1' })
    assert.equal(run.exitCode, 1)
    assert.equal(github.requests.length, 6)
    assert.equal(errorLine(run), '::error::Refused a redirect: GitHub redirected 6 times in a row; 5 redirects were followed, no more are.')
  })

  test('a redirect to another host is refused and the token never goes there', async () => {
    const elsewhere = new GitHubStandIn({ host: '127.0.0.2' })
    const elsewhereUrl = await elsewhere.start()
    try {
      github.faults.push({ status: 307, headers: { location: `${elsewhereUrl}/steal` } })
      const run = await mint()
      assert.equal(run.exitCode, 1)
      assert.equal(elsewhere.requests.length, 0)
      assert.equal(github.requests.length, 1)
      assert.match(errorLine(run), /redirected to another host/)
      assertNoLeak(run, [TOKEN])
    } finally {
      await elsewhere.close()
    }
  })
})

describe('bad input: a clear error and no request', () => {
  const cases: { inputs: Record<string, string>; expect: RegExp }[] = [
    { inputs: { 'github-token': '' }, expect: /Input "github-token" is required/ },
    { inputs: { 'github-token': 'two words' }, expect: /Input "github-token" contains whitespace/ },
    { inputs: { 'max-attempts': '2.5' }, expect: /Input "max-attempts" must be a whole number from 1 to 100; got "2\.5"/ },
    { inputs: { 'max-attempts': '0' }, expect: /Input "max-attempts"/ },
    { inputs: { 'initial-delay': 'soon' }, expect: /Input "initial-delay" must be a duration .*got "soon"/ },
    {
      inputs: { timeout: '5h30' },
      expect: /Input "timeout" must be a duration .* with the units h, m, s and ms, largest first .*; got "5h30"/,
    },
    { inputs: { timeout: '30m1h' }, expect: /Input "timeout" must be a duration/ },
    { inputs: { timeout: '6h0m1s' }, expect: /Input "timeout" must be a duration greater than 0 and at most 6h/ },
    { inputs: { 'attempt-timeout': '0' }, expect: /Input "attempt-timeout" must be a duration greater than 0/ },
    {
      inputs: { 'max-delay': '1ms', 'initial-delay': '1s' },
      expect: /Input "max-delay" \("1ms"\) must not be shorter than "initial-delay" \("1s"\)/,
    },
    { inputs: { jitter: 'random' }, expect: /Input "jitter" must be one of "full", "equal", "decorrelated", "none"; got "random"/ },
    { inputs: { type: 'jwt' }, expect: /Input "type" must be one of "registration", "remove", "jit", "wait", "prune"; got "jwt"/ },
    { inputs: { repository: 'just-a-name' }, expect: /Input "repository" must be "owner\/name".*got "just-a-name"/ },
    { inputs: { repository: 'a/b/c' }, expect: /Input "repository"/ },
    { inputs: { organization: 'org', enterprise: 'ent' }, expect: /Set at most one of inputs "organization" and "enterprise"/ },
    { inputs: { organization: 'bad org!' }, expect: /Input "organization"/ },
    { inputs: { 'api-url': 'http://api.github.com' }, expect: /Input "api-url" must use https/ },
    { inputs: { 'api-url': 'not a url' }, expect: /Input "api-url" must be an absolute URL/ },
  ]
  for (const { inputs, expect } of cases) {
    test(JSON.stringify(inputs), async () => {
      const run = await mint(inputs)
      assert.equal(run.exitCode, 1)
      assert.match(errorLine(run), expect)
      assert.equal(github.requests.length, 0)
      assertNoLeak(run, [TOKEN])
    })
  }

  test('credentials in api-url are refused without echoing them', async () => {
    const run = await mint({ 'api-url': 'https://user:hunter2@api.github.com' })
    assert.equal(run.exitCode, 1)
    assert.match(errorLine(run), /Input "api-url" must not contain credentials/)
    assert.ok(!run.stdout.includes('hunter2'))
  })
})
