// Scenario tests for GitHub App credentials: the bundled action (main and post step) and the
// bundled command, against a loopback GitHub whose App checks every JWT against the public half
// of a key generated here, and whose runner endpoints accept only the installation tokens it
// issued, each only for what it was narrowed to. Every run is swept for the key's lines, every
// JWT and every installation token (runAction and runCli do it).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { StandInApp } from '../support/github-app.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { type ActionRun, runAction, runPost, startAction, startPost } from '../support/run-action.js'
import { CLI, type CliRun, howItEnded, runCli, startCli, sweepCli } from '../support/run-cli.js'
import { ledgerState } from '../support/jit-scenario.js'

const FAST = { 'initial-delay': '10ms', 'max-delay': '50ms' }
const app = new StandInApp({
  installations: [
    {
      id: 4242,
      account: 'octo-org',
      permissions: { administration: 'write', organization_self_hosted_runners: 'write', metadata: 'read' },
    },
    { id: 5151, account: 'lean-org', repositories: ['one-repo'], permissions: { metadata: 'read' } },
  ],
})
const github = new GitHubStandIn({ app })
let apiUrl: string
useStandIn(github, (url) => (apiUrl = url))

const LOOKUP_ORG = 'GET /orgs/octo-org/installation'
const LOOKUP_REPO = 'GET /repos/octo-org/octo-repo/installation'
const ACCESS_TOKEN = 'POST /app/installations/4242/access_tokens'
const REVOKE = 'DELETE /installation/token'
const MINT_ORG = 'POST /orgs/octo-org/actions/runners/registration-token'
const MINT_REPO = 'POST /repos/octo-org/octo-repo/actions/runners/registration-token'

function appInputs(extra: Record<string, string> = {}): Record<string, string> {
  return { 'app-id': String(app.id), 'private-key': app.privateKeyPem, organization: 'octo-org', 'api-url': apiUrl, ...FAST, ...extra }
}

/** What the stand-in was asked, one "METHOD path" per request. */
function calls(): string[] {
  return github.requests.map((r) => `${r.method} ${r.path}`)
}

function errorLine(run: ActionRun): string {
  return run.lines.find((line) => line.startsWith('::error::')) ?? ''
}

/** Every JWT was good, and every installation token issued was revoked. */
function assertJwtsGoodAndTokensRevoked(): void {
  assert.ok(app.jwts.length > 0, 'no JWT was presented')
  for (const { problem, claims } of app.jwts) {
    assert.equal(problem, undefined)
    assert.equal(claims!.iss, String(app.id))
  }
  assert.ok(app.tokens.length > 0, 'no installation token was issued')
  for (const token of app.tokens) assert.equal(token.revoked, true, 'an installation token was left alive')
}

/** The mint carried the installation token, a long ghs_ one. */
function assertMintUsedInstallationToken(mint: string): void {
  const request = github.requests.find((r) => `${r.method} ${r.path}` === mint)!
  const token = app.tokens.at(-1)!.token
  assert.equal(request.headers.authorization, `Bearer ${token}`)
  assert.match(token, /^ghs_\d+_[\w-]+\.[\w-]+\.[\w-]+$/)
  assert.ok(token.length > 40, `an installation token of ${token.length} characters`)
}

describe('the action with GitHub App credentials', () => {
  test('organization scope: lookup, a token narrowed to self-hosted runners, the mint with it, the revoke', async () => {
    const run = await runAction(appInputs())
    assert.equal(run.exitCode, 0, run.stdout + run.stderr)
    assert.deepEqual(calls(), [LOOKUP_ORG, ACCESS_TOKEN, MINT_ORG, REVOKE])
    assert.deepEqual(JSON.parse(github.requests[1].body), { permissions: { organization_self_hosted_runners: 'write' } })
    assertMintUsedInstallationToken(MINT_ORG)
    assertJwtsGoodAndTokensRevoked()
    assert.equal(run.outputs.token, github.minted.at(-1))
    assert.equal(run.outputs.attempts, '3', 'lookup, token and mint')
    for (const secret of [...app.jwts.map((j) => j.jwt), app.tokens[0].token]) assert.ok(run.lines.includes(`::add-mask::${secret}`))
    for (const line of app.privateKeyPem.trim().split('\n').slice(1, -1)) assert.ok(run.lines.includes(`::add-mask::${line}`), line)
    assert.ok(!run.lines.includes('::add-mask::-----BEGIN RSA PRIVATE KEY-----'), 'the armour is no secret')
    assert.ok(run.lines.includes('Revoked the installation token.'))
    assert.ok(
      run.lines.some((l) =>
        /^Made an installation token \(installation 4242\) for organization octo-org with organization_self_hosted_runners: write; it expires at /.test(
          l,
        ),
      ),
      run.stdout,
    )
  })

  test('repository scope: the token is narrowed to the repository and administration: write', async () => {
    const run = await runAction(appInputs({ organization: '', repository: 'octo-org/octo-repo' }))
    assert.equal(run.exitCode, 0, run.stdout + run.stderr)
    assert.deepEqual(calls(), [LOOKUP_REPO, ACCESS_TOKEN, MINT_REPO, REVOKE])
    assert.deepEqual(JSON.parse(github.requests[1].body), { repositories: ['octo-repo'], permissions: { administration: 'write' } })
    assertMintUsedInstallationToken(MINT_REPO)
    assertJwtsGoodAndTokensRevoked()
  })

  test('a client ID as app-id, a PKCS#8 key pasted as one line with \\n escapes, and a known installation-id: no lookup', async () => {
    const oneLine = app.privateKeyPkcs8.trim().replaceAll('\n', '\\n')
    const run = await runAction(appInputs({ 'app-id': app.clientId, 'private-key': oneLine, 'installation-id': '4242', type: 'remove' }))
    assert.equal(run.exitCode, 0, run.stdout + run.stderr)
    assert.deepEqual(calls(), [ACCESS_TOKEN, 'POST /orgs/octo-org/actions/runners/remove-token', REVOKE])
    assert.ok(app.jwts.every((j) => j.problem === undefined && j.claims!.iss === app.clientId))
    assert.equal(run.outputs.attempts, '2')
    assert.ok(run.lines.includes(`::add-mask::${oneLine}`), 'the one-line form is masked as given')
  })

  const transient = [
    { name: '502 and 503 on the installation lookup', faults: [{ status: 502 }, { status: 503 }], failedAt: 'Installation lookup' },
    {
      name: '502 and 503 on the access-token call',
      faults: [{ pass: true as const }, { status: 502 }, { status: 503 }],
      failedAt: 'Installation token',
    },
  ]
  for (const { name, faults, failedAt } of transient) {
    test(`${name}: retried, then the mint`, async () => {
      github.faults.push(...faults)
      const run = await runAction(appInputs())
      assert.equal(run.exitCode, 0, run.stdout + run.stderr)
      assert.equal(calls().filter((c) => c === MINT_ORG).length, 1)
      assert.equal(calls().filter((c) => c === REVOKE).length, 1)
      assert.equal(run.outputs.attempts, '5')
      assert.equal(run.lines.filter((l) => l.startsWith(`${failedAt}: Attempt `)).length, 2, run.stdout)
      assert.ok(
        run.lines.some((l) => new RegExp(`^${failedAt}: Attempt 1/8 failed: HTTP 502 .*; retrying in `).test(l)),
        run.stdout,
      )
      assert.ok(
        run.lines.some((l) => new RegExp(`^${failedAt}: Attempt 2/8 failed: HTTP 503 .*; retrying in `).test(l)),
        run.stdout,
      )
      assertMintUsedInstallationToken(MINT_ORG)
      assertJwtsGoodAndTokensRevoked()
    })
  }

  test('the App not installed on the target: fails at once, naming the App and the target, no token made', async () => {
    const run = await runAction(appInputs({ organization: 'other-org' }))
    assert.equal(run.exitCode, 1)
    assert.deepEqual(calls(), ['GET /orgs/other-org/installation'])
    assert.match(
      errorLine(run),
      /^::error::GitHub App 987654 is not installed on organization other-org \(404 from the installation lookup\): install it on other-org, or check "app-id"\./,
    )
    assert.equal(run.outputs.attempts, '1')
    assert.equal(run.outputs.token, undefined)
  })

  test('an installation without the permission: the token request fails at once, naming the permission to grant', async () => {
    const run = await runAction(appInputs({ organization: 'lean-org' }))
    assert.equal(run.exitCode, 1)
    assert.deepEqual(calls(), ['GET /orgs/lean-org/installation', 'POST /app/installations/5151/access_tokens'])
    assert.match(
      errorLine(run),
      /^::error::GitHub would not make an installation token for organization lean-org with organization_self_hosted_runners: write \(422\): grant the App that permission\. GitHub said: "The permissions requested are not granted/,
    )
    assert.equal(run.outputs.attempts, '2')
  })

  test('a key that does not parse: exit 1 naming private-key, no request, and not a line of it printed', async () => {
    const lines = app.privateKeyPem.split('\n')
    lines[3] = `${lines[3].slice(0, 20)}********${lines[3].slice(28)}`
    const broken = lines.join('\n')
    const run = await runAction(appInputs({ 'private-key': broken }))
    assert.equal(run.exitCode, 1)
    assert.equal(github.requests.length, 0)
    assert.match(errorLine(run), /^::error::Input "private-key" could not be read as a PEM private key \(PKCS#1/)
    // The sweep (runAction) has checked that no line of the broken key appears but in its mask.
    for (const line of broken.trim().split('\n').slice(1, -1)) assert.ok(run.lines.includes(`::add-mask::${line}`))
  })

  test('both credentials: exit 1 naming both, no request', async () => {
    const run = await runAction(appInputs({ 'github-token': 'ghp_BothGivenToken0123456789' }))
    assert.equal(run.exitCode, 1)
    assert.equal(github.requests.length, 0)
    assert.match(errorLine(run), /Set either input "github-token" or inputs "app-id" and "private-key" \(a GitHub App\), not both/)
  })

  test('enterprise scope: exit 1 saying an App cannot serve it, no request', async () => {
    const run = await runAction(appInputs({ organization: '', enterprise: 'octo-ent' }))
    assert.equal(run.exitCode, 1)
    assert.equal(github.requests.length, 0)
    assert.match(errorLine(run), /cannot serve enterprise scope: GitHub offers Apps no permission for an enterprise's self-hosted runners/)
  })

  test('the revoke is called exactly once even when the mint fails, and a failed revoke is only a warning', async () => {
    github.faults.push({ pass: true }, { pass: true }, { status: 422, body: { message: 'Runners are disabled', documentation_url: 'x' } })
    const failed = await runAction(appInputs())
    assert.equal(failed.exitCode, 1)
    assert.deepEqual(calls(), [LOOKUP_ORG, ACCESS_TOKEN, MINT_ORG, REVOKE])
    assert.equal(app.tokens[0].revoked, true)
    assert.match(errorLine(failed), /could not process the request for organization octo-org \(422\)/)

    github.requests.length = 0
    app.reset()
    github.faults.push({ pass: true }, { pass: true }, { pass: true }, { status: 502 }, { status: 503 }, { reset: true })
    const run = await runAction(appInputs())
    assert.equal(run.exitCode, 0, run.stdout)
    assert.equal(run.outputs.token, github.minted.at(-1))
    assert.equal(calls().filter((c) => c === REVOKE).length, 3)
    assert.match(
      run.lines.find((l) => l.startsWith('::warning::')) ?? '',
      /^::warning::Could not revoke the installation token \(3 attempt\(s\), last: connection reset\); it stays valid until it expires at /,
    )
    assert.equal(app.tokens[0].revoked, false)
  })

  test('JIT with count: every runner registered with the installation token; the post step makes and revokes its own', async () => {
    const inputs = appInputs({ type: 'jit', labels: 'self-hosted,linux', count: '3', 'runner-name': 'app-runner' })
    const main = await runAction(inputs)
    assert.equal(main.exitCode, 0, main.stdout + main.stderr)
    const jit = 'POST /orgs/octo-org/actions/runners/generate-jitconfig'
    // The count of the group's runners, the rate budget and every registration carry the installation token.
    const room = 'GET /orgs/octo-org/actions/runner-groups/1/runners?per_page=1'
    assert.deepEqual(calls(), [LOOKUP_ORG, ACCESS_TOKEN, room, 'GET /rate_limit', jit, jit, jit, REVOKE])
    const mainToken = app.tokens[0].token
    for (const request of github.requests.slice(2, -1)) {
      assert.equal(request.headers.authorization, `Bearer ${mainToken}`)
    }
    assert.equal(JSON.parse(main.outputs.runners).length, 3)
    assert.equal(main.outputs.attempts, '5', 'lookup, token and three registrations')
    // Nothing secret in state: runner ids and names only.
    const state = JSON.stringify(main.state)
    for (const secret of app.secrets) assert.ok(!state.includes(secret))

    // The job failed before the hosts came up: the post step cleans up with a token of its own.
    github.requests.length = 0
    const post = await runPost(inputs, main)
    assert.equal(post.exitCode, 0, post.stdout)
    assert.ok(!post.lines.some((l) => l.startsWith('::warning::')), post.stdout)
    assert.equal(github.runners.length, 0)
    assert.deepEqual(calls().slice(0, 2), [LOOKUP_ORG, ACCESS_TOKEN])
    assert.equal(calls().at(-1), REVOKE)
    assert.equal(calls().filter((c) => c.startsWith('DELETE /orgs/octo-org/actions/runners/')).length, 3)
    const postToken = app.tokens[1].token
    assert.notEqual(postToken, mainToken)
    for (const request of github.requests.filter((r) => r.path.includes('/actions/runners'))) {
      assert.equal(request.headers.authorization, `Bearer ${postToken}`)
    }
    assertJwtsGoodAndTokensRevoked()
  })

  test('the post step spends no "spread": it cleans up at once, within its minute', async () => {
    const inputs = appInputs({ type: 'jit', labels: 'self-hosted', 'runner-name': 'app-post' })
    const main = await runAction(inputs)
    assert.equal(main.exitCode, 0, main.stdout + main.stderr)
    // The same inputs with a spread of minutes: the main step's wait, which the cleanup must not repeat.
    const post = await runPost({ ...inputs, spread: '4m', timeout: '5m' }, main)
    assert.equal(post.exitCode, 0, post.stdout)
    assert.ok(!post.lines.some((l) => /"spread"|Waiting/.test(l)), post.stdout)
    assert.ok(!post.lines.some((l) => l.startsWith('::warning::')), post.stdout)
    assert.deepEqual(github.runners, [])
  })

  test('SIGINT mid-batch: the rollback deletes with the installation token, which is then still revoked', async () => {
    // The access-token call passes; the four registrations are answered only after the signal.
    github.faults.push(
      { method: 'POST', pass: true },
      ...Array.from({ length: 4 }, () => ({ method: 'POST' as const, lateAnswer: 30_000 })),
    )
    const step = await startAction(appInputs({ type: 'jit', labels: 'self-hosted', count: '4', 'runner-name': 'app-cancel' }))
    await github.whenRequests(4, (r) => r.path.endsWith('/generate-jitconfig'))
    const signalledAt = Date.now()
    step.kill('SIGINT')
    const main = await step.finished
    assert.equal(main.exitCode, 1)
    assert.deepEqual(github.runners, [])
    assert.match(errorLine(main), /Stopped by SIGINT while registering 4 just-in-time runner\(s\)\. Rollback: deleted all 4/)
    const token = app.tokens[0].token
    const deletes = github.requests.filter((r) => r.method === 'DELETE' && r.path.includes('/actions/runners/'))
    assert.ok(deletes.length > 0 && deletes.every((r) => r.headers.authorization === `Bearer ${token}`))
    assert.equal(calls().at(-1), REVOKE)
    assert.equal(app.tokens[0].revoked, true, 'the revoke does not listen to the cancellation')
    // The runner sends SIGTERM 7.5 s after SIGINT: rollback and revoke together end before it.
    assert.ok(main.endedAt - signalledAt < 7500, `ended ${main.endedAt - signalledAt}ms after SIGINT`)
  })

  test('SIGINT during the revoke, after the hand-over: taken back, the step fails, and the post step removes both even with cleanup-on-failure: false', async () => {
    // Nothing after a cancelled step runs: runners handed over by it have no consumer.
    github.faults.push({ method: 'DELETE', hang: true })
    const inputs = appInputs({ type: 'jit', labels: 'self-hosted', count: '2', 'runner-name': 'app-late', 'cleanup-on-failure': 'false' })
    const step = await startAction(inputs)
    await github.whenRequests(1, (r) => `${r.method} ${r.path}` === REVOKE)
    const signalledAt = Date.now()
    step.kill('SIGINT')
    const main = await step.finished
    const took = main.endedAt - signalledAt
    assert.equal(main.exitCode, 1, main.stdout)
    const label = main.outputs['ownership-label']
    assert.match(
      errorLine(main),
      new RegExp(
        `^::error::Stopped by SIGINT after handing over 2 just-in-time runner\\(s\\): the job is cancelled, so no later step uses them\\. The post step removes them \\(label ${label}\\): app-late-[a-z0-9]{6}, app-late-[a-z0-9]{6}\\.$`,
      ),
    )
    // The ledger as the post step folds it from the journal.
    const saved = ledgerState(main)
    assert.equal(saved.runners.length, 2)
    assert.ok(
      saved.runners.every((r) => !r.handed_over),
      JSON.stringify(saved),
    )
    assert.equal(github.runners.length, 2)

    const post = await runPost(inputs, main)
    assert.equal(post.exitCode, 0, post.stdout)
    assert.deepEqual(github.runners, [])
    assert.match(post.stdout, /Cleanup of the runners this step registered: deleted all 2 \(app-late-/)
    // Needs the revoke to hear the signal (one cleanup budget of 7 s for the step).
    assert.ok(took < 7500, `ended ${took}ms after SIGINT`)
  })
})

describe('the command with GitHub App credentials', () => {
  let dir: string
  let keyFile: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mint-runner-token-app-'))
    keyFile = join(dir, 'app.pem')
    await writeFile(keyFile, app.privateKeyPem, { mode: 0o600 })
  })
  after(() => rm(dir, { recursive: true, force: true }))

  const cli = (args: string[], env: Record<string, string>) =>
    runCli(['--organization', 'octo-org', '--api-url', apiUrl, '--initial-delay', '10ms', ...args], env)
  const appEnv = () => ({ GITHUB_APP_ID: String(app.id), GITHUB_APP_PRIVATE_KEY: app.privateKeyPem })

  test('GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY: the token on stdout, the App calls on stderr, the installation token revoked', async () => {
    github.faults.push({ status: 502 })
    const run = await cli(['--json'], appEnv())
    assert.equal(run.exitCode, 0, run.stderr)
    const result = JSON.parse(run.stdout)
    assert.equal(result.token, github.minted.at(-1))
    assert.equal(result.attempts, 4)
    assert.deepEqual(calls(), [LOOKUP_ORG, LOOKUP_ORG, ACCESS_TOKEN, MINT_ORG, REVOKE])
    assert.match(run.stderr, /^Installation lookup: Attempt 1\/8 failed: HTTP 502/m)
    assert.match(run.stderr, /^Revoked the installation token\.$/m)
    assertMintUsedInstallationToken(MINT_ORG)
    assertJwtsGoodAndTokensRevoked()
  })

  test('--app-id and --app-private-key-file, with GITHUB_TOKEN in the environment too: the App is used, and the token is said to be unused', async () => {
    const ambient = 'ghp_AmbientWorkflowToken0123456789'
    const run = await cli(
      ['--app-id', String(app.id), '--app-private-key-file', keyFile, '--type', 'jit', '--labels', 'x', '--count', '2'],
      {
        GITHUB_TOKEN: ambient,
      },
    )
    assert.equal(run.exitCode, 0, run.stderr)
    assert.equal(run.stdout.split('\n').filter(Boolean).length, 2)
    assert.match(run.stderr, /^Authenticating as the GitHub App; GITHUB_TOKEN in the environment is not used\.$/m)
    assert.ok(!github.requests.some((r) => r.headers.authorization?.includes(ambient)))
    assertJwtsGoodAndTokensRevoked()
  })

  test('the key file may be a pipe: process substitution, so the key never touches the disk', async () => {
    const env = { PATH: process.env.PATH!, KEY: app.privateKeyPem }
    const script = `exec "${process.execPath}" "${CLI}" --organization octo-org --api-url "${apiUrl}" --app-id ${app.id} --app-private-key-file <(printf %s "$KEY")`
    const run = await new Promise<CliRun>((resolve) =>
      execFile('bash', ['-c', script], { env, timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ ...howItEnded(error), stdout, stderr }),
      ),
    )
    sweepCli(run, [], { GITHUB_APP_PRIVATE_KEY: app.privateKeyPem })
    assert.equal(run.exitCode, 0, run.stderr)
    assert.equal(run.stdout, `${github.minted.at(-1)}\n`)
    assertJwtsGoodAndTokensRevoked()
  })

  const refused = [['--private-key', 'x'], [`--app-private-key=${app.privateKeyPem}`]]
  for (const args of refused) {
    test(`a key on the command line is refused without repeating it: ${args[0].split('=')[0]}`, async () => {
      const run = await cli(args, { GITHUB_APP_ID: String(app.id) })
      assert.equal(run.exitCode, 2)
      assert.match(run.stderr, /option --(app-)?private-key is not accepted: a private key on the command line shows up in process lists/)
      assert.equal(github.requests.length, 0)
    })
  }

  test('a key that does not parse exits 2 naming where the key came from, before any request', async () => {
    const env = { ...appEnv(), GITHUB_APP_PRIVATE_KEY: 'not a key' }
    const fromEnv = await cli([], env)
    assert.equal(fromEnv.exitCode, 2)
    assert.match(fromEnv.stderr, /^mint-runner-token: GITHUB_APP_PRIVATE_KEY is not a PEM key/)
    const badFile = join(dir, 'bad.pem')
    await writeFile(badFile, app.privateKeyPem.slice(0, 300))
    const fromFile = await cli(['--app-private-key-file', badFile], { GITHUB_APP_ID: String(app.id) })
    assert.equal(fromFile.exitCode, 2)
    assert.match(
      fromFile.stderr,
      /^mint-runner-token: the key in --app-private-key-file has its "-----BEGIN RSA PRIVATE KEY-----" line but no "-----END/,
    )
    const missing = await cli(['--app-private-key-file', join(dir, 'missing.pem')], { GITHUB_APP_ID: String(app.id) })
    assert.equal(missing.exitCode, 2)
    assert.match(missing.stderr, /cannot open --app-private-key-file ".*missing\.pem": ENOENT\./)
    const noId = await cli(['--app-private-key-file', keyFile], {})
    assert.equal(noId.exitCode, 2)
    assert.match(noId.stderr, /^mint-runner-token: GITHUB_APP_ID \(or --app-id\) is required with the key in --app-private-key-file/)
    assert.equal(github.requests.length, 0)
  })

  test('the App not installed exits 1 with the reason', async () => {
    const run = await runCli(['--organization', 'other-org', '--api-url', apiUrl], appEnv())
    assert.equal(run.exitCode, 1)
    assert.match(run.stderr, /mint-runner-token: GitHub App 987654 is not installed on organization other-org/)
    assert.equal(run.stdout, '')
  })
})

describe('one cleanup budget after a signal, for the rollback and the revoke together (issue 17)', () => {
  test('finding 3: SIGINT mid-batch, the rollback DELETEs answered late and the revoke hanging: the step ends within 7 s, and says the deletes may have taken effect', async () => {
    github.faults.push(
      { method: 'POST', pass: true }, // the installation token
      ...Array.from({ length: 4 }, () => ({ method: 'POST' as const, lateAnswer: 30_000 })),
      // Each runner DELETE takes effect on arrival; its answer would come after the grace.
      ...Array.from({ length: 4 }, () => ({ method: 'DELETE' as const, lateAnswer: 30_000 })),
      // The revoke never answers.
      { method: 'DELETE', hang: true },
    )
    const step = await startAction(appInputs({ type: 'jit', labels: 'self-hosted', count: '4', 'runner-name': 'app-grace' }))
    await github.whenRequests(4, (r) => r.path.endsWith('/generate-jitconfig'))
    const signalledAt = Date.now()
    step.kill('SIGINT')
    const main = await step.finished
    const took = main.endedAt - signalledAt
    assert.equal(main.signal, null, 'the step handled SIGINT itself')
    assert.equal(main.exitCode, 1)
    // Rollback and revoke share one budget that ends inside 7 s; the runner's SIGTERM comes at 7.5 s.
    assert.ok(took < 7000, `ended ${took}ms after SIGINT`)
    assert.equal(calls().at(-1), REVOKE, 'the revoke is still tried, last')
    const runnerDeletes = github.requests.filter((r) => r.method === 'DELETE' && r.path.includes('/actions/runners/'))
    assert.equal(runnerDeletes.length, 4)
    assert.deepEqual(github.runners, [], 'the deletes reached GitHub and took effect')
    const error = errorLine(main)
    assert.match(error, /Stopped by SIGINT while registering 4 just-in-time runner\(s\)\. Rollback: could not delete 4 \(app-grace-/)
    assert.match(
      error,
      /stopped at the cleanup deadline\. No answer from GitHub: cut off at the cleanup deadline while waiting for the answer; the request may have taken effect/,
    )
    assert.doesNotMatch(error, /Could not reach GitHub|cancelled while waiting/)
    // Not confirmed gone: still in the ledger, for the post step.
    assert.equal(ledgerState(main).runners.length, 4)
    const warning = main.lines.find((l) => l.startsWith('::warning::Could not revoke')) ?? ''
    assert.match(
      warning,
      /^::warning::Could not revoke the installation token \(1 attempt\(s\), stopped by SIGINT, last: cut off at the cleanup deadline/,
    )
    assert.equal(app.tokens[0].revoked, false)
  })

  test("the post step, SIGINT while its deletes and the revoke hang: the removal and the revoke share the step's one cleanup budget, the report first", async () => {
    const inputs = appInputs({ type: 'jit', labels: 'self-hosted', count: '2', 'runner-name': 'post-grace' })
    const main = await runAction(inputs)
    assert.equal(main.exitCode, 0, main.stdout + main.stderr)
    const label = main.outputs['ownership-label']
    // The job was cancelled: the post step's runner DELETEs hang, and so does its revoke.
    github.faults.push(...Array.from({ length: 3 }, () => ({ method: 'DELETE' as const, hang: true as const })))
    const post = await startPost(inputs, main)
    await github.whenRequests(2, (r) => r.method === 'DELETE' && r.path.includes('/actions/runners/'))
    const signalledAt = Date.now()
    post.kill('SIGINT')
    const run = await post.finished
    const took = run.endedAt - signalledAt
    assert.equal(run.signal, null, 'the post step handled SIGINT itself')
    assert.equal(run.exitCode, 0, 'the post step never fails the job')
    // One budget, 6.5 s from the signal: the removal's part ends 2 s earlier, the revoke's with it.
    assert.ok(took >= 6000 && took < 7000, `ended ${took}ms after SIGINT`)
    const warnings = run.lines.filter((l) => l.startsWith('::warning::'))
    assert.match(
      warnings[0] ?? '',
      new RegExp(
        `^::warning::Cleanup of the runners this step registered \\(stopped by SIGINT\\): could not delete 2 \\(post-grace-.*Runners that may remain carry the label ${label}`,
      ),
    )
    assert.match(
      warnings[1] ?? '',
      /^::warning::Could not revoke the installation token \(1 attempt\(s\), stopped by SIGINT, last: cut off at the cleanup deadline/,
    )
    assert.equal(calls().at(-1), REVOKE, 'the revoke is still tried, last')
  })

  test('finding 1: the command, App credentials, --count 2, SIGTERM while DELETE /installation/token hangs: the revoke hears it and the command ends within 7 s', async () => {
    github.faults.push({ method: 'DELETE', hang: true })
    const env = { GITHUB_APP_ID: String(app.id), GITHUB_APP_PRIVATE_KEY: app.privateKeyPem }
    const args = [
      '--organization',
      'octo-org',
      '--api-url',
      apiUrl,
      '--initial-delay',
      '10ms',
      '--type',
      'jit',
      '--labels',
      'x',
      '--count',
      '2',
    ]
    const command = startCli(args, env)
    await github.whenRequests(1, (r) => `${r.method} ${r.path}` === REVOKE)
    const signalledAt = Date.now()
    command.kill('SIGTERM')
    const run = await command.finished
    const took = run.endedAt! - signalledAt
    assert.equal(run.signal, null, 'the command handled SIGTERM itself')
    // Before: it waited out its own 10 s revoke bound, chosen before the signal came.
    assert.ok(took < 7000, `exited ${took}ms after SIGTERM`)
    assert.match(
      run.stderr,
      /^Warning: Could not revoke the installation token \(1 attempt\(s\), stopped by SIGTERM, last: cut off at the cleanup deadline while waiting for the answer; the request may have taken effect\); unless that request took effect, it stays valid until it expires at /m,
    )
    // Either both were handed over (on stdout) or none was and both are gone.
    const configs = run.stdout.split('\n').filter(Boolean)
    assert.ok(
      (configs.length === 2 && github.runners.length === 2) || (configs.length === 0 && github.runners.length === 0),
      `${configs.length} config(s) on stdout, ${github.runners.length} runner(s) registered`,
    )
  })
})
