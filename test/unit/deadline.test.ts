// A phase's deadline: `stop` (no new request; waits end) and `teardown` (requests in flight are
// cut), a cancellation that brings it forward, and the listeners a batch hangs on its signals.
// The timer it sets on bringForward is a real one: these tests wait on the signal, not a stopwatch.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { CANCEL_GRACE_MS, Deadline } from '../../src/jit/deadline.js'
import { FakeClock } from '../support/fake-clock.js'

describe('Deadline', () => {
  test('atMs is the time given; stop is not aborted until halt()', () => {
    const clock = new FakeClock()
    const deadline = new Deadline(clock, clock.now() + 60_000)
    assert.equal(deadline.atMs, clock.now() + 60_000)
    assert.equal(deadline.stop.aborted, false)
    deadline.halt()
    assert.equal(deadline.stop.aborted, true)
  })

  test('teardown is the stop signal by default, or the signal given (a batch passes the step cancellation)', () => {
    const clock = new FakeClock()
    const own = new Deadline(clock, clock.now())
    assert.equal(own.teardown, own.stop)
    const cancel = new AbortController()
    const batch = new Deadline(clock, clock.now(), cancel.signal)
    assert.equal(batch.teardown, cancel.signal)
    assert.notEqual(batch.teardown, batch.stop)
    // Halting the batch does not cut the requests in flight; only the cancellation does.
    batch.halt()
    assert.equal(batch.teardown.aborted, false)
    cancel.abort()
    assert.equal(batch.teardown.aborted, true)
  })

  test('a hundred waiters on one deadline are by design: no listener-leak warning on either signal', async () => {
    const warnings: string[] = []
    const onWarning = (warning: Error): number => warnings.push(warning.name)
    process.on('warning', onWarning)
    try {
      const clock = new FakeClock()
      const wait = (signal: AbortSignal): void => {
        for (let i = 0; i < 100; i++) signal.addEventListener('abort', () => {})
      }
      const cancel = new AbortController()
      const batch = new Deadline(clock, clock.now(), cancel.signal)
      wait(batch.stop)
      wait(batch.teardown)
      wait(new Deadline(clock, clock.now()).stop)
      // Node emits the warning on the next tick (the same 100 on a plain AbortSignal do warn).
      await sleep(20)
      assert.deepEqual(warnings, [])
    } finally {
      process.off('warning', onWarning)
    }
  })

  test('bringForward to a later or the same time changes nothing', async () => {
    const clock = new FakeClock()
    const deadline = new Deadline(clock, clock.now())
    deadline.bringForward(clock.now() + 1000)
    deadline.bringForward(clock.now())
    assert.equal(deadline.atMs, clock.now())
    await sleep(50)
    assert.equal(deadline.stop.aborted, false)
    deadline.dispose()
  })

  test('bringForward to a sooner time moves atMs, and halts when that time comes, not before', async () => {
    const clock = new FakeClock()
    const deadline = new Deadline(clock, clock.now() + 60_000)
    deadline.bringForward(clock.now() + 1000)
    assert.equal(deadline.atMs, clock.now() + 1000)
    // A timer set after the deadline's, for a tenth of its time, always fires first.
    await sleep(100)
    assert.equal(deadline.stop.aborted, false)
    await once(deadline.stop, 'abort')
    deadline.dispose()
  })

  test('bringForward to a time already past halts at once', async () => {
    const clock = new FakeClock()
    const deadline = new Deadline(clock, clock.now() + 60_000)
    deadline.bringForward(clock.now() - 5000)
    assert.equal(deadline.atMs, clock.now() - 5000)
    await once(deadline.stop, 'abort')
  })

  test('dispose cancels the timer; a second bringForward replaces the first one', async () => {
    const clock = new FakeClock()
    const deadline = new Deadline(clock, clock.now() + 60_000)
    deadline.bringForward(clock.now() + 40)
    deadline.bringForward(clock.now() + 20)
    deadline.dispose()
    await sleep(300)
    assert.equal(deadline.stop.aborted, false)
  })

  test("the grace after a cancellation stays inside the runner's ~7.5 s before SIGTERM", () => {
    assert.equal(CANCEL_GRACE_MS, 6000)
  })
})
