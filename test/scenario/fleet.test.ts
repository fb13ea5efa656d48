// Scenario tests for fleet scale: runner groups by name, GHES without JIT, the rate budget before a
// batch, and the start spread. The bundled action (and the command) against the loopback stand-in.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { type ActionRun, assertNoLeak, runAction } from '../support/run-action.js'
import { assertNoLeakOnStderr, runCli } from '../support/run-cli.js'

const TOKEN = 'ghp_StandInCallerToken0123456789abcdef'
const ORG = '/orgs/octo-org'
const JITCONFIG = `${ORG}/actions/runners/generate-jitconfig`
/** A batch's count of its runner group's runners (src/jit/room.ts), before the rate budget. */
const ROOM = (group = 1) => `${ORG}/actions/runner-groups/${group}/runners?per_page=1`
const FAST = { 'initial-delay': '10ms', 'max-delay': '50ms' }

const github = new GitHubStandIn({ acceptToken: TOKEN })
let apiUrl: string
useStandIn(github, (url) => (apiUrl = url))

function jit(extra: Record<string, string> = {}): Record<string, string> {
  return { 'github-token': TOKEN, organization: 'octo-org', 'api-url': apiUrl, type: 'jit', labels: 'self-hosted,linux', ...FAST, ...extra }
}

function errorLine(run: ActionRun): string {
  return run.lines.find((line) => line.startsWith('::error::')) ?? ''
}

/** What the stand-in was asked, one "METHOD path" per request. */
function calls(standIn = github): string[] {
  return standIn.requests.map((r) => `${r.method} ${r.path}`)
}

const groupNames = (count: number) => Array.from({ length: count }, (_, i) => (i === 0 ? 'Default' : `team-${i + 1}`))

describe('runner-group: a runner group by name', () => {
  test('a group found on the second page of the listing: its id goes into every registration', async () => {
    github.setRunnerGroups(ORG, [...groupNames(100), 'GPU Fleet'])
    const run = await runAction(jit({ 'runner-group': 'gpu fleet', count: '2', 'runner-name': 'gpu' }))
    assert.equal(run.exitCode, 0, run.stdout)
    assert.deepEqual(calls().slice(0, 4), [
      `GET ${ORG}/actions/runner-groups?per_page=100&page=1`,
      `GET ${ORG}/actions/runner-groups?per_page=100&page=2`,
      `GET ${ROOM(101)}`,
      'GET /rate_limit',
    ])
    assert.deepEqual(calls().slice(4), [`POST ${JITCONFIG}`, `POST ${JITCONFIG}`])
    for (const request of github.requests.slice(4)) assert.equal(JSON.parse(request.body).runner_group_id, 101)
    assert.deepEqual(
      github.runners.map((r) => r.runner_group_id),
      [101, 101],
    )
    assert.match(run.stdout, /Runner group "GPU Fleet" has id 101\./)
    assertNoLeak(run, [TOKEN, ...github.minted])
  })

  test('enterprise scope looks in the enterprise listing', async () => {
    github.setRunnerGroups('/enterprises/octo-ent', ['Default', 'arm'])
    const run = await runAction(jit({ organization: '', enterprise: 'octo-ent', 'runner-group': 'arm' }))
    assert.equal(run.exitCode, 0, run.stdout)
    assert.deepEqual(calls(), [
      'GET /enterprises/octo-ent/actions/runner-groups?per_page=100&page=1',
      'POST /enterprises/octo-ent/actions/runners/generate-jitconfig',
    ])
    assert.equal(JSON.parse(github.requests[1].body).runner_group_id, 2)
  })

  test('an unknown group fails before any registration, naming it and listing 20 that exist and the count of the rest', async () => {
    github.setRunnerGroups(ORG, groupNames(130))
    const run = await runAction(jit({ 'runner-group': 'gpu' }))
    assert.equal(run.exitCode, 1)
    assert.ok(!calls().some((call) => call.startsWith('POST')), calls().join('\n'))
    assert.deepEqual(calls(), [
      `GET ${ORG}/actions/runner-groups?per_page=100&page=1`,
      `GET ${ORG}/actions/runner-groups?per_page=100&page=2`,
    ])
    const error = errorLine(run)
    assert.match(
      error,
      /No runner group is named "gpu" in organization octo-org \(names are compared ignoring case\)\. It has 130: "Default" \(id 1\), "team-2" \(id 2\), /,
    )
    assert.match(error, /"team-20" \(id 20\), and 110 more\. Check "runner-group", or set "runner-group-id" instead\.$/)
    assert.ok(!error.includes('"team-21"'))
    assert.deepEqual(github.runners, [])
    assert.equal(run.outputs.attempts, '0')
  })

  const refused: { name: string; extra: Record<string, string>; expect: RegExp }[] = [
    {
      name: 'runner-group and runner-group-id both given',
      extra: { 'runner-group': 'gpu', 'runner-group-id': '3' },
      expect: /Set at most one of inputs "runner-group" and "runner-group-id"; got runner-group "gpu" and runner-group-id "3"\./,
    },
    {
      name: 'runner-group at repository scope',
      extra: { organization: '', repository: 'octo-org/octo-repo', 'runner-group': 'gpu' },
      expect: /Input "runner-group" needs organization or enterprise scope: a repository has no runner groups/,
    },
    {
      name: 'runner-group with a token type',
      extra: { type: 'registration', 'runner-group': 'gpu' },
      expect: /Input(s "labels" and)? "runner-group" apply?(ies)? only to type "jit", but "type" is "registration"/,
    },
    {
      name: 'runner-group-id with a token type',
      extra: { type: 'remove', 'runner-group-id': '2' },
      expect: /"runner-group-id" apply?(ies)? only to type "jit", but "type" is "remove"/,
    },
    {
      name: 'a spread as long as the timeout',
      extra: { spread: '1m', timeout: '1m' },
      expect: /Input "spread" \("1m"\) must be shorter than "timeout" \("1m"\)/,
    },
  ]
  for (const { name, extra, expect } of refused) {
    test(`${name}: an input error and no request`, async () => {
      const run = await runAction(jit(extra))
      assert.equal(run.exitCode, 1)
      assert.match(errorLine(run), expect)
      assert.equal(github.requests.length, 0)
    })
  }
})

describe('GitHub Enterprise Server', () => {
  const ghesInputs = (url: string, extra: Record<string, string> = {}) => jit({ 'api-url': url, ...extra })

  test('GHES 3.9 answers generate-jitconfig 404: fails at once, one POST, naming the version and type: registration', async () => {
    const ghes = new GitHubStandIn({ acceptToken: TOKEN, prefix: '/api/v3', enterpriseVersion: '3.9.2' })
    const url = await ghes.start()
    try {
      const run = await runAction(ghesInputs(url))
      assert.equal(run.exitCode, 1)
      assert.deepEqual(calls(ghes), [`POST /api/v3${JITCONFIG}`])
      assert.equal(ghes.requests[0].status, 404)
      assert.equal(
        errorLine(run).replace(/ \(GitHub request id [^)]+\)$/, ''),
        '::error::Runner "' +
          JSON.parse(ghes.requests[0].body).name +
          '": This GitHub Enterprise Server is version 3.9.2, and just-in-time runners (generate-jitconfig) need GHES 3.10 or newer (GitHub answered 404). Set "type" to "registration" to mint a registration token and register runners with config.sh, or upgrade the server.',
      )
      assert.match(errorLine(run), /\(GitHub request id STAND-IN:\w+\)$/)
      assert.equal(run.outputs.attempts, '1')

      // The same server mints a registration token, and the summary names its version.
      ghes.requests.length = 0
      const token = await runAction({ 'github-token': TOKEN, organization: 'octo-org', 'api-url': url })
      assert.equal(token.exitCode, 0, token.stdout)
      assert.match(token.summary, /<td>GitHub Enterprise Server<\/td><td>3\.9\.2<\/td>/)
    } finally {
      await ghes.close()
    }
  })

  test('GHES 3.12 registers JIT runners, and the step summary names the version', async () => {
    const ghes = new GitHubStandIn({ acceptToken: TOKEN, prefix: '/api/v3', enterpriseVersion: '3.12.4' })
    const url = await ghes.start()
    try {
      const run = await runAction(ghesInputs(url))
      assert.equal(run.exitCode, 0, run.stdout)
      assert.match(run.summary, /<td>GitHub Enterprise Server<\/td><td>3\.12\.4<\/td>/)
    } finally {
      await ghes.close()
    }
  })

  test('github.com answers carry no version, and the summary has no such row', async () => {
    const run = await runAction(jit())
    assert.equal(run.exitCode, 0, run.stdout)
    assert.ok(!run.summary.includes('Enterprise Server'), run.summary)
  })
})

describe('the rate budget before a batch', () => {
  const soon = (seconds: number) => Math.floor(Date.now() / 1000) + seconds

  test('too small, the reset after the timeout: fails at once with remaining, needed and the reset; no POST sent', async () => {
    // One more than the figures below: counting the group's runners spends one.
    github.rateLimit = { limit: 5000, remaining: 21, reset: soon(1800) }
    const run = await runAction(jit({ count: '20', 'runner-name': 'b' }))
    assert.equal(run.exitCode, 1)
    assert.deepEqual(calls(), [`GET ${ROOM()}`, 'GET /rate_limit'])
    assert.match(
      errorLine(run),
      /GitHub's rate limit for this token has 20 of 5000 requests left, and a batch of 20 runners needs about 28 \(20, and 8 for retries and recovery\); the limit resets at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z \(in (29m\d+s|30m)\), after this step's "timeout" \(5m\) runs out\. No runner was registered\./,
    )
    assert.deepEqual(github.runners, [])
    assert.equal(run.outputs.attempts, '0')
  })

  test('large enough: one GET /rate_limit, then the batch', async () => {
    github.rateLimit = { limit: 5000, remaining: 29, reset: soon(1800) }
    const run = await runAction(jit({ count: '20', 'runner-name': 'b' }))
    assert.equal(run.exitCode, 0, run.stdout)
    assert.deepEqual(calls().slice(0, 2), [`GET ${ROOM()}`, 'GET /rate_limit'])
    assert.equal(calls().filter((call) => call === `POST ${JITCONFIG}`).length, 20)
    assert.match(run.stdout, /rate limit for this token has 28 of 5000 requests left; a batch of 20 runners needs about 28/)
    assert.equal(github.runners.length, 20)
  })

  test('too small, the reset soon: it waits for the reset, says so, then registers', async () => {
    const reset = soon(2)
    github.rateLimit = { limit: 5000, remaining: 4, reset }
    const run = await runAction(jit({ count: '4', 'runner-name': 'b', timeout: '1m' }))
    assert.equal(run.exitCode, 0, run.stdout)
    assert.match(
      run.stdout,
      /has 3 of 5000 requests left, and a batch of 4 runners needs about 8 .*: waiting for the reset, the limit resets at /,
    )
    const posts = github.requests.filter((r) => r.method === 'POST')
    assert.equal(posts.length, 4)
    // Time is the behaviour here: nothing was sent before the reset (plus the action's 1 s slack).
    assert.ok(posts[0].at >= reset * 1000, `first POST ${posts[0].at - reset * 1000} ms after the reset`)
    assert.equal(github.runners.length, 4)
  })

  test('a budget check that fails does not block the batch: one line, then the registrations', async () => {
    github.faults.push({ pass: true }, { status: 503, body: { message: 'Service Unavailable' } }) // the group's count passes
    const run = await runAction(jit({ count: '3', 'runner-name': 'b' }))
    assert.equal(run.exitCode, 0, run.stdout)
    assert.deepEqual(calls(), [`GET ${ROOM()}`, 'GET /rate_limit', `POST ${JITCONFIG}`, `POST ${JITCONFIG}`, `POST ${JITCONFIG}`])
    assert.match(
      run.stdout,
      /Could not check the rate limit before the batch \(GET \/rate_limit answered 503: "Service Unavailable" \[request id STAND-IN:\w+\]\); registering without the check\./,
    )
    assert.ok(!run.lines.some((line) => line.startsWith('::warning::') || line.startsWith('::error::')), run.stdout)
  })

  test('GHES with rate limiting disabled (404): the batch runs', async () => {
    github.rateLimit = 'disabled'
    const run = await runAction(jit({ count: '2', 'runner-name': 'b' }))
    assert.equal(run.exitCode, 0, run.stdout)
    assert.match(run.stdout, /GET \/rate_limit answered 404: "Rate limiting is not enabled\."/)
    assert.equal(github.runners.length, 2)
  })

  test('a single runner has no budget check', async () => {
    const run = await runAction(jit())
    assert.equal(run.exitCode, 0, run.stdout)
    assert.deepEqual(calls(), [`POST ${JITCONFIG}`])
  })
})

describe('spread', () => {
  /** The delay the action drew, from its log line. */
  const drawnMs = (stdout: string): number => {
    const match = /Waiting (\d+(?:\.\d+)?)(ms|s) before the first request \("spread": a random wait of up to 3s\)\./.exec(stdout)
    assert.ok(match, stdout)
    return Number(match[1]) * (match[2] === 's' ? 1000 : 1)
  }

  test('delays the first request by a random part of the spread, within its bound and within timeout', async () => {
    for (let i = 0; i < 2; i++) {
      github.requests.length = 0
      const run = await runAction({
        'github-token': TOKEN,
        repository: 'octo-org/octo-repo',
        'api-url': apiUrl,
        spread: '3s',
        timeout: '10s',
      })
      assert.equal(run.exitCode, 0, run.stdout)
      const delay = drawnMs(run.stdout)
      // The log rounds to a tenth of a second: a draw of 2960 ms reads "3s".
      assert.ok(delay >= 0 && delay <= 3000, `drew ${delay} ms`)
      const first = github.requests[0].at - run.startedAt
      // Time is the behaviour: at least the drawn wait after the process started (formatMs rounds
      // seconds to a tenth, so allow 50 ms), and generously within the 10 s timeout.
      assert.ok(first >= delay - 50, `first request ${first} ms after the start, drawn ${delay} ms`)
      assert.ok(first < 10_000, `first request ${first} ms after the start`)
      assert.ok(run.durationMs < 10_000 + 5000, `took ${run.durationMs} ms`)
    }
  })

  test('a JIT batch spreads once per step, not once per runner', async () => {
    const run = await runAction(jit({ spread: '300ms', count: '3', 'runner-name': 'b' }))
    assert.equal(run.exitCode, 0, run.stdout)
    assert.equal(run.stdout.match(/before the first request \("spread"/g)?.length, 1)
    assert.equal(github.runners.length, 3)
  })
})

describe('the command', () => {
  test('--runner-group and --spread', async () => {
    github.setRunnerGroups(ORG, ['Default', 'gpu'])
    const run = await runCli(
      [
        '--organization',
        'octo-org',
        '--api-url',
        apiUrl,
        '--type',
        'jit',
        '--labels',
        'self-hosted',
        '--runner-group',
        'GPU',
        '--spread',
        '200ms',
        '--json',
      ],
      { GITHUB_TOKEN: TOKEN },
    )
    assert.equal(run.exitCode, 0, run.stderr)
    assert.match(run.stderr, /Waiting \d+ms before the first request \("spread": a random wait of up to 200ms\)\./)
    assert.match(run.stderr, /Runner group "gpu" has id 2\./)
    assert.equal(JSON.parse(github.requests.at(-1)!.body).runner_group_id, 2)
    assert.equal(JSON.parse(run.stdout).runners.length, 1)
    assertNoLeakOnStderr(run, [TOKEN, ...github.minted])
  })

  test('an unknown group and a spread too long are reported in the words of the command line', async () => {
    const unknown = await runCli(
      ['--organization', 'octo-org', '--api-url', apiUrl, '--type', 'jit', '--labels', 'self-hosted', '--runner-group', 'gpu'],
      { GITHUB_TOKEN: TOKEN },
    )
    assert.equal(unknown.exitCode, 1)
    assert.match(
      unknown.stderr,
      /No runner group is named "gpu" in organization octo-org .* Check --runner-group, or set --runner-group-id instead\.\n$/,
    )
    github.requests.length = 0
    const long = await runCli(['--organization', 'octo-org', '--api-url', apiUrl, '--spread', '6m'], { GITHUB_TOKEN: TOKEN })
    assert.equal(long.exitCode, 2)
    assert.match(long.stderr, /Option --spread \("6m"\) must be shorter than --timeout \("5m"\)/)
    assert.equal(github.requests.length, 0)
  })
})
