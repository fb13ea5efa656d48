import type { MintTokenOptions, MintedToken, RegisterRunnersOptions, RegisteredRunners } from './api.js';
export { MintRunnerTokenError } from './error.js';
export type * from './api.js';
/** Mints a registration or remove token for a repository, an organization or an enterprise. */
export declare function mintToken(options: MintTokenOptions): Promise<MintedToken>;
/**
 * Registers `count` just-in-time runners, all or none. When one cannot be registered, or the
 * signal aborts the call, every runner it may have registered is rolled back (only a runner with
 * the call's ownership label that never connected is deleted) before it rejects; the error's
 * `rollback` says what happened to each.
 */
export declare function registerRunners(options: RegisterRunnersOptions): Promise<RegisteredRunners>;
