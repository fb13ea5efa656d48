// post() from the sources with a recording stand-in for @actions/core against the loopback GitHub
// stand-in and a fake clock: what the post step prints for each ledger it may find, where it
// cleans up, and how a signal ends it (still reporting what may remain, with the label).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import type { Core } from '../../src/main.js'
import { POST_SIGTERM_GRACE_MS, post } from '../../src/post.js'
import { CLEANUP_PHASE_MS, REVOKE_SHARE_MS } from '../../src/step.js'
import { Ledger } from '../../src/jit/ledger.js'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { FakeClock } from '../support/fake-clock.js'

const TOKEN = 'ghp_PostUnitCallerToken0123456789'
const LABEL = 'mrt-post012345'
const REPO = '/repos/octo-org/octo-repo'
const OTHER = '/repos/octo-org/other-repo'

const github = new GitHubStandIn({ acceptToken: TOKEN })
let apiUrl: string
useStandIn(github, (url) => (apiUrl = url))

/** Every call in order, as the runner would see the workflow commands; `ledger` is the saved state. */
function recordingCore(inputs: Record<string, string>, ledger?: string) {
  const calls: string[] = []
  const core = {
    getInput: (name: string) => inputs[name] ?? '',
    setSecret: (value: string) => void calls.push(`setSecret ${value}`),
    setOutput: (name: string, value: unknown) => void calls.push(`setOutput ${name}=${String(value)}`),
    setFailed: (message: string | Error) => void calls.push(`setFailed ${String(message)}`),
    info: (message: string) => void calls.push(`info ${message}`),
    warning: (message: string | Error) => void calls.push(`warning ${String(message)}`),
    saveState: (name: string) => void calls.push(`saveState ${name}`),
    getState: (name: string) => (name === 'ledger' ? (ledger ?? '') : ''),
    summary: {},
  } as unknown as Core
  return { core, calls }
}

const inputs = (extra: Record<string, string> = {}) => ({
  'github-token': TOKEN,
  repository: 'octo-org/octo-repo',
  'api-url': apiUrl,
  type: 'jit',
  labels: 'self-hosted',
  'initial-delay': '1s',
  ...extra,
})
const deps = (extra: { signal?: AbortSignal } = {}) => ({ clock: new FakeClock(), random: () => 0.5, ...extra })

/** Runners the main step registered in `scope` (ours: they carry the label), and the ledger it saved. */
function registered(names: string[], { scope = REPO, handedOver = [] as string[], place = true } = {}) {
  const ledger = new Ledger(
    LABEL,
    () => {},
    place ? { scope: { kind: 'repository', owner: 'octo-org', repo: 'octo-repo' }, apiUrl } : undefined,
  )
  const runners = names.map((name) => github.register(scope, name, { labels: ['self-hosted', LABEL] }))
  for (const runner of runners) {
    ledger.sending(runner.name)
    ledger.registered(runner.name, runner.id)
  }
  ledger.handOver(handedOver)
  return { runners, state: ledger.toState() }
}

const aborted = (reason: string): AbortSignal => {
  const cancel = new AbortController()
  cancel.abort(reason)
  return cancel.signal
}
const notMasks = (calls: string[]) => calls.filter((c) => !c.startsWith('setSecret'))
const sent = () => github.requests.map((r) => `${r.method} ${r.path}`)

describe('post: what it finds', () => {
  test('no ledger (a token step, or nothing registered): the token is masked, one line says so, nothing is sent', async () => {
    const { core, calls } = recordingCore(inputs())
    await post(core, {}, deps())
    assert.deepEqual(calls, [
      `setSecret ${TOKEN}`,
      'info Nothing to clean up: the main step saved no list of just-in-time runners, so it registered none.',
    ])
    assert.deepEqual(github.requests, [])
  })

  test('an unreadable ledger: one warning, nothing removed', async () => {
    const { core, calls } = recordingCore(inputs(), '{"label":"not-ours","runners":[]}')
    await post(core, {}, deps())
    assert.deepEqual(notMasks(calls), ['warning The saved list of runners this step registered is unreadable; nothing was removed.'])
    assert.deepEqual(github.requests, [])
  })

  test('an empty ledger (everything rolled back): silent', async () => {
    const { core, calls } = recordingCore(inputs(), `{"label":"${LABEL}","runners":[]}`)
    await post(core, {}, deps())
    assert.deepEqual(notMasks(calls), [])
  })

  test('cleanup-on-failure false keeps the runners handed over; says so; sends nothing when that is all', async () => {
    const { state } = registered(['a', 'b'], { handedOver: ['a', 'b'] })
    const { core, calls } = recordingCore(inputs({ 'cleanup-on-failure': 'false' }), state)
    await post(core, {}, deps())
    const [a, b] = github.runners
    assert.deepEqual(notMasks(calls), [
      `info "cleanup-on-failure" is false: the 2 runner(s) handed over as outputs are left as they are: a (id ${a.id}), b (id ${b.id}).`,
    ])
    assert.deepEqual(github.requests, [])
  })

  test('runners never handed over go whatever cleanup-on-failure says; each is looked at, then deleted', async () => {
    const { runners, state } = registered(['kept', 'orphan'], { handedOver: ['kept'] })
    const { core, calls } = recordingCore(inputs({ 'cleanup-on-failure': 'false' }), state)
    await post(core, {}, deps())
    const [kept, orphan] = runners
    assert.deepEqual(notMasks(calls), [
      `info "cleanup-on-failure" is false: the 1 runner(s) handed over as outputs are left as they are: kept (id ${kept.id}).`,
      `info The job failed or was cancelled; removing the 1 runner(s) this step may have registered that never connected (label ${LABEL}): orphan (id ${orphan.id}).`,
      'info Cleanup of the runners this step registered: deleted 1 (orphan).',
    ])
    assert.deepEqual(sent(), [`GET ${REPO}/actions/runners/${orphan.id}`, `DELETE ${REPO}/actions/runners/${orphan.id}`])
    assert.deepEqual(
      github.runners.map((r) => r.name),
      ['kept'],
    )
  })

  test('a runner already gone and one a host took: reported apart, no warning', async () => {
    const { runners, state } = registered(['gone', 'online'], { handedOver: ['gone', 'online'] })
    github.registry.set(REPO, [runners[1]])
    github.setRunner('online', { status: 'online' })
    const { core, calls } = recordingCore(inputs(), state)
    await post(core, {}, deps())
    assert.equal(
      notMasks(calls).at(-1),
      'info Cleanup of the runners this step registered: already gone 1 (gone); spared 1 (online: online).',
    )
    assert.ok(!calls.some((c) => c.startsWith('warning')))
  })

  test('a delete GitHub refuses: a warning naming what may remain and the label to find it by', async () => {
    const { runners, state } = registered(['stuck'])
    github.faults.push({
      method: 'DELETE',
      status: 422,
      body: { message: 'Validation Failed', documentation_url: 'https://docs.github.com/rest' },
    })
    const { core, calls } = recordingCore(inputs(), state)
    await post(core, {}, deps())
    const [said, log, warning, ...rest] = notMasks(calls)
    assert.equal(
      said,
      `info The job failed or was cancelled; removing the 1 runner(s) this step may have registered that never connected (label ${LABEL}): stuck (id ${runners[0].id}).`,
    )
    assert.match(log, /^info Removing runner "stuck": Attempt 1\/8 failed: HTTP 422 .*; not retrying\.$/)
    assert.deepEqual(rest, [])
    assert.match(
      warning,
      /^warning Cleanup of the runners this step registered: could not delete 1 \(stuck: GitHub refused to delete it \(422\)/,
    )
    assert.ok(
      warning.endsWith(`. Runners that may remain carry the label ${LABEL}; remove them by hand: stuck (id ${runners[0].id}).`),
      warning,
    )
  })
})

describe('post: where it cleans up', () => {
  test("inputs that now name another repository and API URL: the ledger's place, said in a line", async () => {
    const { state } = registered(['a'])
    const otherApi = apiUrl.replace('127.0.0.1', 'localhost')
    const { core, calls } = recordingCore(inputs({ repository: 'octo-org/other-repo', 'api-url': otherApi }), state)
    await post(core, {}, deps())
    assert.ok(
      calls.includes(
        `info The inputs now name repository octo-org/other-repo via ${otherApi}; the runners were registered for repository octo-org/octo-repo via ${apiUrl}, and are removed there.`,
      ),
      calls.join('\n'),
    )
    assert.deepEqual(github.runners, [])
    assert.ok(github.requests.every((r) => r.path.startsWith(`${REPO}/`) && r.headers.host === new URL(apiUrl).host))
  })

  test('the same place: no such line', async () => {
    const { state } = registered(['a'])
    const { core, calls } = recordingCore(inputs(), state)
    await post(core, {}, deps())
    assert.ok(!calls.some((c) => c.includes('The inputs now name')))
    assert.deepEqual(github.runners, [])
  })

  test('a ledger saved before the place was recorded: the inputs name the place', async () => {
    const { state } = registered(['elsewhere'], { scope: OTHER, place: false })
    const { core, calls } = recordingCore(inputs({ repository: 'octo-org/other-repo' }), state)
    await post(core, {}, deps())
    assert.ok(!calls.some((c) => c.includes('The inputs now name')))
    assert.deepEqual(github.runners, [])
    assert.ok(github.requests.every((r) => r.path.startsWith(`${OTHER}/`)))
  })

  test('inputs that do not parse: a warning with the reason, naming every runner that may remain and the label', async () => {
    const { runners } = registered(['a', 'b'])
    // A name whose answer never came: no id.
    const saved = JSON.parse(new Ledger(LABEL).toState()) as { label: string; runners: unknown[] }
    saved.runners = [...runners.map((r) => ({ name: r.name, id: r.id })), { name: 'c' }]
    const state = JSON.stringify(saved)
    const { core, calls } = recordingCore(inputs({ 'max-attempts': 'many' }), state)
    await post(core, {}, deps())
    const warning = notMasks(calls).at(-1)!
    assert.match(warning, /^warning Cleanup of just-in-time runners failed: Input "max-attempts" must be/)
    assert.ok(
      warning.endsWith(
        `. Runners that may remain carry the label ${LABEL}; remove them by hand: a (id ${runners[0].id}), b (id ${runners[1].id}), c.`,
      ),
      warning,
    )
    assert.deepEqual(github.requests, [])
  })
})

describe('post: the edges', () => {
  test('an empty ledger is silent even when the inputs no longer parse', async () => {
    const { core, calls } = recordingCore(inputs({ 'max-attempts': 'many' }), `{"label":"${LABEL}","runners":[]}`)
    await post(core, {}, deps())
    assert.deepEqual(notMasks(calls), [])
  })

  test("the post step's inputs no longer say jit: the ledger's runners are still removed", async () => {
    const { state } = registered(['a'], { handedOver: ['a'] })
    const { core, calls } = recordingCore(inputs({ type: 'registration', labels: '' }), state)
    await post(core, {}, deps())
    assert.deepEqual(github.runners, [])
    assert.equal(notMasks(calls).at(-1), 'info Cleanup of the runners this step registered: deleted 1 (a).')
  })

  test('state that cannot be read: a warning with the reason, and nothing to name', async () => {
    const { core, calls } = recordingCore(inputs())
    Object.assign(core, {
      getState: () => {
        throw new Error('state unreadable')
      },
    })
    await post(core, {}, deps())
    assert.deepEqual(notMasks(calls), ['warning Cleanup of just-in-time runners failed: state unreadable'])
  })

  test("one runner's cleanup has a minute, whatever 'timeout' says: 502s are retried until the minute, not the 10", async () => {
    const { state } = registered(['flaky'])
    for (let i = 0; i < 60; i++) github.faults.push({ method: 'DELETE', status: 502, body: { message: 'Server Error' } })
    const { core, calls } = recordingCore(inputs({ timeout: '10m', 'max-attempts': '100', 'max-delay': '30s' }), state)
    await post(core, {}, deps())
    const deletes = github.requests.filter((r) => r.method === 'DELETE').length
    assert.ok(deletes > 2 && deletes < 12, `${deletes} deletes`)
    assert.match(notMasks(calls).at(-1)!, /could not delete 1 \(flaky: the next wait \(.+\) would pass the cleanup deadline/)
  })

  for (const [count, outcome] of [
    [150, /could not delete 1 \(big-0: the next wait \(.+\) would pass the cleanup deadline/],
    [900, /deleted all 900 \(big-1, .*, big-0\)\./],
  ] as const) {
    // Unpaced (write-budget off: 200 ms a runner, never under a minute): the fake clock moves by
    // every sleep, so the pace's naps and the flaky delete's backoff would add up instead of
    // overlapping. The paced budget's growth is cleanupTimeoutMs's (cleanup.test.ts).
    test(`the budget grows with the runners to remove: with ${count}, a delete refused with 502 for over a minute ${count > 300 ? 'is still retried until it is confirmed (3 minutes)' : 'is given up (the minute)'}`, async (t) => {
      const { runners, state } = registered(Array.from({ length: count }, (_, i) => `big-${i}`))
      // Only the first runner's delete fails, ten times: the fake clock moves by its backoff alone, about 1.5 minutes.
      const flaky = `${REPO}/actions/runners/${runners[0].id}`
      let refused = 0
      github.options.onRequest = (request) => {
        if (request.method !== 'DELETE' || request.path !== flaky || refused >= 10) return
        refused++
        github.faults.unshift({ method: 'DELETE', status: 502, body: { message: 'Server Error' } })
      }
      t.after(() => (github.options.onRequest = undefined))
      const { core, calls } = recordingCore(
        inputs({ timeout: '10m', 'max-attempts': '100', 'max-delay': '30s', 'write-budget': 'off' }),
        state,
      )
      await post(core, {}, deps())
      assert.match(notMasks(calls).at(-1)!, outcome)
    })
  }

  test('App credentials whose installation is not found: a warning naming only the runners it was to remove, and the label', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()
    const { runners, state } = registered(['kept', 'orphan'], { handedOver: ['kept'] })
    const appInputs = { ...inputs({ 'cleanup-on-failure': 'false', 'app-id': '12345', 'private-key': pem }), 'github-token': '' }
    const { core, calls } = recordingCore(appInputs, state)
    await post(core, {}, deps())
    const warning = notMasks(calls).at(-1)!
    assert.match(warning, /^warning Cleanup of just-in-time runners failed: /)
    assert.ok(
      warning.endsWith(`Runners that may remain carry the label ${LABEL}; remove them by hand: orphan (id ${runners[1].id}).`),
      warning,
    )
  })
})

describe('post: the step summary', () => {
  /** A core whose summary records what is written, as main.test.ts records it. */
  function summarising(state: string, failWrite = false) {
    const { core, calls } = recordingCore(inputs(), state)
    const summary = {
      addHeading: (text: string) => (calls.push(`summary.heading ${text}`), summary),
      addTable: (rows: unknown[]) => (calls.push(`summary.table ${JSON.stringify(rows)}`), summary),
      addRaw: (text: string) => (calls.push(`summary.raw ${text}`), summary),
      write: async () => {
        if (failWrite) throw new Error('disk full')
        calls.push('summary.write')
        return summary
      },
    }
    return { core: Object.assign(core, { summary }), calls }
  }
  const fieldRows = (calls: string[]) =>
    JSON.parse(calls.find((c) => c.startsWith('summary.table '))!.slice('summary.table '.length)).slice(1)

  test('the label and the result line, after the report', async () => {
    const { state } = registered(['a'])
    const { core, calls } = summarising(state)
    await post(core, { GITHUB_STEP_SUMMARY: '/dev/null' }, deps())
    const report = 'Cleanup of the runners this step registered: deleted 1 (a).'
    assert.ok(calls.indexOf(`info ${report}`) < calls.indexOf('summary.heading Cleanup of just-in-time runners'))
    assert.deepEqual(fieldRows(calls), [
      ['Ownership label', LABEL],
      ['Result', report],
    ])
    assert.equal(calls.at(-1), 'summary.write')
  })

  test('a cleanup that failed: the warning in the summary too; a summary that cannot be written is one more warning', async () => {
    const { state } = registered(['a'])
    const bad = summarising(state)
    Object.assign(bad.core, { getInput: (name: string) => ({ ...inputs(), 'max-attempts': 'many' })[name] ?? '' })
    await post(bad.core, { GITHUB_STEP_SUMMARY: '/dev/null' }, deps())
    const warning = bad.calls.find((c) => c.startsWith('warning '))!.slice('warning '.length)
    assert.deepEqual(fieldRows(bad.calls), [
      ['Ownership label', LABEL],
      ['Result', warning.replaceAll('"', '&quot;')],
    ])
    const failing = summarising(registered(['b']).state, true)
    await post(failing.core, { GITHUB_STEP_SUMMARY: '/dev/null' }, deps())
    assert.equal(failing.calls.at(-1), 'warning Could not write the step summary: disk full')
  })

  test('no ledger: no summary', async () => {
    const { core, calls } = summarising('')
    await post(core, { GITHUB_STEP_SUMMARY: '/dev/null' }, deps())
    assert.ok(!calls.some((c) => c.startsWith('summary')))
  })
})

describe('post: signals', () => {
  test("the graces: SIGINT leaves the step's cleanup phase, inside the runner's 7.5 s; a lone SIGTERM a second", () => {
    assert.ok(CLEANUP_PHASE_MS < 7500)
    assert.ok(POST_SIGTERM_GRACE_MS < CLEANUP_PHASE_MS - REVOKE_SHARE_MS)
    assert.equal(POST_SIGTERM_GRACE_MS, 1000)
  })

  test('SIGTERM while a delete hangs: stopped within its second, the warning names what may remain and the label', async () => {
    const { runners, state } = registered(['hung'])
    github.faults.push({ method: 'DELETE', hang: true })
    const cancel = new AbortController()
    const { core, calls } = recordingCore(inputs(), state)
    const done = post(core, {}, deps({ signal: cancel.signal }))
    await github.whenRequests(1, (r) => r.method === 'DELETE')
    const signalledAt = Date.now()
    cancel.abort('SIGTERM')
    await done
    const took = Date.now() - signalledAt
    assert.ok(took >= POST_SIGTERM_GRACE_MS - 50 && took < POST_SIGTERM_GRACE_MS + 500, `ended ${took}ms after SIGTERM`)
    const warning = notMasks(calls).at(-1)!
    assert.match(
      warning,
      /^warning Cleanup of the runners this step registered \(stopped by SIGTERM\): could not delete 1 \(hung: stopped at the cleanup deadline/,
    )
    assert.ok(
      warning.endsWith(`Runners that may remain carry the label ${LABEL}; remove them by hand: hung (id ${runners[0].id}).`),
      warning,
    )
  })

  test("SIGINT while a delete hangs: the removal ends with the step's cleanup phase, as main's rollback does, then the report", async () => {
    const { state } = registered(['hung'])
    github.faults.push({ method: 'DELETE', hang: true })
    const cancel = new AbortController()
    const { core, calls } = recordingCore(inputs(), state)
    const done = post(core, {}, deps({ signal: cancel.signal }))
    await github.whenRequests(1, (r) => r.method === 'DELETE')
    const signalledAt = Date.now()
    cancel.abort('SIGINT')
    await done
    const took = Date.now() - signalledAt
    // No installation token lives here (a github-token): nothing is held back for a revoke.
    assert.ok(took >= CLEANUP_PHASE_MS - 50 && took < CLEANUP_PHASE_MS + 500, `ended ${took}ms after SIGINT`)
    assert.match(
      notMasks(calls).at(-1)!,
      /^warning Cleanup of the runners this step registered \(stopped by SIGINT\): could not delete 1 \(hung: stopped at the cleanup deadline/,
    )
  })

  test('SIGINT gives an answer on its way its grace: a delete answered after 1.5 s is confirmed', async () => {
    const { state } = registered(['late'])
    github.faults.push({ method: 'DELETE', lateAnswer: 1500 })
    const cancel = new AbortController()
    const { core, calls } = recordingCore(inputs(), state)
    const done = post(core, {}, deps({ signal: cancel.signal }))
    await github.whenRequests(1, (r) => r.method === 'DELETE')
    cancel.abort('SIGINT')
    await done
    assert.equal(notMasks(calls).at(-1), 'info Cleanup of the runners this step registered (stopped by SIGINT): deleted 1 (late).')
  })

  test('SIGTERM before the cleanup starts, and a delete that hangs: over within its second', async () => {
    const { state } = registered(['hung'])
    github.faults.push({ method: 'DELETE', hang: true })
    const { core, calls } = recordingCore(inputs(), state)
    const started = Date.now()
    await post(core, {}, deps({ signal: aborted('SIGTERM') }))
    const took = Date.now() - started
    assert.ok(took < POST_SIGTERM_GRACE_MS + 500, `ended ${took}ms after it started`)
    assert.match(
      notMasks(calls).at(-1)!,
      /^warning Cleanup of the runners this step registered \(stopped by SIGTERM\): could not delete 1 \(hung: /,
    )
  })

  test('a signal before the cleanup starts: nothing new is sent after its grace, and the report still comes', async () => {
    const { state } = registered(['a'])
    const cancel = new AbortController()
    cancel.abort('SIGTERM')
    const { core, calls } = recordingCore(inputs(), state)
    await post(core, {}, deps({ signal: cancel.signal }))
    // Within the second's grace the look and the delete still fit.
    assert.equal(notMasks(calls).at(-1), 'info Cleanup of the runners this step registered (stopped by SIGTERM): deleted 1 (a).')
  })
})
