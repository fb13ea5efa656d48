// The budget of a step that authenticates as a GitHub App: one deadline for the installation
// calls and the work, and `max-attempts` − 1 retries shared by those calls in turn.
import type { CallLimits } from '../engine/call.js'

/** Each call's first attempt is its own; `attempts` counts every attempt of every call so far. */
export class StepBudget {
  attempts = 0
  private calls = 0

  constructor(
    readonly deadlineMs: number,
    private readonly maxAttempts: number,
  ) {}

  /** What the next call may spend: its first attempt and every retry left. */
  limits(): CallLimits {
    return { maxAttempts: this.maxAttempts - (this.attempts - this.calls), deadlineMs: this.deadlineMs }
  }

  spend(attempts: number): void {
    this.attempts += attempts
    this.calls++
  }
}
