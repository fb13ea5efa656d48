import type { AttemptInfo, ErrorDetails, ErrorKind, RollbackReport } from './api.js';
export declare class MintRunnerTokenError extends Error {
    /** 'AbortError' when the caller's signal stopped the call (`kind` is then 'aborted'). */
    readonly name: 'MintRunnerTokenError' | 'AbortError';
    readonly kind: ErrorKind;
    readonly option?: string;
    readonly attempts: number;
    readonly history: readonly AttemptInfo[];
    readonly rollback?: RollbackReport;
    readonly ownershipLabel?: string;
    constructor(message: string, details: ErrorDetails, options?: {
        cause?: unknown;
    });
    /** GitHub's request id of every attempt it answered, in order: what GitHub Support asks for. */
    get requestIds(): string[];
}
