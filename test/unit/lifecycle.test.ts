// The pure parts of type wait and prune: which runners a prune takes and why it keeps the others,
// and the inputs of both types (errors before any request).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { choose } from '../../src/lifecycle/select.js'
import { parseInputs } from '../../src/inputs.js'
import type { ListedRunner } from '../../src/jit/runners.js'
import { addedLabels } from '../../src/jit/register.js'
import { jitBody } from '../../src/jit/names.js'
import { beyondTimeout } from '../../src/lifecycle/prune.js'
import { GITHUB_WRITE_BUDGET } from '../../src/pacer.js'

const NOW = 1_796_000_000_000
const HOUR = 3600_000
const labelAt = (ms: number, random = 'abcdefghij'): string => `mrt-${Math.floor(ms / 1000).toString(36)}-${random}`

function runner(labels: string[], status = 'offline', busy = false): ListedRunner {
  return { id: 1, name: 'r', status, busy, labels: ['self-hosted', ...labels].map((name) => ({ name })) }
}

describe('choose (type: prune)', () => {
  const label = labelAt(NOW - HOUR)

  test('by label: the exact label (any case), offline and idle; busy and online kept; others not taken in', () => {
    assert.deepEqual(choose(runner([label]), { label }, NOW), { prune: label })
    assert.deepEqual(choose(runner([label.toUpperCase()]), { label }, NOW), { prune: label })
    assert.deepEqual(choose(runner([label], 'online'), { label }, NOW), { spare: 'online' })
    assert.deepEqual(choose(runner([label], 'online', true), { label }, NOW), { spare: 'busy' })
    assert.deepEqual(choose(runner([label], 'offline', true), { label }, NOW), { spare: 'busy' })
    assert.equal(choose(runner([labelAt(NOW - HOUR, 'otherlabel')]), { label }, NOW), undefined)
    assert.equal(choose(runner([]), { label }, NOW), undefined)
  })

  test('by age: the label older than older-than; younger, old-form, busy and online kept; no label not taken in', () => {
    const olderThanMs = 2 * HOUR
    const old = labelAt(NOW - 3 * HOUR)
    assert.deepEqual(choose(runner([old]), { olderThanMs }, NOW), { prune: old })
    assert.deepEqual(choose(runner([labelAt(NOW - 2 * HOUR)]), { olderThanMs }, NOW), { prune: labelAt(NOW - 2 * HOUR) })
    assert.match(
      (choose(runner([labelAt(NOW - HOUR)]), { olderThanMs }, NOW) as { spare: string }).spare,
      /^younger than 120m \(label mrt-.*, 60m old\)$/,
    )
    assert.match((choose(runner(['mrt-abcdefghij']), { olderThanMs }, NOW) as { spare: string }).spare, /^old-form label, age unknown/)
    assert.deepEqual(choose(runner([old], 'online'), { olderThanMs }, NOW), { spare: 'online' })
    assert.deepEqual(choose(runner([old], 'offline', true), { olderThanMs }, NOW), { spare: 'busy' })
    assert.equal(choose(runner(['mrt-notalabel', 'linux']), { olderThanMs }, NOW), undefined)
  })

  test('by age: a runner with two ownership labels is as young as its youngest; a label from the future is young', () => {
    const olderThanMs = 2 * HOUR
    const young = labelAt(NOW - HOUR, 'younglabel')
    assert.ok('spare' in choose(runner([labelAt(NOW - 5 * HOUR), young]), { olderThanMs }, NOW)!)
    assert.match((choose(runner([labelAt(NOW + HOUR)]), { olderThanMs }, NOW) as { spare: string }).spare, /, 0ms old\)$/)
  })
})

describe('inputs of type wait and prune', () => {
  const base = { 'github-token': 'ghp_x', repository: 'o/r' }
  const parse = (inputs: Record<string, string>) => parseInputs((name) => ({ ...base, ...inputs })[name as keyof typeof base] ?? '')
  const label = labelAt(NOW)

  test('wait: the label, lower-cased; none is an error naming the input', () => {
    assert.deepEqual(parse({ type: 'wait', 'ownership-label': label.toUpperCase() }).wait, { ownershipLabel: label })
    assert.throws(() => parse({ type: 'wait' }), /^Error: Input "ownership-label" is required for type "wait"/)
    assert.throws(
      () => parse({ type: 'wait', 'ownership-label': 'self-hosted' }),
      /Input "ownership-label" must be an ownership label: .*; got "self-hosted"\./,
    )
  })

  test('prune: the label or the age, not both, not neither; older-than from 5m; dry-run a boolean', () => {
    assert.deepEqual(parse({ type: 'prune', 'ownership-label': label }).prune, { ownershipLabel: label, dryRun: false })
    assert.deepEqual(parse({ type: 'prune', 'older-than': '2h', 'dry-run': 'true' }).prune, { olderThanMs: 2 * HOUR, dryRun: true })
    assert.deepEqual(parse({ type: 'prune', 'older-than': '5m' }).prune, { olderThanMs: 300_000, dryRun: false })
    assert.throws(() => parse({ type: 'prune' }), /Input "ownership-label" or "older-than" is required for type "prune".*got neither\./)
    assert.throws(
      () => parse({ type: 'prune', 'ownership-label': label, 'older-than': '2h' }),
      /Set one of inputs "ownership-label" and "older-than"/,
    )
    assert.throws(() => parse({ type: 'prune', 'older-than': '4m59s' }), /Input "older-than" must be a duration from 5m .*; got "4m59s"\./)
    assert.throws(() => parse({ type: 'prune', 'older-than': 'soon' }), /Input "older-than" must be a duration/)
    assert.throws(() => parse({ type: 'prune', 'ownership-label': label, 'dry-run': 'yes' }), /Input "dry-run" must be "true" or "false"/)
  })

  test('inputs of another type are refused as for every type', () => {
    assert.throws(
      () => parse({ type: 'prune', 'ownership-label': label, labels: 'x' }),
      /Input "labels" applies only to type "jit", but "type" is "prune"/,
    )
    assert.throws(
      () => parse({ type: 'wait', 'ownership-label': label, 'older-than': '1h' }),
      /Input "older-than" applies only to type "prune", but "type" is "wait"/,
    )
    assert.throws(
      () => parse({ type: 'jit', labels: 'x', 'ownership-label': label }),
      /Input "ownership-label" applies only to type "wait" or "prune"/,
    )
    assert.throws(() => parse({ 'dry-run': 'true' }), /Input "dry-run" applies only to type "prune", but "type" is "registration"/)
  })
})

describe('exclusive: true (type: jit)', () => {
  const base = { 'github-token': 'ghp_x', repository: 'o/r', type: 'jit' }
  const parse = (inputs: Record<string, string>) => parseInputs((name) => ({ ...base, ...inputs })[name as keyof typeof base] ?? '')

  test('no labels: the runners are registered with the ownership label alone', () => {
    const jit = parse({ exclusive: 'true' }).jit!
    assert.equal(jit.exclusive, true)
    assert.deepEqual(jit.labels, [])
    assert.deepEqual(jitBody('r', jit, 'mrt-tpaigw-abcdefghij').labels, ['mrt-tpaigw-abcdefghij'])
  })

  test('labels with exclusive are an error naming both; without exclusive labels are still required', () => {
    assert.throws(
      () => parse({ exclusive: 'true', labels: 'self-hosted' }),
      /Input "labels" cannot be given with "exclusive" true: .*got "self-hosted"/,
    )
    assert.throws(() => parse({}), /Input "labels" is required for type "jit"/)
    assert.throws(() => parse({ exclusive: 'yes', labels: 'x' }), /Input "exclusive" must be "true" or "false"/)
    assert.throws(
      () => parseInputs((name) => ({ 'github-token': 'ghp_x', repository: 'o/r', exclusive: 'true' })[name] ?? ''),
      /Input "exclusive" applies only to type "jit"/,
    )
  })

  test('labels GitHub added beyond those asked for are named (compared ignoring case)', () => {
    assert.deepEqual(addedLabels(['mrt-x', 'self-hosted', 'Linux'], ['MRT-X']), ['self-hosted', 'Linux'])
    assert.deepEqual(addedLabels(['a', 'mrt-x'], ['A', 'mrt-x']), [])
  })
})

describe('beyondTimeout (type: prune under the write budget)', () => {
  test("1,000 deletes at GitHub's budget in the default 5m: said up front, with how many the pace reaches", () => {
    assert.equal(
      beyondTimeout(1000, GITHUB_WRITE_BUDGET, 299_000),
      "Deleting 1000 runner(s), a look and a delete each, takes at least 6m under the write budget of 180 writes a minute (GitHub's secondary rate limit); 4m59s of the timeout is left: at most about 750 can be deleted in time, in the order listed. The others will be reported as not deleted, by name; raise the timeout, or run the prune again.",
    )
    assert.match(beyondTimeout(1000, GITHUB_WRITE_BUDGET, 300_000)!, /at most about 900 can be deleted/)
  })
  test('deletes that fit the time left: nothing to say', () => {
    assert.equal(beyondTimeout(150, GITHUB_WRITE_BUDGET, 1000), undefined)
    assert.equal(beyondTimeout(900, GITHUB_WRITE_BUDGET, 300_000), undefined)
  })
})
