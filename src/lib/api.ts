// The library's public types: what mintToken and registerRunners take and give, and what their
// errors carry. Types only, importing nothing, so that the declarations shipped in the package
// stand on their own.

/** A duration: a number of milliseconds, or a string as the action's inputs take it ("30s", "1m30s", "1.5"). */
export type Duration = number | string

/** The target: exactly one of a repository ("owner/name"), an organization (its login) or an enterprise (its slug). */
export type ScopeOptions =
  | { repository: string; organization?: never; enterprise?: never }
  | { organization: string; repository?: never; enterprise?: never }
  | { enterprise: string; repository?: never; organization?: never }

/** A token allowed to manage self-hosted runners for the target. */
export interface TokenAuth {
  token: string
  appId?: never
  privateKey?: never
  installationId?: never
}

/** A GitHub App: its ID or client ID and private key (PEM); the installation is looked up unless given. */
export interface AppAuth {
  appId: string | number
  privateKey: string
  installationId?: number
  token?: never
}

export type Auth = TokenAuth | AppAuth

/** The retry loop's limits, as the action's inputs of the same names (max-attempts, initial-delay, ...). */
export interface RetryOptions {
  /** Total tries including the first, 1 to 100; default 8. */
  maxAttempts?: number
  /** Ceiling of the first backoff wait; default '1s'. */
  initialDelay?: Duration
  /** Cap on any one backoff wait (a retry-after is honoured even when longer); default '30s'. */
  maxDelay?: Duration
  /** Deadline for the whole call, waits included; default '5m'. */
  timeout?: Duration
  /** Limit for one request, body included; default '15s'. */
  attemptTimeout?: Duration
  /** Shape of the backoff wait; default 'equal'. */
  jitter?: 'full' | 'equal' | 'decorrelated' | 'none'
  /** A random wait before the first request, up to this long, inside `timeout`; default 0. */
  spread?: Duration
}

/** What every function takes besides its target. */
export interface CallOptions {
  auth: Auth
  /** REST API base; default https://api.github.com; on GHES https://HOST/api/v3. */
  apiUrl?: string
  retry?: RetryOptions
  /** Aborts the call at once: sleeping retries wake, requests in flight are torn down. */
  signal?: AbortSignal
  /** Receives the progress lines the action would log (never a token); without it the library prints nothing. */
  log?: (line: string) => void
}

export type MintTokenOptions = ScopeOptions &
  CallOptions & {
    /** A token to register runners with, or one to remove them. */
    type: 'registration' | 'remove'
  }

export interface MintedToken {
  token: string
  /** When the token expires, as GitHub states it (ISO 8601). */
  expiresAt: string
  /** Requests made, the first included (and a GitHub App's own). */
  attempts: number
}

/** The runner group: by name (organization or enterprise scope) or by id; default the group with id 1. */
export type RunnerGroupOptions = { runnerGroup?: string; runnerGroupId?: never } | { runnerGroupId?: number; runnerGroup?: never }

export type RegisterRunnersOptions = ScopeOptions &
  CallOptions &
  RunnerGroupOptions & {
    /** The runners' labels, 1 to 99; each runner also gets the call's ownership label. */
    labels: readonly string[]
    /** How many runners, 1 to 100; all or none. Default 1. */
    count?: number
    /** The runner's name; with `count` above 1 a prefix for unique names. Default: generated. */
    name?: string
    /** The runner's work folder; default '_work'. */
    workFolder?: string
    /**
     * The pace of registrations (and a rollback's deletes), as the action's input `write-budget`:
     * "N/DURATION", at most N writes per API endpoint in any window of DURATION ("180/1m", "60/1m",
     * "20/500ms"), or "off". Default: GitHub's documented secondary rate limit, 180 writes a minute,
     * wherever GitHub has rate limits; "60/1m" is one write a second, GitHub's best-practice pace. A
     * batch that cannot be registered at this pace within `retry.timeout` is refused before it starts.
     */
    writeBudget?: string
  }

export interface JitRunner {
  id: number
  name: string
  /** For the runner's ACTIONS_RUNNER_INPUT_JITCONFIG (or run.sh --jitconfig); a secret. */
  encodedJitConfig: string
}

export interface RegisteredRunners {
  runners: JitRunner[]
  /** The label unique to this call that every one of its runners carries ("mrt-..."). */
  ownershipLabel: string
  /** generate-jitconfig requests made, all runners together (and a GitHub App's own). */
  attempts: number
}

export type WaitForRunnersOptions = ScopeOptions &
  Omit<CallOptions, 'retry'> & {
    /** The label of the runners to wait for, as registerRunners gave it. */
    ownershipLabel: string
    /** How long to wait at most, polls and retries included. */
    timeout: Duration
    /** The retry loop's limits for each poll's listing (`timeout` is the option above). */
    retry?: Omit<RetryOptions, 'timeout'>
  }

/** Where a watched runner stands: not yet connected, online, busy, connected and offline again, or no longer listed. */
export type RunnerState = 'waiting' | 'online' | 'busy' | 'disconnected' | 'gone'

export interface WaitReport {
  /** True when every runner listed with the label connected (online or busy) or went, before the timeout. */
  done: boolean
  runners: { id: number; name: string; state: RunnerState; connected: boolean }[]
  counts: { online: number; busy: number; disconnected: number; gone: number; neverConnected: number }
  polls: number
  /** Listing requests sent: one per page per poll, never one per runner. */
  requests: number
  elapsedMs: number
  /** One line saying the outcome (each runner that never connected, by name, when not done). */
  summary: string
}

/** Which runners to prune: those of one ownership label, or those whose label is older than a duration (at least 5 minutes). */
export type PruneSelection = { ownershipLabel: string; olderThan?: never } | { olderThan: Duration; ownershipLabel?: never }

export type PruneRunnersOptions = ScopeOptions &
  CallOptions &
  PruneSelection & {
    /** Say what would be deleted; delete nothing. Default false. */
    dryRun?: boolean
    /** The pace of the listing and the deletes, as registerRunners' `writeBudget` ("180/1m" by default, or "off"). */
    writeBudget?: string
  }

export interface PruneReport {
  dryRun: boolean
  /** Every runner listed in the scope. */
  listed: number
  /** Listed runners the selection did not take in (no ownership label, or another one). */
  notSelected: number
  /** With `dryRun`: what would have been deleted. */
  wouldDelete: RunnerRef[]
  /** Left alone when listed (online, busy, too young ...), and why. */
  kept: (RunnerRef & { why: string })[]
  /** The deletes, counted apart: deleted only when GitHub confirmed it. */
  deletes: Omit<RollbackReport, 'summary' | 'notConfirmedGone'>
  /** Chosen runners not confirmed deleted (an error, the deadline, not found): they may remain. */
  notConfirmedGone: string[]
  /** The report in a few sentences, as the action logs it. */
  summary: string
}

/**
 * What went wrong, for a program to act on: `input` an option (nothing was sent), `auth` 401,
 * `permission` 403, `not-found` 404 (or no such runner group), `rate-limit`, `timeout`, `network`,
 * `server-error` 5xx, `rejected` another 4xx (400, 409, 422 ...), `unexpected-answer` a 2xx
 * without the documented body, `aborted` the signal.
 */
export type ErrorKind =
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

/** One request attempt: which call, how it ended, and GitHub's request id when GitHub answered. */
export interface AttemptInfo {
  /** 'mint', a GitHub App's call ('installation lookup', ...), or 'runner NAME'. */
  call: string
  /** Its number within its call. */
  attempt: number
  succeeded: boolean
  /** The HTTP status, when there was an answer. */
  status?: number
  /** The network error's code (ECONNRESET, ETIMEDOUT ...), when there was no answer. */
  networkCode?: string
  /** GitHub's X-GitHub-Request-Id, for GitHub Support. */
  requestId?: string
}

/** A runner by its name, and its id once GitHub gave one. */
export interface RunnerRef {
  name: string
  id?: number
}

/**
 * What the rollback of a failed or aborted registerRunners did. Only a runner that carries the
 * call's ownership label and never connected is deleted; every outcome is counted apart.
 */
export interface RollbackReport {
  /** GitHub confirmed the delete. */
  deleted: RunnerRef[]
  /** GitHub answered 404: no such runner (anymore). */
  alreadyGone: RunnerRef[]
  /** Left alone: not this call's, or a host already holds it. */
  spared: (RunnerRef & { why: 'not ours' | 'busy' | 'online' })[]
  /** Not listed by name within the deadline: it may still appear. */
  unknown: RunnerRef[]
  /** An error or the deadline came first. */
  failed: (RunnerRef & { error: string })[]
  /** Names that may still exist (spared, unknown, failed): look for them by the ownership label. */
  notConfirmedGone: string[]
  /** The same in one line ("deleted all 2 (a, b)"); empty when nothing had been sent. */
  summary: string
}

/** What a MintRunnerTokenError carries besides its message. */
export interface ErrorDetails {
  kind: ErrorKind
  /** For `input`: the option at fault ("retry.timeout", "auth.token", "labels"). */
  option?: string
  /** Requests made before the failure. */
  attempts: number
  /** Each attempt, in order. */
  history: readonly AttemptInfo[]
  /** registerRunners: what its rollback did. */
  rollback?: RollbackReport
  /** registerRunners: the label every runner of the call carries. */
  ownershipLabel?: string
}
