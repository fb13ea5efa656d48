// The room in a runner group (src/jit/room.ts): the pure decision, the reading of GitHub's answer,
// and the wording of a refusal and of GitHub's own 422.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  GROUP_LIMIT,
  describeGroup,
  explainFullGroup,
  groupRunnersUrl,
  judgeRoom,
  noRoomMessage,
  parseRunnerCount,
} from '../../src/jit/room.js'
import type { Config } from '../../src/types.js'

const org = { kind: 'organization', name: 'octo-org' } as Config['scope']
const jit = (extra: Partial<NonNullable<Config['jit']>> = {}) =>
  ({ labels: ['x'], runnerGroupId: 3, workFolder: '_work', count: 20, cleanupOnFailure: true, ...extra }) as NonNullable<Config['jit']>

describe('judgeRoom', () => {
  test('fits up to the limit exactly, and not one runner more', () => {
    assert.equal(GROUP_LIMIT, 10_000)
    assert.deepEqual(judgeRoom(9_990, 10), { fits: true, room: 10 })
    assert.deepEqual(judgeRoom(9_991, 10), { fits: false, room: 9 })
    assert.deepEqual(judgeRoom(0, 10_000), { fits: true, room: 10_000 })
    assert.deepEqual(judgeRoom(0, 10_001), { fits: false, room: 10_000 })
  })

  test('a group already past the limit (GitHub lowered it, or counts differently) has no room, not negative room', () => {
    assert.deepEqual(judgeRoom(10_000, 2), { fits: false, room: 0 })
    assert.deepEqual(judgeRoom(12_345, 2), { fits: false, room: 0 })
    assert.deepEqual(judgeRoom(95, 10, 100), { fits: false, room: 5 })
  })
})

describe('parseRunnerCount', () => {
  test("reads total_count of GitHub's listing", () => {
    assert.equal(parseRunnerCount('{"total_count":9995,"runners":[{"id":1}]}'), 9995)
    assert.equal(parseRunnerCount('{"total_count":0,"runners":[]}'), 0)
  })

  test('anything else is unreadable, never a count of 0', () => {
    for (const body of [
      '',
      'null',
      '<html>',
      '{"runners":[]}',
      '{"total_count":"12","runners":[]}',
      '{"total_count":-1,"runners":[]}',
      '{"total_count":1.5,"runners":[]}',
      '{"total_count":12}',
      '{"total_count":1e300,"runners":[]}',
    ]) {
      assert.equal(parseRunnerCount(body), undefined, body)
    }
  })
})

describe('wording', () => {
  test('the URL asks for one runner a page, at the scope', () => {
    const apiUrl = 'https://ghes.example.com/api/v3'
    assert.equal(
      groupRunnersUrl({ apiUrl, scope: org }, 3),
      'https://ghes.example.com/api/v3/orgs/octo-org/actions/runner-groups/3/runners?per_page=1',
    )
    assert.equal(
      groupRunnersUrl({ apiUrl, scope: { kind: 'enterprise', name: 'big' } as Config['scope'] }, 1),
      'https://ghes.example.com/api/v3/enterprises/big/actions/runner-groups/1/runners?per_page=1',
    )
  })

  test('the group by its name and id when named, else by its id', () => {
    assert.equal(describeGroup(jit({ runnerGroup: 'GPU' })), 'runner group "GPU" (id 3)')
    assert.equal(describeGroup(jit()), 'runner group 3')
  })

  test('the refusal names the group, what it holds, the limit, the batch, the room and what to do', () => {
    assert.equal(
      noRoomMessage({ scope: org, jit: jit({ runnerGroup: 'GPU' }) }, 9_995, 20),
      'The runner group "GPU" (id 3) of organization octo-org holds 9,995 runners and GitHub allows at most 10,000 in one group: ' +
        'a batch of 20 does not fit (room for 5). No runner was registered. ' +
        'Remove the group\'s offline runners ("type: prune"), lower "count" to 5 or less, or register into another runner group.',
    )
    // No room at all: lowering "count" is no advice.
    assert.doesNotMatch(noRoomMessage({ scope: org, jit: jit() }, 10_000, 2), /lower "count"/)
  })

  test("GitHub's 422 for a full group is worded; any other 422 is left to the general wording", () => {
    const said = 'Runner group 3 has reached max limit of 10000 runners'
    assert.equal(
      explainFullGroup(said, { scope: org, jit: jit() }),
      "GitHub refused the runner (422): the runner group 3 is full, at GitHub's limit of 10,000 runners in one group " +
        '(if this step counted room in it before its first registration, others filled it since). ' +
        'Remove the group\'s offline runners ("type: prune"), or register into another runner group. ' +
        'GitHub said: "Runner group 3 has reached max limit of 10000 runners".',
    )
    const repo = { kind: 'repository', owner: 'o', repo: 'r' } as Config['scope']
    assert.doesNotMatch(explainFullGroup(said, { scope: repo, jit: jit() })!, /counted/)
    assert.equal(explainFullGroup('Invalid request.\n\n"labels" must be an array', { scope: org, jit: jit() }), undefined)
    assert.equal(explainFullGroup(undefined, { scope: org, jit: jit() }), undefined)
  })
})
