import type { MintTokenOptions, MintedToken, PruneReport, PruneRunnersOptions, RegisterRunnersOptions, RegisteredRunners, WaitForRunnersOptions, WaitReport } from './api.js';
export { MintRunnerTokenError } from './error.js';
export type { Duration, ScopeOptions, TokenAuth, AppAuth, Auth, RetryOptions, CallOptions, MintTokenOptions, MintedToken, RunnerGroupOptions, RunnerLabelOptions, RegisterRunnersOptions, JitRunner, RegisteredRunners, WaitForRunnersOptions, RunnerState, WaitReport, PruneSelection, PruneRunnersOptions, PruneReport, ErrorKind, AttemptInfo, RunnerRef, RollbackReport, ErrorDetails, } from './api.js';
/** Mints a registration or remove token for a repository, an organization or an enterprise. */
export declare function mintToken(options: MintTokenOptions): Promise<MintedToken>;
/**
 * Registers `count` just-in-time runners, all or none. When one cannot be registered, or the
 * signal aborts the call, every runner it may have registered is rolled back (only a runner with
 * the call's ownership label that never connected is deleted) before it rejects; the error's
 * `rollback` says what happened to each.
 */
export declare function registerRunners(options: RegisterRunnersOptions): Promise<RegisteredRunners>;
/**
 * Waits until every runner with `ownershipLabel` has connected (online or busy), one listing per
 * poll, or until `timeout`: it resolves either way, with each runner's state (`done` false when
 * the timeout came first). It deletes nothing.
 */
export declare function waitForRunners(options: WaitForRunnersOptions): Promise<WaitReport>;
/**
 * Deletes the runners of one ownership label, or of labels older than `olderThan`, that no host
 * holds (offline, not busy): never a runner without an ownership label, an online or a busy one.
 * Resolves with every outcome counted apart (`dryRun`: what it would delete). An abort starts no
 * new request; what was deleted before it is said in the AbortError's message.
 */
export declare function pruneRunners(options: PruneRunnersOptions): Promise<PruneReport>;
