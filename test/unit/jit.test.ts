import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { parseInputs } from '../../src/inputs.js'
import { InputError } from '../../src/input-values.js'
import { parseLabels } from '../../src/jit/inputs.js'
import { jitBody, runnerNames } from '../../src/jit/names.js'
import { neverConnected, parseJitBody, whySpared } from '../../src/jit/runners.js'

/** A random source that plays `values` in a loop. */
function sequence(...values: number[]): () => number {
  let i = 0
  return () => values[i++ % values.length]
}

describe('parseLabels', () => {
  test('comma- or newline-separated, trimmed, blanks and repeats (any case) dropped, order kept', () => {
    assert.deepEqual(parseLabels('self-hosted, linux\nX64\r\n,gpu,,Linux\n'), ['self-hosted', 'linux', 'X64', 'gpu'])
  })
  test('1 to 99 labels: GitHub allows 100, and the action adds its ownership label', () => {
    assert.equal(parseLabels(Array.from({ length: 99 }, (_, i) => `l${i}`).join('\n')).length, 99)
    assert.throws(() => parseLabels(Array.from({ length: 100 }, (_, i) => `l${i}`).join(',')), {
      message: `Input "labels" accepts at most 99 labels (GitHub allows 100 and each runner also gets this step's ownership label); got 100.`,
    })
    assert.throws(() => parseLabels(' ,\n'), InputError)
    assert.throws(() => parseLabels(''), /Input "labels" is required for type "jit"/)
  })
  test('a label with a control character (C0, DEL, C1) is refused; surrounding whitespace is trimmed', () => {
    for (const label of ['a\rb', 'a\u001bb', 'a\tb', 'a\u0000', 'a\u007f', 'a\u009bb']) {
      assert.throws(
        () => parseLabels(`ok,${label}`),
        /^Error: Input "labels" must not contain control characters; got /,
        JSON.stringify(label),
      )
    }
    assert.deepEqual(parseLabels('\tgpu \r\n'), ['gpu'])
  })
})

describe('jit inputs', () => {
  const read = (inputs: Record<string, string>) => (name: string) => inputs[name] ?? ''
  const base = { 'github-token': 't', repository: 'o/r', type: 'jit', labels: 'a,b' }
  test('defaults', () => {
    assert.deepEqual(parseInputs(read(base)).jit, {
      labels: ['a', 'b'],
      runnerGroupId: 1,
      workFolder: '_work',
      count: 1,
      cleanupOnFailure: true,
    })
  })
  test('given values', () => {
    const config = parseInputs(
      read({ ...base, 'runner-name': 'n', 'runner-group-id': '3', 'work-folder': 'w', count: '7', 'cleanup-on-failure': 'FALSE' }),
    )
    assert.deepEqual(config.jit, {
      labels: ['a', 'b'],
      runnerName: 'n',
      runnerGroupId: 3,
      workFolder: 'w',
      count: 7,
      cleanupOnFailure: false,
    })
  })
  test('refused for token types, not ignored', () => {
    assert.throws(() => parseInputs(read({ ...base, type: 'registration', count: 'many' })), /apply only to type "jit"/)
  })

  /** The exact error for `inputs`, which must be an InputError. */
  const errorFor = (inputs: Record<string, string>): string => {
    try {
      parseInputs(read({ ...base, ...inputs }))
    } catch (error) {
      assert.ok(error instanceof InputError)
      return error.message
    }
    assert.fail('accepted')
  }

  test('runner-name: 64 printable characters, or 57 as a prefix that each runner extends', () => {
    const name = (length: number) => 'r'.repeat(length)
    assert.equal(parseInputs(read({ ...base, 'runner-name': name(64) })).jit?.runnerName, name(64))
    assert.equal(
      errorFor({ 'runner-name': name(65) }),
      `Input "runner-name" must be 1 to 64 characters, printable and without spaces; got "${name(65)}".`,
    )
    assert.equal(parseInputs(read({ ...base, 'runner-name': name(57), count: '2' })).jit?.runnerName, name(57))
    assert.equal(
      errorFor({ 'runner-name': name(58), count: '2' }),
      `Input "runner-name" must be a name prefix of 1 to 57 characters (each runner adds "-" and 6 characters), printable and without spaces; got "${name(58)}".`,
    )
    assert.match(errorFor({ 'runner-name': 'two words' }), /^Input "runner-name" must be 1 to 64 characters/)
    assert.match(errorFor({ 'runner-name': 'caf\u00e9' }), /^Input "runner-name" must be 1 to 64 characters/)
  })

  test('count, runner-group-id, cleanup-on-failure and work-folder name themselves when wrong', () => {
    assert.equal(errorFor({ count: '0' }), 'Input "count" must be a whole number from 1 to 1000; got "0".')
    assert.equal(errorFor({ count: '1001' }), 'Input "count" must be a whole number from 1 to 1000; got "1001".')
    assert.equal(
      errorFor({ 'runner-group-id': 'default' }),
      `Input "runner-group-id" must be a whole number from 1 to ${Number.MAX_SAFE_INTEGER}; got "default".`,
    )
    assert.equal(errorFor({ 'cleanup-on-failure': 'yes' }), 'Input "cleanup-on-failure" must be "true" or "false"; got "yes".')
    assert.equal(parseInputs(read({ ...base, 'cleanup-on-failure': 'True' })).jit?.cleanupOnFailure, true)
    for (const value of ['untrue', 'trueish', 'not false', 'falsey']) {
      assert.match(errorFor({ 'cleanup-on-failure': value }), /^Input "cleanup-on-failure" must be "true" or "false"/, value)
    }
    assert.equal(parseInputs(read({ ...base, 'work-folder': 'my work' })).jit?.workFolder, 'my work')
    assert.equal(errorFor({ 'work-folder': 'a\tb' }), 'Input "work-folder" must be a folder path without control characters; got "a\\tb".')
  })
})

describe('runnerNames', () => {
  test('one runner with a name: that name', () => {
    assert.deepEqual(runnerNames({ runnerName: 'exact', count: 1 }, {}, Math.random), ['exact'])
  })
  test('a prefix and a random suffix each, from the injected random source', () => {
    // 0 -> "a", 0.99 -> "9" (the last of 36 characters)
    assert.deepEqual(runnerNames({ runnerName: 'gpu', count: 2 }, {}, sequence(0, 0, 0, 0, 0, 0, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99)), [
      'gpu-aaaaaa',
      'gpu-999999',
    ])
  })
  test('a repeated suffix is drawn again: names are distinct', () => {
    const names = runnerNames({ runnerName: 'p', count: 2 }, {}, sequence(...Array(12).fill(0), ...Array(6).fill(0.5)))
    assert.deepEqual(names, ['p-aaaaaa', 'p-ssssss'])
  })
  test('a source that repeats itself forever: the names still end, distinct, the rest numbered', () => {
    // Before, a constant source looped forever: only the first draw was ever new.
    const names = runnerNames({ runnerName: 'p', count: 3 }, {}, () => 0)
    assert.deepEqual(names, ['p-aaaaaa', 'p-000000', 'p-000001'])
    // A numbered suffix already drawn is skipped.
    assert.deepEqual(
      runnerNames({ runnerName: 'q', count: 2 }, {}, () => 0.99),
      ['q-999999', 'q-000000'],
    )
    const many = runnerNames({ count: 100 }, {}, () => 0.5)
    assert.equal(new Set(many).size, 100)
    assert.ok(many.every((name) => /^jit-[a-z0-9]{6}$/.test(name)))
  })
  test('without a name: jit-RUNID-ATTEMPT in a workflow, jit elsewhere', () => {
    assert.deepEqual(runnerNames({ count: 1 }, { GITHUB_RUN_ID: '123', GITHUB_RUN_ATTEMPT: '2' }, sequence(0.5)), ['jit-123-2-ssssss'])
    assert.deepEqual(runnerNames({ count: 1 }, {}, sequence(0)), ['jit-aaaaaa'])
  })
})

describe('generate-jitconfig shapes', () => {
  test("the request body: the user's labels, then the ownership label", () => {
    const jit = { labels: ['a'], runnerGroupId: 2, workFolder: '_work', count: 1, cleanupOnFailure: true }
    assert.deepEqual(jitBody('n', jit, 'mrt-0123456789'), {
      name: 'n',
      runner_group_id: 2,
      labels: ['a', 'mrt-0123456789'],
      work_folder: '_work',
    })
  })
  test('the 201 body', () => {
    const runner = {
      id: 23,
      name: 'New runner',
      os: 'unknown',
      status: 'offline',
      busy: false,
      labels: [{ id: 5, name: 'self-hosted', type: 'read-only' }],
    }
    assert.deepEqual(parseJitBody(JSON.stringify({ runner, encoded_jit_config: 'abc123' })), {
      id: 23,
      name: 'New runner',
      encodedJitConfig: 'abc123',
    })
    assert.equal(parseJitBody(JSON.stringify({ runner, encoded_jit_config: '' })), undefined)
    assert.equal(parseJitBody(JSON.stringify({ runner: { ...runner, id: '23' }, encoded_jit_config: 'x' })), undefined)
    assert.equal(parseJitBody(JSON.stringify({ encoded_jit_config: 'x' })), undefined)
    assert.equal(parseJitBody('<html>'), undefined)
  })
  test('never connected means offline and not busy', () => {
    assert.equal(neverConnected({ status: 'offline', busy: false }), true)
    assert.equal(neverConnected({ status: 'online', busy: false }), false)
    assert.equal(neverConnected({ status: 'offline', busy: true }), false)
  })
  test('a runner is spared unless it carries the label (any case) and never connected', () => {
    const runner = (status: string, busy: boolean, labels = ['self-hosted', 'mrt-abcdefghij']) => ({
      id: 1,
      name: 'r',
      status,
      busy,
      labels: labels.map((name) => ({ name })),
    })
    assert.equal(whySpared(runner('offline', false), 'mrt-abcdefghij'), undefined)
    assert.equal(whySpared(runner('offline', false, ['MRT-ABCDEFGHIJ']), 'mrt-abcdefghij'), undefined)
    assert.equal(whySpared(runner('offline', true), 'mrt-abcdefghij'), 'busy')
    assert.equal(whySpared(runner('online', true), 'mrt-abcdefghij'), 'busy')
    assert.equal(whySpared(runner('online', false), 'mrt-abcdefghij'), 'online')
    assert.equal(whySpared(runner('offline', false, ['self-hosted']), 'mrt-abcdefghij'), 'not ours')
    assert.equal(whySpared(runner('online', true, ['self-hosted']), 'mrt-abcdefghij'), 'not ours')
  })
})
