// The words of a removal's report over every mix of outcomes: each counted and named apart,
// "deleted" only for a confirmed delete, and which runners may still exist. (A fixed mix and
// "all" are in cleanup.test.ts.)
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
