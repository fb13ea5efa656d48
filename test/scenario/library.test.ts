// The library as a Node program gets it: `import ... from 'mint-runner-token'` (the package's own
// name, resolved through package.json "exports" to the bundled dist/lib/index.js), against the
// stand-in. Minting, errors as data, cancellation with its rollback, and a process that sees
// nothing global installed and nothing printed.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { StandInApp } from '../support/github-app.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { MintRunnerTokenError, mintToken, pruneRunners, registerRunners, waitForRunners } from 'mint-runner-token'

const TOKEN = 'ghp_LibraryTestToken0123456789abcdef'
const app = new StandInApp()
const github = new GitHubStandIn({ acceptToken: TOKEN, app })
let apiUrl = ''
useStandIn(github, (url) => (apiUrl = url))

const FAST = { initialDelay: 10, maxDelay: 50 }
const repo = () => ({ repository: 'octo-org/octo-repo', auth: { token: TOKEN }, apiUrl, retry: FAST })

async function rejection(promise: Promise<unknown>): Promise<MintRunnerTokenError> {
  const error = await promise.then(
    () => assert.fail('resolved'),
    (e: unknown) => e,
  )
  assert.ok(error instanceof MintRunnerTokenError, String(error))
  return error
}

describe('mintToken', () => {
  test('mints through a 502: the token GitHub issued, its expiry, 2 attempts, the retry in the log', async () => {
    github.faults.push({ status: 502 })
    const lines: string[] = []
    const minted = await mintToken({ ...repo(), type: 'registration', log: (line) => lines.push(line) })
    assert.equal(minted.token, github.minted.at(-1))
    assert.match(minted.expiresAt, /^\d{4}-\d\d-\d\dT/)
    assert.equal(minted.attempts, 2)
    assert.deepEqual(Object.keys(minted).sort(), ['attempts', 'expiresAt', 'token'])
    assert.match(lines.join('\n'), /Attempt 1\/8 failed: HTTP 502 \[request id [^\]]+\]; retrying in/)
    assert.ok(!lines.join('\n').includes(minted.token), 'the token is never logged')
    assert.equal(github.requests.at(-1)?.path, '/repos/octo-org/octo-repo/actions/runners/registration-token')
  })

  test('a remove token for an organization, with a GitHub App (its own attempts counted)', async () => {
    const minted = await mintToken({
      organization: 'octo-org',
      type: 'remove',
      auth: { appId: app.id, privateKey: app.privateKeyPem },
      apiUrl,
      retry: FAST,
    })
    assert.equal(minted.token, github.minted.at(-1))
    assert.equal(minted.attempts, 3) // lookup, installation token, remove token
    assert.ok(github.requests.some((r) => r.path === '/orgs/octo-org/actions/runners/remove-token'))
    assert.ok(
      app.tokens.every((t) => t.revoked),
      'the installation token is revoked',
    )
  })

  const kinds: { name: string; faults: object[]; kind: string; retry?: object; match: RegExp }[] = [
    { name: '401', faults: [{ status: 401 }, { status: 401 }], kind: 'auth', match: /GitHub rejected "auth.token" \(401/ },
    { name: '403 without a rate limit', faults: [{ status: 403 }], kind: 'permission', match: /may not manage self-hosted runners/ },
    { name: '404', faults: [{ status: 404 }], kind: 'not-found', match: /was not found \(404\)/ },
    {
      name: '429 until the attempts run out',
      faults: [{ status: 429, headers: { 'retry-after': '0' } }],
      kind: 'rate-limit',
      retry: { maxAttempts: 1 },
      match: /rate/,
    },
    {
      name: '502 until the attempts run out',
      faults: [{ status: 502 }, { status: 502 }],
      kind: 'server-error',
      retry: { maxAttempts: 2 },
      match: /502/,
    },
    { name: 'a reset', faults: [{ reset: true }], kind: 'network', retry: { maxAttempts: 1 }, match: /ECONNRESET|reach GitHub/ },
    { name: 'a hang', faults: [{ hang: true }], kind: 'timeout', retry: { maxAttempts: 1, attemptTimeout: 200 }, match: /ETIMEDOUT|200ms/ },
    {
      name: 'a 201 without the documented body',
      faults: [{ status: 201, body: { nope: 1 }, offContract: 'a body GitHub does not send' }],
      kind: 'unexpected-answer',
      retry: { maxAttempts: 1 },
      match: /documented token body/,
    },
  ]
  for (const { name, faults, kind, retry, match } of kinds) {
    test(`${name}: kind "${kind}", the attempts and GitHub's request ids as data, no secret in the message`, async () => {
      github.faults.push(...(faults as never[]))
      const error = await rejection(mintToken({ ...repo(), type: 'registration', retry: { ...FAST, ...retry } }))
      assert.equal(error.name, 'MintRunnerTokenError')
      assert.equal(error.kind, kind)
      assert.match(error.message, match)
      assert.ok(!error.message.includes(TOKEN))
      assert.equal(error.attempts, github.requests.length)
      assert.equal(error.history.length, github.requests.length)
      // GitHub's request id of each attempt it answered; none where no answer came.
      const answered = kind === 'network' || kind === 'timeout' ? 0 : error.attempts
      assert.equal(error.requestIds.length, answered)
      for (const id of error.requestIds) assert.match(id, /^STAND-IN:/)
    })
  }

  test('a bad option rejects naming it, before any request', async () => {
    const error = await rejection(mintToken({ ...repo(), type: 'registration', retry: { timeout: '5 minutes' } }))
    assert.equal(error.kind, 'input')
    assert.equal(error.option, 'retry.timeout')
    assert.match(error.message, /^Option "retry.timeout" must be a duration .*got "5 minutes"\.$/)
    assert.equal(github.requests.length, 0)
  })

  test('the signal wakes a sleeping retry at once: AbortError, nothing more sent', async () => {
    github.faults.push({ status: 502 })
    const controller = new AbortController()
    const started = Date.now()
    const minting = mintToken({
      ...repo(),
      type: 'registration',
      signal: controller.signal,
      retry: { initialDelay: '20s', maxDelay: '20s', jitter: 'none' },
    })
    await github.whenRequests(1)
    setTimeout(() => controller.abort(), 50)
    const error = await rejection(minting)
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`)
    assert.equal(error.name, 'AbortError')
    assert.equal(error.kind, 'aborted')
    assert.equal(github.requests.length, 1)
  })

  test('the signal tears a request in flight down', async () => {
    github.faults.push({ hang: true })
    const controller = new AbortController()
    const minting = mintToken({ ...repo(), type: 'registration', signal: controller.signal, retry: { attemptTimeout: '30s' } })
    await github.whenRequests(1)
    const started = Date.now()
    controller.abort()
    const error = await rejection(minting)
    assert.ok(Date.now() - started < 1000)
    assert.equal(error.name, 'AbortError')
  })

  test('an aborted signal rejects before any request', async () => {
    const error = await rejection(mintToken({ ...repo(), type: 'registration', signal: AbortSignal.abort() }))
    assert.equal(error.name, 'AbortError')
    assert.equal(github.requests.length, 0)
  })
})

describe('registerRunners', () => {
  test('registers a batch: ids, names, configs, the ownership label on every runner', async () => {
    const result = await registerRunners({ ...repo(), labels: ['linux', 'gpu'], count: 3, name: 'lib' })
    assert.equal(result.runners.length, 3)
    assert.match(result.ownershipLabel, /^mrt-[a-z0-9]+-[a-z0-9]{10}$/)
    const registered = github.registry.get('/repos/octo-org/octo-repo') ?? []
    for (const runner of result.runners) {
      assert.match(runner.name, /^lib-[a-z0-9]{6}$/)
      assert.ok(github.minted.includes(runner.encodedJitConfig))
      const held = registered.find((r) => r.id === runner.id)
      assert.deepEqual(held?.labels.map((l) => l.name).sort(), ['gpu', 'linux', result.ownershipLabel].sort())
    }
    assert.equal(result.attempts, 3)
  })

  test("exclusive: GitHub receives the ownership label alone, as the runners' only label", async () => {
    const result = await registerRunners({ ...repo(), exclusive: true, count: 2 })
    const sent = github.requests.filter((r) => r.path.endsWith('/generate-jitconfig'))
    assert.equal(sent.length, 2)
    for (const request of sent) assert.deepEqual((JSON.parse(request.body) as { labels: string[] }).labels, [result.ownershipLabel])
    const registered = github.registry.get('/repos/octo-org/octo-repo') ?? []
    assert.deepEqual(
      registered.map((r) => r.labels.map((l) => l.name)),
      [[result.ownershipLabel], [result.ownershipLabel]],
    )
  })

  test('exclusive with labels is refused naming "labels", before any request', async () => {
    const error = await rejection(registerRunners({ ...repo(), exclusive: true, labels: ['linux'] } as never))
    assert.equal(error.kind, 'input')
    assert.equal(error.option, 'labels')
    assert.match(
      error.message,
      /^Option "labels" cannot be given with "exclusive" true: exclusive runners carry this call's ownership label alone/,
    )
    assert.deepEqual(github.requests, [])
  })

  test('aborted mid-batch: rolls back what it registered, then rejects with AbortError carrying the report', async () => {
    // Two registrations answered at once, two held (registered on arrival, answered late).
    github.faults.push({ method: 'POST', pass: true }, { method: 'POST', pass: true })
    github.faults.push({ method: 'POST', lateAnswer: 30_000 }, { method: 'POST', lateAnswer: 30_000 })
    const controller = new AbortController()
    const registering = registerRunners({ ...repo(), labels: ['linux'], count: 4, signal: controller.signal })
    await github.whenRequests(4, (r) => r.method === 'POST' && r.path.endsWith('/generate-jitconfig'))
    await new Promise((resolve) => setTimeout(resolve, 100))
    controller.abort()
    const error = await rejection(registering)
    assert.equal(error.name, 'AbortError')
    assert.equal(error.kind, 'aborted')
    assert.match(error.ownershipLabel ?? '', /^mrt-/)
    const report = error.rollback!
    assert.equal(report.deleted.length, 4, report.summary)
    assert.deepEqual(report.notConfirmedGone, [])
    assert.match(error.message, /^registerRunners was aborted after 4 attempt\(s\)\. Rollback: deleted all 4 \(/)
    assert.deepEqual(github.registry.get('/repos/octo-org/octo-repo'), [], 'no runner is left')
  })

  test('a runner GitHub refuses fails the batch: the others are rolled back, kind "rejected", the report as data', async () => {
    github.faults.push(
      { method: 'POST', pass: true },
      { method: 'POST', status: 422, body: { message: 'Invalid label', documentation_url: 'https://docs.github.com/rest' } },
    )
    const error = await rejection(registerRunners({ ...repo(), labels: ['linux'], count: 2 }))
    assert.equal(error.name, 'MintRunnerTokenError')
    assert.equal(error.kind, 'rejected')
    assert.equal(error.rollback?.deleted.length, 1)
    assert.match(error.message, /could not be registered.*"labels".*Rollback: deleted 1 \(/)
    assert.deepEqual(github.registry.get('/repos/octo-org/octo-repo'), [])
  })

  test('an unknown runner group is "not-found", nothing registered, an empty rollback', async () => {
    github.setRunnerGroups('/orgs/octo-org', ['Default', 'gpu'])
    const error = await rejection(
      registerRunners({ organization: 'octo-org', auth: { token: TOKEN }, apiUrl, labels: ['x'], runnerGroup: 'cpu' }),
    )
    assert.equal(error.kind, 'not-found')
    assert.equal(error.rollback?.summary, '')
    assert.ok(!github.requests.some((r) => r.path.endsWith('/generate-jitconfig')))
  })
})

/** An ownership label made `agoMs` ago, as registerRunners makes one. */
function labelMadeAgo(agoMs: number, random = 'abcdefghij'): string {
  return `mrt-${Math.floor((Date.now() - agoMs) / 1000).toString(36)}-${random}`
}
const SCOPE = '/repos/octo-org/octo-repo'

describe('waitForRunners', () => {
  test('resolves once every runner of the label is online or busy: one listing a poll, the counts and states as data', async () => {
    const { runners, ownershipLabel } = await registerRunners({ ...repo(), labels: ['linux'], count: 3 })
    github.register(SCOPE, 'someone-else', { labels: ['linux'] })
    setTimeout(() => {
      github.setRunner(runners[0].name, { status: 'online' })
      github.setRunner(runners[1].name, { status: 'online', busy: true })
      github.setRunner(runners[2].name, { status: 'online' })
    }, 300)
    const before = github.requests.length
    const report = await waitForRunners({ ...repo(), ownershipLabel, timeout: '30s' })
    assert.equal(report.done, true, report.summary)
    assert.deepEqual(report.counts, { online: 2, busy: 1, disconnected: 0, gone: 0, neverConnected: 0 })
    assert.deepEqual(report.runners.map((r) => r.name).sort(), runners.map((r) => r.name).sort())
    assert.equal(report.requests, github.requests.length - before, 'one request a poll (one page), never one per runner')
    assert.equal(report.requests, report.polls)
    assert.match(report.summary, /^Every runner with the label mrt-\S+ connected/)
  })

  test('the timeout first: resolves with done false, naming each runner that never connected; nothing deleted', async () => {
    const { runners, ownershipLabel } = await registerRunners({ ...repo(), labels: ['linux'], count: 2 })
    const report = await waitForRunners({ ...repo(), ownershipLabel, timeout: 2000 })
    assert.equal(report.done, false)
    assert.equal(report.counts.neverConnected, 2)
    for (const runner of runners) assert.ok(report.summary.includes(runner.name), report.summary)
    assert.match(report.summary, /never connected within the 2s "timeout"/)
    assert.equal(github.registry.get(SCOPE)?.length, 2)
  })

  test('aborted: AbortError at once, nothing deleted', async () => {
    const { ownershipLabel } = await registerRunners({ ...repo(), labels: ['linux'] })
    const controller = new AbortController()
    const waiting = waitForRunners({ ...repo(), ownershipLabel, timeout: '1m', signal: controller.signal })
    await github.whenRequests(github.requests.length + 1)
    const started = Date.now()
    controller.abort()
    const error = await rejection(waiting)
    assert.ok(Date.now() - started < 2000)
    assert.equal(error.name, 'AbortError')
    assert.match(
      error.message,
      /^waitForRunners was aborted after \d+ attempt\(s\)\. Stopped while waiting for the runners with the label mrt-\S+: online 0, busy 0, gone 0, never connected \d\. Nothing was deleted/,
    )
    assert.equal(github.registry.get(SCOPE)?.length, 1)
  })

  test('a label that is no ownership label is refused naming the option; retry takes no timeout here', async () => {
    const bad = await rejection(waitForRunners({ ...repo(), ownershipLabel: 'linux', timeout: '1m' }))
    assert.equal(bad.option, 'ownershipLabel')
    assert.match(bad.message, /^Option "ownershipLabel" must be an ownership label/)
    const misplaced = await rejection(
      waitForRunners({ ...repo(), ownershipLabel: labelMadeAgo(0), timeout: '1m', retry: { timeout: '1m' } as never }),
    )
    assert.equal(misplaced.option, 'retry.timeout')
    assert.equal(github.requests.length, 0)
  })
})

describe('pruneRunners', () => {
  const LABEL = labelMadeAgo(10 * 60_000)
  const batchAndNeighbours = (): void => {
    github.register(SCOPE, 'ours-idle-1', { labels: ['linux', LABEL] })
    github.register(SCOPE, 'ours-idle-2', { labels: ['linux', LABEL] })
    github.register(SCOPE, 'ours-busy', { labels: ['linux', LABEL], status: 'online', busy: true })
    github.register(SCOPE, 'other-step', { labels: ['linux', labelMadeAgo(10 * 60_000, 'otherstep0')] })
    github.register(SCOPE, 'foreign', { labels: ['linux'] })
  }
  const remaining = (): string[] => github.runners.map((r) => r.name).sort()

  test('by label: deletes the offline idle runners of the label, keeps the busy one and every other; the report as data', async () => {
    batchAndNeighbours()
    const report = await pruneRunners({ ...repo(), ownershipLabel: LABEL })
    assert.deepEqual(remaining(), ['foreign', 'other-step', 'ours-busy'])
    assert.deepEqual(report.deletes.deleted.map((r) => r.name).sort(), ['ours-idle-1', 'ours-idle-2'])
    assert.deepEqual(
      report.kept.map((r) => [r.name, r.why]),
      [['ours-busy', 'busy']],
    )
    assert.equal(report.listed, 5)
    assert.equal(report.notSelected, 2)
    assert.deepEqual(report.notConfirmedGone, [])
    assert.match(report.summary, /Deletes: deleted all 2 \(/)
  })

  test('a dry run by age deletes nothing and says what it would delete', async () => {
    batchAndNeighbours()
    const report = await pruneRunners({ ...repo(), olderThan: '5m', dryRun: true })
    assert.deepEqual(remaining(), ['foreign', 'other-step', 'ours-busy', 'ours-idle-1', 'ours-idle-2'])
    assert.deepEqual(report.wouldDelete.map((r) => r.name).sort(), ['other-step', 'ours-idle-1', 'ours-idle-2'])
    assert.equal(github.requests.filter((r) => r.method === 'DELETE').length, 0)
  })

  test('options as the action checks them: older than 5 minutes, one of label and age', async () => {
    const young = await rejection(pruneRunners({ ...repo(), olderThan: 60_000 }))
    assert.equal(young.option, 'olderThan')
    assert.match(young.message, /^Option "olderThan" must be a duration from 5m .*got 60000\.$/)
    const both = await rejection(pruneRunners({ ...repo(), ownershipLabel: LABEL, olderThan: '1h' } as never))
    assert.match(both.message, /^Set one of options "ownershipLabel" and "olderThan"/)
    const neither = await rejection(pruneRunners({ ...repo() } as never))
    assert.match(neither.message, /"ownershipLabel" or "olderThan" is required/)
    assert.equal(github.requests.length, 0)
  })
})

describe('the library in a process of its own', () => {
  test('installs no signal handler, prints nothing, patches nothing, leaves no listener on a signal used for many calls, and lets the process exit', async () => {
    const script = `
      const before = { int: process.listenerCount('SIGINT'), term: process.listenerCount('SIGTERM'), warn: process.emitWarning, exit: process.exit }
      const { mintToken } = await import('mint-runner-token')
      process.env.GITHUB_TOKEN = 'unused'
      const { getEventListeners } = await import('node:events')
      // One signal for a program's every call, as a controller's shutdown signal is: no listener may stay on it.
      const shutdown = new AbortController()
      let minted
      for (let i = 0; i < 12; i++) {
        minted = await mintToken({ repository: 'octo-org/octo-repo', type: 'registration', auth: { token: ${JSON.stringify(TOKEN)} }, apiUrl: ${JSON.stringify(apiUrl)}, signal: shutdown.signal })
      }
      if (getEventListeners(shutdown.signal, 'abort').length) throw new Error('listeners left on the caller signal')
      const after = { int: process.listenerCount('SIGINT'), term: process.listenerCount('SIGTERM'), warn: process.emitWarning, exit: process.exit }
      process.stdout.write(JSON.stringify({ minted: typeof minted.token, same: before.int === after.int && before.term === after.term && before.warn === after.warn && before.exit === after.exit, int: after.int }))
    `
    github.faults.push({ status: 502 })
    const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number }>((resolve) =>
      execFile(
        process.execPath,
        ['--input-type=module', '-e', script],
        { cwd: import.meta.dirname, timeout: 30_000 },
        (error, stdout, stderr) => resolve({ stdout, stderr, code: error ? Number(error.code) || 1 : 0 }),
      ),
    )
    assert.equal(stderr, '')
    assert.equal(code, 0)
    assert.deepEqual(JSON.parse(stdout), { minted: 'string', same: true, int: 0 })
  })
})
