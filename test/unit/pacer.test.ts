import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { GITHUB_WRITE_BUDGET, WritePacer, endpointOf, pointsOf, shortestMs } from '../../src/pacer.js'
import type { WaitRefused } from '../../src/limiter.js'
import { FakeClock } from '../support/fake-clock.js'

const settle = () => new Promise<void>((resolve) => setImmediate(resolve))
const budget = { writes: 3, windowMs: 60_000 }

describe('pacer: what counts', () => {
  test('a GET costs 1 point, a POST or DELETE 5; the budget is 180 writes a minute', () => {
    assert.equal(pointsOf('GET'), 1)
    assert.equal(pointsOf('post'), 5)
    assert.equal(pointsOf('DELETE'), 5)
    assert.deepEqual(GITHUB_WRITE_BUDGET, { writes: 180, windowMs: 60_000 })
  })

  test('an endpoint is the path with ids as {id}, without the query', () => {
    assert.equal(endpointOf('https://api.github.com/orgs/o/actions/runners/123?x=1'), '/orgs/o/actions/runners/{id}')
    assert.equal(
      endpointOf('https://h/api/v3/repositories/42/actions/runners/generate-jitconfig'),
      '/api/v3/repositories/{id}/actions/runners/generate-jitconfig',
    )
    assert.equal(endpointOf('https://api.github.com/orgs/o1/actions/runners?name=r1'), '/orgs/o1/actions/runners')
  })

  test('shortestMs: within one window no wait; each further window of writes one more window', () => {
    assert.equal(shortestMs(0, GITHUB_WRITE_BUDGET), 0)
    assert.equal(shortestMs(180, GITHUB_WRITE_BUDGET), 0)
    assert.equal(shortestMs(181, GITHUB_WRITE_BUDGET), 60_000)
    assert.equal(shortestMs(1000, GITHUB_WRITE_BUDGET), 300_000)
  })
})

describe('WritePacer', () => {
  test('writes within the budget go at once; the next waits until the first left the window after its answer', async () => {
    const clock = new FakeClock(0)
    const pacer = new WritePacer(budget, clock)
    const held = [await pacer.take('/e', 5), await pacer.take('/e', 5), await pacer.take('/e', 5)]
    assert.equal(clock.now(), 0)
    clock.time = 100
    held[0]!.settle() // answered at 100: leaves the window at 60,100
    held[1]!.settle()
    held[2]!.settle()
    await pacer.take('/e', 5)
    assert.equal(clock.now(), 60_100)
    assert.equal(pacer.waited, 1)
  })

  test('endpoints have budgets of their own; a GET fits beside writes', async () => {
    const clock = new FakeClock(0)
    const pacer = new WritePacer(budget, clock)
    for (let i = 0; i < 3; i++) (await pacer.take('/a', 5)).settle()
    await pacer.take('/b', 5)
    assert.equal(clock.now(), 0)
    const p = new WritePacer({ writes: 1, windowMs: 1000 }, clock)
    ;(await p.take('/c', 4)).settle()
    await p.take('/c', 1)
    assert.equal(clock.now(), 0)
  })

  test('points held by requests in flight wait for their answer, not for a time', async () => {
    const clock = new FakeClock(0)
    const pacer = new WritePacer({ writes: 1, windowMs: 1000 }, clock)
    const first = await pacer.take('/e', 5)
    let second = false
    const waiting = pacer.take('/e', 5).then(() => (second = true))
    await settle()
    assert.equal(second, false)
    first.settle()
    await waiting
    assert.equal(clock.now(), 1000)
  })

  test('points held by requests in flight are waited for even with a latest start (their answers may come in time)', async () => {
    const clock = new FakeClock(0)
    const pacer = new WritePacer({ writes: 1, windowMs: 1000 }, clock)
    const first = await pacer.take('/e', 5)
    const waiting = pacer.take('/e', 5, { latestStartMs: 5000 })
    await settle()
    first.settle()
    await waiting
    assert.equal(clock.now(), 1000)
  })

  test('first come, first served per endpoint; a waiter called off does not hold up those behind it', async () => {
    const clock = new FakeClock(0)
    const pacer = new WritePacer({ writes: 1, windowMs: 1000 }, clock)
    const first = await pacer.take('/e', 5)
    const order: string[] = []
    const controller = new AbortController()
    const second = pacer.take('/e', 5, { signal: controller.signal }).catch(() => order.push('second refused'))
    const third = pacer.take('/e', 5).then((held) => {
      order.push('third')
      held.settle()
    })
    controller.abort()
    await second
    first.settle()
    await third
    assert.deepEqual(order, ['second refused', 'third'])
  })

  test('refuses when the points would fit only after the latest start, or once the signal is aborted', async () => {
    const clock = new FakeClock(0)
    const pacer = new WritePacer({ writes: 1, windowMs: 60_000 }, clock)
    ;(await pacer.take('/e', 5)).settle()
    await assert.rejects(pacer.take('/e', 5, { latestStartMs: 30_000 }), (e: WaitRefused) => e.reason === 'deadline')
    const controller = new AbortController()
    const blocked = await pacer.take('/f', 5)
    const waiting = pacer.take('/f', 5, { signal: controller.signal })
    controller.abort()
    await assert.rejects(waiting, (e: WaitRefused) => e.reason === 'aborted')
    blocked.settle()
  })

  test('a sliding window: no window of its length ever holds more than the budget', async () => {
    const clock = new FakeClock(0)
    const pacer = new WritePacer({ writes: 7, windowMs: 10_000 }, clock)
    const sent: number[] = []
    for (let i = 0; i < 40; i++) {
      const held = await pacer.take('/e', 5)
      sent.push(clock.now())
      clock.time += 37 // the answer's latency
      held.settle()
    }
    for (const start of sent) assert.ok(sent.filter((t) => t >= start && t < start + 10_000).length <= 7)
    // and as fast as that allows: 40 writes, 7 a window, is 5 windows and the latencies.
    assert.ok(clock.now() < 6 * 10_000, String(clock.now()))
  })
})

describe('WritePacer.reserve: a look and its delete back to back', () => {
  test('the points of both are held in one wait; the look and the delete draw them and never wait between', async () => {
    const clock = new FakeClock(0)
    // 12 points a window: two look-and-delete pairs of 6.
    const pacer = new WritePacer({ writes: 2.4, windowMs: 1000 }, clock)
    const pairs = [await pacer.reserve('/e', 6), await pacer.reserve('/e', 6)]
    let third: number | undefined
    const waiting = pacer.reserve('/e', 6).then((pair) => ((third = clock.now()), pair))
    await settle()
    assert.equal(third, undefined, 'the third pair waits for room for both its requests')
    clock.time = 100
    for (const pair of pairs) {
      const look = pair.draw('/e', 1)!
      look.settle()
      clock.time += 50 // the look's answer came: the delete follows at once, without a wait
      const deleted = pair.draw('/e', 5)!
      deleted.settle()
      pair.release()
    }
    await waiting
    // The first pair's delete was answered at 150: its points left at 1,150, and only then 6 fit.
    assert.equal(third, 1150)
  })

  test('what no request drew is free at once: a look that spares its runner gives the delete back', async () => {
    const clock = new FakeClock(0)
    const pacer = new WritePacer({ writes: 1.2, windowMs: 60_000 }, clock)
    const pair = await pacer.reserve('/e', 6)
    pair.draw('/e', 1)!.settle()
    let next = false
    const waiting = pacer.take('/e', 5).then(() => (next = true))
    await settle()
    assert.equal(next, false)
    pair.release()
    await waiting
    assert.equal(clock.now(), 0, 'the delete never sent cost nothing')
    assert.equal(pair.draw('/e', 5), undefined, 'nothing is left to draw once released')
  })

  test('a draw of another endpoint or beyond what is left is refused (the caller then waits for the pace)', async () => {
    const pacer = new WritePacer(budget, new FakeClock(0))
    const pair = await pacer.reserve('/e', 6)
    assert.equal(pair.draw('/other', 1), undefined)
    assert.ok(pair.draw('/e', 5))
    assert.equal(pair.draw('/e', 5), undefined)
    assert.ok(pair.draw('/e', 1))
  })

  test('a reservation waits, and is refused, as a take is: past the latest start, or called off', async () => {
    const clock = new FakeClock(0)
    const pacer = new WritePacer({ writes: 1, windowMs: 60_000 }, clock)
    ;(await pacer.take('/e', 5)).settle()
    await assert.rejects(pacer.reserve('/e', 6, { latestStartMs: 30_000 }), (e: WaitRefused) => e.reason === 'deadline')
    const controller = new AbortController()
    const waiting = pacer.reserve('/e', 6, { signal: controller.signal })
    controller.abort()
    await assert.rejects(waiting, (e: WaitRefused) => e.reason === 'aborted')
  })
})

describe('budgetOf', () => {
  test("GitHub's budget unless the config names one, or none", async () => {
    const { budgetOf } = await import('../../src/pacer.js')
    assert.deepEqual(budgetOf({}), GITHUB_WRITE_BUDGET)
    assert.deepEqual(budgetOf({ writeBudget: { writes: 5, windowMs: 1000 } }), { writes: 5, windowMs: 1000 })
    assert.equal(budgetOf({ writeBudget: false }), false)
  })
})
