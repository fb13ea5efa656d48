// Unit tests for the fleet-scale additions: the inputs (spread, runner-group), the start spread,
// the runner-group lookup, the rate budget and the GHES version check. Pure parts directly; the
// parts that talk to GitHub against the loopback stand-in with a fake clock, so waits are exact.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { type Config, parseInputs } from '../../src/inputs.js'
import { InputError } from '../../src/input-values.js'
import { spreadDelayMs, waitSpread } from '../../src/spread.js'
import { explainJitUnsupported, parseServerVersion, predatesJit } from '../../src/ghes.js'
import { type CoreLimit, checkRateBudget, judgeBudget, parseCoreLimit, requestsNeeded } from '../../src/rate-budget.js'
import {
  GROUPS_PER_PAGE,
  LISTED_GROUPS,
  groupsUrl,
  matchGroup,
  parseGroupPage,
  resolveRunnerGroup,
  unknownGroupMessage,
} from '../../src/jit/groups.js'
import { MintError, mintToken } from '../../src/mint.js'
import { formatMs } from '../../src/duration.js'
import { mintRunners } from '../../src/jit/batch.js'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { GitHubContract } from '../support/github-contract.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { FakeClock } from '../support/fake-clock.js'

const read = (inputs: Record<string, string>) => (name: string) => inputs[name] ?? ''
const org = { 'github-token': 't', organization: 'octo-org', type: 'jit', labels: 'self-hosted' }

/** The exact InputError message for `inputs`. */
function inputError(inputs: Record<string, string>): string {
  try {
    parseInputs(read(inputs))
  } catch (error) {
    assert.ok(error instanceof InputError, String(error))
    return error.message
  }
  assert.fail(`accepted ${JSON.stringify(inputs)}`)
}

describe('inputs', () => {
  test('spread: a duration, 0 by default, for every type', () => {
    assert.equal(parseInputs(read({ 'github-token': 't', repository: 'o/r' })).spreadMs, 0)
    assert.equal(parseInputs(read({ 'github-token': 't', repository: 'o/r', spread: '20s' })).spreadMs, 20_000)
    assert.equal(parseInputs(read({ ...org, spread: '1.5' })).spreadMs, 1500)
    assert.match(inputError({ 'github-token': 't', repository: 'o/r', spread: 'soon' }), /^Input "spread" must be a duration 0 or more/)
  })

  test('spread: shorter than timeout, since it is spent inside it', () => {
    assert.equal(parseInputs(read({ 'github-token': 't', repository: 'o/r', spread: '59s', timeout: '1m' })).spreadMs, 59_000)
    assert.equal(
      inputError({ 'github-token': 't', repository: 'o/r', spread: '1m', timeout: '1m' }),
      'Input "spread" ("1m") must be shorter than "timeout" ("1m"): the wait before the first request is part of the timeout.',
    )
    assert.match(
      inputError({ 'github-token': 't', repository: 'o/r', spread: '6m' }),
      /^Input "spread" \("6m"\) must be shorter than "timeout" \("5m"\)/,
    )
  })

  test('runner-group: a name, kept as given (trimmed); the id stays 1 until it is looked up', () => {
    assert.deepEqual(parseInputs(read({ ...org, 'runner-group': ' GPU runners ' })).jit, {
      labels: ['self-hosted'],
      runnerGroupId: 1,
      runnerGroup: 'GPU runners',
      workFolder: '_work',
      count: 1,
      cleanupOnFailure: true,
    })
    assert.equal(parseInputs(read({ ...org, 'runner-group-id': '7' })).jit?.runnerGroup, undefined)
    assert.equal(parseInputs(read({ ...org, organization: '', enterprise: 'octo-ent', 'runner-group': 'gpu' })).jit?.runnerGroup, 'gpu')
  })

  test('runner-group and runner-group-id together are an error', () => {
    assert.equal(
      inputError({ ...org, 'runner-group': 'gpu', 'runner-group-id': '3' }),
      'Set at most one of inputs "runner-group" and "runner-group-id"; got runner-group "gpu" and runner-group-id "3".',
    )
  })

  test('runner-group at repository scope is an error: a repository has no runner groups', () => {
    assert.equal(
      inputError({ ...org, organization: '', repository: 'octo-org/octo-repo', 'runner-group': 'gpu' }),
      'Input "runner-group" needs organization or enterprise scope: a repository has no runner groups (its runners join the default group); got "gpu" for repository octo-org/octo-repo.',
    )
  })

  test('runner-group: no control characters', () => {
    assert.equal(
      inputError({ ...org, 'runner-group': 'a\tb' }),
      'Input "runner-group" must be a runner group\'s name, without control characters; got "a\\tb".',
    )
  })

  test('runner-group and runner-group-id apply only to type jit', () => {
    for (const type of ['registration', 'remove']) {
      for (const name of ['runner-group', 'runner-group-id']) {
        assert.equal(
          inputError({ ...org, labels: '', type, [name]: '3' }),
          `Input "${name}" applies only to type "jit", but "type" is "${type}"; remove it, or set "type" to "jit".`,
        )
      }
    }
  })
})

describe('the start spread', () => {
  test('uniform in [0, spread): the random number scales it, rounded down', () => {
    assert.equal(spreadDelayMs(4000, 0), 0)
    assert.equal(spreadDelayMs(4000, 0.5), 2000)
    assert.equal(spreadDelayMs(4000, 0.99999), 3999)
    assert.equal(spreadDelayMs(1000, 0.1234), 123)
  })

  test('waits the drawn delay on the injected clock and says so; 0 draws nothing and waits nothing', async () => {
    const clock = new FakeClock()
    const log: string[] = []
    let draws = 0
    const random = () => (draws++, 0.25)
    assert.equal(await waitSpread(8000, { clock, random, log: (line) => log.push(line) }), 2000)
    assert.deepEqual(clock.sleeps, [2000])
    assert.deepEqual(log, ['Waiting 2s before the first request ("spread": a random wait of up to 8s).'])
    assert.equal(await waitSpread(0, { clock, random, log: (line) => log.push(line) }), 0)
    assert.equal(await waitSpread(undefined, { clock, random, log: (line) => log.push(line) }), 0)
    assert.equal(draws, 1)
    assert.deepEqual(clock.sleeps, [2000])
  })
})

test('formatMs rounds to whole seconds before it splits minutes, so a reset in 29m59.6s reads 30m', () => {
  assert.deepEqual([119_600, 1_799_600, 1_799_400, 125_000].map(formatMs), ['2m', '30m', '29m59s', '2m5s'])
})

describe('GHES versions', () => {
  test('major and minor of the header, whatever follows', () => {
    assert.deepEqual(parseServerVersion('3.9.2'), { major: 3, minor: 9 })
    assert.deepEqual(parseServerVersion('3.10.0-rc1'), { major: 3, minor: 10 })
    assert.deepEqual(parseServerVersion('3.12'), { major: 3, minor: 12 })
    assert.equal(parseServerVersion('enterprise'), undefined)
    assert.equal(parseServerVersion('3'), undefined)
  })
  test('JIT from 3.10 on; an unreadable version is not judged', () => {
    for (const v of ['2.22.1', '3.0.0', '3.9.9']) assert.equal(predatesJit(v), true, v)
    for (const v of ['3.10.0', '3.19.1', '4.0.0', 'garbage']) assert.equal(predatesJit(v), false, v)
  })
  test('only a 404 that names a version below 3.10 is explained as JIT missing', () => {
    const answer = (status: number, version?: string) =>
      ({ kind: 'response', status, headers: version ? { 'x-github-enterprise-version': version } : {} }) as const
    assert.equal(
      explainJitUnsupported(answer(404, '3.9.2')),
      'This GitHub Enterprise Server is version 3.9.2, and just-in-time runners (generate-jitconfig) need GHES 3.10 or newer (GitHub answered 404). Set "type" to "registration" to mint a registration token and register runners with config.sh, or upgrade the server.',
    )
    assert.equal(explainJitUnsupported(answer(404, '3.10.1')), undefined)
    assert.equal(explainJitUnsupported(answer(404)), undefined)
    assert.equal(explainJitUnsupported(answer(403, '3.9.2')), undefined)
    assert.equal(explainJitUnsupported({ kind: 'network', code: 'ECONNRESET' }), undefined)
  })
})

describe('runner groups, pure', () => {
  test('the listing URL: per scope, 100 a page', () => {
    const base = { apiUrl: 'https://ghes.example/api/v3' }
    assert.equal(
      groupsUrl({ ...base, scope: { kind: 'organization', name: 'o' } }, 2),
      'https://ghes.example/api/v3/orgs/o/actions/runner-groups?per_page=100&page=2',
    )
    assert.equal(
      groupsUrl({ ...base, scope: { kind: 'enterprise', name: 'e' } }, 1),
      'https://ghes.example/api/v3/enterprises/e/actions/runner-groups?per_page=100&page=1',
    )
    assert.equal(GROUPS_PER_PAGE, 100)
  })

  test('a page: total_count and the id and name of each group; anything else is unreadable', () => {
    assert.deepEqual(parseGroupPage('{"total_count":2,"runner_groups":[{"id":1,"name":"Default","default":true},{"id":4,"name":"gpu"}]}'), {
      totalCount: 2,
      groups: [
        { id: 1, name: 'Default' },
        { id: 4, name: 'gpu' },
      ],
    })
    for (const body of [
      '<html>',
      'null',
      '{"runner_groups":[]}',
      '{"total_count":-1,"runner_groups":[]}',
      '{"total_count":1}',
      '{"total_count":1,"runner_groups":[{"id":"1","name":"x"}]}',
      '{"total_count":1,"runner_groups":[{"id":0,"name":"x"}]}',
      '{"total_count":1,"runner_groups":[{"id":1,"name":""}]}',
      '{"total_count":1,"runner_groups":[null]}',
    ]) {
      assert.equal(parseGroupPage(body), undefined, body)
    }
  })

  test('names match ignoring case; an exact match wins; two candidates are ambiguous', () => {
    const groups = [
      { id: 1, name: 'Default' },
      { id: 2, name: 'GPU' },
      { id: 3, name: 'gpu' },
      { id: 4, name: 'Linux' },
    ]
    assert.deepEqual(matchGroup(groups, 'linux'), { group: { id: 4, name: 'Linux' } })
    assert.deepEqual(matchGroup(groups, 'gpu'), { group: { id: 3, name: 'gpu' } })
    assert.deepEqual(matchGroup(groups, 'Gpu'), { ambiguous: [groups[1], groups[2]] })
    assert.equal(matchGroup(groups, 'arm'), undefined)
    assert.equal(matchGroup(groups, 'gp'), undefined)
  })

  test('an unknown name: the groups that exist, at most 20, and how many more', () => {
    const scope = { scope: { kind: 'organization', name: 'o' } } as const
    assert.equal(
      unknownGroupMessage('arm', [{ id: 1, name: 'Default' }], 1, scope),
      'No runner group is named "arm" in organization o (names are compared ignoring case). It has 1: "Default" (id 1). Check "runner-group", or set "runner-group-id" instead.',
    )
    const many = Array.from({ length: 45 }, (_, i) => ({ id: i + 1, name: `g${i + 1}` }))
    const message = unknownGroupMessage('arm', many, 45, scope)
    assert.match(message, /It has 45: "g1" \(id 1\), .*"g20" \(id 20\), and 25 more\. Check/)
    assert.ok(!message.includes('"g21"'))
    assert.equal(LISTED_GROUPS, 20)
    assert.match(unknownGroupMessage('arm', [], 0, scope), /GitHub lists no runner groups there\./)
    // A name from the server is quoted and escaped: it cannot break the one-line message.
    assert.match(unknownGroupMessage('x', [{ id: 9, name: 'a\nb' }], 1, scope), /"a\\nb" \(id 9\)/)
  })
})

describe('rate budget, pure', () => {
  test('needed: N, a quarter more rounded up, and 3 for a recovery', () => {
    assert.equal(requestsNeeded(2), 2 + 1 + 3)
    assert.equal(requestsNeeded(4), 4 + 1 + 3)
    assert.equal(requestsNeeded(5), 5 + 2 + 3)
    assert.equal(requestsNeeded(100), 100 + 25 + 3)
  })

  test('resources.core of GET /rate_limit, reset in epoch seconds', () => {
    const body = { resources: { core: { limit: 5000, remaining: 12, reset: 1_700_000_100, used: 4988 } }, rate: {} }
    assert.deepEqual(parseCoreLimit(JSON.stringify(body)), { limit: 5000, remaining: 12, resetMs: 1_700_000_100_000 })
    for (const bad of ['<html>', 'null', '{}', '{"resources":{}}', '{"resources":{"core":{"limit":1,"remaining":"1","reset":1}}}']) {
      assert.equal(parseCoreLimit(bad), undefined, bad)
    }
  })

  test('enough: go; too little: wait for a reset before the deadline, else fail', () => {
    const now = 1_000_000
    const core = (remaining: number, resetMs: number): CoreLimit => ({ limit: 5000, remaining, resetMs })
    assert.deepEqual(judgeBudget(core(53, now + 60_000), 53, now, now + 30_000), { action: 'go' })
    assert.deepEqual(judgeBudget(core(52, now + 10_000), 53, now, now + 30_000), { action: 'wait', untilMs: now + 11_000 })
    assert.deepEqual(judgeBudget(core(52, now + 29_000), 53, now, now + 30_000), { action: 'fail' })
    assert.deepEqual(judgeBudget(core(0, now + 60_000), 53, now, now + 30_000), { action: 'fail' })
    // A reset already past (the figure is stale): wait only the slack.
    assert.deepEqual(judgeBudget(core(0, now - 5000), 53, now, now + 30_000), { action: 'wait', untilMs: now })
  })
})

describe("the contract covers the new requests and the stand-in's new answers", () => {
  const contract = new GitHubContract()
  const get = (url: string) => contract.checkRequest({ method: 'GET', url, headers: {}, body: '' })

  test('the runner-group listings and GET /rate_limit are documented requests; a wrong query is caught', () => {
    assert.deepEqual(get('/orgs/o/actions/runner-groups?per_page=100&page=2').violations, [])
    assert.deepEqual(get('/enterprises/e/actions/runner-groups?per_page=100&page=1').violations, [])
    assert.deepEqual(get('/rate_limit').violations, [])
    assert.match(get('/orgs/o/actions/runner-groups?page=two').violations[0], /query parameter "page".* must be integer/)
    assert.match(get('/repos/o/r/actions/runner-groups').violations[0], /no documented path matches/)
  })

  test("the stand-in's listings, rate limit and GHES answers match the description; a wrong one is caught", async () => {
    const github = new GitHubStandIn({ enterpriseVersion: '3.9.0' })
    const url = await github.start()
    github.setRunnerGroups('/orgs/o', ['Default', { name: 'shared', inherited: true }, 'gpu'])
    github.setRunnerGroups('/enterprises/e', ['Default', 'arm'])
    for (const path of ['/orgs/o/actions/runner-groups?per_page=2&page=2', '/enterprises/e/actions/runner-groups', '/rate_limit']) {
      const response = await fetch(`${url}${path}`)
      assert.equal(response.status, 200, path)
      assert.equal(response.headers.get('x-github-enterprise-version'), '3.9.0')
      await response.text()
    }
    const jit = await fetch(`${url}/orgs/o/actions/runners/generate-jitconfig`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'r', runner_group_id: 1, labels: ['x'] }),
    })
    assert.equal(jit.status, 404)
    await jit.text()
    github.rateLimit = 'disabled'
    assert.equal(await fetch(`${url}/rate_limit`).then(async (r) => (await r.text(), r.status)), 404)
    assert.deepEqual(github.contractViolations, [])
    github.faults.push({ status: 200, body: { rate: {} } })
    await fetch(`${url}/rate_limit`).then((r) => r.text())
    await assert.rejects(github.close(), /GET \/rate_limit answered 200: \(root\) must have required property 'resources'/)
  })
})

describe('against the stand-in, with a fake clock', () => {
  const TOKEN = 'ghp_FleetUnitCallerToken0123456789'
  const github = new GitHubStandIn({ acceptToken: TOKEN })
  let apiUrl: string
  useStandIn(github, (url) => (apiUrl = url))

  const config = (jit: Partial<NonNullable<Config['jit']>> = {}, overrides: Partial<Config> = {}): Config => ({
    githubToken: TOKEN,
    scope: { kind: 'organization', name: 'octo-org' },
    type: 'jit',
    apiUrl,
    maxAttempts: 4,
    initialDelayMs: 1000,
    maxDelayMs: 30_000,
    timeoutMs: 300_000,
    attemptTimeoutMs: 5000,
    jitter: 'none',
    jit: { labels: ['self-hosted'], runnerGroupId: 1, workFolder: '_work', count: 1, cleanupOnFailure: true, ...jit },
    ...overrides,
  })
  const deps = (clock = new FakeClock(Date.now())) => {
    const log: string[] = []
    return { clock, random: () => 0.5, log: (line: string) => void log.push(line), lines: log }
  }

  test('a group on the second page, found ignoring case; every page read once', async () => {
    github.setRunnerGroups('/orgs/octo-org', [...Array.from({ length: 100 }, (_, i) => `group-${i + 1}`), 'Big GPUs'])
    const d = deps()
    const id = await resolveRunnerGroup(config({ runnerGroup: 'big gpus' }), d.clock.now() + 60_000, d)
    assert.equal(id, 101)
    assert.deepEqual(
      github.requests.map((r) => r.path),
      ['/orgs/octo-org/actions/runner-groups?per_page=100&page=1', '/orgs/octo-org/actions/runner-groups?per_page=100&page=2'],
    )
    assert.deepEqual(d.lines, ['Runner group "Big GPUs" has id 101.'])
  })

  test('a failed page is retried from that page, not from the first', async () => {
    github.setRunnerGroups('/enterprises/octo-ent', [...Array.from({ length: 100 }, (_, i) => `g${i}`), 'arm'])
    github.faults.push({ pass: true }, { status: 502 })
    const d = deps()
    const id = await resolveRunnerGroup(
      config({ runnerGroup: 'arm' }, { scope: { kind: 'enterprise', name: 'octo-ent' } }),
      d.clock.now() + 60_000,
      d,
    )
    assert.equal(id, 101)
    assert.deepEqual(
      github.requests.map((r) => new URL(r.path, 'http://x').searchParams.get('page')),
      ['1', '2', '2'],
    )
    assert.deepEqual(d.clock.sleeps, [1000])
    assert.match(d.lines[0], /^Listing runner groups: Attempt 1\/4 failed: HTTP 502 \[request id STAND-IN:\w+\]; retrying in 1s\.$/)
  })

  test('a listing that cannot be read fails with a MintError that says so', async () => {
    github.faults.push({ status: 403, body: { message: 'Resource not accessible by integration' } })
    const d = deps()
    const error = await resolveRunnerGroup(config({ runnerGroup: 'gpu' }), d.clock.now() + 60_000, d).catch((e: unknown) => e)
    assert.ok(error instanceof MintError)
    assert.match(
      error.message,
      /^Could not list the runner groups of organization octo-org to find "gpu": The token may not manage self-hosted runners for organization octo-org \(403\)/,
    )
    assert.equal(github.requests.length, 1)
  })

  test('two groups of one name ignoring case: ambiguous, the id decides', async () => {
    github.setRunnerGroups('/orgs/octo-org', ['Default', { name: 'GPU', inherited: true }, 'Gpu'])
    const d = deps()
    const error = await resolveRunnerGroup(config({ runnerGroup: 'gpu' }), d.clock.now() + 60_000, d).catch((e: unknown) => e)
    assert.ok(error instanceof MintError)
    assert.equal(
      error.message,
      '2 runner groups of organization octo-org are named "gpu" ignoring case: "GPU" (id 2), "Gpu" (id 3). Set "runner-group-id" to the one you mean.',
    )
  })

  test('the budget check: one GET /rate_limit, free, that passes a batch it has room for', async () => {
    github.rateLimit = { limit: 5000, remaining: requestsNeeded(4), reset: Math.floor(Date.now() / 1000) + 3600 }
    const d = deps()
    await checkRateBudget(config({ count: 4 }), 4, d.clock.now() + 60_000, d)
    assert.deepEqual(
      github.requests.map((r) => `${r.method} ${r.path}`),
      ['GET /rate_limit'],
    )
    assert.deepEqual(d.lines, [
      "GitHub's rate limit for this token has 8 of 5000 requests left; a batch of 4 runners needs about 8 (4, and 4 for retries and recovery).",
    ])
    assert.equal(github.rateLimit.remaining, 8, 'GET /rate_limit costs nothing')
  })

  test('the budget check: too little, reset before the deadline: waits until one second after it', async () => {
    const clock = new FakeClock(Date.now())
    const resetS = Math.floor(clock.now() / 1000) + 20
    github.rateLimit = { limit: 5000, remaining: 7, reset: resetS }
    const d = deps(clock)
    await checkRateBudget(config({ count: 4 }), 4, clock.now() + 60_000, d)
    // Measured against the answer's Date header, GitHub's clock in whole seconds: up to a second later.
    assert.ok(
      clock.now() >= resetS * 1000 + 1000 && clock.now() < resetS * 1000 + 2000,
      `woke at ${clock.now() - resetS * 1000}ms after the reset`,
    )
    assert.match(
      d.lines[0],
      /has 7 of 5000 requests left, and a batch of 4 runners needs about 8 .*: waiting for the reset, the limit resets at \S+Z \(in \d+(\.\d)?s\)\.$/,
    )
  })

  test('the budget check: too little, reset after the deadline: a MintError at once, no wait', async () => {
    const clock = new FakeClock(Date.now())
    github.rateLimit = { limit: 5000, remaining: 7, reset: Math.floor(clock.now() / 1000) + 600 }
    const d = deps(clock)
    const error = await checkRateBudget(config({ count: 4 }, { timeoutMs: 60_000 }), 4, clock.now() + 60_000, d).catch((e: unknown) => e)
    assert.ok(error instanceof MintError)
    assert.match(
      error.message,
      /^GitHub's rate limit for this token has 7 of 5000 requests left, and a batch of 4 runners needs about 8 \(4, and 4 for retries and recovery\); the limit resets at \S+Z \(in \d+m\d*s?\), after this step's "timeout" \(1m\) runs out\. No runner was registered\./,
    )
    assert.equal(error.attempts, 0)
    assert.deepEqual(clock.sleeps, [])
  })

  test('the budget check cannot be made: one line, and the batch goes on', async () => {
    for (const [fault, said] of [
      [{ status: 500 }, /GET \/rate_limit answered 500: "Internal Server Error" \[request id STAND-IN:\w+\]/],
      [{ status: 200, body: { rate: {} } }, /GET \/rate_limit answered 200 without a readable resources\.core/],
      [{ reset: true }, /GET \/rate_limit failed: /],
    ] as const) {
      github.requests.length = 0
      github.faults.push({ ...fault, offContract: 'a broken rate-limit answer' })
      const d = deps()
      await checkRateBudget(config({ count: 4 }), 4, d.clock.now() + 60_000, d)
      assert.equal(github.requests.length, 1)
      assert.equal(d.lines.length, 1)
      assert.match(d.lines[0], /^Could not check the rate limit before the batch \(/)
      assert.match(d.lines[0], said)
      assert.match(d.lines[0], /; registering without the check\.$/)
    }
  })

  test('GHES with rate limiting disabled: GET /rate_limit is 404, the check says there are no limits (nothing to pace) and goes on', async () => {
    github.rateLimit = 'disabled'
    const d = deps()
    assert.equal(await checkRateBudget(config({ count: 4 }), 4, d.clock.now() + 60_000, d), false)
    assert.match(
      d.lines[0],
      /^GitHub has no rate limits here \(GET \/rate_limit answered 404 \[request id STAND-IN:\w+\], .*writes are not paced\.$/,
    )
  })

  test('a token mint: the spread is waited before the first request and inside the timeout', async () => {
    const clock = new FakeClock(Date.now())
    const minted = await mintToken(config({}, { type: 'registration', jit: undefined, spreadMs: 10_000, timeoutMs: 12_000 }), {
      clock,
      random: () => 0.75,
      log: () => {},
    })
    assert.equal(minted.attempts, 1)
    assert.deepEqual(clock.sleeps, [7500])
  })

  test('a token mint: the spread eats into the deadline, so a retry that would pass it is not made', async () => {
    const clock = new FakeClock(Date.now())
    github.faults.push({ status: 502 })
    const error = await mintToken(config({}, { type: 'registration', jit: undefined, spreadMs: 9500, timeoutMs: 9600 }), {
      clock,
      random: () => 0.85,
      log: () => {},
    }).catch((e: unknown) => e)
    assert.ok(error instanceof MintError, String(error))
    // 8075 ms of spread, then a 502; the 1 s wait would end at 9.1 s, past the last useful start (8.64 s).
    assert.match(error.message, /the next wait \(1s\) would pass the 9\.6s "timeout"/)
    assert.deepEqual(clock.sleeps, [8075])
    assert.equal(github.requests.length, 1)
  })

  test('a token mint: a spread that leaves less than a useful attempt sends nothing and says the spread used the time', async () => {
    const clock = new FakeClock(Date.now())
    const error = await mintToken(config({}, { type: 'registration', jit: undefined, spreadMs: 9500, timeoutMs: 9600 }), {
      clock,
      random: () => 0.99,
      log: () => {},
    }).catch((e: unknown) => e)
    assert.ok(error instanceof MintError, String(error))
    // 9405 ms of spread leaves 195 ms: less than the 960 ms a first attempt needs here.
    assert.equal(
      error.message,
      'The start spread ("spread", 9.5s) waited 9.4s of the 9.6s "timeout", leaving too little for a request; none was sent. Make "spread" shorter, or "timeout" longer.',
    )
    assert.equal(error.attempts, 0)
    assert.equal(github.requests.length, 0)
  })

  test('a JIT batch: one spread for the step, then the group, then the budget, then the registrations', async () => {
    github.setRunnerGroups('/orgs/octo-org', ['Default', 'gpu'])
    const clock = new FakeClock(Date.now())
    // The first draw is the spread's (0.5 of 4 s); the names' suffixes need draws that differ.
    let draw = 0
    const d = { ...deps(clock), random: () => (draw++ === 0 ? 0.5 : (draw * 0.137) % 1) }
    const { runners } = await mintRunners(config({ runnerGroup: 'GPU', count: 3, runnerName: 'b' }, { spreadMs: 4000 }), {}, d)
    assert.equal(runners.length, 3)
    assert.deepEqual(clock.sleeps.slice(0, 1), [2000])
    const calls = github.requests.map((r) => `${r.method} ${r.path.replace(/\?.*/, '')}`)
    assert.deepEqual(calls.slice(0, 2), ['GET /orgs/octo-org/actions/runner-groups', 'GET /rate_limit'])
    assert.deepEqual(calls.slice(2), Array(3).fill('POST /orgs/octo-org/actions/runners/generate-jitconfig'))
    for (const request of github.requests.slice(2)) assert.equal(JSON.parse(request.body).runner_group_id, 2)
    assert.equal(d.lines.filter((line) => line.startsWith('Waiting ')).length, 1)
  })

  test('a single runner: no rate-limit check', async () => {
    const d = deps()
    await mintRunners(config(), {}, d)
    assert.deepEqual(
      github.requests.map((r) => r.method),
      ['POST'],
    )
  })
})
