// The one error the library rejects with. Its message is one line and never holds a secret; the
// rest is data: the kind, the attempts and their request ids, and for registerRunners the rollback.
import type { AttemptInfo, ErrorDetails, ErrorKind, RollbackReport } from './api.js'

export class MintRunnerTokenError extends Error {
  /** 'AbortError' when the caller's signal stopped the call (`kind` is then 'aborted'). */
  override readonly name: 'MintRunnerTokenError' | 'AbortError'
  readonly kind: ErrorKind
  readonly option?: string
  readonly attempts: number
  readonly history: readonly AttemptInfo[]
  readonly rollback?: RollbackReport
  readonly ownershipLabel?: string

  constructor(message: string, details: ErrorDetails, options?: { cause?: unknown }) {
    super(message, options)
    this.name = details.kind === 'aborted' ? 'AbortError' : 'MintRunnerTokenError'
    this.kind = details.kind
    this.attempts = details.attempts
    this.history = details.history
    if (details.option !== undefined) this.option = details.option
    if (details.rollback !== undefined) this.rollback = details.rollback
    if (details.ownershipLabel !== undefined) this.ownershipLabel = details.ownershipLabel
  }

  /** GitHub's request id of every attempt it answered, in order: what GitHub Support asks for. */
  get requestIds(): string[] {
    return this.history.flatMap((attempt) => (attempt.requestId ? [attempt.requestId] : []))
  }
}
