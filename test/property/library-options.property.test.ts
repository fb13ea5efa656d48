// Properties of the library's options: whatever a JavaScript caller passes (any value of any type
// for any option, names that are no option, nested objects), checkOptions either builds a sound
// Config or throws an OptionError that names an option the library has (never an action input),
// stays on one line and never repeats the token given as auth.token. Nothing else is ever thrown.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { OPTION_OF_INPUT, OptionError, checkOptions } from '../../src/lib/options.js'
import { propertyOptions } from '../support/property.js'

const TOKEN = 'ghp_PropertyTestToken0123456789abcdef'
const OPTIONS = new Set([...Object.values(OPTION_OF_INPUT), 'auth', 'retry', 'signal', 'log'])

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
    fc.property(options, fc.constantFrom('mintToken' as const, 'registerRunners' as const), (generated, operation) => {
      const given = {
        ...generated.base,
        ...(operation === 'mintToken' ? { type: 'registration' } : { labels: ['linux'] }),
        ...generated.top,
        auth: generated.auth,
        ...(generated.retry ? { retry: generated.retry } : {}),
      }
      try {
        const { config } = checkOptions(operation, given)
        assert.equal(config.type, operation === 'mintToken' ? config.type : 'jit')
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
