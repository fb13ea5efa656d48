// The names a batch registers (names.ts) and GitHub's runner objects as the action reads them
// (runners.ts): the edges that the shapes in jit.test.ts leave open.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { MAX_NAME_PREFIX, runnerNames } from '../../src/jit/names.js'
import { asRunner, parseJitBody, parseRunnerPage } from '../../src/jit/runners.js'

/** A random source that plays `values` in a loop. */
function sequence(...values: number[]): () => number {
  let i = 0
  return () => values[i++ % values.length]
}
const A = sequence(0)

describe('runnerNames: the generated prefix', () => {
  test('the run id and attempt only when both are whole numbers; the attempt only with a run id', () => {
    const prefix = (env: Record<string, string | undefined>) => runnerNames({ count: 1 }, env, A)[0].replace(/-aaaaaa$/, '')
    assert.equal(prefix({ GITHUB_RUN_ID: '123', GITHUB_RUN_ATTEMPT: '12' }), 'jit-123-12')
    assert.equal(prefix({ GITHUB_RUN_ID: '123' }), 'jit-123')
    assert.equal(prefix({ GITHUB_RUN_ATTEMPT: '2' }), 'jit')
    for (const bad of ['x123', '123x', '1 2', '', '-1']) {
      assert.equal(prefix({ GITHUB_RUN_ID: bad, GITHUB_RUN_ATTEMPT: '1' }), 'jit', `run id ${JSON.stringify(bad)}`)
      assert.equal(prefix({ GITHUB_RUN_ID: '7', GITHUB_RUN_ATTEMPT: bad }), 'jit-7', `attempt ${JSON.stringify(bad)}`)
    }
  })

  test('cut to the longest prefix, so that every name fits in 64 characters', () => {
    const long = '9'.repeat(80)
    const [generated] = runnerNames({ count: 1 }, { GITHUB_RUN_ID: long, GITHUB_RUN_ATTEMPT: '1' }, A)
    assert.equal(generated, `jit-${long}`.slice(0, MAX_NAME_PREFIX) + '-aaaaaa')
    assert.equal(generated.length, 64)
    const [given] = runnerNames({ runnerName: 'p'.repeat(70), count: 2 }, {}, sequence(0, 0, 0, 0, 0, 0, 0.5))
    assert.equal(given, `${'p'.repeat(MAX_NAME_PREFIX)}-aaaaaa`)
  })

  test('a count of names, each drawn from the whole alphabet', () => {
    // floor(random * 36) indexes a-z then 0-9.
    const names = runnerNames({ runnerName: 'x', count: 2 }, {}, sequence(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0))
    assert.deepEqual(names, ['x-dhkosv', 'x-z2689a'])
  })
})

describe('asRunner: a runner object, or nothing', () => {
  const good = { id: 5, name: 'r', status: 'offline', busy: false, labels: [{ id: 1, name: 'self-hosted', type: 'read-only' }] }

  test('the fields we rely on, and only those', () => {
    assert.deepEqual(asRunner({ ...good, os: 'linux' }), { id: 5, name: 'r', status: 'offline', busy: false, labels: good.labels })
    assert.deepEqual(asRunner({ ...good, id: 1 })?.id, 1)
  })

  test('refused: an id that is not a positive safe integer, a name that is not a non-empty string', () => {
    for (const id of [0, -1, 1.5, '5', 2 ** 53, undefined]) assert.equal(asRunner({ ...good, id }), undefined, String(id))
    for (const name of ['', 7, true, undefined]) assert.equal(asRunner({ ...good, name }), undefined, String(name))
  })

  test('refused: a status that is not a string, busy that is not a boolean, labels that are not a list', () => {
    for (const status of [1, undefined, null]) assert.equal(asRunner({ ...good, status }), undefined, `status ${status}`)
    for (const busy of ['false', 0, undefined]) assert.equal(asRunner({ ...good, busy }), undefined, `busy ${busy}`)
    for (const labels of [{}, 'self-hosted', undefined]) assert.equal(asRunner({ ...good, labels }), undefined, `labels ${labels}`)
    for (const value of [null, undefined, 'r', 5]) assert.equal(asRunner(value), undefined, String(value))
  })

  test('labels without a string name are dropped, the rest kept', () => {
    const labels = [{ name: 'a' }, {}, null, 'b', { name: 3 }, { name: 'c', id: 2 }]
    assert.deepEqual(asRunner({ ...good, labels })?.labels, [{ name: 'a' }, { name: 'c', id: 2 }])
  })
})

describe('parseJitBody', () => {
  test('the config must be a non-empty string', () => {
    const runner = { id: 1, name: 'r', status: 'offline', busy: false, labels: [] }
    for (const config of [123, true, {}, ['x']]) {
      assert.equal(parseJitBody(JSON.stringify({ runner, encoded_jit_config: config })), undefined, JSON.stringify(config))
    }
    assert.deepEqual(parseJitBody(JSON.stringify({ runner, encoded_jit_config: 'e' })), { id: 1, name: 'r', encodedJitConfig: 'e' })
  })
})

describe('parseRunnerPage', () => {
  const runner = (id: number) => ({ id, name: `r${id}`, status: 'online', busy: true, labels: [{ name: 'x' }] })

  test('a page: the total and the runners', () => {
    assert.deepEqual(parseRunnerPage(JSON.stringify({ total_count: 7, runners: [runner(1), runner(2)] })), {
      totalCount: 7,
      runners: [asRunner(runner(1)), asRunner(runner(2))],
    })
    assert.deepEqual(parseRunnerPage(JSON.stringify({ total_count: 0, runners: [] })), { totalCount: 0, runners: [] })
  })

  test("what the enterprise listing's description allows: no list is an empty page, no total the runners on it", () => {
    assert.deepEqual(parseRunnerPage('{}'), { totalCount: 0, runners: [] })
    assert.deepEqual(parseRunnerPage(JSON.stringify({ total_count: 1 })), { totalCount: 1, runners: [] })
    assert.deepEqual(parseRunnerPage(JSON.stringify({ runners: [runner(1)] })), { totalCount: 1, runners: [asRunner(runner(1))] })
  })

  test('not a page: a list that is not one, a total that is not whole, or one runner that is not one', () => {
    for (const body of [
      { total_count: 1, runners: {} },
      { total_count: -1, runners: [] },
      [],
      { total_count: '1', runners: [runner(1)] },
      { total_count: 1.5, runners: [runner(1)] },
      { total_count: 2, runners: [runner(1), { id: 2 }] },
      { total_count: 2, runners: [{ id: 2 }, runner(1)] },
    ]) {
      assert.equal(parseRunnerPage(JSON.stringify(body)), undefined, JSON.stringify(body))
    }
    assert.equal(parseRunnerPage('<html>'), undefined)
    assert.equal(parseRunnerPage('null'), undefined)
  })
})
