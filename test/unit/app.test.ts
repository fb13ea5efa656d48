// GitHub App authentication (src/app.ts, src/app/): the key, the JWT, and the flow from App credentials to
// an installation token against the loopback stand-in, with an injected clock so the shared
// deadline and attempt budget can be driven exactly.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync, verify } from 'node:crypto'
import { privateKeySecrets, readPrivateKey, unescapePem, withInstallationToken } from '../../src/app.js'
import { JWT_BACKDATE_S, JWT_LIFETIME_S, appJwt } from '../../src/app/jwt.js'
import { accessTokenBody, installationUrl, parseInstallation } from '../../src/app/endpoints.js'
import { type Config, parseInputs } from '../../src/inputs.js'
import { MintError, mintToken } from '../../src/mint.js'
import { run } from '../../src/main.js'
import { fakeCore } from '../support/fake-core.js'
import { type Fault, GitHubStandIn } from '../support/github-stand-in.js'
import { StandInApp, jwtClaims } from '../support/github-app.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { FakeClock } from '../support/fake-clock.js'

const app = new StandInApp()
const { privateKey: ecKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })

describe('the private key', () => {
  test('PKCS#1 as GitHub issues it, PKCS#8, one line with literal \\n escapes or spaces, quoted, CRLF and indented lines all read as the same RSA key', () => {
    const variants = [
      app.privateKeyPem,
      app.privateKeyPkcs8,
      app.privateKeyPem.trim().replaceAll('\n', '\\n'),
      app.privateKeyPem.replaceAll('\n', '\r\n'),
      app.privateKeyPem
        .split('\n')
        .map((line) => `    ${line}`)
        .join('\n'),
      // Line breaks that became spaces, and the quoted one-line forms `docker --env-file` keeps.
      app.privateKeyPem.trim().replaceAll('\n', ' '),
      `"${app.privateKeyPem.trim().replaceAll('\n', '\\n')}"`,
      `'${app.privateKeyPkcs8.trim().replaceAll('\n', ' ')}'`,
    ]
    for (const text of variants) {
      const read = readPrivateKey(text)
      assert.ok('key' in read, JSON.stringify(read))
      assert.equal(read.key.asymmetricKeyType, 'rsa')
      assert.equal(read.key.export({ type: 'pkcs1', format: 'pem' }), app.privateKeyPem)
    }
  })

  const pem = app.privateKeyPem
  const body = pem.split('\n')[1]
  const refused: [string, string, RegExp][] = [
    ['not PEM at all', 'just-a-password-123', /^is not a PEM key: it has no "-----BEGIN \.\.\. PRIVATE KEY-----" line/],
    ['the body without its armour', pem.split('\n').slice(1, -2).join('\n'), /^is not a PEM key/],
    ['a public key', app.publicKey.export({ type: 'spki', format: 'pem' }).toString(), /^is a "PUBLIC KEY", not a private key/],
    [
      'a key cut short',
      pem.split('\n').slice(0, 8).join('\n') + '\n-----END RSA PRIVATE KEY-----',
      /^could not be read as a PEM private key/,
    ],
    ['an altered key', pem.replace(body, body.replace(/[A-Z]/g, 'x')), /^could not be read as a PEM private key/],
    ['an EC key', ecKey.export({ type: 'pkcs8', format: 'pem' }).toString(), /^is an EC key; GitHub App keys are RSA/],
    [
      'an encrypted PKCS#1 key (Proc-Type header)',
      generateKeyPairSync('rsa', {
        modulusLength: 1024,
        privateKeyEncoding: { type: 'pkcs1', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'pw' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      }).privateKey,
      /^is encrypted/,
    ],
    [
      'an encrypted PKCS#1 key whose line breaks became spaces',
      generateKeyPairSync('rsa', {
        modulusLength: 1024,
        privateKeyEncoding: { type: 'pkcs1', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'pw' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      })
        .privateKey.trim()
        .replaceAll('\n', ' '),
      /^is encrypted/,
    ],
    [
      'a DSA key',
      generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
      /^is a DSA key; GitHub App keys are RSA/,
    ],
    [
      'a key without its END line',
      pem.split('\n').slice(0, 8).join('\n'),
      /^has its "-----BEGIN RSA PRIVATE KEY-----" line but no "-----END RSA PRIVATE KEY-----" line: it was cut short/,
    ],
    [
      'an encrypted key',
      generateKeyPairSync('rsa', {
        modulusLength: 1024,
        privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'pw' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      }).privateKey,
      /^is encrypted/,
    ],
  ]
  for (const [name, text, problem] of refused) {
    test(`${name} is refused with a reason that repeats none of it`, () => {
      const read = readPrivateKey(text)
      assert.ok('problem' in read)
      assert.match(read.problem, problem)
      // Against the key itself: every line the action masks, and every run of 12 of its characters.
      const secrets = privateKeySecrets(text)
      assert.ok(secrets.length > 0, 'there is something to compare against')
      for (const secret of secrets) {
        for (let at = 0; at + 12 <= secret.length; at++) assert.ok(!read.problem.includes(secret.slice(at, at + 12)), secret)
      }
    })
  }

  test('the lines to mask: every line but the armour, as given and with escapes undone', () => {
    const lines = pem.trim().split('\n')
    assert.deepEqual(privateKeySecrets(pem).sort(), lines.slice(1, -1).sort())
    const escaped = pem.trim().replaceAll('\n', '\\n')
    const secrets = privateKeySecrets(escaped)
    assert.ok(secrets.includes(escaped), 'the one-line form itself')
    for (const line of lines.slice(1, -1)) assert.ok(secrets.includes(line), line)
    assert.ok(!secrets.some((s) => /^-----(BEGIN|END) [A-Z ]+-----$/.test(s)), 'an armour line alone is no secret')
    assert.deepEqual(privateKeySecrets(''), [])
    assert.equal(unescapePem('a\\r\\nb\\nc'), 'a\nb\nc\n')
  })
})

describe('the JWT', () => {
  test('RS256, signed by the key, iat a minute back, exp at most 10 minutes from now, iss as given, a fresh jti each time', () => {
    const key = (readPrivateKey(app.privateKeyPem) as { key: import('node:crypto').KeyObject }).key
    const now = 1_800_000_000_500
    const jwts = [appJwt('123456', key, now), appJwt('123456', key, now)]
    for (const jwt of jwts) {
      const [header, payload, signature] = jwt.split('.')
      assert.deepEqual(JSON.parse(Buffer.from(header, 'base64url').toString()), { alg: 'RS256', typ: 'JWT' })
      assert.ok(verify('sha256', Buffer.from(`${header}.${payload}`), app.publicKey, Buffer.from(signature, 'base64url')))
      const claims = jwtClaims(jwt)
      assert.equal(claims.iat, 1_800_000_000 - JWT_BACKDATE_S)
      assert.equal(claims.exp - claims.iat, JWT_LIFETIME_S)
      // What GitHub checks, on the clock it was signed for: issued by now, expiring within 10 minutes of now.
      assert.ok(claims.iat <= Math.floor(now / 1000))
      assert.ok(claims.exp - Math.floor(now / 1000) <= 600)
      assert.ok(claims.exp > Math.floor(now / 1000))
      assert.equal(claims.iss, '123456')
      assert.match(claims.jti!, /^[0-9a-f-]{36}$/)
    }
    assert.notEqual(jwtClaims(jwts[0]).jti, jwtClaims(jwts[1]).jti)
    assert.equal(jwtClaims(appJwt('Iv23liAbc', key, now)).iss, 'Iv23liAbc')
  })

  test('the requests for each scope: the lookup path, and a token narrowed to the target', () => {
    assert.equal(installationUrl('https://api', { kind: 'repository', owner: 'o', repo: 'r' }), 'https://api/repos/o/r/installation')
    assert.equal(installationUrl('https://api', { kind: 'organization', name: 'o' }), 'https://api/orgs/o/installation')
    assert.deepEqual(accessTokenBody({ kind: 'repository', owner: 'o', repo: 'r' }), {
      repositories: ['r'],
      permissions: { administration: 'write' },
    })
    assert.deepEqual(accessTokenBody({ kind: 'organization', name: 'o' }), { permissions: { organization_self_hosted_runners: 'write' } })
  })
})

describe('from App credentials to a token', () => {
  const github = new GitHubStandIn({ app })
  let apiUrl: string
  useStandIn(github, (url) => (apiUrl = url))

  const config = (inputs: Record<string, string> = {}): Config =>
    parseInputs(
      (name) =>
        ({
          'app-id': String(app.id),
          'private-key': app.privateKeyPem,
          organization: 'octo-org',
          'api-url': apiUrl,
          jitter: 'none',
          ...inputs,
        })[name] ?? '',
    )
  // Not the statuses: an answer's 'finish' may come after the client has read it.
  const calls = () => github.requests.map((r) => `${r.method} ${r.path}`)

  test('max-attempts is one budget: the lookup, the token and the mint share its retries', async () => {
    // 4 attempts: 3 retries for the whole step. The lookup spends two, the token one, the mint none.
    github.faults.push({ status: 502 }, { status: 502 }, { pass: true }, { status: 503 }, { pass: true }, { status: 502 })
    const clock = new FakeClock(Date.now())
    const log: string[] = []
    const error = await withInstallationToken(config({ 'max-attempts': '4' }), { clock, log: (l) => log.push(l) }, (c) =>
      mintToken(c, { clock, log: (l) => log.push(l) }),
    ).catch((e: unknown) => e)
    assert.ok(error instanceof MintError, String(error))
    assert.equal(error.attempts, 6, 'lookup 3 + token 2 + mint 1')
    // One count, the step's, explained once: the same 6 as the attempts output.
    assert.match(
      error.message,
      /^Gave up after 6 attempt\(s\) \("max-attempts" is 4: 3 retries shared by all of the step's calls, each call's first attempt its own\)\. Last answer: HTTP 502/,
    )
    assert.deepEqual(calls(), [
      'GET /orgs/octo-org/installation',
      'GET /orgs/octo-org/installation',
      'GET /orgs/octo-org/installation',
      'POST /app/installations/4242/access_tokens',
      'POST /app/installations/4242/access_tokens',
      'POST /orgs/octo-org/actions/runners/registration-token',
      'DELETE /installation/token',
    ])
    assert.ok(
      log.some((l) => /^Installation lookup: Attempt 1\/4 failed: HTTP 502 \[request id STAND-IN:[0-9A-F]+\]; retrying in 1s\.$/.test(l)),
      log.join('\n'),
    )
    assert.ok(
      log.some((l) => /^Installation token: Attempt 1\/2 failed: HTTP 503/.test(l)),
      log.join('\n'),
    )
    assert.ok(
      log.some((l) => /^Attempt 1\/1 failed: HTTP 502 .*; not retrying\.$/.test(l)),
      log.join('\n'),
    )
  })

  test('timeout is one deadline: time spent on the lookup and the token is gone for the mint', async () => {
    // 10 s in all, waits of 4 s (jitter none): lookup and token each wait once (8 s), so the
    // mint's first 4 s wait would pass the step's deadline, though it alone has spent none.
    github.faults.push({ status: 502 }, { pass: true }, { status: 502 }, { pass: true }, { status: 502 })
    const clock = new FakeClock(Date.now())
    const error = await withInstallationToken(config({ timeout: '10s', 'initial-delay': '4s', 'max-delay': '4s' }), { clock }, (c) =>
      mintToken(c, { clock }),
    ).catch((e: unknown) => e)
    assert.ok(error instanceof MintError)
    assert.equal(clock.sleeps.join(','), '4000,4000')
    assert.equal(error.attempts, 5)
    // The message names the step's timeout, not what was left of it when the mint began.
    assert.match(error.message, /^Gave up after 5 attempt\(s\): the next wait \(4s\) would pass the 10s "timeout"\./)
  })

  for (const [name, offsetMs] of [
    ['2 minutes behind', -120_000],
    ['11 minutes ahead', 11 * 60_000],
  ] as const) {
    test(`GitHub's clock ${name}: the refused JWT's Date header sets the clock the next JWT is signed on`, async () => {
      app.clockOffsetMs = offsetMs
      try {
        const clock = new FakeClock(Date.now())
        const lines: string[] = []
        const minted = await withInstallationToken(config(), { clock, log: (line) => lines.push(line) }, (c) => mintToken(c, { clock }))
        // The lookup twice (refused, then on GitHub's clock), the token and the mint once each.
        assert.equal(minted.attempts, 4)
        assert.deepEqual(
          app.jwts.map((j) => j.problem ?? 'ok'),
          [
            offsetMs < 0
              ? "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
              : "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
            'ok',
            'ok',
          ],
        )
        // A Date header is whole seconds: the difference read from it is within a second of the truth.
        const said =
          offsetMs < 0
            ? /puts its clock (1m59s|2m|2m1s) behind this machine's/
            : /puts its clock (10m59s|11m|11m1s) ahead of this machine's/
        assert.ok(
          lines.some((line) => said.test(line)),
          lines.join('\n'),
        )
      } finally {
        app.clockOffsetMs = 0
        app.reset()
      }
    })
  }

  test('the JWT is signed on the injected clock: a wall clock 2 minutes ahead is refused, then corrected', async () => {
    const clock = new FakeClock(Date.now())
    clock.wallOffset = 120_000
    app.reset()
    const minted = await withInstallationToken(config(), { clock }, (c) => mintToken(c, { clock }))
    assert.equal(minted.attempts, 4)
    assert.equal(app.jwts.length, 3)
    assert.match(app.jwts[0].problem ?? '', /'Issued at' claim/)
    app.reset()
  })

  test('a 401 on a JWT is retried once, with a fresh JWT; a second 401 fails and says what to check', async () => {
    github.faults.push({ status: 401, body: { message: "'Issued at' claim ('iat') must be an Integer representing a time in the past" } })
    const clock = new FakeClock(Date.now())
    const minted = await withInstallationToken(config(), { clock }, (c) => mintToken(c, { clock }))
    assert.equal(minted.attempts, 4)
    const [first, second] = github.requests.map((r) => r.headers.authorization!.replace('Bearer ', ''))
    assert.notEqual(jwtClaims(first).jti, jwtClaims(second).jti)

    github.requests.length = 0
    const stranger = new StandInApp({ id: app.id })
    const error = await withInstallationToken(config({ 'private-key': stranger.privateKeyPem }), { clock }, (c) =>
      mintToken(c, { clock }),
    ).catch((e: unknown) => e)
    assert.ok(error instanceof MintError)
    assert.equal(error.attempts, 2)
    assert.deepEqual(calls(), ['GET /orgs/octo-org/installation', 'GET /orgs/octo-org/installation'])
    assert.match(
      error.message,
      /^GitHub rejected the App's JWT \(401\): check that "app-id" \(987654\) is the App's ID or client ID, that "private-key" is one of that App's current keys/,
    )
    assert.match(error.message, /GitHub said: "A JSON web token could not be decoded"/)
  })

  test('the work gets the installation token, the time and retries left; a result counts the App attempts too', async () => {
    const clock = new FakeClock(Date.now())
    github.faults.push({ status: 502 })
    const given: Config[] = []
    const result = await withInstallationToken(config({ timeout: '1m' }), { clock }, async (c) => {
      given.push(c)
      return { attempts: 7, other: 'kept' }
    })
    assert.deepEqual(result, { attempts: 10, other: 'kept' })
    const [handed] = given
    assert.equal(handed.githubToken, app.tokens[0].token)
    assert.ok(handed.githubToken.length > 40, 'a long ghs_ token')
    assert.equal(handed.app, undefined, 'the key does not travel further')
    assert.equal(handed.maxAttempts, 7, 'eight attempts, one retry spent')
    assert.equal(handed.timeoutMs, 60_000 - clock.sleeps[0])
    assert.equal(app.tokens[0].revoked, true)
    // With a github-token there is nothing to do: the work gets the config as it is.
    const plain = parseInputs((name) => ({ 'github-token': 'ghp_x', organization: 'o' })[name] ?? '')
    assert.equal(await withInstallationToken(plain, {}, async (c) => c), plain)
  })

  test('the revoke is tried within its own bound even when the work failed, and a failed revoke is a warning', async () => {
    const clock = new FakeClock(Date.now())
    // The step's own waits would be 10 s; the revoke's are capped (1 s, then 2 s with jitter none).
    github.faults.push({ pass: true }, { pass: true }, { status: 404 }, { status: 502 }, { status: 503 }, { reset: true })
    const warnings: string[] = []
    const log: string[] = []
    const inputs = config({ 'initial-delay': '10s', 'max-delay': '20s' })
    const error = await withInstallationToken(inputs, { clock, warn: (w) => warnings.push(w), log: (l) => log.push(l) }, (c) =>
      mintToken(c, { clock }),
    ).catch((e: unknown) => e)
    assert.ok(error instanceof MintError)
    assert.match(error.message, /^Organization octo-org was not found \(404\)/)
    assert.equal(github.requests.filter((r) => r.method === 'DELETE').length, 3)
    assert.deepEqual(clock.sleeps, [1000, 2000])
    assert.ok(
      log.some((l) => /^Revoking the installation token: Attempt 1\/3 failed: HTTP 502/.test(l)),
      log.join('\n'),
    )
    assert.ok(!log.includes('Revoked the installation token.'))
    assert.deepEqual(warnings, [
      `Could not revoke the installation token (3 attempt(s), last: connection reset); it stays valid until it expires at ${app.tokens[0].expiresAt}.`,
    ])
    assert.equal(app.tokens[0].revoked, false)

    // The last answer an HTTP status: named with GitHub's request id.
    github.faults.push(
      { pass: true },
      { pass: true },
      { status: 502 },
      { status: 502 },
      { status: 503, headers: { 'x-github-request-id': 'R-9' } },
    )
    await withInstallationToken(inputs, { clock, warn: (w) => warnings.push(w) }, async () => ({}))
    assert.match(
      warnings[1],
      /^Could not revoke the installation token \(3 attempt\(s\), last: HTTP 503, GitHub request id R-9\); it stays valid until it expires at /,
    )
  })

  test('what the log says: the lookup, the token with its permission, the revoke; no lookup with installation-id', async () => {
    const clock = new FakeClock(Date.now())
    const log: string[] = []
    await withInstallationToken(config(), { clock, log: (l) => log.push(l) }, async () => ({}))
    assert.deepEqual(
      log.map((l) => l.replace(/expires at \S+$/, 'expires at T.')),
      [
        `Authenticating as GitHub App ${app.id}: looking up its installation for organization octo-org.`,
        'Made an installation token (installation 4242) for organization octo-org with organization_self_hosted_runners: write; it expires at T.',
        'Revoked the installation token.',
      ],
    )
    log.length = 0
    github.requests.length = 0
    await withInstallationToken(
      config({ organization: '', repository: 'octo-org/octo-repo', 'installation-id': '4242' }),
      { clock, log: (l) => log.push(l) },
      async () => ({}),
    )
    assert.equal(log[0], `Authenticating as GitHub App ${app.id}, installation 4242 ("installation-id").`)
    assert.match(
      log[1],
      /^Made an installation token \(installation 4242\) for repository octo-org\/octo-repo with administration: write; /,
    )
    assert.deepEqual(calls(), ['POST /app/installations/4242/access_tokens', 'DELETE /installation/token'])
  })

  test('a 201 without a token is retried, and nothing is masked for it; a result that is not a count comes back as it is', async () => {
    const clock = new FakeClock(Date.now())
    const masked: string[] = []
    github.faults.push({ pass: true }, { status: 201, body: { expires_at: '2030-01-01T00:00:00Z' }, offContract: 'no token' })
    const results = []
    for (const value of [undefined, 'done'])
      results.push(await withInstallationToken(config(), { clock, mask: (m) => masked.push(m) }, async () => value))
    assert.deepEqual(results, [undefined, 'done'])
    assert.deepEqual(calls().slice(0, 3), [
      'GET /orgs/octo-org/installation',
      'POST /app/installations/4242/access_tokens',
      'POST /app/installations/4242/access_tokens',
    ])
    assert.ok(!masked.includes(undefined as unknown as string))
    assert.equal(masked.filter((m) => m.startsWith('ghs_')).length, 2, 'the two installation tokens')
  })

  test('an error the work throws that is not a MintError passes through untouched, and the token is still revoked', async () => {
    const bug = new TypeError('a bug')
    const error = await withInstallationToken(config(), { clock: new FakeClock(Date.now()) }, async () => {
      throw bug
    }).catch((e: unknown) => e)
    assert.equal(error, bug)
    assert.equal(app.tokens[0].revoked, true)
  })

  test('a mint refused with the installation token names it, not "github-token"', async () => {
    github.faults.push({ pass: true }, { pass: true }, { status: 401 }, { status: 401 })
    const error = await withInstallationToken(config(), { clock: new FakeClock(Date.now()) }, (c) =>
      mintToken(c, { clock: new FakeClock(Date.now()) }),
    ).catch((e: unknown) => e)
    assert.ok(error instanceof MintError)
    assert.match(error.message, /^GitHub rejected the installation token made from "app-id" and "private-key" \(401 Bad credentials\)/)
    assert.equal(error.attempts, 4)
  })

  test('a lookup that ends with too little of the timeout left: no token is made (none that could not be revoked)', async () => {
    const clock = new FakeClock(Date.now())
    // The lookup's answer comes 59.5 s into a 1m timeout: under a second left, less than a useful attempt.
    github.options.onRequest = (request) => {
      if (request.path.endsWith('/installation')) clock.time += 59_500
    }
    try {
      const error = await withInstallationToken(config({ timeout: '1m' }), { clock }, async () => ({ attempts: 1 })).catch(
        (e: unknown) => e,
      )
      assert.ok(error instanceof MintError)
      assert.equal(error.message, 'The "timeout" (1m) ran out before making an installation token for organization octo-org could start.')
      assert.equal(error.attempts, 1)
      assert.deepEqual(calls(), ['GET /orgs/octo-org/installation'])
    } finally {
      github.options.onRequest = undefined
    }
  })

  test('the timeout running out with the token just made fails before the mint, and the token is revoked', async () => {
    const clock = new FakeClock(Date.now())
    github.options.onRequest = (request) => {
      if (request.path.endsWith('/access_tokens')) clock.time += 60_000
    }
    try {
      const error = await withInstallationToken(config({ timeout: '1m' }), { clock }, async () => ({ attempts: 1 })).catch(
        (e: unknown) => e,
      )
      assert.ok(error instanceof MintError)
      assert.equal(error.message, 'The "timeout" ran out after the installation token was made, before the registration call could start.')
      assert.equal(error.attempts, 2)
      assert.deepEqual(calls(), [
        'GET /orgs/octo-org/installation',
        'POST /app/installations/4242/access_tokens',
        'DELETE /installation/token',
      ])
    } finally {
      github.options.onRequest = undefined
    }
  })

  const failures: { name: string; inputs?: Record<string, string>; faults: Fault[]; message: string | RegExp; requests: number }[] = [
    {
      name: 'not installed on the organization',
      inputs: { organization: 'nowhere' },
      faults: [],
      message: `GitHub App ${app.id} is not installed on organization nowhere (404 from the installation lookup): install it on nowhere, or check "app-id". GitHub said: "Not Found".`,
      requests: 1,
    },
    {
      name: 'not installed on the repository',
      inputs: { organization: '', repository: 'someone/thing' },
      faults: [],
      message: `GitHub App ${app.id} is not installed on repository someone/thing (404 from the installation lookup): install it on someone with access to thing, or check "app-id". GitHub said: "Not Found".`,
      requests: 1,
    },
    {
      name: 'an installation-id that does not exist',
      inputs: { 'installation-id': '99' },
      faults: [],
      message: `Installation 99 of GitHub App ${app.id} was not found (404): check "installation-id", or leave it empty to look the installation up. GitHub said: "Not Found".`,
      requests: 1,
    },
    {
      name: 'an installation the lookup found but the token call did not',
      faults: [{ pass: true }, { status: 404, body: { message: 'Not Found' } }],
      message: `Installation 4242 of GitHub App ${app.id} was not found (404). GitHub said: "Not Found".`,
      requests: 2,
    },
    {
      name: 'a permission or repository the installation lacks (repository)',
      inputs: { organization: '', repository: 'octo-org/octo-repo' },
      faults: [{ pass: true }, { status: 422, body: { message: 'nope', documentation_url: 'x' } }],
      message:
        'GitHub would not make an installation token for repository octo-org/octo-repo with administration: write (422): grant the App that permission and give its installation access to the repository. GitHub said: "nope".',
      requests: 2,
    },
    {
      name: 'a permission the installation lacks (organization)',
      faults: [{ pass: true }, { status: 422, body: { message: 'nope', documentation_url: 'x' } }],
      message:
        'GitHub would not make an installation token for organization octo-org with organization_self_hosted_runners: write (422): grant the App that permission. GitHub said: "nope".',
      requests: 2,
    },
    {
      name: 'a JWT refused twice, without a message',
      faults: [
        { status: 401, body: {} },
        { status: 401, body: {} },
      ],
      message: `GitHub rejected the App's JWT (401): check that "app-id" (${app.id}) is the App's ID or client ID, that "private-key" is one of that App's current keys, and that this machine's clock is right.`,
      requests: 2,
    },
    {
      name: 'a suspended installation',
      faults: [{ pass: true }, { status: 403, body: { message: 'This installation has been suspended' } }],
      message:
        'GitHub refused an installation token (403): the installation may be suspended, or the App may not make tokens for organization octo-org. GitHub said: "This installation has been suspended".',
      requests: 2,
    },
    {
      name: 'a 403 on the lookup',
      faults: [{ status: 403 }],
      message: 'GitHub answered 403 to the installation lookup for organization octo-org. GitHub said: "Forbidden".',
      requests: 1,
    },
    {
      name: 'a 400 on the token request',
      faults: [{ pass: true }, { status: 400 }],
      message: 'GitHub answered 400 to the installation token request for organization octo-org. GitHub said: "Bad Request".',
      requests: 2,
    },
    {
      name: 'a 500 on the lookup until the attempts run out',
      inputs: { 'max-attempts': '1' },
      faults: [{ status: 500 }],
      message: `Gave up after 1 attempt(s) ("max-attempts"). Last answer: HTTP 500. While looking up GitHub App ${app.id}'s installation for organization octo-org: GitHub answered 500. GitHub said: "Internal Server Error".`,
      requests: 1,
    },
    {
      name: 'a 429 on the token request until the attempts run out',
      inputs: { 'max-attempts': '1' },
      faults: [{ pass: true }, { status: 429, body: { message: 'slow down' } }],
      message: `Gave up after 1 attempt(s) ("max-attempts"). Last answer: HTTP 429. While making an installation token for organization octo-org, GitHub's rate limit (429) calls for a wait of at least 1m. This is a rate limit, not a permission problem: try again later. GitHub said: "slow down".`,
      requests: 2,
    },
    {
      name: 'a network error until the attempts run out',
      inputs: { 'max-attempts': '2' },
      faults: [{ reset: true }, { reset: true }],
      message: `Gave up after 2 attempt(s) ("max-attempts"). Last answer: ECONNRESET. While looking up GitHub App ${app.id}'s installation for organization octo-org: Could not reach GitHub: connection reset.`,
      requests: 2,
    },
    {
      name: 'a 502 on the token request until the attempts run out',
      inputs: { 'max-attempts': '1' },
      faults: [{ pass: true }, { status: 502, headers: { 'x-github-request-id': 'R-1' } }],
      message:
        'Gave up after 1 attempt(s) ("max-attempts"). Last answer: HTTP 502 (GitHub request id R-1). While making an installation token for organization octo-org: GitHub answered 502. GitHub said: "Bad Gateway".',
      requests: 2,
    },
  ]
  for (const { name, inputs, faults, message, requests } of failures) {
    test(`what a failure says: ${name}`, async () => {
      github.faults.push(...faults)
      const error = await withInstallationToken(config(inputs), { clock: new FakeClock(Date.now()) }, async () => ({ attempts: 0 })).catch(
        (e: unknown) => e,
      )
      assert.ok(error instanceof MintError, String(error))
      // GitHub's request id ends the message when the last answer had one.
      assert.match(error.message, /GitHub request id (STAND-IN:[0-9A-F]+|R-1)\)|ECONNRESET/)
      const text = error.message.replace(/ \(GitHub request id STAND-IN:[0-9A-F]+\)/g, '')
      if (typeof message === 'string') assert.equal(text, message)
      else assert.match(text, message)
      assert.equal(github.requests.length, requests, calls().join('\n'))
      assert.equal(error.attempts, requests)
    })
  }

  test('the installation id from the lookup: a positive whole number, else the answer is retried', () => {
    assert.equal(parseInstallation('{"id": 7}'), 7)
    for (const body of ['{"id": 0}', '{"id": -1}', '{"id": 1.5}', '{"id": "7"}', 'null', '[]', 'x', '{}'])
      assert.equal(parseInstallation(body), undefined, body)
  })
})

describe('the action masks before it sends', () => {
  const order: string[] = []
  const github = new GitHubStandIn({
    app,
    onRequest: (request) => order.push(`request ${request.method} ${request.path} ${request.headers.authorization}`),
  })
  let apiUrl: string
  useStandIn(github, (url) => (apiUrl = url))

  test('every key line first, each JWT before its request, the installation token before the mint', async () => {
    order.length = 0
    const inputs = { 'app-id': String(app.id), 'private-key': app.privateKeyPem, organization: 'octo-org', 'api-url': apiUrl }
    const core = fakeCore(inputs, (line) => void (/^(mask|failed) /.test(line) && order.push(line)))
    await run(core, {}, { clock: new FakeClock(Date.now()), random: () => 0 })
    assert.ok(!order.some((line) => line.startsWith('failed')), order.join('\n'))
    const keyLines = app.privateKeyPem.trim().split('\n').slice(1, -1)
    const firstRequest = order.findIndex((line) => line.startsWith('request'))
    assert.deepEqual(
      order.slice(0, keyLines.length),
      keyLines.map((line) => `mask ${line}`),
    )
    assert.ok(firstRequest >= keyLines.length)
    for (const [index, line] of order.entries()) {
      if (!line.startsWith('request')) continue
      const credential = line.split(' Bearer ')[1]
      const maskedAt = order.indexOf(`mask ${credential}`)
      assert.ok(maskedAt >= 0 && maskedAt < index, `not masked before it was sent: ${line.split(' Bearer ')[0]}`)
    }
    assert.deepEqual(
      order.filter((line) => line.startsWith('request')).map((line) => line.split(' Bearer ')[0]),
      [
        'request GET /orgs/octo-org/installation',
        'request POST /app/installations/4242/access_tokens',
        'request POST /orgs/octo-org/actions/runners/registration-token',
        'request DELETE /installation/token',
      ],
    )
  })
})
