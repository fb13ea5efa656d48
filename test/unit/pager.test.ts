// The engine's pager on scripted pages (no HTTP): it reads every page once, keeps each item once
// by id, starts over when the total or a page boundary moved, and goes on from a failed page.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { MAX_RESTARTS, type Page, Pager } from '../../src/engine/pager.js'
import type { Answer } from '../../src/engine/call.js'

type Item = { id: number; name: string }
const item = (id: number): Item => ({ id, name: `i${id}` })
const items = (from: number, to: number): Item[] => Array.from({ length: to - from + 1 }, (_, i) => item(from + i))

function answer(page: Page<Item>, headers: Record<string, string> = {}): Answer {
  return { status: 200, headers, body: JSON.stringify(page) }
}

/** A pager of `perPage` 2 over a listing the test changes as it likes; `asked` records the pages asked for. */
function pagerOver(listing: () => Item[], options: { maxPages?: number; enough?: (read: Item[]) => boolean } = {}) {
  const asked: number[] = []
  const restarts: string[] = []
  const pager = new Pager<Item>({
    perPage: 2,
    maxPages: options.maxPages ?? 10,
    parse: (body) => {
      const page = JSON.parse(body) as Page<Item> | { broken: true }
      return 'items' in page ? page : undefined
    },
    enough: options.enough,
    onRestart: (why) => restarts.push(why),
  })
  const fetch = async (page: number): Promise<Answer> => {
    asked.push(page)
    const all = listing()
    return answer({ totalCount: all.length, items: all.slice((page - 1) * 2, page * 2) })
  }
  return { pager, asked, restarts, fetch }
}

describe('Pager', () => {
  test('a listing that holds still: every page once, in order, each item once', async () => {
    const { pager, asked, restarts, fetch } = pagerOver(() => items(1, 5))
    const read = await pager.read(fetch)
    assert.deepEqual(read.value, items(1, 5))
    assert.equal(read.outcome.kind, 'response')
    assert.deepEqual(asked, [1, 2, 3])
    assert.deepEqual(restarts, [])
    assert.equal(pager.totalCount, 5)
  })

  test('an item deleted after page 1: the total moved, so it starts over and misses nothing', async () => {
    let listing = items(1, 5)
    const { pager, asked, restarts, fetch } = pagerOver(() => {
      const now = listing
      if (asked.length === 1) listing = listing.filter((i) => i.id !== 1)
      return now
    })
    // The first fetch sees 1..5; from the second on, 2..5 (item 3 moved onto page 1).
    const read = await pager.read(fetch)
    assert.deepEqual(read.value, items(2, 5))
    assert.deepEqual(restarts, ['the total went from 5 to 4 between pages'])
    assert.deepEqual(asked, [1, 2, 1, 2])
  })

  test('an item repeated on a later page with the same total: a boundary moved, so it starts over', async () => {
    let calls = 0
    const { pager, restarts, fetch } = pagerOver(() => (++calls === 2 ? [item(9), ...items(1, 3)] : items(1, 4)))
    const read = await pager.read(fetch)
    assert.deepEqual(read.value, items(1, 4))
    assert.deepEqual(restarts, ['page 2 repeated an item of an earlier page'])
  })

  test(`it starts over at most ${MAX_RESTARTS} times, then reads on as it is, each item once`, async () => {
    let grow = 4
    const { pager, asked, restarts, fetch } = pagerOver(() => items(1, grow++))
    const read = await pager.read(fetch)
    assert.equal(restarts.length, MAX_RESTARTS)
    assert.equal(new Set(read.value!.map((i) => i.id)).size, read.value!.length)
    assert.deepEqual(asked.slice(0, 2 * (MAX_RESTARTS + 1)), [1, 2, 1, 2, 1, 2, 1, 2])
  })

  test('without an onRestart (a lookup by name has none) it starts over all the same', async () => {
    let calls = 0
    const pager = new Pager<Item>({ perPage: 2, maxPages: 10, parse: (body) => JSON.parse(body) as Page<Item> })
    const read = await pager.read(async (page) => {
      const all = ++calls === 2 ? items(2, 5) : items(1, 5)
      return answer({ totalCount: all.length, items: all.slice((page - 1) * 2, page * 2) })
    })
    assert.deepEqual(read.value, items(1, 5))
    assert.equal(pager.restarts, 1)
  })

  test('a failed page ends the read with its outcome; the next read goes on from that page', async () => {
    const { pager, asked, fetch } = pagerOver(() => items(1, 5))
    let fail = true
    const flaky = async (page: number): Promise<Answer> => {
      if (page === 2 && fail) {
        fail = false
        asked.push(page)
        return { outcome: { kind: 'network', code: 'ECONNRESET' } }
      }
      return fetch(page)
    }
    assert.deepEqual(await pager.read(flaky), { outcome: { kind: 'network', code: 'ECONNRESET' } })
    const read = await pager.read(flaky)
    assert.deepEqual(read.value, items(1, 5))
    assert.deepEqual(asked, [1, 2, 2, 3])
  })

  test('a non-200 answer and a body that is no page are outcomes, the second marked as an invalid body', async () => {
    const pager = new Pager<Item>({ perPage: 2, maxPages: 5, parse: () => undefined })
    const notFound = await pager.read(async () => ({ status: 404, headers: {}, body: '{"message":"Not Found"}' }))
    assert.deepEqual(notFound.outcome, { kind: 'response', status: 404, headers: {}, message: 'Not Found', validBody: undefined })
    const broken = await pager.read(async () => ({ status: 200, headers: {}, body: '{}' }))
    assert.equal(broken.value, undefined)
    assert.deepEqual(broken.outcome, { kind: 'response', status: 200, headers: {}, message: undefined, validBody: false })
  })

  test('`enough` stops at the page that satisfied it', async () => {
    const { pager, asked, fetch } = pagerOver(() => items(1, 9), { enough: (read) => read.some((i) => i.id === 3) })
    const read = await pager.read(fetch)
    assert.deepEqual(read.value, items(1, 4))
    assert.deepEqual(asked, [1, 2])
  })

  test('maxPages bounds a listing whose pages never end', async () => {
    const { pager, asked, fetch } = pagerOver(() => items(1, 100), { maxPages: 3 })
    const read = await pager.read(fetch)
    assert.deepEqual(read.value, items(1, 6))
    assert.deepEqual(asked, [1, 2, 3])
  })

  test('a Link header decides: rel="next" reads on, its absence ends the listing whatever the total says', async () => {
    const pager = new Pager<Item>({ perPage: 2, maxPages: 10, parse: (body) => JSON.parse(body) as Page<Item> })
    const asked: number[] = []
    const read = await pager.read(async (page) => {
      asked.push(page)
      const link = page === 1 ? '<https://x/?page=2>; rel="next"' : '<https://x/?page=1>; rel="prev"'
      return answer({ totalCount: 50, items: items(page * 2 - 1, page * 2) }, { link })
    })
    assert.deepEqual(read.value, items(1, 4))
    assert.deepEqual(asked, [1, 2])
  })

  test('without a Link header: an empty page ends the listing, and a short one does not when the total says more', async () => {
    const asked: number[] = []
    const pager = new Pager<Item>({ perPage: 2, maxPages: 10, parse: (body) => JSON.parse(body) as Page<Item> })
    const pages: Item[][] = [[item(1)], [item(2), item(3)], []]
    const read = await pager.read(async (page) => {
      asked.push(page)
      return answer({ totalCount: 9, items: pages[page - 1] })
    })
    assert.deepEqual(read.value, items(1, 3))
    assert.deepEqual(asked, [1, 2, 3])
  })
})
