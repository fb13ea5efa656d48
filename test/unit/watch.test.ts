// The pure parts of type wait: the interval between polls (injected randomness), and what a
// watch makes of listing after listing.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { MAX_POLL_MS, Watch, pollIntervalMs } from '../../src/lifecycle/watch.js'
import type { ListedRunner } from '../../src/jit/runners.js'

describe('pollIntervalMs', () => {
  test('starts near 1 s and grows by half each poll toward 10 s; random takes up to a quarter off', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 7].map((n) => pollIntervalMs(n, 0)),
      [1000, 1500, 2250, 3375, 5063, 7594, 10_000, 10_000],
    )
    assert.equal(pollIntervalMs(0, 0.999_999), 750)
    assert.equal(pollIntervalMs(20, 0.5), MAX_POLL_MS * 0.875)
    for (let n = 0; n < 30; n++) {
      const low = pollIntervalMs(n, 0.999_999)
      const high = pollIntervalMs(n, 0)
      assert.ok(low >= 750 && high <= MAX_POLL_MS && low <= high)
    }
  })
})

const runner = (id: number, status = 'offline', busy = false): ListedRunner => ({ id, name: `r${id}`, status, busy, labels: [] })

describe('Watch', () => {
  test('done only when every listed runner connected or went, and two listings in a row agree', () => {
    const watch = new Watch()
    assert.equal(watch.done, false, 'nothing seen yet')
    watch.update([], 0)
    watch.update([], 1000)
    assert.equal(watch.done, false, 'no runner ever listed')
    watch.update([runner(1, 'online')], 2000)
    assert.equal(watch.done, false, 'the set just changed: a lagging listing may still add one')
    watch.update([runner(1, 'online'), runner(2)], 3000)
    assert.equal(watch.done, false)
    watch.update([runner(1, 'online'), runner(2, 'online', true)], 4000)
    assert.equal(watch.done, true)
    assert.deepEqual(watch.counts(), { online: 1, busy: 1, disconnected: 0, gone: 0, neverConnected: 0 })
  })

  test('gone, disconnected and never connected, each counted apart; first seen kept', () => {
    const watch = new Watch()
    watch.update([runner(1, 'online', true), runner(2), runner(3, 'online'), runner(4)], 500)
    watch.update([runner(2), runner(3)], 1500)
    assert.deepEqual(watch.counts(), { online: 0, busy: 0, disconnected: 1, gone: 2, neverConnected: 1 })
    const byId = new Map(watch.all.map((r) => [r.id, r]))
    assert.deepEqual([byId.get(1)!.state, byId.get(1)!.connected], ['gone', true])
    assert.deepEqual([byId.get(4)!.state, byId.get(4)!.connected], ['gone', false])
    assert.equal(byId.get(2)!.firstSeenMs, 500)
    assert.deepEqual(
      watch.waiting.map((r) => r.name),
      ['r2'],
    )
  })
})
