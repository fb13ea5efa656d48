// A GitHub App's private key as people paste it: the .pem file, one line with literal "\n"
// escapes, one line whose line breaks became spaces, or either wrapped in the quotes that
// `docker --env-file` keeps. Read into a key, with what to mask of it; a refusal says what is
// wrong in words that never repeat the key.
import { type KeyObject, createPrivateKey } from 'node:crypto'

const ARMOUR = /^-----(BEGIN|END) [A-Z0-9 ]+-----$/
const ARMOUR_ANYWHERE = /-----(?:BEGIN|END) [A-Z0-9 ]+-----/g

/**
 * The key as PEM text: one pair of surrounding quotes dropped, literal "\n" escapes made line
 * breaks, armour lines put on lines of their own, a body line holding spaces (line breaks that
 * became spaces) split at them, and each line trimmed. A PEM never holds a backslash or a quote,
 * so none of this can change a key that was fine.
 */
export function unescapePem(text: string): string {
  const unquoted = /^(["'])([\s\S]*)\1$/.exec(text.trim())?.[2] ?? text
  const lines = unquoted
    .trim()
    .replace(/\\r\\n|\\n|\\r/g, '\n')
    .replace(ARMOUR_ANYWHERE, '\n$&\n')
    .split(/\r?\n|\r/)
    .map((line) => line.trim())
    .filter(Boolean)
  // A header ("Proc-Type: 4,ENCRYPTED") keeps its spaces; a base64 line never has any.
  return `${lines.flatMap((line) => (ARMOUR.test(line) || line.includes(':') ? [line] : line.split(/\s+/))).join('\n')}\n`
}

/**
 * What to mask of a key as given: every line but the armour (the runner masks line by line, and
 * "-----BEGIN RSA PRIVATE KEY-----" is no secret), both as given and as unescapePem reads it.
 */
export function privateKeySecrets(text: string): string[] {
  const lines = new Set<string>()
  for (const source of [text, unescapePem(text)]) {
    for (const line of source.split(/\r?\n|\r/)) {
      const trimmed = line.trim()
      if (trimmed && !ARMOUR.test(trimmed)) lines.add(trimmed)
    }
  }
  return [...lines]
}

/** Reads an App's private key; on failure, why, in words that never repeat the key. */
export function readPrivateKey(text: string): { key: KeyObject } | { problem: string } {
  const pem = unescapePem(text)
  const begin = /^-----BEGIN ([A-Z0-9 ]+)-----$/m.exec(pem)?.[1]
  if (!begin) {
    return {
      problem: 'is not a PEM key: it has no "-----BEGIN ... PRIVATE KEY-----" line; paste the whole .pem file, armour lines included',
    }
  }
  if (!begin.endsWith('PRIVATE KEY')) return { problem: `is a "${begin}", not a private key; paste the App's private key (.pem)` }
  if (begin.includes('ENCRYPTED') || /^Proc-Type:\s*4,ENCRYPTED\b/m.test(pem)) {
    return { problem: 'is encrypted; GitHub issues App keys unencrypted: paste the .pem as downloaded' }
  }
  if (!pem.includes(`-----END ${begin}-----`)) {
    return {
      problem: `has its "-----BEGIN ${begin}-----" line but no "-----END ${begin}-----" line: it was cut short; paste the whole .pem file`,
    }
  }
  let key: KeyObject
  try {
    key = createPrivateKey({ key: pem, format: 'pem' })
  } catch {
    return {
      problem:
        'could not be read as a PEM private key (PKCS#1 "BEGIN RSA PRIVATE KEY" as GitHub issues it, or PKCS#8 "BEGIN PRIVATE KEY"); it may be cut short or altered',
    }
  }
  if (key.asymmetricKeyType !== 'rsa') {
    const type = key.asymmetricKeyType?.toUpperCase() ?? 'unknown'
    // "an EC key", "an Ed25519 key", "a DSA key": the article goes by how the initials sound.
    const article = /^[AEFHILMNORSX]/.test(type) ? 'an' : 'a'
    return { problem: `is ${article} ${type} key; GitHub App keys are RSA (the JWT is signed RS256)` }
  }
  return { key }
}
