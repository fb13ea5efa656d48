import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { DEFAULTS, TYPE_SPECIFIC, parseInputs } from '../../src/inputs.js'
import { InputError, isLoopback, shown } from '../../src/input-values.js'
import { parseDuration } from '../../src/duration.js'

const reader = (inputs: Record<string, string>) => (name: string) => inputs[name] ?? ''
const base = { 'github-token': 'ghs_x', repository: 'octo/repo' }

describe('parseInputs', () => {
  test('defaults fill empty inputs', () => {
    const config = parseInputs(reader(base))
    assert.deepEqual(config, {
      githubToken: 'ghs_x',
      scope: { kind: 'repository', owner: 'octo', repo: 'repo' },
      type: 'registration',
      apiUrl: 'https://api.github.com',
      maxAttempts: Number(DEFAULTS['max-attempts']),
      initialDelayMs: 1000,
      maxDelayMs: 30_000,
      timeoutMs: 300_000,
      attemptTimeoutMs: 15_000,
      jitter: 'equal',
      spreadMs: 0,
    })
  })

  test('GITHUB_REPOSITORY and GITHUB_API_URL stand in for empty inputs', () => {
    const config = parseInputs(reader({ 'github-token': 't' }), {
      GITHUB_REPOSITORY: 'a/b',
      GITHUB_API_URL: 'https://ghes.example/api/v3/',
    })
    assert.deepEqual(config.scope, { kind: 'repository', owner: 'a', repo: 'b' })
    assert.equal(config.apiUrl, 'https://ghes.example/api/v3')
  })

  test('organization and enterprise take precedence over the default repository', () => {
    assert.deepEqual(parseInputs(reader({ ...base, organization: 'org' })).scope, { kind: 'organization', name: 'org' })
    assert.deepEqual(parseInputs(reader({ ...base, enterprise: 'ent' })).scope, { kind: 'enterprise', name: 'ent' })
  })

  test('loopback http is allowed, other http is not', () => {
    assert.equal(parseInputs(reader({ ...base, 'api-url': 'http://127.0.0.1:8080/' })).apiUrl, 'http://127.0.0.1:8080')
    assert.equal(parseInputs(reader({ ...base, 'api-url': 'http://localhost:1' })).apiUrl, 'http://localhost:1')
    assert.equal(parseInputs(reader({ ...base, 'api-url': 'http://[::1]:1' })).apiUrl, 'http://[::1]:1')
    assert.throws(() => parseInputs(reader({ ...base, 'api-url': 'http://10.0.0.1' })), InputError)
    assert.throws(() => parseInputs(reader({ ...base, 'api-url': 'ftp://127.0.0.1' })), InputError)
  })

  test('an error quotes the values it repeats and stays on one line', () => {
    assert.throws(
      () => parseInputs(reader({ ...base, 'initial-delay': '1\nm' })),
      (error: Error) => error.message === 'Input "max-delay" ("30s") must not be shorter than "initial-delay" ("1\\nm").',
    )
  })

  test('the github-token is never echoed in an error', () => {
    assert.throws(
      () => parseInputs(reader({ 'github-token': 'ghp_secret value' })),
      (error: Error) => !error.message.includes('ghp_secret'),
    )
  })
})

describe('each input: the edges of what is accepted', () => {
  const parse = (inputs: Record<string, string>, env: Record<string, string> = {}) => parseInputs(reader({ ...base, ...inputs }), env)
  const rejects = (inputs: Record<string, string>, message: RegExp | string, env: Record<string, string> = {}) =>
    assert.throws(
      () => parse(inputs, env),
      (error: Error) => {
        assert.ok(error instanceof InputError)
        if (typeof message === 'string') assert.equal(error.message, message)
        else assert.match(error.message, message)
        return true
      },
      JSON.stringify(inputs),
    )

  test('values are trimmed, the github-token too', () => {
    const config = parse({ 'github-token': ' ghs_x\n', 'max-attempts': ' 5 ', jitter: ' none ', repository: ' a/b ' })
    assert.equal(config.githubToken, 'ghs_x')
    assert.equal(config.maxAttempts, 5)
    assert.equal(config.jitter, 'none')
    assert.deepEqual(config.scope, { kind: 'repository', owner: 'a', repo: 'b' })
    assert.deepEqual(parseInputs(reader({ 'github-token': 't' }), { GITHUB_REPOSITORY: ' a/b ' }).scope, {
      kind: 'repository',
      owner: 'a',
      repo: 'b',
    })
  })

  test('github-token: required, one word', () => {
    rejects({ 'github-token': '' }, /^Input "github-token" is required unless inputs "app-id" and "private-key" \(a GitHub App\) are set: /)
    rejects({ 'github-token': ' \n ' }, /^Input "github-token" is required unless /)
  })

  test('max-attempts: a whole number from 1 to 100', () => {
    for (const [text, n] of [
      ['1', 1],
      ['10', 10],
      ['100', 100],
      ['007', 7],
    ] as const)
      assert.equal(parse({ 'max-attempts': text }).maxAttempts, n)
    for (const text of ['0', '101', '1x', 'x1', '-1', '1.0', '1e2']) {
      rejects({ 'max-attempts': text }, `Input "max-attempts" must be a whole number from 1 to 100; got ${JSON.stringify(text)}.`)
    }
  })

  test('durations: initial-delay and max-delay may be 0, timeout and attempt-timeout may not; all at most 6h', () => {
    assert.equal(parse({ 'initial-delay': '0', 'max-delay': '0' }).maxDelayMs, 0)
    assert.equal(parse({ 'initial-delay': '2s', 'max-delay': '2s' }).maxDelayMs, 2000)
    assert.equal(parse({ timeout: '21600' }).timeoutMs, 21_600_000)
    assert.equal(parse({ 'attempt-timeout': '1ms' }).attemptTimeoutMs, 1)
    rejects(
      { 'max-delay': '7h' },
      /^Input "max-delay" must be a duration 0 or more and at most 6h: seconds \("1\.5"\), or numbers with the units h, m, s and ms, largest first/,
    )
    rejects({ timeout: '0' }, /^Input "timeout" must be a duration greater than 0 and at most 6h: .*; got "0"\.$/)
    assert.equal(parse({ timeout: '6h' }).timeoutMs, 21_600_000)
    rejects({ timeout: '6h0.001s' }, /^Input "timeout"/)
    rejects({ 'attempt-timeout': '0.0001' }, /^Input "attempt-timeout" must be a duration greater than 0/)
    rejects({ timeout: '21600.001' }, /^Input "timeout"/)
    rejects(
      { 'initial-delay': '2s', 'max-delay': '1999ms' },
      'Input "max-delay" ("1999ms") must not be shorter than "initial-delay" ("2s").',
    )
  })

  test('type and jitter: one of the listed words', () => {
    assert.equal(parse({ type: 'remove' }).type, 'remove')
    rejects({ type: 'Remove' }, 'Input "type" must be one of "registration", "remove", "jit", "wait", "prune"; got "Remove".')
    rejects({ jitter: 'fullish' }, 'Input "jitter" must be one of "full", "equal", "decorrelated", "none"; got "fullish".')
  })

  test('a long value is shown shortened to 80 characters', () => {
    rejects({ jitter: 'x'.repeat(80) }, `Input "jitter" must be one of "full", "equal", "decorrelated", "none"; got "${'x'.repeat(80)}".`)
    rejects(
      { jitter: 'x'.repeat(81) },
      `Input "jitter" must be one of "full", "equal", "decorrelated", "none"; got "${'x'.repeat(77)}...".`,
    )
  })

  test("repository: owner/name, with GitHub's characters", () => {
    assert.deepEqual(parse({ repository: 'Octo-1/repo.name_x-y' }).scope, { kind: 'repository', owner: 'Octo-1', repo: 'repo.name_x-y' })
    assert.deepEqual(parse({ repository: `${'a'.repeat(39)}/${'r'.repeat(100)}` }).scope.kind, 'repository')
    // An Enterprise Managed User's login: an underscore and the enterprise's short code.
    assert.deepEqual(parse({ repository: 'octocat_acme/tools' }).scope, { kind: 'repository', owner: 'octocat_acme', repo: 'tools' })
    assert.deepEqual(parseInputs(reader({ 'github-token': 't' }), { GITHUB_REPOSITORY: 'octocat_acme/tools' }).scope, {
      kind: 'repository',
      owner: 'octocat_acme',
      repo: 'tools',
    })
    assert.throws(() => parse({ organization: 'octocat_acme' }), /Input "organization"/)
    for (const text of [
      'a',
      'a/',
      '/b',
      'a/b/c',
      'a/.',
      'a/..',
      '-a/b',
      '_a/b',
      'a!/b',
      'a/b!',
      'a/!b',
      `${'a'.repeat(40)}/b`,
      `a/${'r'.repeat(101)}`,
    ]) {
      rejects(
        { repository: text },
        `Input "repository" must be "owner/name" (or set "organization" or "enterprise" instead); got ${shown(text)}.`,
      )
    }
    rejects({ repository: '' }, /got ""\.$/, {})
    assert.throws(() => parseInputs(reader({ 'github-token': 't' }), {}), /Input "repository" must be "owner\/name"/)
  })

  test('organization and enterprise: a login; not both', () => {
    assert.deepEqual(parse({ organization: 'a-b-1' }).scope, { kind: 'organization', name: 'a-b-1' })
    for (const name of ['organization', 'enterprise']) {
      for (const text of ['-a', 'a!', '!a', 'a/b', 'a'.repeat(40)])
        rejects({ [name]: text }, new RegExp(`^Input "${name}" must be an? \\w+ (login|slug)`))
    }
    rejects(
      { organization: 'o', enterprise: 'e' },
      'Set at most one of inputs "organization" and "enterprise"; got organization "o" and enterprise "e".',
    )
  })

  test('api-url: absolute https (http only on loopback), no credentials, query or fragment; trailing slashes go', () => {
    assert.equal(parse({ 'api-url': 'https://ghes.example/api/v3//' }).apiUrl, 'https://ghes.example/api/v3')
    assert.equal(parse({ 'api-url': 'http://127.1.2.3:9/' }).apiUrl, 'http://127.1.2.3:9')
    rejects({ 'api-url': 'https://u@ghes.example' }, 'Input "api-url" must not contain credentials; pass the token as "github-token".')
    rejects({ 'api-url': 'https://:p@ghes.example' }, /must not contain credentials/)
    rejects(
      { 'api-url': 'https://ghes.example/?x=1' },
      'Input "api-url" must not have a query or fragment (any "?" or "#"); got "https://ghes.example/", then a part not repeated here.',
    )
    rejects({ 'api-url': 'https://ghes.example/#x' }, /must not have a query or fragment/)
    assert.equal(parse({ 'api-url': 'http://127.10.200.3/' }).apiUrl, 'http://127.10.200.3')
    for (const host of ['128.0.0.1', '127.0.0.1.example', '10.0.0.1']) {
      rejects(
        { 'api-url': `http://${host}/` },
        `Input "api-url" must use https (http is accepted only for a loopback host); got ${JSON.stringify(`http://${host}/`)}.`,
      )
    }
  })
})

describe('credentials: a github-token, or a GitHub App', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()
  const appBase = { 'app-id': '123456', 'private-key': pem, organization: 'octo-org' }
  const parse = (inputs: Record<string, string>) => parseInputs(reader(inputs))
  const rejects = (inputs: Record<string, string>, message: RegExp | string) =>
    assert.throws(
      () => parse(inputs),
      (error: Error) => {
        assert.ok(error instanceof InputError)
        if (typeof message === 'string') assert.equal(error.message, message)
        else assert.match(error.message, message)
        // Never a line of the key.
        for (const line of pem.split('\n').slice(1, -2)) assert.ok(!error.message.includes(line))
        return true
      },
      JSON.stringify(Object.keys(inputs)),
    )

  test('app-id and private-key: the key read, no github-token, the installation looked up unless given', () => {
    const config = parse(appBase)
    assert.equal(config.githubToken, '')
    assert.equal(config.app?.appId, '123456')
    assert.equal(config.app?.privateKey.asymmetricKeyType, 'rsa')
    assert.equal(config.app?.installationId, undefined)
    assert.equal(parse({ ...appBase, 'installation-id': ' 42 ' }).app?.installationId, 42)
    assert.equal(parse({ ...appBase, 'app-id': ' Iv23liAbCdEf012345 ' }).app?.appId, 'Iv23liAbCdEf012345')
    assert.equal(parse({ ...appBase, 'app-id': 'Iv1.0123456789abcdef' }).app?.appId, 'Iv1.0123456789abcdef')
    assert.equal(parse({ ...appBase, organization: '', repository: 'o/r' }).scope.kind, 'repository')
  })

  test('exactly one credential, and the App needs both of its inputs', () => {
    rejects(
      { ...appBase, 'github-token': 'ghp_x' },
      'Set either input "github-token" or inputs "app-id" and "private-key" (a GitHub App), not both: they are two ways to authenticate, and the action will not guess which one you meant.',
    )
    rejects({ 'private-key': pem, 'github-token': 'ghp_x' }, /^Set either input "github-token" or inputs "app-id" and "private-key"/)
    rejects({ organization: 'o' }, /^Input "github-token" is required unless inputs "app-id" and "private-key" \(a GitHub App\) are set/)
    rejects({ ...appBase, 'private-key': '' }, 'Input "private-key" is required with "app-id": the GitHub App\'s private key (PEM).')
    rejects({ ...appBase, 'private-key': ' \n ' }, /^Input "private-key" is required with "app-id"/)
    rejects({ ...appBase, 'app-id': '' }, 'Input "app-id" is required with "private-key": the GitHub App\'s ID or client ID.')
    rejects(
      { 'github-token': 'ghp_x', organization: 'o', 'installation-id': '42' },
      'Input "installation-id" is for GitHub App credentials ("app-id" and "private-key"), not "github-token".',
    )
  })

  test('app-id: digits or a client ID; installation-id: a whole number', () => {
    for (const id of ['0', '012', 'abc', '12 34', 'Iv', 'Ov23liAbc', '1'.repeat(17)]) {
      rejects(
        { ...appBase, 'app-id': id },
        `Input "app-id" must be the GitHub App's ID (a whole number, such as 123456) or its client ID (such as Iv23li...); got ${JSON.stringify(id)}.`,
      )
    }
    for (const id of ['0', '-1', 'x', '1.5']) {
      rejects(
        { ...appBase, 'installation-id': id },
        `Input "installation-id" must be a whole number from 1 to ${Number.MAX_SAFE_INTEGER}; got ${JSON.stringify(id)}.`,
      )
    }
  })

  test('a key that does not parse is named, never repeated', () => {
    rejects({ ...appBase, 'private-key': 'hunter2-not-a-key' }, /^Input "private-key" is not a PEM key/)
    rejects(
      { ...appBase, 'private-key': pem.slice(0, 200) },
      /^Input "private-key" has its "-----BEGIN RSA PRIVATE KEY-----" line but no "-----END RSA PRIVATE KEY-----" line: it was cut short/,
    )
  })

  test('enterprise scope cannot be served by an App', () => {
    rejects(
      { ...appBase, organization: '', enterprise: 'ent' },
      'Inputs "app-id" and "private-key" cannot serve enterprise scope: GitHub offers Apps no permission for an enterprise\'s self-hosted runners (its enterprise runner endpoints accept only a classic token with "manage_runners:enterprise"); pass such a token as "github-token".',
    )
  })
})

test('isLoopback: localhost, [::1] and 127.x.y.z only', () => {
  for (const host of ['localhost', '[::1]', '127.0.0.1', '127.255.10.1']) assert.ok(isLoopback(host), host)
  for (const host of ['x127.0.0.1', '127.0.0.1.example', '127.0.0', '127.0.0.1234', 'localhost.example', '::1'])
    assert.ok(!isLoopback(host), host)
})

describe('parseDuration', () => {
  test('accepts seconds and units', () => {
    assert.equal(parseDuration('1.5'), 1500)
    assert.equal(parseDuration('250ms'), 250)
    assert.equal(parseDuration('2s'), 2000)
    assert.equal(parseDuration('1m'), 60_000)
    assert.equal(parseDuration(' 3 s '), 3000)
    assert.equal(parseDuration('.5s'), 500)
    assert.equal(parseDuration('.25'), 250)
    assert.equal(parseDuration('1.25'), 1250)
    assert.equal(parseDuration('0.0004'), 0)
  })
  test('hours, and units combined largest first', () => {
    assert.equal(parseDuration('1h'), 3_600_000)
    assert.equal(parseDuration('1.5h'), 5_400_000)
    assert.equal(parseDuration('1h30m'), 5_400_000)
    assert.equal(parseDuration('1h 30m'), 5_400_000)
    assert.equal(parseDuration('2m30s'), 150_000)
    assert.equal(parseDuration('1h0m5s250ms'), 3_605_250)
    assert.equal(parseDuration('1s500ms'), 1500)
    assert.equal(parseDuration('1m.5s'), 60_500)
  })
  test('rejects everything else', () => {
    for (const text of ['', 's', 'h', 'ms', '-1', '1e3', '1.', 'one', 'Infinity', '1m30', '30s1m', '1h1h', '1mm', '1hms', 'h1'])
      assert.equal(parseDuration(text), undefined, text)
  })
})

describe('type-specific inputs', () => {
  const refused = (inputs: Record<string, string>) =>
    assert.throws(
      () => parseInputs(reader({ ...base, ...inputs })),
      (error: Error) => error instanceof InputError && /applies only to type "jit"/.test(error.message),
    )

  test('every one given with another type is named, in table order, with "type"', () => {
    assert.throws(() => parseInputs(reader({ ...base, 'cleanup-on-failure': 'true', labels: 'a', count: '2' })), {
      message:
        'Inputs "labels", "count" and "cleanup-on-failure" apply only to type "jit", but "type" is "registration"; remove them, or set "type" to "jit".',
    })
    refused({ type: 'remove', 'work-folder': '_work' })
  })

  test('blank counts as not given; with their own type they are parsed as before', () => {
    assert.equal(parseInputs(reader({ ...base, count: '  ', labels: '' })).jit, undefined)
    assert.equal(parseInputs(reader({ ...base, type: 'jit', labels: 'a', count: '3' })).jit?.count, 3)
  })

  test("action.yml gives them no default (the runner fills every non-empty one in); the code's applies", () => {
    const action = parse(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')) as {
      inputs: Record<string, { default?: string; description: string }>
    }
    for (const name of Object.keys(TYPE_SPECIFIC)) {
      assert.ok(name in action.inputs, name)
      assert.equal(action.inputs[name].default ?? '', '', `${name} has a default in action.yml`)
      const inCode = (DEFAULTS as Record<string, string>)[name]
      if (inCode) assert.match(action.inputs[name].description, new RegExp(`default ${inCode}\\b`), `${name}: describe the default`)
    }
    const jit = parseInputs(reader({ ...base, type: 'jit', labels: 'a' })).jit
    assert.deepEqual([jit?.runnerGroupId, jit?.workFolder, jit?.count, jit?.cleanupOnFailure], [1, '_work', 1, true])
  })
})

describe('write-budget', () => {
  const jit = { ...base, type: 'jit', labels: 'a' }
  const budgetOf = (value: string) => parseInputs(reader({ ...jit, 'write-budget': value })).writeBudget

  test("N/DURATION or off; unset leaves GitHub's budget to the pacer", () => {
    assert.equal(parseInputs(reader(jit)).writeBudget, undefined)
    assert.deepEqual(budgetOf('180/1m'), { writes: 180, windowMs: 60_000 })
    assert.deepEqual(budgetOf(' 60 / 1m '), { writes: 60, windowMs: 60_000 })
    assert.deepEqual(budgetOf('20/500ms'), { writes: 20, windowMs: 500 })
    assert.deepEqual(budgetOf('100000/1h'), { writes: 100_000, windowMs: 3_600_000 })
    assert.equal(budgetOf('off'), false)
    assert.equal(budgetOf('OFF'), false)
    const prune = parseInputs(reader({ ...base, type: 'prune', 'older-than': '2h', 'write-budget': '30/2s' }))
    assert.deepEqual(prune.writeBudget, { writes: 30, windowMs: 2000 })
  })

  test('anything else names the input, what was given and what is accepted, before any request', () => {
    for (const value of ['180', '0/1m', '1/1s', '100001/1m', '180/0', '180/2h', '180/minute', 'none', '1m/180', '-1/1m']) {
      assert.throws(() => budgetOf(value), {
        message: new RegExp(
          `^Input "write-budget" must be "N/DURATION", at most N writes \\(2 to 100000\\) per endpoint in any window of DURATION .*"180/1m" .*"60/1m" .*or "off" to not pace writes; got ${shown(value).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\.$`,
        ),
      })
    }
  })

  test('applies to the types that write: refused with registration, remove and wait', () => {
    for (const type of ['registration', 'remove', 'wait']) {
      assert.throws(
        () => parseInputs(reader({ ...base, type, 'ownership-label': type === 'wait' ? 'mrt-abc-abcdefgh' : '', 'write-budget': '60/1m' })),
        {
          message: `Input "write-budget" applies only to type "jit" or "prune", but "type" is "${type}"; remove it, or set "type" to "jit" or "prune".`,
        },
      )
    }
  })
})
