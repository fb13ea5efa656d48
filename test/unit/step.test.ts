// The step context (step.ts): one signal per step, the cleanup phase it starts (one budget for
// the rollback and the revoke, within 7 s of the signal), and the deadline of each phase: a
// cancellation may bring it forward, never back; when it comes, every wait and every request of
// the phase stops, and a request cut off then says so (ECUTOFF), not "cancelled".
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { EventEmitter, once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { CLEANUP_PHASE_MS, Deadline, DeadlineReached, REVOKE_SHARE_MS, StepContext, stepOf, stopSignal } from '../../src/step.js'
import { CANCEL_GRACE_MS } from '../../src/jit/deadline.js'
import { send } from '../../src/github.js'
import { NetworkError } from '../../src/network-error.js'
import { explainFailure } from '../../src/explain.js'
import { FakeClock } from '../support/fake-clock.js'

describe('the cleanup phase', () => {
  test("ends within 7 s of the signal, before the runner's SIGTERM at 7.5 s; the revoke keeps a share of it", () => {
    assert.ok(CLEANUP_PHASE_MS <= 7000)
    assert.ok(REVOKE_SHARE_MS > 0 && REVOKE_SHARE_MS < CLEANUP_PHASE_MS)
    assert.equal(CANCEL_GRACE_MS, CLEANUP_PHASE_MS - REVOKE_SHARE_MS)
  })

  test('the first signal stops the step and starts the phase; a later one changes nothing', () => {
    const clock = new FakeClock()
    const step = new StepContext(clock)
    assert.equal(step.stoppedBy, undefined)
    assert.equal(step.cleanupEndMs, undefined)
    assert.equal(step.workEndMs, undefined)
    const at = clock.now()
    step.cancel('SIGINT')
    clock.time += 3000
    step.cancel('SIGTERM')
    assert.equal(step.signal.aborted, true)
    assert.equal(step.signal.reason, 'SIGINT')
    assert.equal(step.stoppedBy, 'SIGINT')
    assert.equal(step.cleanupEndMs, at + CLEANUP_PHASE_MS)
    assert.equal(step.workEndMs, at + CLEANUP_PHASE_MS)
  })

  test('a share held back for a revoke ends the work that much earlier; releasing it twice gives it back once', () => {
    const clock = new FakeClock()
    const step = new StepContext(clock)
    step.cancel('SIGTERM')
    const end = clock.now() + CLEANUP_PHASE_MS
    const release = step.holdBack(2000)
    const other = step.holdBack(500)
    assert.equal(step.workEndMs, end - 2500)
    release()
    release()
    assert.equal(step.workEndMs, end - 500)
    other()
    assert.equal(step.workEndMs, end)
    assert.equal(step.cleanupEndMs, end, 'the phase itself never moves')
  })

  test('a context that follows a signal is cancelled when it aborts, with its reason and at that time', () => {
    const clock = new FakeClock()
    const cancel = new AbortController()
    const step = new StepContext(clock, cancel.signal)
    clock.time += 1234
    cancel.abort('SIGTERM')
    assert.equal(step.stoppedBy, 'SIGTERM')
    assert.equal(step.cleanupEndMs, clock.now() + CLEANUP_PHASE_MS)
  })

  test('one that follows a signal already aborted is cancelled from the start', () => {
    const clock = new FakeClock()
    const cancel = new AbortController()
    cancel.abort('SIGINT')
    const step = new StepContext(clock, cancel.signal)
    assert.equal(step.stoppedBy, 'SIGINT')
    assert.equal(step.cleanupEndMs, clock.now() + CLEANUP_PHASE_MS)
  })

  test('stepOf finds the context of a signal, its own or the one it follows; without a signal, one nothing stops', () => {
    const clock = new FakeClock()
    const cancel = new AbortController()
    const step = stepOf(cancel.signal, clock)
    assert.equal(stepOf(cancel.signal), step)
    assert.equal(stepOf(step.signal), step)
    const made = new StepContext(clock)
    assert.equal(stepOf(made.signal), made)
    const none = stepOf(undefined, clock)
    assert.notEqual(none, stepOf(undefined, clock))
    assert.equal(none.signal.aborted, false)
  })

  test('listen: SIGINT or SIGTERM on the process cancels the step; the removal detaches both handlers', () => {
    const target = new EventEmitter()
    const step = new StepContext(new FakeClock())
    const stop = step.listen(target as unknown as NodeJS.Process)
    assert.equal(target.listenerCount('SIGINT'), 1)
    assert.equal(target.listenerCount('SIGTERM'), 1)
    target.emit('SIGTERM')
    assert.equal(step.stoppedBy, 'SIGTERM')
    stop()
    assert.equal(target.listenerCount('SIGINT'), 0)
    assert.equal(target.listenerCount('SIGTERM'), 0)
    const other = new StepContext(new FakeClock())
    other.listen(target as unknown as NodeJS.Process)
    target.emit('SIGINT')
    assert.equal(other.stoppedBy, 'SIGINT')
  })

  test('stopSignal: none before an abort; SIGTERM only for that reason, any other reason is SIGINT', () => {
    const cancel = new AbortController()
    assert.equal(stopSignal(undefined), undefined)
    assert.equal(stopSignal(cancel.signal), undefined)
    cancel.abort('SIGTERM')
    assert.equal(stopSignal(cancel.signal), 'SIGTERM')
    const other = new AbortController()
    other.abort(new Error('x'))
    assert.equal(stopSignal(other.signal), 'SIGINT')
  })
})

describe('a phase of the step', () => {
  test('before a signal it keeps its own deadline; a signal brings work to the work end and a revoke to the phase end', () => {
    const clock = new FakeClock()
    const step = new StepContext(clock)
    const release = step.holdBack(REVOKE_SHARE_MS)
    const rollback = step.phase(clock.now() + 60_000, 'work')
    const revoke = step.phase(clock.now() + 10_000, 'all')
    assert.equal(rollback.atMs, clock.now() + 60_000)
    assert.equal(revoke.atMs, clock.now() + 10_000)
    step.cancel('SIGINT')
    assert.equal(rollback.atMs, clock.now() + CLEANUP_PHASE_MS - REVOKE_SHARE_MS)
    assert.equal(revoke.atMs, clock.now() + CLEANUP_PHASE_MS)
    release()
    rollback.dispose()
    revoke.dispose()
  })

  test('made after the signal, a phase starts with the cleanup end; one that ends sooner keeps its own', () => {
    const clock = new FakeClock()
    const step = new StepContext(clock)
    step.cancel('SIGTERM')
    clock.time += 1000
    const late = step.phase(clock.now() + 60_000, 'all')
    assert.equal(late.atMs, clock.now() - 1000 + CLEANUP_PHASE_MS)
    const soon = step.phase(clock.now() + 100, 'all')
    assert.equal(soon.atMs, clock.now() + 100)
    late.dispose()
    soon.dispose()
  })

  test('a disposed phase no longer follows the step', () => {
    const clock = new FakeClock()
    const step = new StepContext(clock)
    const phase = step.phase(clock.now() + 60_000, 'work')
    phase.dispose()
    step.cancel('SIGINT')
    assert.equal(phase.atMs, clock.now() + 60_000)
  })

  test('when the phase ends, its stop says why: the deadline came, and a request may have taken effect', async () => {
    const clock = new FakeClock()
    const step = new StepContext(clock)
    const phase = step.phase(clock.now() + 60_000, 'all')
    // Signalled as long ago as the phase lasts: it ends at once.
    clock.time -= CLEANUP_PHASE_MS
    step.cancel('SIGINT')
    clock.time += CLEANUP_PHASE_MS
    await once(phase.stop, 'abort')
    assert.ok(phase.stop.reason instanceof DeadlineReached)
    assert.equal(
      (phase.stop.reason as Error).message,
      'cut off at the cleanup deadline while waiting for the answer; the request may have taken effect',
    )
    phase.dispose()
  })
})

describe('a request torn down', () => {
  // A server that never answers: every request hangs until it is torn down.
  async function hanging(): Promise<{ url: string; close: () => Promise<void> }> {
    const sockets = new Set<import('node:net').Socket>()
    const server = http.createServer(() => {})
    server.on('connection', (socket) => sockets.add(socket))
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    return {
      url: `http://127.0.0.1:${port}/installation/token`,
      close: async () => {
        for (const socket of sockets) socket.destroy()
        server.close()
        await once(server, 'close')
      },
    }
  }

  test("by its phase's deadline: ECUTOFF, worded as no answer, not as GitHub unreachable", async () => {
    const server = await hanging()
    try {
      const clock = new FakeClock()
      const phase = new Deadline(clock, clock.now() + 60_000)
      const sending = send({ method: 'DELETE', url: server.url, token: 't', timeoutMs: 5000, signal: phase.teardown })
      await sleep(100)
      phase.bringForward(clock.now())
      const error = await sending.then(
        () => assert.fail('expected a failure'),
        (failure: NetworkError) => failure,
      )
      assert.ok(error instanceof NetworkError)
      assert.equal(error.code, 'ECUTOFF')
      const why = explainFailure({ kind: 'network', code: error.code }, { kind: 'organization', name: 'o' }, error.message)
      assert.equal(
        why,
        'No answer from GitHub: cut off at the cleanup deadline while waiting for the answer; the request may have taken effect.',
      )
      phase.dispose()
    } finally {
      await server.close()
    }
  })

  test("by the step's signal: EABORTED, cancelled", async () => {
    const server = await hanging()
    try {
      const step = new StepContext(new FakeClock())
      const sending = send({ method: 'DELETE', url: server.url, token: 't', timeoutMs: 5000, signal: step.signal })
      await sleep(100)
      step.cancel('SIGINT')
      const error = await sending.then(
        () => assert.fail('expected a failure'),
        (failure: NetworkError) => failure,
      )
      assert.equal(error.code, 'EABORTED')
      assert.equal(error.message, 'cancelled while waiting for the answer')
    } finally {
      await server.close()
    }
  })
})

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
  assert.ok(deadline.stop.reason instanceof DeadlineReached)
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
  assert.ok(!(deadline.stop.reason instanceof DeadlineReached), 'halted, not reached')
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
