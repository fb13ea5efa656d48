// The ledger in GITHUB_STATE: each change appended alone, folded back by the post step; what a
// batch writes grows with N, not N² (measured in the format @actions/core writes).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Ledger } from '../../src/jit/ledger.js'
import { StateJournal, foldJournal } from '../../src/jit/journal.js'

const LABEL = 'mrt-tpaigw-abcdefghij'

/** Bytes one core.saveState(name, value) appends: name<<ghadelimiter_UUID, the value, the delimiter. */
function savedBytes(name: string, value: string): number {
  const delimiter = 'ghadelimiter_00000000-0000-0000-0000-000000000000'
  return Buffer.byteLength(`${name}<<${delimiter}\n${value}\n${delimiter}\n`)
}

/** A batch of `count` as the action records it: each name before its request, its id after, then the hand-over. */
function batch(count: number, ledger: Ledger): void {
  const names = Array.from({ length: count }, (_, i) => `jit-4242-1-${String(i).padStart(6, '0')}`)
  for (const name of names) ledger.sending(name)
  names.forEach((name, i) => ledger.registered(name, 100_000 + i))
  ledger.handOver(names)
}

function journalled(count: number): { bytes: number; state: Map<string, string>; ledger: Ledger } {
  const state = new Map<string, string>()
  let bytes = 0
  const journal = new StateJournal((name, value) => {
    bytes += savedBytes(name, value)
    state.set(name, value)
  }, 'ledger')
  const ledger = new Ledger(LABEL, undefined, undefined, (change) => journal.record(change))
  journal.start(ledger)
  batch(count, ledger)
  return { bytes, state, ledger }
}

function snapshotted(count: number): number {
  let bytes = 0
  batch(count, new Ledger(LABEL, (saved) => (bytes += savedBytes('ledger', saved))))
  return bytes
}

describe('StateJournal and foldJournal', () => {
  test('the post step folds the header and every change into the ledger the main step held', () => {
    const { state, ledger } = journalled(3)
    ledger.sending('lost')
    ledger.gone('jit-4242-1-000001')
    const folded = foldJournal((name) => state.get(name) ?? '', 'ledger')!
    assert.equal(folded, ledger.toState())
    assert.deepEqual(
      Ledger.fromState(folded)!.entries.map((e) => [e.name, e.id, e.handedOver]),
      [
        ['jit-4242-1-000000', 100_000, true],
        ['jit-4242-1-000002', 100_002, true],
        ['lost', undefined, false],
      ],
    )
  })

  test('no header: nothing to fold; a cut last change ends the fold; the old whole-ledger form is still read', () => {
    assert.equal(
      foldJournal(() => '', 'ledger'),
      undefined,
    )
    const state: Record<string, string> = { ledger: `{"label":"${LABEL}","runners":[]}`, ledger_1: '["+","a"]', ledger_2: '["=","a",' }
    assert.equal(
      foldJournal((name) => state[name] ?? '', 'ledger'),
      `{"label":"${LABEL}","runners":[{"name":"a"}]}`,
    )
    const old = `{"label":"${LABEL}","runners":[{"name":"b","id":2}]}`
    assert.equal(
      foldJournal((name) => (name === 'ledger' ? old : ''), 'ledger'),
      old,
    )
  })

  test('what a batch writes grows with N: 1,000 runners write about 10 times what 100 do (the whole-ledger saves grew with N²)', (t) => {
    const [small, large] = [journalled(100).bytes, journalled(1000).bytes]
    const [oldSmall, oldLarge] = [snapshotted(100), snapshotted(1000)]
    t.diagnostic(`journal: 100 runners ${small} bytes, 1,000 runners ${large} bytes; whole-ledger saves: ${oldSmall} and ${oldLarge} bytes`)
    assert.ok(large / small < 11, `1,000 wrote ${large / small} times what 100 wrote`)
    assert.ok(large < 400_000, `1,000 runners wrote ${large} bytes`)
    assert.ok(oldLarge / oldSmall > 50, 'the old way was quadratic (the comparison this test rests on)')
  })
  test('the header records where the runners live, and a withdrawn hand-over folds back to not handed over', () => {
    const state = new Map<string, string>()
    const journal = new StateJournal((name, value) => void state.set(name, value), 'ledger')
    const place = { scope: { kind: 'organization' as const, name: 'acme' }, apiUrl: 'https://ghes.example/api/v3' }
    const ledger = new Ledger(LABEL, undefined, place, (change) => journal.record(change))
    journal.start(ledger)
    batch(2, ledger)
    ledger.withdraw(['jit-4242-1-000001'])
    const folded = foldJournal((name) => state.get(name) ?? '', 'ledger')!
    assert.equal(folded, ledger.toState())
    const read = Ledger.fromState(folded)!
    assert.deepEqual(read.place, place)
    assert.deepEqual(
      read.entries.map((e) => [e.name, e.handedOver]),
      [
        ['jit-4242-1-000000', true],
        ['jit-4242-1-000001', false],
      ],
    )
  })

  test('1,000 runners with 64-character names: every saved value fits an environment string (128 KiB), and the fold is the ledger', (t) => {
    const state = new Map<string, string>()
    const journal = new StateJournal((name, value) => void state.set(name, value), 'ledger')
    const ledger = new Ledger(LABEL, undefined, undefined, (change) => journal.record(change))
    journal.start(ledger)
    const names = Array.from({ length: 1000 }, (_, i) => `${'n'.repeat(57)}-${String(i).padStart(6, '0')}`)
    for (const name of names) ledger.sending(name)
    names.forEach((name, i) => ledger.registered(name, 100_000 + i))
    ledger.handOver(names)
    ledger.withdraw(names)
    for (const name of names.slice(0, 500)) ledger.gone(name)
    // The runner hands the post step each value as STATE_<name>; Linux refuses a string over 128 KiB.
    const largest = Math.max(...[...state.values()].map((value) => Buffer.byteLength(value)))
    t.diagnostic(`${state.size} saved values, the largest ${largest} bytes`)
    assert.ok(largest < 128 * 1024, `a saved value of ${largest} bytes`)
    const began = performance.now()
    const folded = foldJournal((name) => state.get(name) ?? '', 'ledger')!
    t.diagnostic(`folded ${state.size} values in ${(performance.now() - began).toFixed(1)} ms`)
    assert.equal(folded, ledger.toState())
    assert.equal(Ledger.fromState(folded)!.notHandedOver.length, 500)
  })
})
