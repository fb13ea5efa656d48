// Properties of the library's options: whatever a JavaScript caller passes (any value of any type
// for any option, names that are no option, nested objects), checkOptions either builds a sound
// Config or throws an OptionError that names an option the library has (never an action input),
// stays on one line and never repeats the token given as auth.token. Nothing else is ever thrown.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { OptionError, checkOptions, optionNames } from '../../src/lib/options.js'
import { propertyOptions } from '../support/property.js'

const TOKEN = 'ghp_PropertyTestToken0123456789abcdef'
const OPERATIONS = ['mintToken', 'registerRunners', 'waitForRunners', 'pruneRunners'] as const
const OPTIONS = new Set([...OPERATIONS.flatMap((operation) => Object.values(optionNames(operation))), 'auth', 'retry', 'signal', 'log'])
const REQUIRED = {
  mintToken: { type: 'registration' },
  registerRunners: { labels: ['linux'] },
  waitForRunners: { ownershipLabel: 'mrt-abcdef-0123456789', timeout: '1m' },
  pruneRunners: { ownershipLabel: 'mrt-abcdef-0123456789' },
}
const TYPES = { mintToken: ['registration', 'remove'], registerRunners: ['jit'], waitForRunners: ['wait'], pruneRunners: ['prune'] }

// Values near the accepted ones, and anything at all.
const anyValue = fc.oneof(
  fc.constantFrom(
    '1s',
    '30s',
    '5m',
    0,
    1,
    100,
    1500,
    -1,
    1.5,
    Number.NaN,
    Infinity,
    '',
    ' ',
    'octo-org',
    'o/r',
    'full',
    'registration',
    'remove',
    'jit',
  ),
  fc.constantFrom(['linux'], ['a,b'], [], [1], ['x', 'X'], null, true, {}),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.anything(),
)
const retryKeys = ['maxAttempts', 'initialDelay', 'maxDelay', 'timeout', 'attemptTimeout', 'jitter', 'spread', 'attempts']
const topKeys = [
  'ownershipLabel',
  'timeout',
  'olderThan',
  'dryRun',
  'repository',
  'organization',
  'enterprise',
  'apiUrl',
  'type',
  'labels',
  'count',
  'name',
  'runnerGroup',
  'runnerGroupId',
  'workFolder',
  'exclusive',
  'reposiotry',
]

const options = fc.record({
  base: fc.constantFrom<Record<string, unknown>>({ repository: 'octo-org/octo-repo' }, { organization: 'octo-org' }, {}),
  top: fc.dictionary(fc.constantFrom(...topKeys), anyValue, { maxKeys: 3 }),
  retry: fc.option(fc.dictionary(fc.constantFrom(...retryKeys), anyValue, { maxKeys: 3 }), { nil: undefined }),
  auth: fc.oneof(
    fc.constant({ token: TOKEN }),
    fc.constant({ token: `${TOKEN} x` }),
    fc.record({ token: fc.constant(TOKEN), installationId: anyValue }),
    fc.record({ token: fc.constant(TOKEN), appId: anyValue, privateKey: anyValue }),
    fc.record({ token: anyValue }),
    fc.dictionary(fc.constantFrom('token', 'appId', 'privateKey', 'installationId'), anyValue),
  ),
})

test('any options: a sound Config, or an OptionError naming one of the library’s options, on one line, without the token', () => {
  fc.assert(
    fc.property(options, fc.constantFrom(...OPERATIONS), (generated, operation) => {
      const given = {
        ...generated.base,
        ...REQUIRED[operation],
        ...generated.top,
        auth: generated.auth,
        ...(generated.retry ? { retry: generated.retry } : {}),
      }
      try {
        const { config } = checkOptions(operation, given)
        assert.ok(TYPES[operation].includes(config.type), config.type)
        assert.ok(config.maxAttempts >= 1 && config.maxAttempts <= 100)
        assert.ok(config.timeoutMs > 0 && config.initialDelayMs <= config.maxDelayMs)
        assert.ok(config.githubToken !== '' || config.app !== undefined)
      } catch (error) {
        assert.ok(error instanceof OptionError, `not an OptionError: ${String(error)}`)
        assert.ok(!error.message.includes('\n'), error.message)
        assert.ok(!error.message.includes(TOKEN), error.message)
        assert.doesNotMatch(error.message, /\bInputs? "/)
        if (error.option !== undefined) {
          assert.ok(
            OPTIONS.has(error.option) || /"[^"]+" is not an option of/.test(error.message),
            `names ${error.option}: ${error.message}`,
          )
        }
      }
    }),
    propertyOptions(300),
  )
})
