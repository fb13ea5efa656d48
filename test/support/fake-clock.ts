// A clock that only moves when the code under test sleeps: the retry loop runs instantly and
// every wait it chose is on record. A sleep whose signal is already aborted takes no time.
import type { Clock } from '../../src/retry.js'

export class FakeClock implements Clock {
  readonly sleeps: number[] = []
  /** How far the wall clock is from `time`: a test can step it as NTP or a user would. */
  wallOffset = 0
  constructor(public time = 1_700_000_000_000) {}
  now(): number {
    return this.time
  }
  wallNow(): number {
    return this.time + this.wallOffset
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return
    this.sleeps.push(ms)
    this.time += ms
  }
}
