// Properties of input parsing: whatever a workflow passes, the action either gets a sound
// configuration or an InputError that names the input, and never another kind of error.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { type Config, parseInputs } from '../../src/inputs.js'
import { InputError } from '../../src/input-values.js'
import { run } from '../../src/main.js'
import { fakeCore } from '../support/fake-core.js'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { FakeClock } from '../support/fake-clock.js'
import { propertyOptions } from '../support/property.js'

const INPUTS = [
  'github-token',
  'repository',
  'organization',
  'enterprise',
  'type',
  'api-url',
  'max-attempts',
  'initial-delay',
  'max-delay',
  'timeout',
  'attempt-timeout',
  'jitter',
  'spread',
] as const
type InputName = (typeof INPUTS)[number]

const VALID: Record<InputName, string> = {
  'github-token': 'ghs_ValidToken',
  repository: 'octo-org/octo-repo',
  organization: '',
  enterprise: '',
  type: 'registration',
  'api-url': 'https://api.github.com',
  'max-attempts': '8',
  'initial-delay': '1s',
  'max-delay': '30s',
  timeout: '5m',
  'attempt-timeout': '15s',
  jitter: 'full',
  spread: '0',
}

// Arbitrary text, plus text close to valid values so the property also explores the edges.
const nearValid = fc.oneof(
  fc.stringMatching(/^\s?[0-9]{0,4}(\.[0-9]{0,3})?\s?(ms|s|m|h|)\s?$/),
  fc.stringMatching(/^[A-Za-z0-9._-]{0,45}(\/[A-Za-z0-9._-]{0,12}){0,2}$/),
  fc.stringMatching(/^(https?|ftp):\/\/[a-z0-9.:@[\]-]{0,20}(\/[a-z0-9./?#]{0,12})?$/),
  fc.constantFrom('registration', 'remove', 'none', 'full', 'equal', 'decorrelated', '0', '100', '101', '6h', '360m', '21600', '21600.001'),
)
const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 120 }), fc.string({ unit: 'grapheme-ascii' }), nearValid)
// A token always carries a marker, so an error that repeats it is easy to catch.
const MARKER = 'SeCrEtMaRkEr'
const token = fc.tuple(text, text).map(([a, b]) => `${a}${MARKER}${b}`)

const reader = (inputs: Partial<Record<InputName, string>>) => (name: string) => inputs[name as InputName] ?? ''

/** Parses, and checks that the result is one of the two things parsing may produce. */
function parseOrNameTheInput(
  inputs: Partial<Record<InputName, string>>,
  env: Record<string, string | undefined>,
  blame: readonly string[],
) {
  let config: Config
  try {
    config = parseInputs(reader(inputs), env)
  } catch (error) {
    assert.ok(error instanceof InputError, `not an InputError: ${String(error)}`)
    assert.ok(
      blame.some((name) => error.message.includes(`"${name}"`)),
      `the error names none of ${blame.join(', ')}: ${error.message}`,
    )
    assert.ok(!error.message.includes(MARKER), 'the error repeats the github-token')
    assert.ok(!error.message.includes('\n'), 'the error spans more than one line')
    return
  }
  assertSound(config)
}

/** What every accepted configuration satisfies, whatever the text it came from. */
function assertSound(config: Config): void {
  assert.ok(config.githubToken.length > 0 && !/\s/.test(config.githubToken))
  assert.ok(Number.isInteger(config.maxAttempts) && config.maxAttempts >= 1 && config.maxAttempts <= 100)
  for (const ms of [config.initialDelayMs, config.maxDelayMs, config.timeoutMs, config.attemptTimeoutMs]) {
    assert.ok(Number.isFinite(ms) && ms >= 0 && ms <= 6 * 3_600_000, `duration ${ms}`)
  }
  assert.ok(config.timeoutMs >= 1 && config.attemptTimeoutMs >= 1)
  assert.ok(config.maxDelayMs >= config.initialDelayMs)
  assert.ok(config.spreadMs !== undefined && config.spreadMs >= 0 && (config.spreadMs === 0 || config.spreadMs < config.timeoutMs))
  const url = new URL(config.apiUrl)
  assert.ok(url.protocol === 'https:' || (url.protocol === 'http:' && /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(url.hostname)))
  assert.ok(!url.username && !url.password && !url.search && !url.hash && !config.apiUrl.endsWith('/'))
  assert.ok(['registration', 'remove'].includes(config.type))
  assert.ok(['full', 'equal', 'decorrelated', 'none'].includes(config.jitter))
}

for (const name of INPUTS) {
  test(`any text for "${name}" parses or raises an InputError naming "${name}"`, () => {
    // initial-delay and max-delay are checked against each other; either may be named.
    const blame = name === 'initial-delay' || name === 'max-delay' ? ['initial-delay', 'max-delay'] : [name]
    fc.assert(
      fc.property(name === 'github-token' ? token : text, (value) => {
        parseOrNameTheInput({ ...VALID, [name]: value }, {}, blame)
      }),
      propertyOptions(300),
    )
  })
}

test('any text for every input and the runner variables at once parses or raises an InputError naming an input', () => {
  const everything = fc.record(
    Object.fromEntries(INPUTS.map((name) => [name, name === 'github-token' ? token : text])) as Record<InputName, fc.Arbitrary<string>>,
  )
  const env = fc.record({ GITHUB_REPOSITORY: text, GITHUB_API_URL: text }, { requiredKeys: [] })
  fc.assert(
    fc.property(everything, env, (inputs, runnerEnv) => parseOrNameTheInput(inputs, runnerEnv, INPUTS)),
    propertyOptions(500),
  )
})

test('empty inputs take the defaults, whatever the runner variables say', () => {
  fc.assert(
    fc.property(text, text, (repository, apiUrl) => {
      parseOrNameTheInput({ 'github-token': 'ghs_x' }, { GITHUB_REPOSITORY: repository, GITHUB_API_URL: apiUrl }, ['repository', 'api-url'])
    }),
    propertyOptions(),
  )
})

test('bad input never sends a request: run() either refuses the inputs, naming one, or goes to GitHub', async () => {
  const github = new GitHubStandIn()
  const apiUrl = await github.start()
  try {
    const others = INPUTS.filter((name) => name !== 'api-url' && name !== 'github-token')
    const inputs = fc.record(
      Object.fromEntries(others.map((name) => [name, fc.oneof(fc.constant(VALID[name]), text)])) as Record<InputName, fc.Arbitrary<string>>,
    )
    await fc.assert(
      fc.asyncProperty(inputs, async (values) => {
        github.requests.length = 0
        const all: Record<string, string> = { ...values, 'github-token': VALID['github-token'], 'api-url': apiUrl }
        const failures: string[] = []
        const core = fakeCore(all, (line) => void (line.startsWith('failed ') && failures.push(line.slice('failed '.length))))
        await run(core, {}, { clock: new FakeClock(), random: () => 0 })
        // Either the inputs were refused (the error names an input) and nothing was sent, or they
        // were accepted and the mint went to GitHub (a very short timeout may still fail it).
        const refused = failures.length > 0 && /^(Input "|Set at most one of inputs)/.test(failures[0])
        if (refused) assert.equal(github.requests.length, 0, 'a request despite bad input')
        else assert.ok(github.requests.length >= 1, failures[0])
      }),
      propertyOptions(100),
    )
  } finally {
    await github.close()
  }
})
