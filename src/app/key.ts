// A GitHub App's private key as the inputs give it: read and checked, and what of it to mask.
// Its value is never repeated in an error.
import { type KeyObject, createPrivateKey } from 'node:crypto'

const ARMOUR = /^-----(BEGIN|END) [A-Z0-9 ]+-----$/

/**
 * The key as PEM text: literal "\n" escapes (a key stored as one line in a secret) become line
 * breaks, and each line is trimmed. A PEM never holds a backslash, so the escapes are unambiguous.
 */
export function unescapePem(text: string): string {
  return `${text
    .trim()
    .replace(/\\r\\n|\\n|\\r/g, '\n')
    .split(/\r?\n|\r/)
    .map((line) => line.trim())
    .filter(Boolean)
    .join('\n')}\n`
}

/**
 * What to mask of a key as given: every line but the armour (the runner masks line by line, and
 * "-----BEGIN RSA PRIVATE KEY-----" is no secret), both as given and with escapes undone.
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
  if (begin.includes('ENCRYPTED') || /^Proc-Type: 4,ENCRYPTED$/m.test(pem)) {
    return { problem: 'is encrypted; GitHub issues App keys unencrypted: paste the .pem as downloaded' }
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
    return { problem: `is an ${key.asymmetricKeyType?.toUpperCase() ?? 'unknown'} key; GitHub App keys are RSA (the JWT is signed RS256)` }
  }
  return { key }
}
