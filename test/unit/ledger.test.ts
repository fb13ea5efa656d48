// The ledger: what it records before a request, what takes an entry out (only a confirmed
// absence), and the saved form the post step reads (the label, names, ids, hand-over; nothing else).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Ledger, newOwnershipLabel } from '../../src/jit/ledger.js'

const LABEL = 'mrt-abcdefghij'

/** A ledger that records every saved form, as GITHUB_STATE would receive them. */
function recorded(): { ledger: Ledger; saves: string[] } {
  const saves: string[] = []
  return { ledger: new Ledger(LABEL, (saved) => saves.push(saved)), saves }
}

describe('newOwnershipLabel', () => {
  test('"mrt-" and 10 random base36 characters, a new one each time', () => {
    const labels = Array.from({ length: 1000 }, newOwnershipLabel)
    for (const label of labels) assert.match(label, /^mrt-[a-z0-9]{10}$/)
    assert.equal(new Set(labels).size, 1000)
  })
})

describe('Ledger', () => {
  test('a name is saved before its request is sent, once however many attempts follow', () => {
    const { ledger, saves } = recorded()
    ledger.sending('a')
    ledger.sending('a')
    assert.deepEqual(saves, [`{"label":"${LABEL}","runners":[{"name":"a"}]}`])
  })

  test('the id is saved once GitHub gives it', () => {
    const { ledger, saves } = recorded()
    ledger.sending('a')
    ledger.registered('a', 42)
    ledger.registered('a', 42)
    assert.equal(saves.length, 2)
    assert.equal(saves.at(-1), `{"label":"${LABEL}","runners":[{"name":"a","id":42}]}`)
  })

  test('a definite refusal takes the entry out only when no earlier attempt may have registered the runner', () => {
    const { ledger } = recorded()
    ledger.sending('clean')
    ledger.refused('clean')
    ledger.sending('lost')
    ledger.outcomeUnknown('lost')
    ledger.refused('lost')
    ledger.sending('known')
    ledger.registered('known', 7)
    ledger.refused('known')
    assert.deepEqual(
      ledger.entries.map((e) => e.name),
      ['lost', 'known'],
    )
  })

  test('an unknown outcome for a name never sent records nothing', () => {
    const { ledger, saves } = recorded()
    ledger.outcomeUnknown('never')
    assert.deepEqual(ledger.entries, [])
    assert.deepEqual(saves, [])
  })

  test('gone (a confirmed absence) is the other way out; it is saved', () => {
    const { ledger, saves } = recorded()
    ledger.sending('a')
    ledger.outcomeUnknown('a')
    ledger.gone('a')
    assert.deepEqual(ledger.entries, [])
    assert.equal(saves.at(-1), `{"label":"${LABEL}","runners":[]}`)
  })

  test('hand-over is saved; notHandedOver lists the rest', () => {
    const { ledger, saves } = recorded()
    for (const name of ['a', 'b']) ledger.sending(name)
    ledger.registered('a', 1)
    ledger.handOver(['a'])
    assert.equal(saves.at(-1), `{"label":"${LABEL}","runners":[{"name":"a","id":1,"handed_over":true},{"name":"b"}]}`)
    assert.deepEqual(
      ledger.notHandedOver.map((e) => e.name),
      ['b'],
    )
  })

  test('read back for the post step: every entry may exist; ids and hand-over kept', () => {
    const { ledger } = recorded()
    ledger.sending('a')
    ledger.registered('a', 1)
    ledger.sending('b')
    ledger.handOver(['a'])
    const read = Ledger.fromState(ledger.toState())!
    assert.equal(read.label, LABEL)
    assert.deepEqual(read.entries, [
      { name: 'a', id: 1, maybe: true, handedOver: true },
      { name: 'b', id: undefined, maybe: true, handedOver: false },
    ])
  })

  test('an unreadable or unlabelled saved form gives no ledger: nothing could be proven ours', () => {
    for (const text of ['', 'nope', '[]', '{"runners":[]}', '{"label":"mine","runners":[]}', `{"label":"${LABEL}"}`]) {
      assert.equal(Ledger.fromState(text), undefined, text)
    }
    const read = Ledger.fromState(
      `{"label":"${LABEL}","runners":[{"name":""},{"id":3},{"name":"ok","id":-1},{"name":"zero","id":0},null]}`,
    )!
    assert.deepEqual(read.entries, [
      { name: 'ok', id: undefined, maybe: true, handedOver: false },
      { name: 'zero', id: undefined, maybe: true, handedOver: false },
    ])
  })

  test('only a whole ownership label is trusted: not one inside a longer text, nor one in a list', () => {
    for (const label of [`x${LABEL}`, `${LABEL}x`, `${LABEL}\n`]) {
      assert.equal(Ledger.fromState(JSON.stringify({ label, runners: [] })), undefined, label)
    }
    assert.equal(Ledger.fromState(JSON.stringify({ label: [LABEL], runners: [] })), undefined)
  })

  test('handing over a name the ledger does not hold changes nothing', () => {
    const { ledger } = recorded()
    ledger.sending('a')
    ledger.handOver(['never-sent'])
    assert.deepEqual(ledger.entries, [{ name: 'a', maybe: false, handedOver: false }])
  })
})

describe('Ledger, the edges', () => {
  test('gone or refused for a name not in the ledger saves nothing', () => {
    const { ledger, saves } = recorded()
    ledger.sending('a')
    ledger.gone('never')
    ledger.refused('never')
    ledger.registered('never', 3)
    assert.equal(saves.length, 1)
  })

  test('a saved id must be a positive safe integer; otherwise the entry is kept without one', () => {
    const read = Ledger.fromState(
      `{"label":"${LABEL}","runners":[{"name":"zero","id":0},{"name":"one","id":1},{"name":"half","id":1.5},{"name":"text","id":"7"},{"name":"huge","id":9007199254740993}]}`,
    )!
    assert.deepEqual(
      read.entries.map((e) => [e.name, e.id]),
      [
        ['zero', undefined],
        ['one', 1],
        ['half', undefined],
        ['text', undefined],
        ['huge', undefined],
      ],
    )
  })

  test('only handed_over: true counts as handed over', () => {
    const read = Ledger.fromState(`{"label":"${LABEL}","runners":[{"name":"a","handed_over":"yes"},{"name":"b","handed_over":true}]}`)!
    assert.deepEqual(
      read.notHandedOver.map((e) => e.name),
      ['a'],
    )
    assert.equal(read.get('b')?.handedOver, true)
    assert.equal(read.get('c'), undefined)
  })
})

describe('Ledger: where the runners live', () => {
  const REPOSITORY = { kind: 'repository', owner: 'octo-org', repo: 'octo-repo' } as const
  const API = 'https://ghes.example.com/api/v3'

  test('the scope and the API URL are saved with every change, and read back', () => {
    const saves: string[] = []
    const ledger = new Ledger(LABEL, (saved) => saves.push(saved), { scope: REPOSITORY, apiUrl: API })
    ledger.sending('a')
    assert.equal(
      saves[0],
      `{"label":"${LABEL}","scope":{"kind":"repository","owner":"octo-org","repo":"octo-repo"},"api_url":"${API}","runners":[{"name":"a"}]}`,
    )
    assert.deepEqual(Ledger.fromState(saves[0])!.place, { scope: REPOSITORY, apiUrl: API })
    for (const scope of [
      { kind: 'organization', name: 'octo-org' },
      { kind: 'enterprise', name: 'octo-ent' },
    ] as const) {
      const saved = new Ledger(LABEL, () => {}, { scope, apiUrl: 'http://127.0.0.1:8080' }).toState()
      assert.deepEqual(Ledger.fromState(saved)!.place, { scope, apiUrl: 'http://127.0.0.1:8080' })
    }
  })

  test('a ledger saved before the place was recorded is still read, without a place', () => {
    const read = Ledger.fromState(`{"label":"${LABEL}","runners":[{"name":"a","id":4,"handed_over":true}]}`)!
    assert.equal(read.place, undefined)
    assert.deepEqual(read.entries, [{ name: 'a', id: 4, maybe: true, handedOver: true }])
  })

  test("a place that does not pass the inputs' checks is no place: the entries are still read", () => {
    const api = `"api_url":"${API}"`
    for (const place of [
      `"scope":{"kind":"repository","owner":"octo-org"},${api}`,
      `"scope":{"kind":"repository","owner":"a b","repo":"r"},${api}`,
      `"scope":{"kind":"organization"},${api}`,
      `"scope":{"kind":"organization","name":7},${api}`,
      `"scope":{"kind":"enterprise","name":""},${api}`,
      `"scope":{"kind":"team","name":"x"},${api}`,
      `"scope":"repository",${api}`,
      `"scope":{"kind":"organization","name":"octo-org"}`,
      `"scope":{"kind":"organization","name":"octo-org"},"api_url":"http://evil.example.com"`,
      `"scope":{"kind":"organization","name":"octo-org"},"api_url":"not a url"`,
      `"scope":{"kind":"organization","name":"octo-org"},"api_url":42`,
    ]) {
      const read = Ledger.fromState(`{"label":"${LABEL}",${place},"runners":[{"name":"a"}]}`)
      assert.ok(read, place)
      assert.equal(read.place, undefined, place)
      assert.equal(read.entries.length, 1)
    }
  })

  test('withdraw takes a hand-over back and saves it; handOver marks it again', () => {
    const saves: string[] = []
    const ledger = new Ledger(LABEL, (saved) => saves.push(saved))
    ledger.sending('a')
    ledger.sending('b')
    ledger.handOver(['a', 'b', 'never'])
    assert.equal(ledger.notHandedOver.length, 0)
    ledger.withdraw(['a', 'never'])
    assert.deepEqual(
      ledger.notHandedOver.map((e) => e.name),
      ['a'],
    )
    assert.equal(saves.at(-1), `{"label":"${LABEL}","runners":[{"name":"a"},{"name":"b","handed_over":true}]}`)
  })

  test('a removal that cannot be saved still removes (the post step will find it gone); a record that cannot be saved throws', () => {
    let failing = false
    const ledger = new Ledger(LABEL, () => {
      if (failing) throw new Error('ENOSPC')
    })
    ledger.sending('a')
    ledger.registered('a', 1)
    failing = true
    assert.doesNotThrow(() => ledger.gone('a'))
    assert.deepEqual(ledger.entries, [])
    assert.throws(() => ledger.sending('b'), /ENOSPC/)
    assert.throws(() => ledger.handOver(['b']), /ENOSPC/)
  })
})
