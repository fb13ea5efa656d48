// The one redaction point (src/redaction.ts): what is registered, what redact() replaces, and
// the credentials found in an answer before its body is checked.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { REDACTED, credentialsIn, redact, registerSecret } from '../../src/redaction.js'

describe('redaction', () => {
  test('a registered secret is replaced wherever it appears, a longer one whole before a shorter one inside it', () => {
    registerSecret('  unit-secret-AAAAAAAA  ')
    registerSecret('unit-secret-AAAAAAAA-and-more')
    assert.equal(redact('x unit-secret-AAAAAAAA y unit-secret-AAAAAAAA-and-more z'), `x ${REDACTED} y ${REDACTED} z`)
  })

  test('values too short to be a credential are not registered: they would garble every message', () => {
    registerSecret('Aw==')
    registerSecret('')
    assert.equal(redact('Aw== stays'), 'Aw== stays')
  })

  test('a result handed over keeps its own values, and only those', () => {
    registerSecret('unit-minted-BBBBBBBB')
    registerSecret('unit-caller-CCCCCCCC')
    assert.equal(redact('unit-minted-BBBBBBBB unit-caller-CCCCCCCC', ['unit-minted-BBBBBBBB']), `unit-minted-BBBBBBBB ${REDACTED}`)
  })

  test('the credentials of an answer: its token and its JIT config, whatever else the body lacks', () => {
    assert.deepEqual(credentialsIn(JSON.stringify({ token: 'AB123', expires_at: 'soon' })), ['AB123'])
    assert.deepEqual(credentialsIn(JSON.stringify({ encoded_jit_config: 'e30=', runner: null })), ['e30='])
    assert.deepEqual(credentialsIn(JSON.stringify({ token: 7 })), [])
    assert.deepEqual(credentialsIn('<html>'), [])
    assert.deepEqual(credentialsIn('null'), [])
  })
})
