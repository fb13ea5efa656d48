// The library's options: each maps to the action input of the same meaning, the action's own
// parseInputs checks it, and a bad one is refused naming the option (never the input), with no
// secret repeated. Pure: no request is made here.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { parseInputs } from '../../src/inputs.js'
import { type Operation, OptionError, checkOptions, forLibrary, optionNames } from '../../src/lib/options.js'

const TOKEN = 'ghp_OptionsTestToken0123456789abcdef'
const reader = (inputs: Record<string, string>) => (name: string) => inputs[name] ?? ''
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const PEM = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()

function refusal(run: () => unknown): OptionError {
  try {
    run()
  } catch (error) {
    assert.ok(error instanceof OptionError, String(error))
    return error
  }
  assert.fail('accepted')
}

describe('checkOptions builds the Config the action builds from the same inputs', () => {
  test('mintToken: every option, durations as numbers of milliseconds and as strings', () => {
    const { config } = checkOptions('mintToken', {
      organization: 'octo-org',
      type: 'remove',
      auth: { token: TOKEN },
      apiUrl: 'https://ghes.example/api/v3/',
      retry: { maxAttempts: 3, initialDelay: 250, maxDelay: '2s', timeout: '1m30s', attemptTimeout: 5000, jitter: 'full', spread: 1500 },
    })
    const inputs = {
      'github-token': TOKEN,
      organization: 'octo-org',
      type: 'remove',
      'api-url': 'https://ghes.example/api/v3/',
      'max-attempts': '3',
      'initial-delay': '250ms',
      'max-delay': '2s',
      timeout: '90s',
      'attempt-timeout': '5s',
      jitter: 'full',
      spread: '1.5',
    }
    assert.deepEqual(config, parseInputs(reader(inputs)))
    assert.equal(config.initialDelayMs, 250)
    assert.equal(config.timeoutMs, 90_000)
  })

  test('registerRunners: type jit, labels as an array, name, group by name, count, work folder; defaults as the action', () => {
    const { config } = checkOptions('registerRunners', {
      enterprise: 'big',
      auth: { token: TOKEN },
      labels: ['linux', 'gpu'],
      count: 4,
      name: 'gpu',
      runnerGroup: 'GPU pool',
      workFolder: '/w',
    })
    const inputs = {
      'github-token': TOKEN,
      enterprise: 'big',
      type: 'jit',
      labels: 'linux,gpu',
      count: '4',
      'runner-name': 'gpu',
      'runner-group': 'GPU pool',
      'work-folder': '/w',
    }
    assert.deepEqual(config, parseInputs(reader(inputs)))
    assert.deepEqual(config.jit?.labels, ['linux', 'gpu'])
    assert.equal(config.apiUrl, 'https://api.github.com')
  })

  test('a GitHub App: appId as a number or a string, installationId', () => {
    const { config } = checkOptions('mintToken', {
      repository: 'o/r',
      type: 'registration',
      auth: { appId: 123456, privateKey: PEM, installationId: 42 },
    })
    assert.equal(config.app?.appId, '123456')
    assert.equal(config.app?.installationId, 42)
    assert.equal(config.githubToken, '')
  })

  test('waitForRunners and pruneRunners: types wait and prune, timeout its own option for a wait, olderThan in milliseconds', () => {
    const label = 'mrt-abcdef-0123456789'
    const wait = checkOptions('waitForRunners', {
      organization: 'o',
      auth: { token: TOKEN },
      ownershipLabel: label,
      timeout: 90_000,
      retry: { maxAttempts: 3 },
    })
    assert.deepEqual(
      wait.config,
      parseInputs(
        reader({ 'github-token': TOKEN, organization: 'o', type: 'wait', 'ownership-label': label, timeout: '90s', 'max-attempts': '3' }),
      ),
    )
    const prune = checkOptions('pruneRunners', { organization: 'o', auth: { token: TOKEN }, olderThan: 2 * 3600_000, dryRun: true })
    assert.deepEqual(
      prune.config,
      parseInputs(reader({ 'github-token': TOKEN, organization: 'o', type: 'prune', 'older-than': '2h', 'dry-run': 'true' })),
    )
    assert.deepEqual(prune.config.prune, { olderThanMs: 7_200_000, dryRun: true })
  })

  test("writeBudget: the action's write-budget, for registerRunners and pruneRunners; a bad one named as the option", () => {
    const { config } = checkOptions('registerRunners', { repository: 'o/r', auth: { token: TOKEN }, labels: ['x'], writeBudget: '60/1m' })
    assert.deepEqual(config.writeBudget, { writes: 60, windowMs: 60_000 })
    const prune = checkOptions('pruneRunners', { repository: 'o/r', auth: { token: TOKEN }, olderThan: '2h', writeBudget: 'off' })
    assert.equal(prune.config.writeBudget, false)
    assert.throws(() => checkOptions('registerRunners', { repository: 'o/r', auth: { token: TOKEN }, labels: ['x'], writeBudget: '60' }), {
      option: 'writeBudget',
      message: /^Option "writeBudget" must be "N\/DURATION".* got "60"\.$/,
    })
    assert.throws(
      () =>
        checkOptions('waitForRunners', {
          repository: 'o/r',
          auth: { token: TOKEN },
          ownershipLabel: 'mrt-abc-abcdefgh',
          timeout: '1m',
          writeBudget: '60/1m',
        }),
      {
        option: 'writeBudget',
      },
    )
  })

  test('the library reads no environment: no GITHUB_REPOSITORY fallback, no GITHUB_API_URL', () => {
    process.env.GITHUB_API_URL = 'https://elsewhere.example'
    try {
      assert.equal(
        checkOptions('mintToken', { repository: 'o/r', type: 'registration', auth: { token: TOKEN } }).config.apiUrl,
        'https://api.github.com',
      )
    } finally {
      delete process.env.GITHUB_API_URL
    }
    assert.equal(refusal(() => checkOptions('mintToken', { type: 'registration', auth: { token: TOKEN } })).option, 'repository')
  })

  test('signal and log are passed through', () => {
    const signal = new AbortController().signal
    const log = () => {}
    const checked = checkOptions('mintToken', { repository: 'o/r', type: 'registration', auth: { token: TOKEN }, signal, log })
    assert.equal(checked.signal, signal)
    assert.equal(checked.log, log)
  })
})

describe('a bad option is refused, named as the library names it', () => {
  const mint = { repository: 'o/r', type: 'registration', auth: { token: TOKEN } }
  const runners = { repository: 'o/r', auth: { token: TOKEN }, labels: ['x'] }
  const cases: [string, Operation, Record<string, unknown>, string, RegExp][] = [
    ['not an object', 'mintToken', undefined as never, '', /^mintToken takes one options object; got an undefined\.$/],
    [
      'an unknown option',
      'mintToken',
      { ...mint, reposiotry: 'o/r' },
      'reposiotry',
      /^"reposiotry" is not an option of mintToken; it takes "repository", /,
    ],
    ['a JIT option for mintToken', 'mintToken', { ...mint, count: 2 }, 'count', /"count" is not an option of mintToken/],
    ['an unknown retry option', 'mintToken', { ...mint, retry: { attempts: 3 } }, 'retry.attempts', /"retry.attempts" is not an option/],
    ['no auth', 'mintToken', { repository: 'o/r', type: 'registration' }, 'auth', /^Option "auth" is required/],
    ['no type', 'mintToken', { repository: 'o/r', auth: { token: TOKEN } }, 'type', /^Option "type" is required/],
    ['type jit', 'mintToken', { ...mint, type: 'jit' }, 'type', /^Option "type" must be one of "registration", "remove"; got "jit"\.$/],
    [
      'a string for a number',
      'mintToken',
      { ...mint, retry: { maxAttempts: '3' } },
      'retry.maxAttempts',
      /^Option "retry.maxAttempts" must be a number; got a string\.$/,
    ],
    [
      'max attempts out of range',
      'mintToken',
      { ...mint, retry: { maxAttempts: 101 } },
      'retry.maxAttempts',
      /^Option "retry.maxAttempts" must be a whole number from 1 to 100; got "101"\.$/,
    ],
    [
      'a negative duration',
      'mintToken',
      { ...mint, retry: { timeout: -1 } },
      'retry.timeout',
      /^Option "retry.timeout" must be a duration: milliseconds \(0 or more\)/,
    ],
    [
      'a duration too long',
      'mintToken',
      { ...mint, retry: { timeout: '7h' } },
      'retry.timeout',
      /^Option "retry.timeout" must be a duration greater than 0 and at most 6h: .*got "7h"\.$/,
    ],
    ['a zero timeout, as a number', 'mintToken', { ...mint, retry: { timeout: 0 } }, 'retry.timeout', /got 0\.$/],
    [
      'max delay under initial delay',
      'mintToken',
      { ...mint, retry: { initialDelay: 2000, maxDelay: '1s' } },
      'retry.maxDelay',
      /^Option "retry.maxDelay" \("1s"\) must not be shorter than "retry.initialDelay" \(2000\)\.$/,
    ],
    [
      'spread not under timeout',
      'mintToken',
      { ...mint, retry: { spread: '5m' } },
      'retry.spread',
      /^Option "retry.spread" \("5m"\) must be shorter than "retry.timeout"/,
    ],
    [
      'a bad jitter',
      'mintToken',
      { ...mint, retry: { jitter: 'some' } },
      'retry.jitter',
      /^Option "retry.jitter" must be one of "full", "equal", "decorrelated", "none"; got "some"\.$/,
    ],
    ['an empty string', 'mintToken', { ...mint, apiUrl: ' ' }, 'apiUrl', /^Option "apiUrl" is an empty string; leave it out/],
    ['plain http to a remote host', 'mintToken', { ...mint, apiUrl: 'http://ghes.example' }, 'apiUrl', /^Option "apiUrl" must use https/],
    [
      'two scopes',
      'mintToken',
      { ...mint, organization: 'o' },
      'repository',
      /^Set exactly one of options "repository", "organization" and "enterprise"; got "repository" and "organization"\.$/,
    ],
    [
      'token and App',
      'mintToken',
      { ...mint, auth: { token: TOKEN, appId: 1, privateKey: PEM } },
      'auth.token',
      /^Set either option "auth.token" or options "auth.appId" and "auth.privateKey"/,
    ],
    [
      'an App for an enterprise',
      'mintToken',
      { enterprise: 'e', type: 'registration', auth: { appId: 1, privateKey: PEM } },
      'auth.appId',
      /cannot serve enterprise scope.*pass such a token as "auth.token"/,
    ],
    [
      'a key that is no key',
      'mintToken',
      { ...mint, auth: { appId: 1, privateKey: 'not a key' } },
      'auth.privateKey',
      /^Option "auth.privateKey" /,
    ],
    ['no labels', 'registerRunners', { repository: 'o/r', auth: { token: TOKEN } }, 'labels', /^Option "labels" is required/],
    [
      'labels as a string',
      'registerRunners',
      { ...runners, labels: 'a,b' },
      'labels',
      /^Option "labels" must be an array of strings; got a string\.$/,
    ],
    [
      'a label with a comma',
      'registerRunners',
      { ...runners, labels: ['a,b'] },
      'labels',
      /^Option "labels" must hold one label per string.*got "a,b"\.$/,
    ],
    ['no label at all', 'registerRunners', { ...runners, labels: [] }, 'labels', /^Option "labels" is required for type "jit"/],
    [
      'a count of 0',
      'registerRunners',
      { ...runners, count: 0 },
      'count',
      /^Option "count" must be a whole number from 1 to 100; got "0"\.$/,
    ],
    ['a name with a space', 'registerRunners', { ...runners, name: 'a b' }, 'name', /^Option "name" must be 1 to 64 characters/],
    [
      'group and group id',
      'registerRunners',
      { ...runners, organization: undefined, runnerGroup: 'g', runnerGroupId: 2 },
      'runnerGroup',
      /^Set at most one of options "runnerGroup" and "runnerGroupId"/,
    ],
    [
      'a group for a repository',
      'registerRunners',
      { ...runners, runnerGroup: 'g' },
      'runnerGroup',
      /^Option "runnerGroup" needs organization or enterprise scope/,
    ],
    [
      'a wait without a timeout',
      'waitForRunners',
      { repository: 'o/r', auth: { token: TOKEN }, ownershipLabel: 'mrt-abcdef-0123456789' },
      'timeout',
      /^Option "timeout" is required/,
    ],
    [
      'a wait with retry.timeout',
      'waitForRunners',
      { repository: 'o/r', auth: { token: TOKEN }, ownershipLabel: 'mrt-abcdef-0123456789', timeout: '1m', retry: { timeout: '1m' } },
      'retry.timeout',
      /"retry.timeout" is not an option of waitForRunners/,
    ],
    [
      'a prune dryRun as a string',
      'pruneRunners',
      { repository: 'o/r', auth: { token: TOKEN }, olderThan: '1h', dryRun: 'yes' },
      'dryRun',
      /^Option "dryRun" must be true or false; got a string\.$/,
    ],
    [
      'a prune too young',
      'pruneRunners',
      { repository: 'o/r', auth: { token: TOKEN }, olderThan: '4m' },
      'olderThan',
      /^Option "olderThan" must be a duration from 5m/,
    ],
    [
      'a signal that is none',
      'registerRunners',
      { ...runners, signal: {} },
      'signal',
      /^Option "signal" must be an AbortSignal; got an object\.$/,
    ],
    [
      'a log that is no function',
      'registerRunners',
      { ...runners, log: 'console' },
      'log',
      /^Option "log" must be a function; got a string\.$/,
    ],
  ]
  for (const [name, operation, options, option, message] of cases) {
    test(name, () => {
      const error = refusal(() => checkOptions(operation, options))
      assert.match(error.message, message)
      assert.equal(error.option ?? '', option)
      assert.doesNotMatch(error.message, /\bInputs? "|"(github-token|max-attempts|api-url|runner-name|runner-group)"/, 'names an input')
    })
  }

  test('a token is never repeated: whitespace in it, or a token given where a number goes', () => {
    const spaced = refusal(() => checkOptions('mintToken', { repository: 'o/r', type: 'registration', auth: { token: `${TOKEN} x` } }))
    assert.equal(spaced.option, 'auth.token')
    assert.ok(!spaced.message.includes(TOKEN))
    const misplaced = refusal(() =>
      checkOptions('mintToken', { repository: 'o/r', type: 'registration', auth: { token: 'x', installationId: TOKEN } }),
    )
    assert.ok(!misplaced.message.includes(TOKEN))
  })
})

describe('forLibrary', () => {
  test('every input has an option, and messages speak of options and calls, never of the user value', () => {
    for (const input of [
      'github-token',
      'app-id',
      'private-key',
      'installation-id',
      'max-attempts',
      'timeout',
      'labels',
      'runner-name',
      'work-folder',
    ]) {
      assert.ok(input in optionNames('registerRunners'), input)
    }
    assert.equal(optionNames('waitForRunners').timeout, 'timeout', 'waitForRunners takes timeout as an option of its own')
    assert.equal(
      forLibrary('Input "timeout" ran out in this step; got "timeout" as "max-attempts".', optionNames('mintToken')),
      'Option "retry.timeout" ran out in this call; got "timeout" as "max-attempts".',
    )
    assert.equal(
      forLibrary('GitHub rejected "github-token". GitHub said: "bad "labels"".', optionNames('registerRunners')),
      'GitHub rejected "auth.token". GitHub said: "bad "labels"".',
    )
  })
})
