// Properties of the GitHub App inputs: whatever text a workflow passes as app-id, private-key or
// installation-id, parsing yields App credentials with an RSA key, or an InputError that names
// the input, stays on one line and repeats no line of the key; never another kind of error.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import fc from 'fast-check'
import { parseInputs } from '../../src/inputs.js'
import { InputError } from '../../src/input-values.js'
import { propertyOptions } from '../support/property.js'

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
const PEM = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()
const KEY_LINES = PEM.split('\n').filter((line) => line.length >= 16 && !line.startsWith('-----'))
const VALID = { 'app-id': '123456', 'private-key': PEM, 'installation-id': '', organization: 'octo-org' }

function parseOrName(inputs: Record<string, string>, blame: string[]): void {
  try {
    const config = parseInputs((name) => inputs[name] ?? '')
    assert.equal(config.githubToken, '')
    assert.equal(config.app?.privateKey.asymmetricKeyType, 'rsa')
    assert.match(config.app.appId, /^([1-9]\d*|Iv\S+)$/)
    if (config.app.installationId !== undefined) assert.ok(Number.isSafeInteger(config.app.installationId) && config.app.installationId > 0)
  } catch (error) {
    assert.ok(error instanceof InputError, `not an InputError: ${String(error)}`)
    assert.ok(
      blame.some((name) => error.message.includes(`"${name}"`)),
      `names none of ${blame.join(', ')}: ${error.message}`,
    )
    assert.ok(!error.message.includes('\n'), 'the error spans more than one line')
    for (const line of KEY_LINES) assert.ok(!error.message.includes(line), 'the error repeats a line of the key')
  }
}

const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 120 }), fc.string({ unit: 'grapheme-ascii' }))

for (const name of ['app-id', 'installation-id', 'private-key'] as const) {
  test(`any text for "${name}" gives App credentials or an InputError naming "${name}"`, () => {
    // An empty app-id or private-key leaves the other alone: the error names what is missing.
    const blame = name === 'installation-id' ? [name] : ['app-id', 'private-key', 'github-token']
    fc.assert(
      fc.property(text, (value) => parseOrName({ ...VALID, [name]: value }, blame)),
      propertyOptions(200),
    )
  })
}

test('a key damaged anywhere (characters changed, dropped or added, lines cut) is read or refused naming "private-key"', () => {
  const edit = fc.record({
    at: fc.nat({ max: PEM.length - 1 }),
    drop: fc.nat({ max: 80 }),
    insert: fc.oneof(fc.constant(''), fc.string({ maxLength: 8 }), fc.constantFrom('\\n', '\r\n', ' ', '-----', '=')),
  })
  fc.assert(
    fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
      let key = PEM
      for (const { at, drop, insert } of edits) key = key.slice(0, at) + insert + key.slice(at + drop)
      parseOrName({ ...VALID, 'private-key': key }, ['private-key', 'app-id'])
    }),
    propertyOptions(300),
  )
})
