// A thousand runners in one step, through the bundled action: what a batch of 1,000 writes (state,
// outputs, the runners file, the summary), how many requests it sends, and the post step that
// folds its 2,000-odd journal entries and removes what a killed batch registered.
// `write-budget: off`: GitHub's secondary limit would pace 1,000 registrations over five minutes.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GitHubStandIn, type RecordedRequest } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { TOKEN, jitInputs, ledgerState } from '../support/jit-scenario.js'
import { runAction, runPost, startAction } from '../support/run-action.js'

const isRegistration = (r: RecordedRequest): boolean => r.method === 'POST' && r.path.endsWith('/generate-jitconfig')
/** GitHub's cap on one step's summary. */
const SUMMARY_LIMIT = 1024 * 1024
/** Linux's cap on one environment string: the post step gets each state value as STATE_<name>. */
const ENV_STRING_LIMIT = 128 * 1024

/** Registrations after this many are answered 30 s late (registered on arrival): the batch stalls there. */
let stallAfter = Infinity
let registrations = 0
const github = new GitHubStandIn({
  acceptToken: TOKEN,
  onRequest: (request) => {
    if (isRegistration(request) && ++registrations > stallAfter) github.faults.push({ method: 'POST', lateAnswer: 30_000 })
  },
})
let apiUrl: string
useStandIn(github, (url) => (apiUrl = url))

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return jitInputs(apiUrl, { count: '1000', 'runner-name': 'fleet', 'write-budget': 'off', ...extra })
}

describe('a batch of 1,000', () => {
  test('registers 1,000 with 1,001 requests; writes about 287 KB of state and the runners list once to GITHUB_OUTPUT (about 4.4 MB)', async (t) => {
    const temp = await mkdtemp(join(tmpdir(), 'thousand-'))
    t.after(() => rm(temp, { recursive: true, force: true }))
    const main = await runAction(inputs(), { RUNNER_TEMP: temp })
    assert.equal(main.exitCode, 0, main.lines.filter((line) => !line.startsWith('::add-mask::')).join('\n'))
    const requests = github.requests.length
    t.diagnostic(
      `batch: ${main.durationMs} ms, ${requests} requests, GITHUB_STATE ${main.stateBytes} B, GITHUB_OUTPUT ${main.outputBytes} B`,
    )
    assert.ok(requests <= 1050, `${requests} requests for 1,000 runners`)
    assert.equal(github.runners.length, 1000)

    // State: each change once (a "+" and an "=" a runner, one hand-over), about 287 B a runner;
    // the whole-ledger saves of before wrote N²: about 32 MB.
    assert.ok(main.stateBytes < 300_000, `the batch wrote ${main.stateBytes} bytes of state`)
    for (const [name, value] of Object.entries(main.state)) {
      assert.ok(Buffer.byteLength(value) < ENV_STRING_LIMIT, `state ${name} is ${value.length} B`)
    }
    const ledger = ledgerState(main)
    assert.equal(ledger.runners.length, 1000)
    assert.ok(ledger.runners.every((r) => r.id !== undefined && r.handed_over === true))

    // Outputs: the runners list (each encoded config, about 4.4 KB on the stand-in) is all that grows.
    const listed = JSON.parse(main.outputs.runners) as { id: number; name: string; encoded_jit_config: string }[]
    assert.equal(listed.length, 1000)
    assert.equal(new Set(listed.map((r) => r.name)).size, 1000)
    assert.deepEqual(new Set(listed.map((r) => r.id)), new Set(github.runners.map((r) => r.id)))
    assert.ok(main.outputBytes < Buffer.byteLength(main.outputs.runners) + 10_000, `GITHUB_OUTPUT holds ${main.outputBytes} B`)
    const file = JSON.parse(await readFile(main.outputs['runners-file'], 'utf8')) as typeof listed
    assert.deepEqual(file, listed)

    // The summary lists 50 runners and counts the rest; far below GitHub's 1 MiB.
    assert.ok(Buffer.byteLength(main.summary) < SUMMARY_LIMIT / 10, `summary of ${main.summary.length} B`)
    assert.match(main.summary, /950 more runner\(s\) are not listed here/)

    // As after a failed job: the post step folds the 2,001 entries and removes all 1,000.
    github.requests.length = 0
    const post = await runPost(inputs(), main)
    t.diagnostic(`post step: ${post.durationMs} ms, ${github.requests.length} requests`)
    assert.equal(post.exitCode, 0, post.stdout)
    assert.match(post.stdout, /Cleanup of the runners this step registered: deleted all 1000 \(fleet-/)
    assert.deepEqual(github.runners, [])
    assert.equal(github.requests.filter((r) => r.method === 'DELETE' && r.status === 204).length, 1000)
  })
})

describe('a batch of 1,000 killed part-way', () => {
  test('SIGKILL after 400 registrations: the post step deletes every runner it registered, and its count is the 204s', async (t) => {
    stallAfter = 400
    registrations = 0
    t.after(() => (stallAfter = Infinity))
    const step = await startAction(inputs({ 'runner-name': 'killed' }))
    await github.whenRequests(stallAfter, isRegistration)
    // The answers stall, so no new request is sent: wait until those already sent have all arrived
    // (none for a second), so that every name in the ledger reached the stand-in.
    for (let seen = -1; seen !== github.requests.length;) {
      seen = github.requests.length
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
    step.kill('SIGKILL')
    const main = await step.finished
    assert.equal(main.signal, 'SIGKILL')
    const registered = github.runners.length
    assert.ok(registered > 400 && registered < 1000, `${registered} registered`)
    assert.equal(ledgerState(main).runners.length, registered, 'the ledger names every registration that arrived')
    github.requests.length = 0

    const post = await runPost(inputs({ 'runner-name': 'killed' }), main)
    const deletes = github.requests.filter((r) => r.method === 'DELETE' && r.status === 204).length
    t.diagnostic(`killed with ${registered} registered; post step: ${post.durationMs} ms, ${github.requests.length} requests`)
    assert.equal(post.exitCode, 0, post.stdout)
    assert.equal(deletes, registered)
    assert.match(post.stdout, new RegExp(`Cleanup of the runners this step registered: deleted all ${deletes} \\(killed-`))
    assert.doesNotMatch(post.stdout, /::warning::/)
    assert.deepEqual(github.runners, [])
    assert.ok(Buffer.byteLength(post.summary) < SUMMARY_LIMIT, `summary of ${post.summary.length} B`)
  })
})
