// The data every layer shares: what a step was asked to do (Config, its scope, its credentials
// and its JIT inputs). Types and constants only; inputs.ts, high up next to the entry points,
// builds a Config from the inputs, and everything below it only reads one.
import type { KeyObject } from 'node:crypto'

export const TOKEN_TYPES = ['registration', 'remove', 'jit'] as const
export type TokenType = (typeof TOKEN_TYPES)[number]

export type Jitter = 'full' | 'equal' | 'decorrelated' | 'none'
export const JITTER_MODES: readonly Jitter[] = ['full', 'equal', 'decorrelated', 'none']

export type Scope =
  { kind: 'repository'; owner: string; repo: string } | { kind: 'organization'; name: string } | { kind: 'enterprise'; name: string }

/** GitHub App credentials, as the inputs give them (checked, the key parsed). */
export interface AppCredentials {
  /** The App's ID ("123456") or client ID ("Iv23li..."): the JWT's issuer. */
  appId: string
  privateKey: KeyObject
  /** Known in advance: the lookup is skipped. */
  installationId?: number
}

export interface Credentials {
  /** The token every request carries; with `app`, empty until app.ts puts the installation token here. */
  githubToken: string
  /** GitHub App credentials, given instead of `github-token`. */
  app?: AppCredentials
}

/** What to register with `type: jit`. */
export interface JitInputs {
  labels: string[]
  /** The runner's name (count 1) or the prefix of each name (count > 1); undefined: generate one. */
  runnerName?: string
  runnerGroupId: number
  /** A runner group's name (`runner-group`), resolved to its id before the first registration. */
  runnerGroup?: string
  workFolder: string
  count: number
  cleanupOnFailure: boolean
}

export interface Config extends Credentials {
  scope: Scope
  type: TokenType
  apiUrl: string
  maxAttempts: number
  initialDelayMs: number
  maxDelayMs: number
  timeoutMs: number
  attemptTimeoutMs: number
  jitter: Jitter
  /** A random wait before the first request, uniform up to this long, inside `timeoutMs`; 0: none. */
  spreadMs?: number
  /** Present only for `type: jit`. */
  jit?: JitInputs
}

/** A step's failure; the message is one line, says what to do, and never holds a secret. */
export class MintError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
  ) {
    super(message)
  }
}
