// The runner-group lookup (groups.ts) at its edges, against the loopback stand-in with a fake
// clock: where the listing ends, a page that is not one, a network failure, the deadline between
// two pages, a name no group has; and the page parser and message at their bounds.
import { beforeEach, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Config } from '../../src/inputs.js'
import { MintError } from '../../src/mint.js'
import { MAX_GROUP_PAGES, parseGroupPage, resolveRunnerGroup, unknownGroupMessage } from '../../src/jit/groups.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { FakeClock } from '../support/fake-clock.js'
import { jitConfig, recordingStandIn } from '../support/jit-unit.js'

const ORG = '/orgs/octo-org'
const org = { kind: 'organization', name: 'octo-org' } as const

describe('parseGroupPage at its bounds', () => {
  test('an empty listing is a page; a negative total is not', () => {
    assert.deepEqual(parseGroupPage(JSON.stringify({ total_count: 0, runner_groups: [] })), { totalCount: 0, groups: [] })
    assert.equal(parseGroupPage(JSON.stringify({ total_count: -1, runner_groups: [] })), undefined)
  })

  test('a group whose name is not a non-empty string makes it no page', () => {
    for (const name of [7, true, '', null]) {
      assert.equal(parseGroupPage(JSON.stringify({ total_count: 1, runner_groups: [{ id: 1, name }] })), undefined, String(name))
    }
  })
})

test('an unknown name: the count is the larger of the total and the groups read', () => {
  const groups = [
    { id: 1, name: 'Default' },
    { id: 2, name: 'gpu' },
  ]
  assert.match(unknownGroupMessage('arm', groups, 1, { scope: org }), /It has 2: "Default" \(id 1\), "gpu" \(id 2\)\. Check/)
  assert.match(unknownGroupMessage('arm', groups, 5, { scope: org }), /It has 5: "Default" \(id 1\), "gpu" \(id 2\), and 3 more\. Check/)
})

describe('resolveRunnerGroup against the stand-in', () => {
  const { github, arrivals, hooks } = recordingStandIn()
  let apiUrl: string
  useStandIn(github, (url) => (apiUrl = url))
  beforeEach(() => {
    arrivals.length = 0
    hooks.onArrival = undefined
  })

  const config = (runnerGroup: string, overrides: Partial<Config> = {}) => jitConfig(apiUrl, { runnerGroup }, { scope: org, ...overrides })
  const pages = () => arrivals.map((a) => new URL(a.call.split(' ')[1], 'http://x').searchParams.get('page'))
  async function resolve(name: string, deadlineInMs = 60_000, overrides: Partial<Config> = {}) {
    const clock = new FakeClock()
    const lines: string[] = []
    const result = await resolveRunnerGroup(config(name, overrides), clock.now() + deadlineInMs, {
      clock,
      random: () => 0.5,
      log: (line) => lines.push(line),
    }).catch((error: Error) => error)
    return { result, lines, clock }
  }
  const groupNames = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `g${i + from}`)

  test('a name no group has: a MintError listing the groups, before any registration', async () => {
    github.setRunnerGroups(ORG, ['Default', 'gpu'])
    const { result, lines } = await resolve('arm')
    assert.ok(result instanceof MintError, String(result))
    assert.equal(
      result.message,
      'No runner group is named "arm" in organization octo-org (names are compared ignoring case). It has 2: "Default" (id 1), "gpu" (id 2). Check "runner-group", or set "runner-group-id" instead.',
    )
    assert.equal(result.attempts, 0)
    assert.deepEqual(lines, [])
  })

  test('exactly 100 groups: the total says the first page was the last', async () => {
    github.setRunnerGroups(ORG, groupNames(100))
    const { result } = await resolve('g100')
    assert.equal(result, 100)
    assert.deepEqual(pages(), ['1'])
  })

  test('a short page whose total promises more: the next page is read, and the total it gives starts the listing over', async () => {
    const listed = [
      {
        id: 1,
        name: 'Default',
        visibility: 'all',
        default: true,
        runners_url: 'https://api.github.com/x',
        inherited: false,
        allows_public_repositories: false,
      },
    ]
    github.faults.push({ status: 200, body: { total_count: 250, runner_groups: listed } })
    const { result, lines } = await resolve('default')
    assert.equal(result, 1)
    // Page 2 of the real listing says 1 group, not 250: the listing moved, so it is read again.
    assert.deepEqual(pages(), ['1', '2', '1'])
    assert.equal(
      lines[0],
      'Listing runner groups: the listing changed while it was read (the total went from 250 to 1 between pages); reading it again from page 1.',
    )
  })

  describe('a listing that changes between pages (issue 17, finding 8)', () => {
    /** 102 groups; when page 2 is asked for, `change` edits the listing (after page 1 was served). */
    function changingAtPage2(change: (groups: ReturnType<typeof github.setRunnerGroups>) => void) {
      const groups = github.setRunnerGroups(ORG, groupNames(102))
      let changed = false
      hooks.onArrival = (request) => {
        if (!changed && request.path.endsWith('page=2')) {
          changed = true
          change(groups)
        }
      }
    }

    test('a group deleted after page 1 moves "g101" onto page 1: the pager starts over and finds it, without the deleted one', async () => {
      changingAtPage2((groups) => groups.splice(4, 1)) // g5
      const { result, lines } = await resolve('g101')
      assert.equal(result, 101)
      assert.deepEqual(pages(), ['1', '2', '1', '2'])
      assert.match(lines[0], /the listing changed while it was read \(the total went from 102 to 101 between pages\)/)
      assert.deepEqual(lines.at(-1), 'Runner group "g101" has id 101.')
    })

    test('a name no group has, with a group deleted after page 1: the list it prints no longer holds the deleted group', async () => {
      changingAtPage2((groups) => groups.splice(4, 1))
      const { result } = await resolve('missing')
      assert.ok(result instanceof MintError, String(result))
      assert.match(result.message, /It has 101: "g1" \(id 1\), "g2" \(id 2\), "g3" \(id 3\), "g4" \(id 4\), "g6" \(id 6\),/)
    })

    test('a group inserted before page 2 pushes "g100" onto page 2 as well: read once, not "ambiguous"', async () => {
      changingAtPage2((groups) => groups.unshift({ ...groups[1], id: 500, name: 'new-group' }))
      const { result } = await resolve('g100')
      assert.equal(result, 100)
      assert.deepEqual(pages(), ['1', '2', '1', '2'])
    })

    test('a listing that never holds still is started over at most 3 times, then read as it is', async () => {
      const groups = github.setRunnerGroups(ORG, groupNames(102))
      let nextId = 1000
      hooks.onArrival = (request) => {
        if (request.path.endsWith('page=2')) groups.unshift({ ...groups[1], id: nextId++, name: `new-${nextId}` })
      }
      const { result } = await resolve('g102')
      assert.equal(result, 102)
      assert.deepEqual(pages(), ['1', '2', '1', '2', '1', '2', '1', '2'])
    })
  })

  test('a server whose pages never end: 50 pages read, no more', async () => {
    github.setRunnerGroups(ORG, groupNames(MAX_GROUP_PAGES * 100 + 1))
    const { result } = await resolve('g5001')
    assert.ok(result instanceof MintError)
    assert.match(
      result.message,
      /^No runner group is named "g5001" in organization octo-org .* It has 5001: "g1" \(id 1\), .*"g20" \(id 20\), and 4981 more\./,
    )
    assert.equal(arrivals.length, MAX_GROUP_PAGES)
    assert.equal(pages().at(-1), '50')
  })

  test('a 200 that is not a page is retried, from that page', async () => {
    github.faults.push({ status: 200, body: { groups: [] }, headers: { 'x-github-request-id': 'REQ:P' }, offContract: 'not a listing' })
    const { result, lines } = await resolve('default')
    assert.equal(result, 1)
    assert.deepEqual(lines, [
      'Listing runner groups: Attempt 1/4 failed: HTTP 200 with an unexpected body [request id REQ:P]; retrying in 1s.',
      'Runner group "Default" has id 1.',
    ])
  })

  test('a reset connection is retried, and its text logged', async () => {
    github.faults.push({ reset: true })
    const { result, lines } = await resolve('default')
    assert.equal(result, 1)
    assert.equal(lines[0], 'Listing runner groups: Attempt 1/4 failed: ECONNRESET (connection reset); retrying in 1s.')
    assert.deepEqual(pages(), ['1', '1'])
  })

  test('each attempt is recorded for the step summary, as "Listing runner groups", with a network error\'s text', async () => {
    github.faults.push({ reset: true })
    const clock = new FakeClock()
    const records: { call?: string; succeeded: boolean; detail?: string; attempt: number }[] = []
    const result = await resolveRunnerGroup(config('default'), clock.now() + 60_000, {
      clock,
      random: () => 0.5,
      log: () => {},
      onAttempt: (record) => records.push(record),
    })
    assert.equal(result, 1)
    assert.deepEqual(
      records.map(({ call, succeeded, detail, attempt }) => ({ call, succeeded, detail, attempt })),
      [
        { call: 'Listing runner groups', succeeded: false, detail: 'connection reset', attempt: 1 },
        { call: 'Listing runner groups', succeeded: true, detail: undefined, attempt: 2 },
      ],
    )
  })

  test('a later page gets the time left before the deadline when that is less than attempt-timeout', async () => {
    github.setRunnerGroups(ORG, groupNames(150))
    const clock = new FakeClock()
    // The first page takes all but 300 ms of the minute; the second hangs.
    hooks.onArrival = (request) => {
      if (request.path.endsWith('page=1')) clock.time += 59_700
    }
    github.faults.push({ pass: true }, { hang: true })
    const lines: string[] = []
    const result = await resolveRunnerGroup(config('g150', { timeoutMs: 60_000 }), clock.now() + 60_000, {
      clock,
      random: () => 0.5,
      log: (line) => lines.push(line),
    }).catch((error: Error) => error)
    assert.ok(result instanceof MintError)
    assert.equal(lines[0], 'Listing runner groups: Attempt 1/4 failed: ETIMEDOUT (no complete answer within 300ms); not retrying.')
  })

  for (const [left, what] of [
    [-1000, 'passed'],
    [0, 'reached'],
  ] as const) {
    test(`the deadline ${what} between two pages: no request for the next page, and the error says why`, async () => {
      github.setRunnerGroups(ORG, groupNames(150))
      const clock = new FakeClock()
      hooks.onArrival = () => (clock.time += 60_000 - left)
      const result = await resolveRunnerGroup(config('g150', { timeoutMs: 60_000 }), clock.now() + 60_000, {
        clock,
        random: () => 0.5,
        log: () => {},
      }).catch((error: Error) => error)
      assert.ok(result instanceof MintError)
      assert.equal(
        result.message,
        'Could not list the runner groups of organization octo-org to find "g150": Gave up after 1 attempt(s): the next wait (1s) would pass the 1m "timeout". Last answer: EDEADLINE. No request could start in time: the deadline passed between two pages of the listing.',
      )
      assert.deepEqual(pages(), ['1'])
    })
  }
})
