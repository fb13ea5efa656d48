// Issue 18, through the bundles as a user meets them: a credential a server echoes is never
// printed (one redaction point), inputs that would leak or could never be sent are refused at
// once, a token in an unusable answer is masked and revoked, a JWT is signed on GitHub's clock,
// and messages name the real cause in the command's own words. Every run is also swept for
// every secret by runAction and runCli.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { StandInApp } from '../support/github-app.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { type ActionRun, assertNoLeak, runAction, runPost } from '../support/run-action.js'
import { runCli } from '../support/run-cli.js'

const TOKEN = 'ghp_EchoedCallerToken0123456789abcdefgh'
const FAST = { 'initial-delay': '10ms', 'max-delay': '50ms' }
const RANDOM_HIGH = new URL('../support/random-high.mjs', import.meta.url).href
const app = new StandInApp({
  installations: [
    { id: 4242, account: 'octo-org', permissions: { administration: 'write', organization_self_hosted_runners: 'write' } },
    { id: 6161, account: 'other-org', permissions: { administration: 'write', organization_self_hosted_runners: 'write' } },
  ],
})
const github = new GitHubStandIn({ acceptToken: TOKEN, app })
let apiUrl: string
useStandIn(github, (url) => (apiUrl = url))

const MINT = 'POST /orgs/octo-org/actions/runners/registration-token'

function tokenRun(inputs: Record<string, string> = {}, env: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({ 'github-token': TOKEN, organization: 'octo-org', 'api-url': apiUrl, ...FAST, ...inputs }, env)
}

function appRun(inputs: Record<string, string> = {}, env: Record<string, string> = {}): Promise<ActionRun> {
  return runAction(
    { 'app-id': String(app.id), 'private-key': app.privateKeyPem, organization: 'octo-org', 'api-url': apiUrl, ...FAST, ...inputs },
    env,
  )
}

function errorLine(run: ActionRun): string {
  return run.lines.find((line) => line.startsWith('::error::')) ?? ''
}

const cli = (args: string[], env: Record<string, string>) =>
  runCli(['--organization', 'octo-org', '--api-url', apiUrl, '--initial-delay', '10ms', '--max-delay', '50ms', ...args], env)

describe('1. one redaction point: a credential a server echoes is never printed', () => {
  test('the action: the github-token echoed in a 403 is in neither the error nor the summary', async () => {
    github.faults.push({ status: 403, body: { message: 'Forbidden' }, echoCredential: true })
    const run = await tokenRun()
    assert.equal(run.exitCode, 1)
    // The echo arrived: the stand-in did put the token in its message.
    assert.match(errorLine(run), /GitHub said: "Forbidden \(credential received: \*\*\*\)/)
    assert.match(run.summary, /credential received: \*\*\*/)
    assert.ok(!run.summary.includes(TOKEN) && !run.stdout.replace(`::add-mask::${TOKEN}`, '').includes(TOKEN))
  })

  test('the command: the GITHUB_TOKEN echoed is not on stderr', async () => {
    github.faults.push({ status: 403, body: { message: 'Forbidden' }, echoCredential: true })
    const run = await cli([], { GITHUB_TOKEN: TOKEN })
    assert.equal(run.exitCode, 1)
    assert.match(run.stderr, /credential received: \*\*\*/)
    assert.ok(!run.stderr.includes(TOKEN))
  })

  test('the command with an App: the installation token echoed is not on stderr', async () => {
    github.faults.push({ pass: true, method: 'POST' })
    github.faults.push({ method: 'POST', status: 403, body: { message: 'Forbidden' }, echoCredential: true })
    const run = await cli(['--app-id', String(app.id)], { GITHUB_APP_PRIVATE_KEY: app.privateKeyPem })
    assert.equal(run.exitCode, 1, run.stderr)
    assert.match(run.stderr, /credential received: \*\*\*/)
    assert.equal(app.tokens.length, 1)
    assert.ok(!run.stderr.includes(app.tokens[0].token))
  })

  test('the command with an App: a JWT echoed is not on stderr, not even as the 200 characters a quote is cut to', async () => {
    github.faults.push({ method: 'GET', status: 403, body: { message: 'Forbidden' }, echoCredential: true })
    const run = await cli(['--app-id', String(app.id)], { GITHUB_APP_PRIVATE_KEY: app.privateKeyPem })
    assert.equal(run.exitCode, 1, run.stderr)
    assert.match(run.stderr, /credential received: \*\*\*/)
    // What a cut JWT would have left: the start of its claims.
    assert.equal(app.jwts.length, 0, 'the fault answered before the App saw the JWT')
    const jwt = github.requests[0].headers.authorization!.replace('Bearer ', '')
    assert.ok(!run.stderr.includes(jwt.split('.')[1].slice(0, 24)), 'part of a JWT on stderr')
  })

  test('the post step: a refusal that echoes the github-token is a warning without it', async () => {
    const jit = { type: 'jit', labels: 'x', 'runner-name': 'echoed' }
    const main = await tokenRun(jit)
    assert.equal(main.exitCode, 0, main.stdout)
    github.faults.push({
      method: 'DELETE',
      status: 422,
      body: { message: 'Validation Failed', documentation_url: 'https://docs.github.com/rest' },
      echoCredential: true,
    })
    const post = await runPost({ 'github-token': TOKEN, organization: 'octo-org', 'api-url': apiUrl, ...FAST, ...jit }, main)
    assert.equal(post.exitCode, 0)
    assert.match(post.stdout, /::warning::.*credential received: \*\*\*/)
    assert.ok(!post.stdout.replace(`::add-mask::${TOKEN}`, '').includes(TOKEN))
  })

  test("a failed App run's summary holds no echoed installation token", async () => {
    github.faults.push({ pass: true, method: 'POST' })
    github.faults.push({ method: 'POST', status: 403, body: { message: 'Forbidden' }, echoCredential: true })
    const run = await appRun()
    assert.equal(run.exitCode, 1)
    assert.match(run.summary, /Runner token not minted/)
    assert.match(run.summary, /credential received: \*\*\*/)
    for (const { token } of app.tokens) assert.ok(!run.summary.includes(token))
  })
})

describe("15. a failed App run's summary: every row named, one count", () => {
  test('the mint rows are named, and the message counts the attempts the output does', async () => {
    github.faults.push({ pass: true, method: 'POST' }, ...[1, 2, 3].map(() => ({ method: 'POST' as const, status: 502 })))
    const run = await appRun({ 'max-attempts': '3' })
    assert.equal(run.exitCode, 1)
    assert.equal(run.outputs.attempts, '5')
    assert.match(
      errorLine(run),
      /Gave up after 5 attempt\(s\) \("max-attempts" is 3: 2 retries shared by all of the step's calls, each call's first attempt its own\)\. Last answer: HTTP 502/,
    )
    // Attempt, Call, Answer: the App's calls by name, the mint's three by the token type, then the revoke.
    const calls = [...run.summary.matchAll(/<tr><td>\d+<\/td><td>([^<]*)<\/td>/g)].map((m) => m[1])
    assert.deepEqual(calls, [
      'Installation lookup',
      'Installation token',
      'registration token',
      'registration token',
      'registration token',
      'Revoking the installation token',
    ])
  })
})

describe('16. each message says what its call expected', () => {
  test('an installation lookup answered 200 without an id is said as the lookup', async () => {
    github.faults.push(
      { method: 'GET', status: 200, body: {}, offContract: 'no id' },
      { method: 'GET', status: 200, body: {}, offContract: 'no id' },
    )
    const run = await appRun({ 'max-attempts': '2' })
    assert.equal(run.exitCode, 1)
    assert.match(
      errorLine(run),
      /While looking up GitHub App \d+'s installation for organization octo-org: GitHub answered 200 but not with the documented installation body \(its "id"\)\./,
    )
    assert.doesNotMatch(errorLine(run), /token body/)
  })

  test('a runner-group listing answered 200 without its list is said as the listing', async () => {
    const unreadable = { method: 'GET' as const, status: 200, body: {}, offContract: 'no runner_groups' }
    github.faults.push(unreadable, unreadable)
    const run = await tokenRun({ type: 'jit', labels: 'x', 'runner-group': 'gpu', 'max-attempts': '2' })
    assert.equal(run.exitCode, 1)
    assert.match(
      errorLine(run),
      /Could not list the runner groups of organization octo-org to find "gpu": .*GitHub answered 200 but not with the documented runner-group listing \{total_count, runner_groups\}\./,
    )
    assert.doesNotMatch(errorLine(run), /token body/)
  })

  test('the enterprise 404 names the token it needs, not "a token that has a classic token"', async () => {
    github.faults.push({ status: 404, body: { message: 'Not Found' } })
    const run = await runCli(['--enterprise', 'big', '--api-url', apiUrl], { GITHUB_TOKEN: TOKEN })
    assert.equal(run.exitCode, 1)
    assert.match(run.stderr, /check the name and that the token is a classic token with the "manage_runners:enterprise" scope\./)
  })
})

describe('2, 11. api-url', () => {
  const secret = 'ghp_QueryTokenInTheApiUrl0123456789abcdef'
  for (const value of [
    `https://api.github.com/?access_token=${secret}`,
    `https://a-rather-long-ghes-host-name.example.com/api/v3/#${secret}`,
    `https://x-access-token:${secret}@ghes.example/?q`,
    `ghes.example/api/v3?token=${secret}`,
  ]) {
    test(`refused without repeating its query, fragment or userinfo: ${value.slice(0, 40)}`, async () => {
      const run = await tokenRun({ 'api-url': value })
      assert.equal(run.exitCode, 1)
      assert.match(errorLine(run), /Input "api-url" must/)
      assert.ok(!run.stdout.includes(secret.slice(0, 12)), errorLine(run))
      assert.equal(github.requests.length, 0)
    })
  }

  for (const end of ['?', '#', '/?', '/#']) {
    test(`a bare "${end}" at the end is refused, no request sent`, async () => {
      const run = await tokenRun({ 'api-url': `${apiUrl}${end}` })
      assert.equal(run.exitCode, 1)
      assert.match(errorLine(run), /Input "api-url" must not have a query or fragment/)
      assert.equal(github.requests.length, 0)
    })
  }
})

describe('3. a token that cannot be sent in a header', () => {
  test('the action: a token ending in U+200B is refused at input, naming the input, never echoing it', async () => {
    const run = await tokenRun({ 'github-token': `${TOKEN}\u200b` })
    assert.equal(run.exitCode, 1)
    assert.match(
      errorLine(run),
      /Input "github-token" contains a character that cannot be sent in an HTTP header \(character 40 of 40 is U\+200B\)/,
    )
    assert.ok(!run.stdout.replace(/::add-mask::.*/g, '').includes(TOKEN))
    assert.equal(github.requests.length, 0)
  })

  test('the command names GITHUB_TOKEN and exits 2', async () => {
    const run = await cli([], { GITHUB_TOKEN: `\u200b${TOKEN}` })
    assert.equal(run.exitCode, 2)
    assert.match(
      run.stderr,
      /^mint-runner-token: GITHUB_TOKEN contains a character that cannot be sent in an HTTP header \(character 1 of 40 is U\+200B\)/,
    )
    assert.equal(github.requests.length, 0)
  })
})

describe('4. a 201 whose body cannot be used', () => {
  test('the token in it is masked before the body is checked', async () => {
    const unusable = 'AB0UNUSABLE0TOKEN0WITH0NO0EXPIRY'
    github.faults.push({ status: 201, body: { token: unusable }, offContract: 'no expires_at' })
    const run = await tokenRun()
    assert.equal(run.exitCode, 0, run.stdout)
    assert.ok(run.lines.includes(`::add-mask::${unusable}`), 'the unusable token was not masked')
    assertNoLeak(run, [unusable])
  })

  test('an installation token in it is masked and revoked', async () => {
    github.faults.push({
      method: 'POST',
      offContract: 'an unreadable expires_at',
      handle: (req, res) => {
        const answer = app.route('POST', '/app/installations/4242/access_tokens', req.headers.authorization, '')!
        res.writeHead(201, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ ...(answer.body as object), expires_at: 'never' }))
      },
    })
    const run = await appRun()
    assert.equal(run.exitCode, 0, run.stdout)
    assert.equal(app.tokens.length, 2)
    assert.ok(run.lines.includes(`::add-mask::${app.tokens[0].token}`))
    for (const token of app.tokens) assert.equal(token.revoked, true, 'an installation token was left alive')
  })
})

describe("5. a JWT signed on GitHub's clock", () => {
  for (const offsetMs of [-120_000, 11 * 60_000]) {
    test(`GitHub's clock ${offsetMs / 60_000} minutes off: the refusal's Date header corrects the next JWT`, async () => {
      app.clockOffsetMs = offsetMs
      try {
        const run = await appRun()
        assert.equal(run.exitCode, 0, run.stdout)
        assert.equal(app.jwts.filter((j) => j.problem).length, 1)
        assert.match(app.jwts[0].problem!, offsetMs < 0 ? /'Issued at' claim/ : /'Expiration time' claim/)
        assert.match(run.stdout, /its Date header puts its clock \d+m(\d+s)? (behind|ahead of) this machine's/)
      } finally {
        app.clockOffsetMs = 0
      }
    })
  }
})

describe('9. spread close to timeout', () => {
  test('a spread that leaves no useful attempt sends no request and says the spread used the time', async () => {
    // Math.random() is 0.999 in the bundle: the spread waits almost all of its 1s.
    const run = await tokenRun({ spread: '1s', timeout: '1050ms' }, { NODE_OPTIONS: `--import=${RANDOM_HIGH}` })
    assert.equal(run.exitCode, 1, run.stdout)
    assert.match(
      errorLine(run),
      /The start spread \("spread", 1s\) waited (999ms|1s) of the 1\.1s "timeout", leaving too little for a request; none was sent\./,
    )
    assert.equal(github.requests.length, 0)
  })
})

describe('9. spread close to timeout, with a GitHub App', () => {
  test('no installation lookup starts, and the message says the spread used the time', async () => {
    const run = await appRun({ spread: '1s', timeout: '1050ms' }, { NODE_OPTIONS: `--import=${RANDOM_HIGH}` })
    assert.equal(run.exitCode, 1, run.stdout)
    assert.match(
      errorLine(run),
      /The start spread \("spread", 1s\) waited (999ms|1s) of the 1\.1s "timeout", leaving too little for a request; none was sent\./,
    )
    assert.equal(github.requests.length, 0)
  })
})

describe('10, 13. the command: warnings survive --quiet; the credentials chosen as documented', () => {
  test('-q still says the installation token could not be revoked', async () => {
    for (let i = 0; i < 3; i++) github.faults.push({ method: 'DELETE', status: 500 })
    const run = await cli(['-q', '--app-id', String(app.id)], { GITHUB_APP_PRIVATE_KEY: app.privateKeyPem })
    assert.equal(run.exitCode, 0, run.stderr)
    assert.match(run.stderr, /^Warning: Could not revoke the installation token \(3 attempt\(s\), last: HTTP 500/m)
    assert.doesNotMatch(run.stderr, /Minted/)
  })

  test('GITHUB_APP_ID alone beside GITHUB_TOKEN: the token mints, no usage error', async () => {
    const run = await cli([], { GITHUB_TOKEN: TOKEN, GITHUB_APP_ID: String(app.id) })
    assert.equal(run.exitCode, 0, run.stderr)
    assert.equal(run.stdout, `${github.minted.at(-1)}\n`)
    assert.match(run.stderr, /^Authenticating with GITHUB_TOKEN; GITHUB_APP_ID in the environment is not used/m)
  })

  test('GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY left in the environment do not displace GITHUB_TOKEN', async () => {
    const run = await cli([], { GITHUB_TOKEN: TOKEN, GITHUB_APP_ID: String(app.id), GITHUB_APP_PRIVATE_KEY: app.privateKeyPem })
    assert.equal(run.exitCode, 0, run.stderr)
    assert.deepEqual(
      github.requests.map((r) => `${r.method} ${r.path}`),
      [MINT],
    )
    assert.equal(github.requests[0].headers.authorization, `Bearer ${TOKEN}`)
  })

  test("an App for an enterprise: the refusal names the command's variables, not an input", async () => {
    const run = await runCli(['--enterprise', 'big', '--api-url', apiUrl, '--app-id', String(app.id)], {
      GITHUB_APP_PRIVATE_KEY: app.privateKeyPem,
    })
    assert.equal(run.exitCode, 2)
    assert.match(run.stderr, /pass such a token as GITHUB_TOKEN or GH_TOKEN\./)
    assert.doesNotMatch(run.stderr, /"github-token"|"app-id"|"private-key"/)
  })
})

describe('12. an installation-id of another organization', () => {
  test('the 404 names installation-id', async () => {
    const run = await appRun({ 'installation-id': '6161' })
    assert.equal(run.exitCode, 1)
    assert.match(errorLine(run), /was not found \(404\)/)
    assert.match(
      errorLine(run),
      /The token is installation 6161's \("installation-id"\): an installation on another account cannot see organization octo-org; check "installation-id"/,
    )
    for (const token of app.tokens) assert.equal(token.revoked, true)
  })

  test('a JIT registration: the 404 names installation-id too', async () => {
    const run = await appRun({ 'installation-id': '6161', type: 'jit', labels: 'gpu' })
    assert.equal(run.exitCode, 1)
    assert.match(errorLine(run), /\(404\)/)
    assert.match(
      errorLine(run),
      /The token is installation 6161's \("installation-id"\): an installation on another account cannot see organization octo-org; check "installation-id"/,
    )
    for (const token of app.tokens) assert.equal(token.revoked, true)
  })

  test('the command, a JIT registration: the 404 names installation-id too', async () => {
    const run = await cli(['--app-id', String(app.id), '--installation-id', '6161', '--type', 'jit', '--labels', 'gpu'], {
      GITHUB_APP_PRIVATE_KEY: app.privateKeyPem,
    })
    assert.equal(run.exitCode, 1, run.stderr)
    assert.match(
      run.stderr,
      /an installation on another account cannot see organization octo-org; check (--installation-id|"installation-id")/,
    )
  })
})

describe('14. a private key as people paste it', () => {
  let dir: string
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'pasted-key-'))))
  after(() => rm(dir, { recursive: true, force: true }))

  const forms: [string, string][] = [
    ['line breaks become spaces', app.privateKeyPem.trim().replaceAll('\n', ' ')],
    ['one line, quoted, as docker --env-file keeps it', `"${app.privateKeyPem.trim().replaceAll('\n', '\\n')}"`],
  ]
  for (const [name, key] of forms) {
    test(`the command reads a key whose ${name}`, async () => {
      const run = await cli(['--app-id', String(app.id)], { GITHUB_APP_PRIVATE_KEY: key })
      assert.equal(run.exitCode, 0, run.stderr)
      assert.equal(run.stdout, `${github.minted.at(-1)}\n`)
    })
  }

  test('the action reads a key whose line breaks became spaces', async () => {
    const run = await appRun({ 'private-key': app.privateKeyPem.trim().replaceAll('\n', ' ') })
    assert.equal(run.exitCode, 0, run.stdout)
  })

  test('a key file cut short is said to be cut short', async () => {
    const file = join(dir, 'cut.pem')
    await writeFile(file, app.privateKeyPem.slice(0, 300))
    const run = await cli(['--app-private-key-file', file, '--app-id', String(app.id)], {})
    assert.equal(run.exitCode, 2)
    assert.match(
      run.stderr,
      /the key in --app-private-key-file has its "-----BEGIN RSA PRIVATE KEY-----" line but no "-----END RSA PRIVATE KEY-----" line: it was cut short/,
    )
  })
})
