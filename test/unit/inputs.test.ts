import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DEFAULTS, InputError, parseDuration, parseInputs } from '../../src/inputs.js'

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
      jitter: 'full',
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

describe('parseDuration', () => {
  test('accepts seconds and units', () => {
    assert.equal(parseDuration('1.5'), 1500)
    assert.equal(parseDuration('250ms'), 250)
    assert.equal(parseDuration('2s'), 2000)
    assert.equal(parseDuration('1m'), 60_000)
    assert.equal(parseDuration(' 3 s '), 3000)
    assert.equal(parseDuration('.5s'), 500)
  })
  test('rejects everything else', () => {
    for (const text of ['', 's', '1h', '-1', '1e3', '1.', 'one', '1m30s', 'Infinity']) assert.equal(parseDuration(text), undefined, text)
  })
})
