// Hostile servers: answers GitHub would never send on purpose, but that a proxy, a gateway, a
// half-broken server or an attacker's host can. The action must stay within its limits, never
// output anything but a real token, and say what happened. (Resets, hangs, a refused connection
// and a connection closed after the headers are in mint.test.ts.)
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type http from 'node:http'
import { type Fault, GitHubStandIn } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { type ActionRun, runAction } from '../support/run-action.js'
import { runCli } from '../support/run-cli.js'

const TOKEN = 'ghp_HostileCallerToken0123456789abcdef'
const FAST = { 'initial-delay': '10ms', 'max-delay': '50ms' }
const EXPIRES = '2030-01-01T00:00:00Z'

const github = new GitHubStandIn({ acceptToken: TOKEN })
let apiUrl: string
useStandIn(github, (url) => (apiUrl = url))

function mint(inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({ 'github-token': TOKEN, repository: 'octo-org/octo-repo', 'api-url': apiUrl, ...FAST, ...inputs })
}

const errorLine = (run: ActionRun) => run.lines.find((line) => line.startsWith('::error::')) ?? ''
const gap = (i: number) => github.requests[i].at - github.requests[i - 1].at

/** A success after `attempts` requests whose output is the token the stand-in minted last. */
function assertMinted(run: ActionRun, attempts: number): void {
  assert.equal(run.exitCode, 0, run.stdout + run.stderr)
  assert.equal(github.requests.length, attempts)
  assert.equal(run.outputs.token, github.minted.at(-1))
  assert.equal(run.outputs.attempts, String(attempts))
}

/** A 201 whose body streams `size` bytes as fast as the socket takes them, or forever. */
function hugeBody(size = Infinity): Fault {
  return {
    offContract: 'a body far larger than any GitHub answer',
    handle: (_req: http.IncomingMessage, res: http.ServerResponse) => {
      res.writeHead(201, { 'content-type': 'application/json; charset=utf-8' })
      res.write('{"token":"')
      const chunk = 'A'.repeat(64 * 1024)
      let sent = 0
      const pump = () => {
        while (!res.destroyed && sent < size) {
          sent += chunk.length
          if (!res.write(chunk)) return void res.once('drain', pump)
        }
        if (!res.destroyed) res.end(`","expires_at":"${EXPIRES}"}`)
      }
      res.on('close', () => res.removeAllListeners('drain'))
      pump()
    },
  }
}

describe('a body that never finishes in time', () => {
  test('a body trickling one byte at a time is cut off by attempt-timeout, though the socket is never idle', async () => {
    // A byte every 100 ms keeps an idle-socket timeout of 400 ms from ever firing; the whole body
    // would take about 7 s. Only the per-attempt limit can stop it.
    github.faults.push({ trickle: true, everyMs: 100 })
    const run = await mint({ 'attempt-timeout': '400ms', 'max-attempts': '1' })
    assert.equal(run.exitCode, 1)
    assert.equal(github.requests.length, 1)
    assert.match(errorLine(run), /ETIMEDOUT.*no complete answer within 400ms/)
    assert.ok(run.durationMs < 6000, `took ${run.durationMs}ms`)
  })

  test('a body that is cut off midway is retried', async () => {
    github.faults.push({
      offContract: 'half a body',
      handle: (req, res) => {
        res.writeHead(201, { 'content-type': 'application/json; charset=utf-8' })
        res.write('{"token":"AB12')
        setTimeout(() => req.socket.destroy(), 20)
      },
    })
    const run = await mint()
    assertMinted(run, 2)
    assert.match(run.stdout, /Attempt 1\/8 failed: /)
  })
})

describe('a huge body', () => {
  test('a 5 MB answer is refused at the size cap and retried', async () => {
    github.faults.push(hugeBody(5 * 1024 * 1024))
    const run = await mint()
    assertMinted(run, 2)
    assert.match(run.stdout, /Attempt 1\/8 failed: EBODYTOOLARGE \(answer body larger than 1048576 bytes\); retrying/)
  })

  test('an endless answer is cut at the size cap, long before attempt-timeout', async () => {
    github.faults.push(hugeBody())
    const run = await mint({ 'attempt-timeout': '60s', 'max-attempts': '1' })
    assert.equal(run.exitCode, 1)
    assert.match(errorLine(run), /answer body larger than 1048576 bytes/)
    assert.ok(run.durationMs < 30_000, `took ${run.durationMs}ms`)
  })
})

describe('a 201 without the documented token', () => {
  const bodies: { name: string; body: unknown }[] = [
    { name: 'a numeric token', body: { token: 12345, expires_at: EXPIRES } },
    { name: 'an object token', body: { token: { value: 'AB12' }, expires_at: EXPIRES } },
    { name: 'a null token', body: { token: null, expires_at: EXPIRES } },
    { name: 'an empty token', body: { token: '', expires_at: EXPIRES } },
    { name: 'a missing expires_at', body: { token: 'AB12CD34' } },
    { name: 'a numeric expires_at', body: { token: 'AB12CD34', expires_at: 1893456000 } },
    { name: 'JSON null', body: 'null' },
    { name: 'a JSON array', body: '[{"token":"AB12CD34","expires_at":"2030-01-01T00:00:00Z"}]' },
    { name: 'a JSON string', body: '"AB12CD34"' },
  ]
  for (const { name, body } of bodies) {
    test(`${name} is never an output: retried, then a real token`, async () => {
      github.faults.push({ status: 201, body, offContract: name })
      const run = await mint()
      assertMinted(run, 2)
      assert.match(run.stdout, /Attempt 1\/8 failed: HTTP 201 with an unexpected body/)
    })
  }

  test('only ever such bodies: the run fails, says so, and outputs no token', async () => {
    for (let i = 0; i < 3; i++)
      github.faults.push({ status: 201, body: { token: 12345, expires_at: EXPIRES }, offContract: 'a numeric token' })
    const run = await mint({ 'max-attempts': '3' })
    assert.equal(run.exitCode, 1)
    assert.equal(run.outputs.token, undefined)
    assert.match(errorLine(run), /GitHub answered 201 but not with the documented token body \{token, expires_at\}; no token was produced/)
  })
})

describe('a 200 where GitHub documents 201', () => {
  test('with the documented token body, the token is used (the status is not a reason to throw it away)', async () => {
    const token = github.mint()
    github.faults.push({ status: 200, body: token, offContract: 'GitHub documents 201' })
    const run = await mint()
    assertMinted(run, 1)
  })

  test('with a page instead of the body (a proxy login page), it is retried and never an output', async () => {
    github.faults.push({
      status: 200,
      body: '<html><form action="/login">Sign in to the proxy</form></html>',
      headers: { 'content-type': 'text/html' },
      offContract: 'a proxy page',
    })
    const run = await mint()
    assertMinted(run, 2)
    assert.match(run.stdout, /Attempt 1\/8 failed: HTTP 200 with an unexpected body/)
  })
})

describe('a retry-after GitHub would not send', () => {
  test('negative: ignored; a 429 then waits at least a minute, which passes a 10s timeout: fails at once', async () => {
    github.faults.push({ status: 429, headers: { 'retry-after': '-5' } })
    const run = await mint({ timeout: '10s' })
    assert.equal(run.exitCode, 1)
    assert.equal(github.requests.length, 1)
    assert.match(errorLine(run), /a wait of at least 1m, and the 10s "timeout" ends before that/)
  })

  test('negative on a 503: ignored, our own backoff', async () => {
    github.faults.push({ status: 503, headers: { 'retry-after': '-5' } })
    const run = await mint()
    assertMinted(run, 2)
    assert.ok(gap(1) < 3000, `waited ${gap(1)}ms`)
  })

  test('fractional: honoured, rounded up to the millisecond', async () => {
    github.faults.push({ status: 429, headers: { 'retry-after': '0.6' } })
    const run = await mint()
    assertMinted(run, 2)
    assert.match(run.stdout, /retrying in 600ms/)
    assert.ok(gap(1) >= 600, `waited ${gap(1)}ms`)
  })

  test('an HTTP date in the past: no wait asked, our own backoff', async () => {
    github.faults.push({ status: 429, headers: { 'retry-after': new Date(Date.now() - 3_600_000).toUTCString() } })
    const run = await mint()
    assertMinted(run, 2)
    assert.ok(gap(1) < 3000, `waited ${gap(1)}ms`)
  })

  test('garbage: ignored; a 429 then waits at least a minute', async () => {
    github.faults.push({ status: 429, headers: { 'retry-after': 'soon' } })
    const run = await mint({ timeout: '10s' })
    assert.equal(github.requests.length, 1)
    assert.match(errorLine(run), /a wait of at least 1m, and the 10s "timeout" ends before that/)
  })

  test('on a 503 (maintenance), retry-after is honoured too', async () => {
    github.faults.push({ status: 503, headers: { 'retry-after': '1' } })
    const run = await mint()
    assertMinted(run, 2)
    assert.match(run.stdout, /Attempt 1\/8 failed: HTTP 503 .*retrying in 1s/)
    assert.ok(gap(1) >= 1000, `waited ${gap(1)}ms`)
  })
})

describe('a redirect to a location that is not a URL', () => {
  test('is refused at once with one clear line, and the attempts are an output', async () => {
    github.faults.push({ status: 307, headers: { location: 'http://[' } })
    const run = await mint()
    assert.equal(run.exitCode, 1)
    assert.equal(github.requests.length, 1)
    assert.equal(errorLine(run), '::error::Refused a redirect: GitHub redirected to a location that is not a URL.')
    assert.equal(run.outputs.attempts, '1')
  })
})

describe('a token that carries workflow commands', () => {
  test('is masked before use and never printed, so it cannot inject a command', async () => {
    const hostile = 'AB12\n::error::injected\n::set-output name=x::y'
    github.faults.push({ status: 201, body: { token: hostile, expires_at: EXPIRES }, offContract: 'not a GitHub token' })
    const run = await mint()
    assert.equal(run.exitCode, 0)
    assert.equal(run.outputs.token, hostile)
    assert.ok(!run.lines.some((line) => line.startsWith('::error::') || line.startsWith('::set-output')), run.stdout)
    // core escapes the newlines, so the whole value is masked as one.
    assert.ok(run.lines.includes('::add-mask::AB12%0A::error::injected%0A::set-output name=x::y'), run.stdout)
  })
})

// Any control character a server put in its text: C0 (with CR, LF, ESC), DEL and C1 (0x9b is a
// one-byte CSI on some terminals).
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/

describe('text from the server is data', () => {
  // ESC sequences would recolour or clear the log; a CR could hide the line; '::warning::' at the
  // start of a line would be a workflow command.
  const message = '\u001b[2J\u001b[31mred\r::warning::injected\nsecond line\u007f\u009b'
  const escaped = String.raw`\x1b[2J\x1b[31mred\r::warning::injected\nsecond line\x7f\x9b`

  test("GitHub's message, a request id and X-Accepted-GitHub-Permissions are printed with their control characters escaped", async () => {
    github.faults.push({
      status: 403,
      // A header may carry bytes 0x80-0xff (read as Latin-1: C1 controls); Node refuses the rest.
      headers: { 'x-github-request-id': 'ID\u009b31m', 'x-accepted-github-permissions': 'administration=write\u009b2J' },
      body: { message, documentation_url: 'https://docs.github.com/rest' },
    })
    const run = await mint()
    assert.equal(run.exitCode, 1)
    for (const line of run.lines) assert.doesNotMatch(line, CONTROL, `a control character reached the log: ${JSON.stringify(line)}`)
    assert.ok(!run.lines.some((line) => line.startsWith('::warning::')), 'server text became a workflow command')
    assert.ok(errorLine(run).includes(`GitHub said: "${escaped}"`), errorLine(run))
    assert.ok(errorLine(run).includes(String.raw`a token with administration=write\x9b2J`), errorLine(run))
    assert.ok(errorLine(run).includes(String.raw`(GitHub request id ID\x9b31m)`), errorLine(run))
    assert.ok(run.stdout.includes(String.raw`[request id ID\x9b31m]`), run.stdout)
  })

  test('the command escapes them on stderr too', async () => {
    github.faults.push({ status: 422, headers: { 'x-github-request-id': 'ID\u009b31m' }, body: { message } })
    const run = await runCli(['--repository', 'octo-org/octo-repo', '--api-url', apiUrl], { GITHUB_TOKEN: TOKEN })
    assert.equal(run.exitCode, 1)
    assert.doesNotMatch(run.stderr.replaceAll('\n', ''), CONTROL, JSON.stringify(run.stderr))
    assert.ok(run.stderr.includes(`GitHub said: "${escaped}"`), run.stderr)
  })

  test('an expiry from the server is data in the log and in the step summary, whose HTML is escaped', async () => {
    // A date the client can read (Node's Date.parse skips a parenthesised comment), carrying a hostile comment.
    const expires = 'Tue, 01 Jan 2030 00:00:00 GMT (\u001b[8m<img src=x onerror=alert(1)>&)'
    github.faults.push({ status: 201, body: { token: 'AAHOSTILEEXPIRY0123456789', expires_at: expires }, offContract: 'a hostile expiry' })
    github.minted.push('AAHOSTILEEXPIRY0123456789')
    const run = await mint()
    assert.equal(run.exitCode, 0, run.stdout)
    for (const line of run.lines) assert.doesNotMatch(line, CONTROL, JSON.stringify(line))
    assert.ok(run.stdout.includes(String.raw`expires at Tue, 01 Jan 2030 00:00:00 GMT (\x1b[8m<img`), run.stdout)
    assert.ok(!run.summary.includes('<img'), run.summary)
    assert.ok(run.summary.includes(String.raw`Tue, 01 Jan 2030 00:00:00 GMT (\x1b[8m&lt;img src=x onerror=alert(1)&gt;&amp;)`), run.summary)
  })
})
