// GitHub App authentication as the rest of the action sees it: the App's credentials as the inputs
// give them (the private key read and checked, and what of it to mask), and withInstallationToken,
// the seam between those credentials and the work that needs a token. The key, every JWT and the
// installation token are masked before anything could print them, and never logged. The calls to
// GitHub are in app/: the installation token (installation.ts), its revocation (revoke.ts).
import { type KeyObject, createPrivateKey } from 'node:crypto'
import type { Config } from './inputs.js'
import { MintError, type MintDeps, spreadFirstRequest } from './mint.js'
import { latestStart, systemClock } from './retry.js'
import { formatMs } from './duration.js'
import { createInstallationToken } from './app/installation.js'
import { revokeInstallationToken } from './app/revoke.js'
import { StepBudget } from './app/step-budget.js'

/** GitHub App credentials, as the inputs give them (checked, the key parsed). */
export interface AppCredentials {
  /** The App's ID ("123456") or client ID ("Iv23li..."): the JWT's issuer. */
  appId: string
  privateKey: KeyObject
  /** Known in advance: the lookup is skipped. */
  installationId?: number
}

export interface AppDeps extends MintDeps {
  /** Masks a secret (a JWT, the installation token) before anything could print it. */
  mask?: (secret: string) => void
  warn?: (line: string) => void
}

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

const INSTALLATION_TOKEN = 'the installation token made from "app-id" and "private-key"'

/**
 * The seam between App credentials and the work that needs a token. With a `github-token`, runs
 * `work` with the config as it is. With an App: looks up the installation (unless
 * `installation-id` is given), creates an installation token narrowed to the target, runs `work`
 * with a config whose `githubToken` is that token and whose `timeoutMs` and `maxAttempts` are what
 * is left of the step's budget, then revokes the token (a failed revoke is a warning). A result or
 * MintError that counts `attempts` (a mint, a JIT batch) comes back counting the App's too.
 */
export async function withInstallationToken<T>(config: Config, deps: AppDeps, work: (config: Config) => Promise<T>): Promise<T> {
  const app = config.app
  if (!app) return work(config)
  const clock = deps.clock ?? systemClock
  const budget = new StepBudget(clock.now() + config.timeoutMs, config.maxAttempts)
  // The start spread comes before the first request, the installation lookup; the work gets none.
  await spreadFirstRequest(config.spreadMs, deps)
  const installation = await createInstallationToken(config, app, deps, budget)
  let handedOverMs = config.timeoutMs
  try {
    const leftMs = budget.deadlineMs - clock.now()
    // As for a retry: too little left for a useful attempt is as good as none.
    if (clock.now() > latestStart(budget.deadlineMs, config)) {
      throw new MintError(`The "timeout" ran out after the installation token was made, before the ${config.type} call could start.`, 0)
    }
    const { maxAttempts } = budget.limits()
    handedOverMs = leftMs
    const result = await work({
      ...config,
      app: undefined,
      githubToken: installation.token,
      timeoutMs: leftMs,
      maxAttempts,
      spreadMs: undefined,
    })
    return withAttempts(result, budget.attempts)
  } catch (error) {
    if (!(error instanceof MintError)) throw error
    // The work's explanations speak of "github-token" and of the timeout it was handed; here the
    // token is the App's, and the timeout is the step's.
    const message = error.message
      .replaceAll('"github-token"', INSTALLATION_TOKEN)
      .replaceAll(`the ${formatMs(handedOverMs)} "timeout"`, `the ${formatMs(config.timeoutMs)} "timeout"`)
    throw new MintError(message, error.attempts + budget.attempts)
  } finally {
    await revokeInstallationToken(config, installation, deps)
  }
}

function withAttempts<T>(result: T, attempts: number): T {
  const counted = result as { attempts?: unknown }
  return typeof counted?.attempts === 'number' ? { ...result, attempts: counted.attempts + attempts } : result
}
