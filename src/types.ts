// The data every layer shares: what a step was asked to do (Config, its scope, its credentials
// and its JIT inputs). Types and constants only; inputs.ts, high up next to the entry points,
// builds a Config from the inputs, and everything below it only reads one.
import type { KeyObject } from 'node:crypto'

export const TOKEN_TYPES = ['registration', 'remove', 'jit', 'wait', 'prune'] as const
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
  /** Registered with the ownership label alone, so that only a job naming it in `runs-on` can take them. */
  exclusive?: boolean
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
  /**
   * The pace of writes (POST, DELETE) per endpoint, under GitHub's secondary rate limit. Undefined:
   * GitHub's documented budget (pacer.ts); false: not paced (`write-budget: off`).
   */
  writeBudget?: WriteBudget | false
  /** Present only for `type: jit`. */
  jit?: JitInputs
  /** Present only for `type: wait`. */
  wait?: WaitInputs
  /** Present only for `type: prune`. */
  prune?: PruneInputs
  /**
   * Set when the config is what is left of the step (with App credentials, after the App's
   * calls): the step's `timeout` and `max-attempts` as set, and the attempts already made, so that
   * messages quote and count the step's, not this share of it.
   */
  step?: StepSettings
}

/** At most `writes` writes (POST, PATCH, PUT, DELETE) per endpoint within any `windowMs`. */
export interface WriteBudget {
  writes: number
  windowMs: number
}

export interface StepSettings {
  timeoutMs: number
  maxAttempts: number
  attemptsBefore: number
}

/** What `type: wait` watches: the runners that carry this ownership label. */
export interface WaitInputs {
  ownershipLabel: string
}

/** What `type: prune` deletes: runners of one ownership label, or of labels older than a duration. */
export interface PruneInputs {
  /** Exactly this ownership label (the stop job). */
  ownershipLabel?: string
  /** Ownership labels whose time is at least this long ago (the sweeper). */
  olderThanMs?: number
  /** Name what would be deleted; delete nothing. */
  dryRun: boolean
}

/**
 * What kind of failure it was, as data for the library's callers: the last answer (or its absence)
 * sorted into what a caller may act on. explain.ts's failureKind decides it for a retry loop's end.
 */
export type FailureKind =
  | 'input'
  | 'auth'
  | 'permission'
  | 'not-found'
  | 'rate-limit'
  | 'timeout'
  | 'network'
  | 'server-error'
  | 'rejected'
  | 'unexpected-answer'
  | 'aborted'

/** A step's failure; the message is one line, says what to do, and never holds a secret. */
export class MintError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    /** Undefined where no call failed (the library then reads its attempts). */
    readonly kind?: FailureKind,
    /** The HTTP status of the answer that ended it, when one did (what a caller may add a word about). */
    readonly status?: number,
  ) {
    super(message)
  }
}
