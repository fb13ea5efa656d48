// Behind a proxy: the bundles reach an HTTPS stand-in through a real CONNECT proxy on loopback, as
// on a runner with `https_proxy` set. http-client never proxies a loopback host, so the stand-in
// goes by a name only the proxy resolves (stand-in.test), with a test certificate the child
// trusts through NODE_EXTRA_CA_CERTS.
import { after, before, beforeEach, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import net from 'node:net'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { ConnectProxy } from '../support/connect-proxy.js'
import { runAction } from '../support/run-action.js'
import { runCli } from '../support/run-cli.js'

const TOKEN = 'ghp_ProxiedCallerToken0123456789abcdef'
const CERT = new URL('../fixtures/tls/stand-in.test.crt', import.meta.url).pathname
const KEY = new URL('../fixtures/tls/stand-in.test.key', import.meta.url).pathname
const CREDENTIALS = 'proxy-user:proxy-Secret-0123'
// Time is the behaviour here: the process must end soon after its last output, not when the
// proxy drops the held CONNECT (never, in this test). Generous for a loaded machine.
const LINGER_LIMIT_MS = 5000
// A run that hangs is killed after this, so the test fails in seconds rather than minutes.
const KILL_AFTER_MS = 30_000

const github = new GitHubStandIn({
  acceptToken: TOKEN,
  tls: { key: readFileSync(KEY), cert: readFileSync(CERT) },
  urlHost: 'stand-in.test',
})
const proxy = new ConnectProxy({ hosts: { 'stand-in.test': '127.0.0.1' }, credentials: CREDENTIALS })
let apiUrl: string
let proxyUrl: string

before(async () => {
  apiUrl = await github.start()
  proxyUrl = await proxy.start()
})
after(async () => {
  await proxy.close()
  await github.close()
})
beforeEach(() => {
  github.requests.length = 0
  github.faults.length = 0
  proxy.connects.length = 0
  proxy.plan.length = 0
})

/** The environment of a runner behind the proxy that trusts the stand-in's certificate. */
function behindProxy(httpsProxy = proxyUrl): Record<string, string> {
  return { https_proxy: httpsProxy, NODE_EXTRA_CA_CERTS: CERT }
}

const RETRY = { 'attempt-timeout': '1s', 'initial-delay': '10ms', 'max-delay': '50ms' }

/** The command, minting through the proxy with quick retries; killed if it outlives KILL_AFTER_MS. */
function mintWithTheCommand(): ReturnType<typeof runCli> {
  const retry = Object.entries(RETRY).flatMap(([name, value]) => [`--${name}`, value])
  return runCli(
    ['--repository', 'octo-org/octo-repo', '--api-url', apiUrl, ...retry],
    { GITHUB_TOKEN: TOKEN, ...behindProxy() },
    { timeoutMs: KILL_AFTER_MS },
  )
}

describe('through a CONNECT proxy', () => {
  test('the action mints through the tunnel, with the proxy credentials and no deprecation warning', async () => {
    const run = await runAction({ 'github-token': TOKEN, repository: 'octo-org/octo-repo', 'api-url': apiUrl }, behindProxy())
    assert.equal(run.exitCode, 0, run.stdout + run.stderr)
    assert.equal(run.outputs.token, github.minted.at(-1))
    assert.equal(proxy.connects.length, 1)
    assert.match(proxy.connects[0].target, /^stand-in\.test:\d+$/)
    assert.equal(github.requests.length, 1)
    // tunnel (http-client's proxy agent) builds Proxy-Authorization with the deprecated Buffer().
    assert.doesNotMatch(run.stderr, /DEP0005|DeprecationWarning|Buffer\(\)/)
  })

  test('the action: a CONNECT the proxy holds times out, attempt 2 mints, and the process exits at once', async () => {
    proxy.plan.push('hold')
    const run = await runAction(
      { 'github-token': TOKEN, repository: 'octo-org/octo-repo', 'api-url': apiUrl, ...RETRY },
      behindProxy(),
      undefined,
      { timeoutMs: KILL_AFTER_MS },
    )
    assert.equal(run.exitCode, 0, run.stdout + run.stderr)
    assert.equal(run.outputs.attempts, '2')
    assert.equal(run.outputs.token, github.minted.at(-1))
    assert.equal(proxy.connects.length, 2)
    assert.match(
      run.stdout,
      /Attempt 1\/8 failed: ETIMEDOUT \(no complete answer within 1s, through the proxy 127\.0\.0\.1:\d+ from https_proxy\)/,
    )
    const lingered = run.endedAt - run.lastStdoutAt
    assert.ok(lingered < LINGER_LIMIT_MS, `the process lived on for ${lingered}ms after its last output`)
    assert.doesNotMatch(run.stderr, /DEP0005|DeprecationWarning/)
  })

  test('the command: a CONNECT the proxy holds times out, attempt 2 mints, and the process exits at once', async () => {
    proxy.plan.push('hold')
    const run = await mintWithTheCommand()
    assert.equal(run.exitCode, 0, run.stderr)
    assert.equal(run.stdout, `${github.minted.at(-1)}\n`)
    const lingered = run.endedAt! - run.lastStdoutAt!
    assert.ok(lingered < LINGER_LIMIT_MS, `the process lived on for ${lingered}ms after printing the token`)
    assert.doesNotMatch(run.stderr, /DEP0005|DeprecationWarning/)
  })

  test('an answer that never comes through an open tunnel times out too, and the process exits at once', async () => {
    github.faults.push({ hang: true })
    const run = await mintWithTheCommand()
    assert.equal(run.exitCode, 0, run.stderr)
    assert.equal(github.requests.length, 2)
    const lingered = run.endedAt! - run.lastStdoutAt!
    assert.ok(lingered < LINGER_LIMIT_MS, `the process lived on for ${lingered}ms after printing the token`)
  })
})

describe('a proxy that fails', () => {
  test('an unreachable proxy is named, host and port only, never its credentials', async () => {
    const closed = await freePort()
    const run = await runAction(
      { 'github-token': TOKEN, repository: 'octo-org/octo-repo', 'api-url': apiUrl, ...RETRY, 'max-attempts': '2' },
      behindProxy(`http://${CREDENTIALS}@127.0.0.1:${closed}`),
    )
    assert.equal(run.exitCode, 1)
    const error = run.lines.find((line) => line.startsWith('::error::')) ?? ''
    assert.match(error, new RegExp(`could not connect to the proxy 127\\.0\\.0\\.1:${closed} from https_proxy: connection refused`))
    assert.doesNotMatch(run.stdout + run.stderr + run.summary, /proxy-Secret|proxy-user/)
    assert.equal(github.requests.length, 0)
  })

  test('a 407 (wrong proxy credentials) fails at once, naming the proxy and saying to check the credentials', async () => {
    const wrong = proxyUrl.replace(CREDENTIALS, 'proxy-user:proxy-Wrong-4567')
    const run = await runAction(
      { 'github-token': TOKEN, repository: 'octo-org/octo-repo', 'api-url': apiUrl, ...RETRY, 'max-attempts': '4' },
      behindProxy(wrong),
    )
    assert.equal(run.exitCode, 1, run.stdout + run.stderr)
    assert.equal(proxy.connects.length, 1, 'a 407 is not retried')
    assert.equal(github.requests.length, 0)
    assert.equal(run.outputs.attempts, '1')
    const error = run.lines.find((line) => line.startsWith('::error::')) ?? ''
    assert.match(
      error,
      /^::error::Could not reach GitHub: the proxy 127\.0\.0\.1:\d+ from https_proxy refused the tunnel to stand-in\.test:\d+: it did not accept the credentials in https_proxy \(HTTP 407 Proxy Authentication Required\); check the user name and password in https_proxy\.$/,
    )
    assert.match(run.stdout, /Attempt 1\/4 failed: EPROXYAUTH \(.*\); not retrying\./)
    assert.doesNotMatch(run.stdout + run.stderr + run.summary, /proxy-Wrong|proxy-Secret|proxy-user/)
  })

  test('the command: a 407 when https_proxy has no credentials fails at once and says to add them', async () => {
    const bare = proxyUrl.replace(`${CREDENTIALS}@`, '')
    const run = await runCli(
      [
        '--repository',
        'octo-org/octo-repo',
        '--api-url',
        apiUrl,
        ...Object.entries({ ...RETRY, 'max-attempts': '4' }).flatMap(([name, value]) => [`--${name}`, value]),
      ],
      { GITHUB_TOKEN: TOKEN, ...behindProxy(bare) },
    )
    assert.equal(run.exitCode, 1, run.stderr)
    assert.equal(proxy.connects.length, 1, 'a 407 is not retried')
    assert.equal(proxy.connects[0].proxyAuthorization, undefined)
    assert.match(
      run.stderr,
      /the proxy 127\.0\.0\.1:\d+ from https_proxy refused the tunnel to stand-in\.test:\d+: it requires credentials \(HTTP 407 Proxy Authentication Required\) and https_proxy has none; check the credentials in https_proxy \(http:\/\/USER:PASSWORD@127\.0\.0\.1:\d+\)\./,
    )
    assert.equal(run.stdout, '')
  })

  test('a proxy that refuses the tunnel is named with its status', async () => {
    proxy.plan.push(403)
    const run = await runCli(['--repository', 'octo-org/octo-repo', '--api-url', apiUrl, '--max-attempts', '1'], {
      GITHUB_TOKEN: TOKEN,
      ...behindProxy(),
    })
    assert.equal(run.exitCode, 1)
    assert.match(run.stderr, /the proxy 127\.0\.0\.1:\d+ from https_proxy refused the tunnel to stand-in\.test:\d+ \(HTTP 403\)/)
    assert.doesNotMatch(run.stderr, /proxy-Secret|proxy-user/)
  })
})

/** A port nothing listens on: bound, then closed. */
async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe('proxy variables and TLS as a user sets them', () => {
  const IPV6_CERT = new URL('../fixtures/tls/ipv6.test.crt', import.meta.url).pathname
  const IPV6_KEY = new URL('../fixtures/tls/ipv6.test.key', import.meta.url).pathname
  // An https:// proxy whose certificate (the IPv6 one here) no CA the command trusts has signed.
  const tlsProxy = new ConnectProxy({
    hosts: { 'stand-in.test': '127.0.0.1' },
    tls: { key: readFileSync(IPV6_KEY), cert: readFileSync(IPV6_CERT) },
  })
  // GitHub at an IPv6 address only the proxy reaches (the stand-in listens on 127.0.0.1).
  const ipv6Github = new GitHubStandIn({
    acceptToken: TOKEN,
    tls: { key: readFileSync(IPV6_KEY), cert: readFileSync(IPV6_CERT) },
    urlHost: '[2001:db8::1]',
  })
  const ipv6Proxy = new ConnectProxy({ hosts: { '[2001:db8::1]': '127.0.0.1' } })
  let tlsProxyUrl: string
  let ipv6ApiUrl: string
  let ipv6ProxyUrl: string
  before(async () => {
    tlsProxyUrl = await tlsProxy.start()
    ipv6ApiUrl = await ipv6Github.start()
    ipv6ProxyUrl = await ipv6Proxy.start()
  })
  after(async () => {
    await tlsProxy.close()
    await ipv6Proxy.close()
    await ipv6Github.close()
  })

  const mint = (env: Record<string, string>, api = apiUrl) =>
    runCli(
      ['--repository', 'octo-org/octo-repo', '--api-url', api, ...Object.entries(RETRY).flatMap(([name, value]) => [`--${name}`, value])],
      { GITHUB_TOKEN: TOKEN, NODE_EXTRA_CA_CERTS: CERT, ...env },
      { timeoutMs: KILL_AFTER_MS },
    )

  test('https_proxy without a scheme is an http proxy, as curl reads it: the mint goes through it', async () => {
    const run = await mint({ https_proxy: proxyUrl.replace('http://', '') })
    assert.equal(run.exitCode, 0, run.stderr)
    assert.equal(run.stdout, `${github.minted.at(-1)}\n`)
    assert.equal(proxy.connects.length, 1)
    assert.match(proxy.connects[0].target, /^stand-in\.test:\d+$/)
  })

  test('HTTPS_PROXY that cannot be read (a bare "%" in the password) is refused by name: no request, not even a direct one', async () => {
    const run = await mint({ HTTPS_PROXY: proxyUrl.replace(CREDENTIALS, 'proxy-user:100%') })
    assert.equal(run.exitCode, 1)
    assert.match(run.stderr, /HTTPS_PROXY is set but is not a proxy URL that can be used/)
    assert.match(run.stderr, /Attempt 1\/8 failed: EPROXYCONFIG .*not retrying/)
    assert.doesNotMatch(run.stderr, /100%|proxy-user/)
    assert.equal(proxy.connects.length, 0)
    assert.equal(github.requests.length, 0)
  })

  test('an https:// proxy whose certificate is not accepted: named, and not retried', async () => {
    const run = await mint({ https_proxy: tlsProxyUrl })
    assert.equal(run.exitCode, 1, run.stderr + tlsProxy.connects.length)
    assert.match(run.stderr, /could not connect to the proxy 127\.0\.0\.1:\d+ from https_proxy: its TLS certificate was not accepted \(/)
    assert.match(run.stderr, /Attempt 1\/8 failed: EPROXYTLS .*not retrying/)
    assert.equal(tlsProxy.connects.length, 0)
    assert.equal(github.requests.length, 0)
  })

  test("GitHub's certificate, not trusted, through the tunnel: named, and not retried", async () => {
    const run = await mint({ https_proxy: proxyUrl, NODE_EXTRA_CA_CERTS: IPV6_CERT })
    assert.equal(run.exitCode, 1)
    assert.match(
      run.stderr,
      /Attempt 1\/8 failed: [A-Z_]+ \(the server's TLS certificate was not accepted \([A-Z_]+\); trust its CA with NODE_EXTRA_CA_CERTS, or check the host, through the proxy .*not retrying/,
    )
    assert.equal(github.requests.length, 0)
  })

  test('EPROTO (an https:// proxy URL at a plain-http port) is named and not retried: it cannot heal', async () => {
    const run = await mint({ https_proxy: proxyUrl.replace('http://', 'https://') })
    assert.equal(run.exitCode, 1)
    assert.match(run.stderr, /Attempt 1\/8 failed: EPROTO .*the server did not speak TLS there.*not retrying/)
    assert.equal(github.requests.length, 0)
  })

  test('GitHub at an IPv6 address: the CONNECT target is in brackets, and the certificate is checked against the address', async () => {
    const run = await mint({ https_proxy: ipv6ProxyUrl, NODE_EXTRA_CA_CERTS: IPV6_CERT }, ipv6ApiUrl)
    assert.equal(run.exitCode, 0, run.stderr)
    assert.equal(run.stdout, `${ipv6Github.minted.at(-1)}\n`)
    assert.deepEqual(
      ipv6Proxy.connects.map((c) => c.target),
      [`[2001:db8::1]:${new URL(ipv6ApiUrl).port}`],
    )
  })
})
