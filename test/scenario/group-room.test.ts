// Scenario tests for the room in a runner group (src/jit/room.ts): GitHub takes at most 10,000
// runners in one group, so a batch counts the group's runners with one request before its first
// registration and fails at once when it cannot fit. The bundled action and command against the
// loopback stand-in, whose groups are filled with `fillGroup` (runners counted but never listed).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { type ActionRun, runAction, runPost } from '../support/run-action.js'
import { runCli } from '../support/run-cli.js'
import { FAST, TOKEN, errorLine } from '../support/jit-scenario.js'

const ORG = '/orgs/octo-org'
const ENT = '/enterprises/octo-ent'
const REPO = '/repos/octo-org/octo-repo'
const jitconfig = (scope: string) => `POST ${scope}/actions/runners/generate-jitconfig`
const room = (scope: string, id: number) => `GET ${scope}/actions/runner-groups/${id}/runners?per_page=1`

const github = new GitHubStandIn({ acceptToken: TOKEN })
let apiUrl: string
useStandIn(github, (url) => (apiUrl = url))

function jit(extra: Record<string, string> = {}): Record<string, string> {
  return { 'github-token': TOKEN, organization: 'octo-org', 'api-url': apiUrl, type: 'jit', labels: 'self-hosted,linux', ...FAST, ...extra }
}

/** What the stand-in was asked, one "METHOD path" per request. */
function calls(): string[] {
  return github.requests.map((r) => `${r.method} ${r.path}`)
}

function quiet(run: ActionRun): void {
  assert.ok(!run.lines.some((line) => line.startsWith('::warning::') || line.startsWith('::error::')), run.stdout)
}

describe('a batch that cannot fit in its runner group', () => {
  test('the action: refused after one count of the group, before any registration, naming the group, its runners, the limit and the batch', async () => {
    github.setRunnerGroups(ORG, ['Default', 'GPU'])
    github.fillGroup(ORG, 2, 9_995)
    const inputs = jit({ 'runner-group': 'gpu', count: '10', 'runner-name': 'b' })
    const run = await runAction(inputs)
    assert.equal(run.exitCode, 1, run.stdout)
    assert.deepEqual(calls(), [`GET ${ORG}/actions/runner-groups?per_page=100&page=1`, room(ORG, 2)])
    assert.equal(
      errorLine(run),
      '::error::The runner group "gpu" (id 2) of organization octo-org holds 9,995 runners and GitHub allows at most 10,000 in one group: ' +
        'a batch of 10 does not fit (room for 5). No runner was registered. ' +
        'Remove the group\'s offline runners ("type: prune"), lower "count" to 5 or less, or register into another runner group.',
    )
    assert.deepEqual(github.runners, [])
    assert.equal(run.outputs.attempts, '0')
    // Nothing was registered, so the post step has nothing to remove and asks nothing.
    github.requests.length = 0
    const post = await runPost(inputs, run)
    assert.equal(post.exitCode, 0, post.stdout)
    assert.deepEqual(calls(), [])
  })

  test('the command: a full group by id, exit 1, the same sentence on stderr, no registration', async () => {
    github.fillGroup(ORG, 1, 10_000)
    const run = await runCli(
      ['--organization', 'octo-org', '--api-url', apiUrl, '--type', 'jit', '--labels', 'gpu', '--count', '3', '--initial-delay', '10ms'],
      { GITHUB_TOKEN: TOKEN },
    )
    assert.equal(run.exitCode, 1, run.stderr)
    assert.deepEqual(calls(), [room(ORG, 1)])
    assert.match(
      run.stderr,
      /The runner group 1 of organization octo-org holds 10,000 runners and GitHub allows at most 10,000 in one group: a batch of 3 does not fit \(room for 0\)\. No runner was registered\. Remove the group's offline runners \("type: prune"\), or register into another runner group\./,
    )
    assert.equal(run.stdout, '')
    assert.deepEqual(github.runners, [])
  })

  test('enterprise scope: counted at the enterprise, refused the same way', async () => {
    github.fillGroup(ENT, 1, 9_999)
    const run = await runAction(jit({ organization: '', enterprise: 'octo-ent', count: '2', 'runner-name': 'e' }))
    assert.equal(run.exitCode, 1, run.stdout)
    assert.deepEqual(calls(), [room(ENT, 1)])
    assert.match(
      errorLine(run),
      /The runner group 1 of enterprise octo-ent holds 9,999 runners .*a batch of 2 does not fit \(room for 1\)\./,
    )
  })
})

describe('a batch that fits', () => {
  test('exactly one request more than before: the count, then the rate budget and the registrations', async () => {
    // Runners the registry lists count too: 9,988 unlisted and 2 registered leave room for exactly 10.
    github.fillGroup(ORG, 1, 9_988)
    github.register(ORG, 'someone-else-1')
    github.register(ORG, 'someone-else-2')
    const run = await runAction(jit({ count: '10', 'runner-name': 'b' }))
    assert.equal(run.exitCode, 0, run.stdout)
    assert.deepEqual(calls(), [room(ORG, 1), 'GET /rate_limit', ...Array.from({ length: 10 }, () => jitconfig(ORG))])
    assert.ok(run.lines.includes('The runner group 1 holds 9,990 of at most 10,000 runners: a batch of 10 fits.'), run.stdout)
    assert.equal(github.groupRunnerCount(ORG, 1), 10_000)
    quiet(run)
  })

  test('one runner is not counted: GitHub refuses it alone with nothing to roll back', async () => {
    github.fillGroup(ORG, 1, 9_000)
    const run = await runAction(jit())
    assert.equal(run.exitCode, 0, run.stdout)
    assert.deepEqual(calls(), [jitconfig(ORG)])
  })

  test('repository scope is not counted (GitHub has no runner groups for a repository): the rate budget, then the batch', async () => {
    const run = await runAction(jit({ organization: '', repository: 'octo-org/octo-repo', count: '3', 'runner-name': 'r' }))
    assert.equal(run.exitCode, 0, run.stdout)
    assert.deepEqual(calls(), ['GET /rate_limit', jitconfig(REPO), jitconfig(REPO), jitconfig(REPO)])
    quiet(run)
  })
})

describe('a count that cannot be made is advisory: one line, and the batch goes on', () => {
  test('403 (a token that may register but not list): said, then registered', async () => {
    github.faults.push({
      status: 403,
      body: { message: 'Resource not accessible by personal access token', documentation_url: 'https://docs.github.com/rest' },
      headers: { 'x-accepted-github-permissions': 'organization_self_hosted_runners=read' },
    })
    const run = await runAction(jit({ count: '3', 'runner-name': 'b' }))
    assert.equal(run.exitCode, 0, run.stdout)
    assert.deepEqual(calls(), [room(ORG, 1), 'GET /rate_limit', jitconfig(ORG), jitconfig(ORG), jitconfig(ORG)])
    assert.match(
      run.stdout,
      /^Could not count the runners in the runner group 1 \(GET \/orgs\/octo-org\/actions\/runner-groups\/1\/runners answered 403: "Resource not accessible by personal access token" \[request id STAND-IN:\w+\]\); registering without the check\.$/m,
    )
    assert.equal(github.runners.length, 3)
    quiet(run)
  })

  test('404 (a group id the organization does not have, or a server without the endpoint): said, then registered', async () => {
    const run = await runAction(jit({ 'runner-group-id': '7', count: '2', 'runner-name': 'b' }))
    assert.equal(run.exitCode, 0, run.stdout)
    assert.deepEqual(calls().slice(0, 2), [room(ORG, 7), 'GET /rate_limit'])
    assert.match(
      run.stdout,
      /Could not count the runners in the runner group 7 \(GET \S+ answered 404: "Not Found" \[request id STAND-IN:\w+\]\)/,
    )
    assert.equal(github.runners.length, 2)
  })

  test('an unreadable answer: said, then registered', async () => {
    github.faults.push({ status: 200, body: { total_count: 'many', runners: [] }, offContract: 'a body GitHub does not send' })
    const run = await runAction(jit({ count: '2', 'runner-name': 'b' }))
    assert.equal(run.exitCode, 0, run.stdout)
    assert.match(run.stdout, /GET \/orgs\/octo-org\/actions\/runner-groups\/1\/runners answered 200 without a readable total_count/)
    assert.equal(github.runners.length, 2)
  })

  test('a count that hangs holds the batch no longer than one attempt-timeout, and is not retried', async () => {
    github.faults.push({ hang: true })
    const started = Date.now()
    const run = await runAction(jit({ count: '2', 'runner-name': 'b', 'attempt-timeout': '1s' }))
    assert.equal(run.exitCode, 0, run.stdout)
    assert.equal(calls().filter((call) => call === room(ORG, 1)).length, 1)
    assert.match(run.stdout, /Could not count the runners in the runner group 1 \(GET \S+ failed: .*\); registering without the check\./)
    assert.ok(Date.now() - started < 6000, `took ${Date.now() - started} ms`)
    assert.equal(github.runners.length, 2)
  })
})

describe("GitHub's 422 for a full group, when others filled it after the count", () => {
  test('the failure says the group is full and why the count did not catch it; what was registered is rolled back', async () => {
    github.fillGroup(ORG, 1, 9_990)
    // Room for 10 when counted; the second registration finds the group filled by someone else.
    github.faults.push(
      { method: 'POST', pass: true },
      { method: 'POST', at: 'arrival', holdMs: 0, act: () => github.fillGroup(ORG, 1, 9_999) },
    )
    const run = await runAction(jit({ count: '5', 'runner-name': 'b' }))
    assert.equal(run.exitCode, 1, run.stdout)
    assert.match(
      errorLine(run),
      /^::error::\d of 5 runners could not be registered\. Runner "b-\w+": GitHub refused the runner \(422\): the runner group 1 is full, at GitHub's limit of 10,000 runners in one group \(if this step counted room in it before its first registration, others filled it since\)\. Remove the group's offline runners \("type: prune"\), or register into another runner group\. GitHub said: "Runner group 1 has reached max limit of 10000 runners"\..* Rollback: deleted (all )?1/,
    )
    assert.deepEqual(github.runners, [], 'the one registered runner was deleted')
  })

  test('repository scope (never counted): the same 422 is worded without the count, and nothing is left', async () => {
    github.fillGroup(REPO, 1, 10_000)
    const run = await runAction(jit({ organization: '', repository: 'octo-org/octo-repo', count: '2', 'runner-name': 'r' }))
    assert.equal(run.exitCode, 1, run.stdout)
    assert.match(
      errorLine(run),
      /Runner "r-\w+": GitHub refused the runner \(422\): the runner group 1 is full, at GitHub's limit of 10,000 runners in one group\. Remove/,
    )
    assert.deepEqual(github.runners, [])
  })
})
