import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { ConcurrencyLimiter, PROBE_ROUNDS, SharedRetryBudget, type Signal, type WaitRefused } from '../../src/limiter.js'
import { systemClock } from '../../src/retry.js'
import { FakeClock } from '../support/fake-clock.js'

/** Resolves once pending promise callbacks have run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('ConcurrencyLimiter', () => {
  test('holds requests beyond the limit until a slot is given back', async () => {
    const limiter = new ConcurrencyLimiter({ initial: 2, max: 10 })
    const a = await limiter.acquire()
    await limiter.acquire()
    let third = false
    const waiting = limiter.acquire().then(() => (third = true))
    await settle()
    assert.equal(third, false)
    assert.equal(limiter.inFlight, 2)
    limiter.release(a, 'neutral')
    await waiting
    assert.equal(third, true)
    assert.equal(limiter.inFlight, 2)
  })

  test('additive increase: about one more slot per limit-full of successes, never above max', async () => {
    const limiter = new ConcurrencyLimiter({ initial: 4, max: 6 })
    const succeed = async (times: number) => {
      for (let i = 0; i < times; i++) limiter.release(await limiter.acquire(), 'success')
    }
    await succeed(4)
    assert.equal(limiter.limit, 4) // 4 + 1/4 + 1/4.25 + ... is still under 5
    await succeed(1)
    assert.equal(limiter.limit, 5)
    await succeed(100)
    assert.equal(limiter.limit, 6)
    assert.equal(limiter.highest, 6)
  })

  test('multiplicative decrease: the failures of one burst halve the limit once, not once each', async () => {
    const limiter = new ConcurrencyLimiter({ initial: 8, max: 8 })
    const burst = await Promise.all(Array.from({ length: 8 }, () => limiter.acquire()))
    for (const slot of burst) limiter.release(slot, 'overload')
    assert.equal(limiter.limit, 4)
    // A request sent after the cut that still meets overload cuts again.
    limiter.release(await limiter.acquire(), 'overload')
    assert.equal(limiter.limit, 2)
    limiter.release(await limiter.acquire(), 'overload')
    limiter.release(await limiter.acquire(), 'overload')
    assert.equal(limiter.limit, 1, 'never below one')
    assert.equal(limiter.lowest, 1)
  })

  test('the step back up to the limit of the last strain takes PROBE_ROUNDS rounds; the steps below it one each', async () => {
    const limiter = new ConcurrencyLimiter({ initial: 6, max: 16 })
    const succeed = async (times: number) => {
      for (let i = 0; i < times; i++) limiter.release(await limiter.acquire(), 'success')
    }
    /** Successes until the limit reaches `target`. */
    const successesTo = async (target: number) => {
      let n = 0
      for (; limiter.limit < target; n++) await succeed(1)
      return n
    }
    limiter.release(await limiter.acquire(), 'overload') // strain at 6: cut to 3
    assert.equal(limiter.limit, 3)
    // 3 to 5 at the usual pace: about one round (a limit's worth of successes) a step.
    assert.equal(await successesTo(5), 8)
    // 5 to 6, the level GitHub strained at: PROBE_ROUNDS rounds of 5.
    const probe = await successesTo(6)
    assert.ok(probe >= 5 * PROBE_ROUNDS && probe <= 5 * PROBE_ROUNDS + 5, `${probe} successes from 5 to 6`)
    // Past it, the usual pace again: 6 to 7 in about 6.
    assert.ok((await successesTo(7)) <= 7)
  })

  test('after an outage cut the limit to 1 there is no slow step: back to 4 at the usual pace', async () => {
    const limiter = new ConcurrencyLimiter({ initial: 6, max: 16 })
    // Every request fails: 6, 3, 1, 1 (each sent after the cut before it).
    for (let i = 0; i < 4; i++) limiter.release(await limiter.acquire(), 'overload')
    assert.equal(limiter.limit, 1)
    const successesTo4 = async (from: ConcurrencyLimiter) => {
      let n = 0
      for (; from.limit < 4; n++) from.release(await from.acquire(), 'success')
      return n
    }
    // As fast as a limiter that never saw strain.
    assert.equal(await successesTo4(limiter), await successesTo4(new ConcurrencyLimiter({ initial: 1, max: 16 })))
  })

  test('against a steady capacity of 5 in flight, 1,000 requests meet at most 25 refusals (plain AIMD: about 70)', async () => {
    // A server that answers the requests it holds a turn later and refuses at once every one
    // beyond `capacity` in flight, as the stand-in's gateway does; each caller retries until it
    // succeeds. Plain AIMD cuts to 3 at 6 in flight and is back at 6 after 14 successes.
    const capacity = 5
    const limiter = new ConcurrencyLimiter({ initial: 4, max: 16 })
    let inFlight = 0
    let refused = 0
    const request = async (): Promise<Signal> => {
      if (inFlight >= capacity) return 'overload'
      inFlight++
      await settle()
      inFlight--
      return 'success'
    }
    const runner = async () => {
      for (;;) {
        const slot = await limiter.acquire()
        const signal = await request()
        limiter.release(slot, signal)
        if (signal === 'success') return
        refused++
      }
    }
    await Promise.all(Array.from({ length: 1000 }, runner))
    assert.ok(refused <= 25, `${refused} refusals`)
    assert.ok(refused >= 10, `${refused} refusals: it still probes past the capacity now and then`)
    assert.equal(limiter.highest, 6)
  })

  test('a cut wakes no more waiters than the new limit allows', async () => {
    const limiter = new ConcurrencyLimiter({ initial: 4, max: 4 })
    const held = await Promise.all(Array.from({ length: 4 }, () => limiter.acquire()))
    let started = 0
    const waiters = Array.from({ length: 4 }, () => limiter.acquire().then((slot) => (started++, slot)))
    limiter.release(held[0], 'overload') // limit 2, 3 still in flight: nobody may start
    await settle()
    assert.equal(started, 0)
    limiter.release(held[1], 'neutral')
    limiter.release(held[2], 'neutral')
    await settle()
    assert.equal(started, 1)
    assert.equal(limiter.inFlight, 2)
    limiter.release(held[3], 'neutral')
    await settle()
    assert.equal(started, 2)
    for (const slot of await Promise.all(waiters.slice(0, 2))) limiter.release(slot, 'neutral')
    await Promise.all(waiters)
    assert.equal(started, 4)
  })

  test('run() releases the slot with the judged signal, on success and on error', async () => {
    const limiter = new ConcurrencyLimiter({ initial: 2, max: 2 })
    assert.equal(
      await limiter.run(
        async () => 'ok',
        () => 'neutral',
      ),
      'ok',
    )
    await assert.rejects(
      limiter.run(
        async () => {
          throw new Error('reset')
        },
        ({ error }) => (error ? 'overload' : 'success'),
      ),
    )
    assert.equal(limiter.inFlight, 0)
    assert.equal(limiter.limit, 1)
  })
})

describe('ConcurrencyLimiter pauses', () => {
  test('a pause holds every new request until the time GitHub asked for, in naps of at most 1s', async () => {
    const clock = new FakeClock()
    const limiter = new ConcurrencyLimiter({ initial: 2, max: 2, clock })
    const start = clock.now()
    limiter.pauseUntil(start + 2500)
    limiter.pauseUntil(start + 1000) // an earlier end never shortens a pause
    await limiter.acquire()
    assert.deepEqual(clock.sleeps, [1000, 1000, 500])
    await limiter.acquire()
    assert.equal(clock.now(), start + 2500)
    assert.equal(clock.sleeps.length, 3, 'the pause is over')
  })
})

describe("ConcurrencyLimiter within the caller's deadline and signal", () => {
  test('a pause that lasts past the latest start fails at once, without sleeping', async () => {
    const clock = new FakeClock()
    const limiter = new ConcurrencyLimiter({ initial: 1, max: 1, clock })
    limiter.pauseUntil(clock.now() + 120_000)
    await assert.rejects(limiter.acquire({ latestStartMs: clock.now() + 6000 }), (error: WaitRefused) => {
      assert.equal(error.reason, 'paused')
      assert.equal(error.pausedUntilMs, clock.now() + 120_000)
      return true
    })
    assert.deepEqual(clock.sleeps, [])
    assert.equal(limiter.inFlight, 0)
  })

  test('a pause that ends before the latest start is waited out', async () => {
    const clock = new FakeClock()
    const limiter = new ConcurrencyLimiter({ initial: 1, max: 1, clock })
    limiter.pauseUntil(clock.now() + 1500)
    await limiter.acquire({ latestStartMs: clock.now() + 1500 })
    assert.deepEqual(clock.sleeps, [1000, 500])
  })

  test('already past the latest start: refused', async () => {
    const clock = new FakeClock()
    const limiter = new ConcurrencyLimiter({ initial: 1, max: 1, clock })
    await assert.rejects(limiter.acquire({ latestStartMs: clock.now() - 1 }), { reason: 'deadline' })
  })

  test('an aborted signal wakes a pause at once', async () => {
    const limiter = new ConcurrencyLimiter({ initial: 1, max: 1, clock: systemClock })
    limiter.pauseUntil(Date.now() + 60_000)
    const stop = new AbortController()
    const started = Date.now()
    const waiting = assert.rejects(limiter.acquire({ signal: stop.signal }), { reason: 'aborted' })
    setTimeout(() => stop.abort(), 20)
    await waiting
    assert.ok(Date.now() - started < 900, `woke after ${Date.now() - started}ms`)
  })

  test('an aborted signal takes a waiter out of the queue; the next free slot goes to the next waiter', async () => {
    const limiter = new ConcurrencyLimiter({ initial: 1, max: 1 })
    const held = await limiter.acquire()
    const stop = new AbortController()
    const called = assert.rejects(limiter.acquire({ signal: stop.signal }), { reason: 'aborted' })
    let next = false
    const waiting = limiter.acquire().then((slot) => ((next = true), slot))
    stop.abort()
    await called
    limiter.release(held, 'neutral')
    limiter.release(await waiting, 'neutral')
    assert.equal(next, true)
    assert.equal(limiter.inFlight, 0)
  })

  test('a waiter first in line (a delete after its look) gets the next free slot before those who waited longer; among themselves, in turn', async () => {
    const limiter = new ConcurrencyLimiter({ initial: 1, max: 1 })
    const slots = [await limiter.acquire()]
    const order: string[] = []
    const waiter = (name: string, first: boolean, signal?: AbortSignal) =>
      limiter.acquire({ first, signal }).then((slot) => {
        order.push(name)
        slots.push(slot)
      })
    const waiting = [waiter('look 2', false), waiter('look 3', false), waiter('delete 0', true)]
    // One first in line called off leaves the line as it was.
    const stop = new AbortController()
    const calledOff = assert.rejects(waiter('called off', true, stop.signal), { reason: 'aborted' })
    waiting.push(waiter('delete 1', true))
    stop.abort()
    await calledOff
    for (let i = 0; i < 4; i++) {
      limiter.release(slots.shift()!, 'neutral')
      await settle()
    }
    await Promise.all(waiting)
    assert.deepEqual(order, ['delete 0', 'delete 1', 'look 2', 'look 3'])
  })

  test('a waiter woken after its latest start is refused and passes the slot on', async () => {
    const clock = new FakeClock()
    const limiter = new ConcurrencyLimiter({ initial: 1, max: 1, clock })
    const held = await limiter.acquire()
    const late = assert.rejects(limiter.acquire({ latestStartMs: clock.now() + 100 }), { reason: 'deadline' })
    const patient = limiter.acquire()
    await settle()
    clock.time += 200
    limiter.release(held, 'neutral')
    await late
    limiter.release(await patient, 'neutral')
    assert.equal(limiter.inFlight, 0)
  })
})

describe('SharedRetryBudget', () => {
  test('grants retries until empty; successes give one back, never above capacity', () => {
    const budget = new SharedRetryBudget(2)
    assert.equal(budget.take(), true)
    assert.equal(budget.take(), true)
    assert.equal(budget.take(), false)
    budget.refund()
    assert.equal(budget.take(), true)
    budget.refund()
    budget.refund()
    budget.refund()
    assert.equal(budget.remaining, 2)
    assert.deepEqual([budget.granted, budget.refused], [3, 1])
  })

  test('capacity 0 (max-attempts 1) grants nothing', () => {
    assert.equal(new SharedRetryBudget(0).take(), false)
  })
})

describe('SharedRetryBudget in rounds', () => {
  const backoff = { initialDelayMs: 1000, maxDelayMs: 30_000, jitter: 'full' as const }

  test('retries inside an open round are free; a round lasts its backoff ceiling', () => {
    const clock = new FakeClock()
    const budget = new SharedRetryBudget(2, { clock, backoff })
    assert.equal(budget.take(), true) // opens round 1, which lasts 1s
    for (let i = 0; i < 20; i++) assert.equal(budget.take(), true) // the rest of a burst of failures
    assert.equal(budget.remaining, 1)
    clock.time += 1000
    assert.equal(budget.take(), true) // opens round 2, which lasts 2s
    clock.time += 1999
    assert.equal(budget.take(), true)
    assert.equal(budget.remaining, 0)
    clock.time += 1
    assert.equal(budget.take(), false)
    assert.deepEqual([budget.granted, budget.refused], [23, 1])
  })

  test('an outage exhausts the rounds over about the time one mint backs off', () => {
    const clock = new FakeClock()
    const start = clock.now()
    const budget = new SharedRetryBudget(7, { clock, backoff })
    // Fifty runners fail every 100ms until the budget says no.
    while (budget.take()) clock.time += 100
    // One mint with these settings backs off 1+2+4+8+16+30 s before its last retry.
    assert.ok(clock.now() - start >= 61_000, `gave up after ${clock.now() - start}ms`)
  })
})
