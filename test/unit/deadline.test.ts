// The deadline of a JIT phase: a cancellation may bring it forward, never back; when it comes,
// every wait and every request of the phase stops.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { Deadline } from '../../src/jit/deadline.js'
import { FakeClock } from '../support/fake-clock.js'

test('brought forward, never back; when the earlier time comes (real time), the phase stops', async () => {
  const clock = new FakeClock()
  const deadline = new Deadline(clock, clock.now() + 60_000)
  deadline.bringForward(clock.now() + 90_000)
  assert.equal(deadline.atMs, clock.now() + 60_000)
  deadline.bringForward(clock.now() + 60_000)
  assert.equal(deadline.atMs, clock.now() + 60_000)
  deadline.bringForward(clock.now() + 20)
  assert.equal(deadline.atMs, clock.now() + 20)
  assert.equal(deadline.stop.aborted, false)
  // Time is the behaviour: 20 ms from now, with room to spare for a busy machine.
  await sleep(500)
  assert.equal(deadline.stop.aborted, true)
  assert.equal(deadline.teardown, deadline.stop, 'without a teardown signal of its own, the stop cuts requests short too')
  deadline.dispose()
})

test('a time already past stops the phase at once', async () => {
  const clock = new FakeClock()
  const deadline = new Deadline(clock, clock.now() + 60_000)
  deadline.bringForward(clock.now() - 5000)
  await sleep(20)
  assert.equal(deadline.stop.aborted, true)
})

test('dispose() cancels a pending stop', async () => {
  const clock = new FakeClock()
  const deadline = new Deadline(clock, clock.now() + 60_000)
  deadline.bringForward(clock.now() + 30)
  deadline.dispose()
  await sleep(300)
  assert.equal(deadline.stop.aborted, false)
})

test('a teardown signal of its own: halting stops new requests but leaves those in flight to it', () => {
  const clock = new FakeClock()
  const cancel = new AbortController()
  const deadline = new Deadline(clock, clock.now() + 60_000, cancel.signal)
  assert.equal(deadline.teardown, cancel.signal)
  deadline.halt()
  assert.equal(deadline.stop.aborted, true)
  assert.equal(deadline.teardown.aborted, false)
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

test('brought forward, the phase stops when that time comes and not before', async () => {
  const clock = new FakeClock()
  const deadline = new Deadline(clock, clock.now() + 60_000)
  deadline.bringForward(clock.now() + 1000)
  // A timer set after the deadline's, for a tenth of its time, always fires first.
  await sleep(100)
  assert.equal(deadline.stop.aborted, false)
  await once(deadline.stop, 'abort')
  deadline.dispose()
})

test('a second bringForward replaces the first timer: dispose() then cancels every pending stop', async () => {
  const clock = new FakeClock()
  const deadline = new Deadline(clock, clock.now() + 60_000)
  deadline.bringForward(clock.now() + 40)
  deadline.bringForward(clock.now() + 20)
  deadline.dispose()
  await sleep(300)
  assert.equal(deadline.stop.aborted, false)
})

test('brought forward to the time it already has: nothing changes, no stop is set', async () => {
  const clock = new FakeClock()
  const deadline = new Deadline(clock, clock.now())
  deadline.bringForward(clock.now())
  await sleep(50)
  assert.equal(deadline.stop.aborted, false)
})
