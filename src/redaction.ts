// The one redaction point. Every secret the process knows (the caller's token, each line of an
// App's private key, each JWT, the installation token, every minted token and JIT config) is
// registered here once, and every text that leaves the process (log lines, warnings, errors, the
// step summary, the command's stdout and stderr) passes through `redact`. The runner masks what
// the action prints; the command has no runner, and a server that echoes a credential in its
// `message` would otherwise have it printed. A leaf module: only json.ts below it.
import { parseJson } from './json.js'

/** What a secret becomes in any text that leaves the process, as the runner's own masking shows it. */
export const REDACTED = '***'

// Shorter values would match by chance and garble messages (the short last line of a key body,
// say); every credential GitHub issues is far longer.
const MIN_SECRET_LENGTH = 8

// Longest first, so a secret holding another is replaced whole.
let secrets: string[] = []

/** Registers a secret (trimmed); from now on no text that leaves the process holds it. */
export function registerSecret(secret: string): void {
  const value = secret.trim()
  if (value.length < MIN_SECRET_LENGTH || secrets.includes(value)) return
  secrets = [...secrets, value].sort((a, b) => b.length - a.length)
}

/** The text with every registered secret, except those in `keep` (a result being handed over), replaced by REDACTED. */
export function redact(text: string, keep: readonly string[] = []): string {
  let redacted = text
  for (const secret of secrets) if (!keep.includes(secret)) redacted = redacted.replaceAll(secret, REDACTED)
  return redacted
}

// The fields of GitHub's answers that hold a credential: a token's body, a JIT config.
const CREDENTIAL_FIELDS = ['token', 'encoded_jit_config']

/**
 * The credential-shaped values of an answer's body, found before the body is checked: a 201 whose
 * token comes with an unreadable `expires_at` still carries a live token.
 */
export function credentialsIn(body: string): string[] {
  const parsed = parseJson(body)
  if (typeof parsed !== 'object' || parsed === null) return []
  return CREDENTIAL_FIELDS.map((field) => (parsed as Record<string, unknown>)[field]).filter(
    (value): value is string => typeof value === 'string' && value.trim() !== '',
  )
}
