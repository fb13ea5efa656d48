// A clock that only moves when the code under test sleeps: the retry loop runs instantly and
// every wait it chose is on record. A sleep whose signal is already aborted takes no time.
import type { Clock } from '../../src/retry.js'

export class FakeClock implements Clock {
  readonly sleeps: number[] = []
  constructor(public time = 1_700_000_000_000) {}
  now(): number {
    return this.time
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return
    this.sleeps.push(ms)
    this.time += ms
  }
}
