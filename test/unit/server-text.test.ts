import { test } from 'node:test'
import assert from 'node:assert/strict'
import { escapeControls, escapeHtml } from '../../src/server-text.js'

test('escapeControls shows every C0, DEL and C1 character as an escape, and nothing else', () => {
  assert.equal(escapeControls('a\nb\rc\td'), String.raw`a\nb\rc\td`)
  assert.equal(escapeControls('\u0000\u001b[31m\u007f\u0080\u009b\u009f'), String.raw`\x00\x1b[31m\x7f\x80\x9b\x9f`)
  for (let code = 0; code < 0x2000; code++) {
    const c = String.fromCharCode(code)
    const control = code < 0x20 || (code >= 0x7f && code <= 0x9f)
    assert.equal(escapeControls(c) !== c, control, `U+${code.toString(16)}`)
  }
  assert.equal(escapeControls('plain text, ünïcode and a \\ backslash'), 'plain text, ünïcode and a \\ backslash')
  // Escaping twice changes nothing more: a sink may escape what was escaped where it came in.
  assert.equal(escapeControls(escapeControls('\u001b\n')), String.raw`\x1b\n`)
})

test('escapeHtml', () => {
  assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;')
})
