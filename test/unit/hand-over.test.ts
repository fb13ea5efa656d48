// handOverOrRollBack against the stand-in: a batch's runners are handed over only when no signal
// has arrived and every write succeeded; otherwise every one is deleted in the step and the
// caller gets a BatchFailed that says why and what the rollback did.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { BatchFailed, type MintedRunners } from '../../src/jit/batch.js'
import { handOverOrRollBack } from '../../src/jit/hand-over.js'
import { Ledger } from '../../src/jit/ledger.js'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { FakeClock } from '../support/fake-clock.js'
import { LABEL, REPO, TOKEN, jitConfig } from '../support/jit-unit.js'

const github = new GitHubStandIn({ acceptToken: TOKEN })
let apiUrl: string
useStandIn(github, (url) => (apiUrl = url))

/** Two runners registered as a batch leaves them: in the stand-in, and in the ledger with their ids. */
function batchOf(names: string[], saves: string[] = [], persist?: (saved: string) => void) {
  const ledger = new Ledger(LABEL, persist ?? ((saved) => saves.push(saved)))
  const runners = names.map((name) => {
    const runner = github.register(REPO, name, { labels: ['self-hosted', LABEL] })
    ledger.sending(name)
    ledger.registered(name, runner.id)
    return { id: runner.id, name, encodedJitConfig: `config-${name}` }
  })
  const minted: MintedRunners = { runners, attempts: 2 }
  const log: string[] = []
  const deps = { ledger, clock: new FakeClock(), random: () => 0.5, log: (line: string) => void log.push(line) }
  return { ledger, minted, deps, log, config: jitConfig(apiUrl, { count: names.length }) }
}

const deletes = (): string[] => github.requests.filter((r) => r.method === 'DELETE').map((r) => r.path)

/** The BatchFailed `promise` rejects with. */
async function failure(promise: Promise<unknown>): Promise<BatchFailed> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof BatchFailed, String(error))
    return error
  }
  assert.fail('it did not fail')
}

describe('handOverOrRollBack', () => {
  test('no signal, every write done: prepare, then deliver, then the ledger marks them handed over; no request', async () => {
    const saves: string[] = []
    const { ledger, minted, deps, config } = batchOf(['a', 'b'], saves)
    const order: string[] = []
    await handOverOrRollBack(config, minted, deps, {
      prepare: async () => void order.push(`prepare ${ledger.entries.filter((e) => e.handedOver).length}`),
      deliver: () => void order.push(`deliver ${ledger.entries.filter((e) => e.handedOver).length}`),
    })
    assert.deepEqual(order, ['prepare 0', 'deliver 0'])
    assert.ok(ledger.entries.every((e) => e.handedOver))
    assert.match(saves.at(-1)!, /"handed_over":true.*"handed_over":true/)
    assert.deepEqual(github.requests, [])
    assert.equal(github.runners.length, 2)
  })

  test('without prepare, deliver alone is the hand-over', async () => {
    const { ledger, minted, deps, config } = batchOf(['a'])
    let delivered = false
    await handOverOrRollBack(config, minted, deps, { deliver: async () => void (delivered = true) })
    assert.ok(delivered)
    assert.ok(ledger.entries[0].handedOver)
  })

  test('a signal before the hand-over: nothing delivered, every runner deleted, "Stopped by" with the signal', async () => {
    const { ledger, minted, deps, config, log } = batchOf(['a', 'b'])
    const cancel = new AbortController()
    let delivered = false
    const error = await failure(
      handOverOrRollBack(
        config,
        minted,
        { ...deps, signal: cancel.signal },
        {
          // The signal comes while the runners file is written.
          prepare: async () => cancel.abort('SIGTERM'),
          deliver: () => void (delivered = true),
        },
      ),
    )
    assert.equal(delivered, false)
    assert.equal(error.message, 'Stopped by SIGTERM after registering 2 just-in-time runner(s), before handing them over.')
    assert.equal(error.stoppedBy, 'SIGTERM')
    assert.equal(error.ownershipLabel, LABEL)
    assert.deepEqual(
      error.rollback?.deleted.map((e) => e.name),
      ['a', 'b'],
    )
    assert.equal(error.attempts, 2, 'attempts at registration, as the batch counts them')
    assert.deepEqual(github.runners, [])
    assert.equal(deletes().length, 2)
    assert.deepEqual(ledger.entries, [])
    assert.deepEqual(log, [`Rolling back: removing the 2 runner(s) that were not handed over (label ${LABEL}).`])
  })

  test('a signal already there: SIGINT is the default name', async () => {
    const { minted, deps, config } = batchOf(['a'])
    const cancel = new AbortController()
    cancel.abort()
    const error = await failure(handOverOrRollBack(config, minted, { ...deps, signal: cancel.signal }, { deliver: () => {} }))
    assert.equal(error.message, 'Stopped by SIGINT after registering 1 just-in-time runner(s), before handing them over.')
    assert.deepEqual(github.runners, [])
  })

  test("a signal after the hand-over is not this function's: handed over, nothing deleted", async () => {
    const { ledger, minted, deps, config } = batchOf(['a'])
    const cancel = new AbortController()
    await handOverOrRollBack(config, minted, { ...deps, signal: cancel.signal }, { deliver: () => {} })
    cancel.abort('SIGINT')
    assert.ok(ledger.entries[0].handedOver)
    assert.deepEqual(deletes(), [])
  })

  test('prepare fails: deliver never runs, every runner deleted, the error worded after "Registered N runner(s) but"', async () => {
    const { minted, deps, config } = batchOf(['a', 'b'])
    let delivered = false
    const error = await failure(
      handOverOrRollBack(config, minted, deps, {
        prepare: async () => {
          throw new Error('could not write the runners file: ENOSPC: no space left on device.')
        },
        deliver: () => void (delivered = true),
      }),
    )
    assert.equal(delivered, false)
    assert.equal(error.message, 'Registered 2 runner(s) but could not write the runners file: ENOSPC: no space left on device.')
    assert.equal(error.stoppedBy, undefined)
    assert.equal(error.rollback?.deleted.length, 2)
    assert.deepEqual(github.runners, [])
  })

  test('deliver fails (stdout closed): every runner deleted', async () => {
    const { minted, deps, config } = batchOf(['a'])
    const error = await failure(
      handOverOrRollBack(config, minted, deps, {
        deliver: async () => {
          throw new Error('could not write the result to stdout (EPIPE: the reader is gone), so nothing was handed over')
        },
      }),
    )
    assert.equal(
      error.message,
      'Registered 1 runner(s) but could not write the result to stdout (EPIPE: the reader is gone), so nothing was handed over.',
    )
    assert.deepEqual(github.runners, [])
  })

  test("the ledger's own write fails at the hand-over: rolled back all the same, the failed mark notwithstanding", async () => {
    let failing = false
    const { minted, deps, config } = batchOf(['a', 'b'], [], () => {
      if (failing) throw new Error('could not save the list of runners for the post step (GITHUB_STATE): ENOSPC')
    })
    const error = await failure(handOverOrRollBack(config, minted, deps, { deliver: () => void (failing = true) }))
    assert.equal(error.message, 'Registered 2 runner(s) but could not save the list of runners for the post step (GITHUB_STATE): ENOSPC.')
    assert.equal(error.rollback?.deleted.length, 2, 'a removal that cannot be saved does not stop the rollback')
    assert.deepEqual(github.runners, [])
  })

  test('a rollback that cannot confirm: the runners stay in the ledger and the removal says why', async () => {
    const { ledger, minted, deps, config } = batchOf(['a'])
    github.faults.push({
      method: 'DELETE',
      status: 422,
      body: { message: 'Validation Failed', documentation_url: 'https://docs.github.com/rest' },
    })
    const error = await failure(
      handOverOrRollBack(config, minted, deps, {
        deliver: () => {
          throw new Error('could not set its outputs (GITHUB_OUTPUT): EACCES')
        },
      }),
    )
    assert.equal(error.rollback?.failed.length, 1)
    assert.match(error.rollback!.failed[0].error, /^GitHub refused to delete it \(422\)/)
    assert.deepEqual(
      ledger.entries.map((e) => e.name),
      ['a'],
    )
    assert.equal(github.runners.length, 1)
  })
})
