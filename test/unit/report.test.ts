// The words of a removal's report: each outcome counted and named apart, "deleted" only for a
// confirmed delete, "all" only when every runner was, and which runners may still exist.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Removal } from '../../src/jit/cleanup.js'
import type { LedgerEntry } from '../../src/jit/ledger.js'
import type { SpareReason } from '../../src/jit/runners.js'
import { describeRemoval, notConfirmedGone } from '../../src/jit/report.js'

const entry = (name: string): LedgerEntry => ({ name, maybe: true, handedOver: false })

interface Counts {
  deleted?: string[]
  gone?: string[]
  spared?: [string, SpareReason][]
  unknown?: string[]
  failed?: [string, string][]
}

function removal({ deleted = [], gone = [], spared = [], unknown = [], failed = [] }: Counts): Removal {
  return {
    deleted: deleted.map(entry),
    gone: gone.map(entry),
    spared: spared.map(([name, why]) => ({ entry: entry(name), why })),
    unknown: unknown.map(entry),
    failed: failed.map(([name, error]) => ({ entry: entry(name), error })),
  }
}

describe('describeRemoval', () => {
  test('each outcome alone, in its own words', () => {
    assert.equal(describeRemoval(removal({ deleted: ['a'] })), 'deleted 1 (a)')
    assert.equal(describeRemoval(removal({ gone: ['a', 'b'] })), 'already gone 2 (a, b)')
    assert.equal(describeRemoval(removal({ spared: [['a', 'online']] })), 'spared 1 (a: online)')
    assert.equal(
      describeRemoval(
        removal({
          spared: [
            ['a', 'busy'],
            ['b', 'not ours'],
            ['c', 'online'],
          ],
        }),
      ),
      'spared 3 (a: busy, b: not ours, c: online)',
    )
    assert.equal(describeRemoval(removal({ unknown: ['a', 'b'] })), 'not found 2 (a, b)')
    assert.equal(describeRemoval(removal({ failed: [['a', 'GitHub answered 502.']] })), 'could not delete 1 (a: GitHub answered 502)')
  })

  test('"deleted all N" only when more than one runner was, and every one of them was deleted', () => {
    assert.equal(describeRemoval(removal({ deleted: ['a', 'b'] })), 'deleted all 2 (a, b)')
    assert.equal(describeRemoval(removal({ deleted: ['a', 'b', 'c'] })), 'deleted all 3 (a, b, c)')
    assert.equal(describeRemoval(removal({ deleted: ['a'] })), 'deleted 1 (a)')
    assert.equal(describeRemoval(removal({ deleted: ['a', 'b'], gone: ['c'] })), 'deleted 2 (a, b); already gone 1 (c)')
    // Whichever two other outcomes there are besides, it is never "all".
    const others: Counts[] = [{ gone: ['x'] }, { spared: [['y', 'busy']] }, { unknown: ['z'] }, { failed: [['w', 'e']] }]
    for (const [i, one] of others.entries()) {
      for (const two of others.slice(i + 1)) {
        const text = describeRemoval(removal({ deleted: ['a', 'b'], ...one, ...two }))
        assert.match(text, /^deleted 2 \(a, b\); /, text)
      }
    }
  })

  test('every outcome at once: in order, separated by "; "; a failure loses only its final full stop', () => {
    assert.equal(
      describeRemoval(
        removal({
          deleted: ['d1', 'd2'],
          gone: ['g'],
          spared: [
            ['s1', 'not ours'],
            ['s2', 'online'],
          ],
          unknown: ['u'],
          failed: [
            ['f1', 'gave up after 2 attempt(s). GitHub answered 502. GitHub said: "Bad Gateway". (GitHub request id R:1)'],
            ['f2', 'the cleanup deadline came before the next request'],
          ],
        }),
      ),
      'deleted 2 (d1, d2); already gone 1 (g); spared 2 (s1: not ours, s2: online); not found 1 (u); ' +
        'could not delete 2 (f1: gave up after 2 attempt(s). GitHub answered 502. GitHub said: "Bad Gateway". (GitHub request id R:1); ' +
        'f2: the cleanup deadline came before the next request)',
    )
  })

  test('nothing to report: an empty line', () => {
    assert.equal(describeRemoval(removal({})), '')
  })

  test('for every mix of outcomes, each runner is named once, and only a confirmed delete is called deleted', () => {
    const kinds = ['deleted', 'gone', 'spared', 'unknown', 'failed'] as const
    for (let mix = 0; mix < 3 ** kinds.length; mix++) {
      const counts: Counts = {}
      const given: Record<string, string[]> = {}
      let code = mix
      for (const kind of kinds) {
        const n = code % 3
        code = Math.floor(code / 3)
        const names = Array.from({ length: n }, (_, i) => `${kind}-${i}`)
        given[kind] = names
        if (kind === 'spared') counts.spared = names.map((name) => [name, 'online'])
        else if (kind === 'failed') counts.failed = names.map((name) => [name, 'why.'])
        else counts[kind] = names
      }
      const text = describeRemoval(removal(counts))
      const total = Object.values(given).flat().length
      const deletedPart = text.split('; ').find((part) => part.startsWith('deleted ')) ?? ''
      assert.equal(
        deletedPart,
        given.deleted.length
          ? `deleted ${given.deleted.length === total && total > 1 ? 'all ' : ''}${given.deleted.length} (${given.deleted.join(', ')})`
          : '',
        text,
      )
      for (const name of Object.values(given).flat()) assert.equal(text.split(name).length, 2, `${name} in ${text}`)
      assert.deepEqual(notConfirmedGone(removal(counts)), [...given.spared, ...given.unknown, ...given.failed], text)
    }
  })
})

describe('notConfirmedGone', () => {
  test('spared, not found and could not delete may still exist; deleted and already gone do not', () => {
    assert.deepEqual(
      notConfirmedGone(removal({ deleted: ['d'], gone: ['g'], spared: [['s', 'busy']], unknown: ['u'], failed: [['f', 'x']] })),
      ['s', 'u', 'f'],
    )
    assert.deepEqual(notConfirmedGone(removal({ deleted: ['d'], gone: ['g'] })), [])
  })
})
