// Scenario tests for `type: wait` and the command's `wait`: the bundled action and command as
// processes, against a stand-in whose runners come online, pick up jobs and leave over time.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { GitHubStandIn, type RecordedRequest } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { FAST, SCOPE, TOKEN, errorLine } from '../support/jit-scenario.js'
import { runAction, startAction } from '../support/run-action.js'
import { runCli } from '../support/run-cli.js'

const github = new GitHubStandIn({ acceptToken: TOKEN })
let apiUrl: string
useStandIn(github, (url) => (apiUrl = url))

const LABEL = `mrt-${Math.floor(Date.now() / 1000).toString(36)}-waitbatch0`

function waitInputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'github-token': TOKEN,
    repository: 'octo-org/octo-repo',
    'api-url': apiUrl,
    type: 'wait',
    'ownership-label': LABEL,
    ...FAST,
    ...extra,
  }
}

function add(name: string, labels: string[] = [LABEL], state: { status?: 'online' | 'offline'; busy?: boolean } = {}): void {
  github.register(SCOPE, name, { labels: ['self-hosted', ...labels], ...state })
}

const isListing = (r: RecordedRequest): boolean => r.method === 'GET' && /\/actions\/runners\?per_page=100&page=\d+$/.test(r.path)

describe('type: wait', () => {
  test('succeeds as the runners come online, one listing per poll; one that ran its job and left is counted apart', async () => {
    add('host-1')
    add('host-2')
    add('host-3')
    add('finished', [LABEL], { status: 'online', busy: true })
    add('foreign-never', ['linux'])
    // Poll by poll, as hosts boot: one comes online, one takes a job, the finished one leaves.
    github.beforeListing = (earlier) => {
      if (earlier === 0) github.setRunner('host-1', { status: 'online' })
      if (earlier === 1) {
        github.setRunner('host-2', { status: 'online', busy: true })
        github.unregister('finished')
      }
      if (earlier === 2) github.setRunner('host-3', { status: 'online' })
    }
    const run = await runAction(waitInputs({ timeout: '1m' }))
    assert.equal(run.exitCode, 0, run.stdout)
    assert.deepEqual(
      { online: run.outputs.online, busy: run.outputs.busy, gone: run.outputs.gone, never: run.outputs['never-connected'] },
      { online: '2', busy: '1', gone: '1', never: '0' },
    )
    // Poll 2 sees "finished" gone; poll 3 the same runners again, all connected: done.
    assert.equal(github.requests.length, 3, 'one request per poll (one page), none per runner')
    assert.ok(github.requests.every(isListing))
    assert.match(
      run.stdout,
      /Runner "finished" \(id \d+\) connected, then left the listing: it ran its job and removed itself \(ephemeral\), or was removed\./,
    )
    assert.match(
      run.stdout,
      /Every runner with the label mrt-[0-9a-z]+-waitbatch0 connected \([^)]*3 poll\(s\), 3 request\(s\)\): online 2, busy 1, gone 1, never connected 0\./,
    )
    // The wait between polls starts near 1 s and grows (1 s, then 1.5 s ceilings, less up to a quarter).
    const gaps = github.requests.slice(1).map((r, i) => r.at - github.requests[i].at)
    assert.ok(gaps[0] >= 700 && gaps[0] < 1400, `first gap ${gaps[0]}ms`)
    assert.ok(gaps[1] >= 1100, `second gap ${gaps[1]}ms`)
    assert.equal(github.runners.length, 4, 'nothing deleted')
  })

  test('on timeout fails naming the runner that never connected and how long it was waited for; deletes nothing', async () => {
    add('host-up', [LABEL], { status: 'online' })
    add('host-lost')
    const run = await runAction(waitInputs({ timeout: '3s' }))
    assert.equal(run.exitCode, 1)
    assert.match(
      errorLine(run),
      /1 of 2 runner\(s\) with the label mrt-[0-9a-z]+-waitbatch0 never connected within the 3s "timeout": host-lost \(id \d+, waited [23](\.\d)?s\)\. Online 1, busy 0, gone 0, never connected 1\. Nothing was deleted/,
    )
    assert.equal(run.outputs['never-connected'], '1')
    assert.equal(run.outputs.online, '1')
    assert.equal(github.requests.filter((r) => r.method === 'DELETE').length, 0)
    assert.equal(github.runners.length, 2)
    assert.match(run.summary, /Runners not connected/)
  })

  test('more runners than a page: each poll is one listing of every page, never a request per runner', async () => {
    for (let i = 0; i < 150; i++) add(`host-${i}`, [LABEL], { status: 'online' })
    add('foreign', ['linux'])
    const run = await runAction(waitInputs({ timeout: '1m' }))
    assert.equal(run.exitCode, 0, run.stdout)
    assert.equal(run.outputs.online, '150')
    // Two polls (the second confirms the first), two pages each.
    assert.equal(github.requests.length, 4)
    assert.ok(github.requests.every(isListing))
  })

  test('SIGINT while waiting: the step stops at once, with the counts so far; nothing deleted', async () => {
    add('host-lost')
    const step = await startAction(waitInputs({ timeout: '5m' }))
    await github.whenRequests(2)
    const signalledAt = Date.now()
    step.kill('SIGINT')
    const run = await step.finished
    assert.equal(run.exitCode, 1)
    assert.ok(run.endedAt - signalledAt < 2000, `ended ${run.endedAt - signalledAt}ms after SIGINT`)
    assert.match(
      errorLine(run),
      /Stopped while waiting for the runners with the label mrt-[0-9a-z]+-waitbatch0: online 0, busy 0, gone 0, never connected 1\. Nothing was deleted/,
    )
    assert.equal(github.runners.length, 1)
  })

  test('without ownership-label: an error naming the input, and no request', async () => {
    const run = await runAction(waitInputs({ 'ownership-label': '' }))
    assert.equal(run.exitCode, 1)
    assert.match(errorLine(run), /Input "ownership-label" is required for type "wait"/)
    assert.equal(github.requests.length, 0)
  })
})

describe('the command: mint-runner-token wait', () => {
  test('wait --ownership-label --timeout --json: the counts and every runner on stdout', async () => {
    add('host-1', [LABEL], { status: 'online' })
    add('host-2', [LABEL], { status: 'online', busy: true })
    const run = await runCli(
      ['wait', '--repository', 'octo-org/octo-repo', '--api-url', apiUrl, '--ownership-label', LABEL, '--timeout', '30s', '--json'],
      { GITHUB_TOKEN: TOKEN },
    )
    assert.equal(run.exitCode, 0, run.stderr)
    const result = JSON.parse(run.stdout)
    assert.equal(result.type, 'wait')
    assert.equal(result.done, true)
    assert.deepEqual([result.online, result.busy, result.gone, result.never_connected], [1, 1, 0, 0])
    assert.deepEqual(result.runners.map((r: { name: string; state: string }) => `${r.name} ${r.state}`).sort(), [
      'host-1 online',
      'host-2 busy',
    ])
  })

  test('wait that times out exits 1, naming the runner on stderr', async () => {
    add('host-lost')
    const run = await runCli(
      ['wait', '--repository', 'octo-org/octo-repo', '--api-url', apiUrl, '--ownership-label', LABEL, '--timeout', '2s'],
      { GITHUB_TOKEN: TOKEN },
    )
    assert.equal(run.exitCode, 1)
    assert.match(run.stderr, /never connected within the 2s --timeout: host-lost \(id \d+, waited /)
    assert.equal(run.stdout, 'waiting host-lost\n')
  })
})
