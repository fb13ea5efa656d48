// Scenario tests for `type: prune` (the stop job and the scheduled sweeper) and the command's
// `prune`: the bundled action and command as processes, against a stand-in whose runners carry
// labels, are online, offline or busy, and change between two pages of a listing.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { GitHubStandIn, type RecordedRequest } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { FAST, SCOPE, TOKEN, errorLine } from '../support/jit-scenario.js'
import { runAction } from '../support/run-action.js'
import { runCli } from '../support/run-cli.js'

const github = new GitHubStandIn({ acceptToken: TOKEN })
let apiUrl: string
useStandIn(github, (url) => (apiUrl = url))

/** An ownership label made `agoMs` ago, as a step of type jit would have made it. */
function labelMadeAgo(agoMs: number, random = 'abcdefghij'): string {
  return `mrt-${Math.floor((Date.now() - agoMs) / 1000).toString(36)}-${random}`
}

const LABEL = labelMadeAgo(10 * 60_000)
const OTHER_STEP = labelMadeAgo(10 * 60_000, 'otherstep0')

function pruneInputs(extra: Record<string, string>): Record<string, string> {
  return { 'github-token': TOKEN, repository: 'octo-org/octo-repo', 'api-url': apiUrl, type: 'prune', ...FAST, ...extra }
}

function add(name: string, labels: string[], state: { status?: 'online' | 'offline'; busy?: boolean } = {}): void {
  github.register(SCOPE, name, { labels: ['self-hosted', 'linux', ...labels], ...state })
}

const remaining = (): string[] => github.runners.map((r) => r.name).sort()
const isDelete = (r: RecordedRequest): boolean => r.method === 'DELETE'
const isListing = (r: RecordedRequest): boolean => r.method === 'GET' && /\/actions\/runners\?/.test(r.path)

/** One batch's runners in every state, another step's and a foreign one. */
function aBatchAndNeighbours(): void {
  add('ours-idle-1', [LABEL])
  add('ours-idle-2', [LABEL.toUpperCase()])
  add('ours-busy', [LABEL], { status: 'online', busy: true })
  add('ours-online', [LABEL], { status: 'online' })
  add('other-step', [OTHER_STEP])
  add('foreign', [])
}

describe('type: prune by ownership label (the stop job)', () => {
  test("deletes the offline idle runners of the label; keeps the busy and the online, another step's and a foreign one", async () => {
    aBatchAndNeighbours()
    const run = await runAction(pruneInputs({ 'ownership-label': LABEL }))
    assert.equal(run.exitCode, 0, run.stdout)
    assert.deepEqual(remaining(), ['foreign', 'other-step', 'ours-busy', 'ours-online'])
    assert.equal(run.outputs.pruned, '2')
    assert.equal(run.outputs.kept, '2')
    assert.equal(github.requests.filter(isDelete).length, 2, 'a delete for each runner deleted, none other')
    assert.match(run.stdout, /Listed 6 runner\(s\); 2 without that label were not looked at\./)
    assert.match(run.stdout, /Kept 2 \(ours-busy: busy, ours-online: online\)\./)
    assert.match(run.stdout, /Deletes: deleted all 2 \(ours-idle-1, ours-idle-2\)\./)
    assert.match(run.summary, /Runners pruned/)
    for (const name of ['ours-idle-1', 'ours-idle-2', 'ours-busy', 'ours-online']) assert.ok(run.summary.includes(name), name)
  })

  test('a runner that connected after the listing is seen at the look before its delete, and kept', async () => {
    add('ours-idle', [LABEL])
    add('ours-late', [LABEL])
    // Its host connects after the listing, before the look by id.
    github.beforeListing = () => setImmediate(() => github.setRunner('ours-late', { status: 'online', busy: true }))
    const run = await runAction(pruneInputs({ 'ownership-label': LABEL }))
    assert.equal(run.exitCode, 0, run.stdout)
    assert.deepEqual(remaining(), ['ours-late'])
    assert.equal(run.outputs.pruned, '1')
    assert.equal(run.outputs.kept, '1')
    assert.match(run.stdout, /spared 1 \(ours-late: busy\)/)
  })

  test('dry run: names what it would delete, sends no delete', async () => {
    aBatchAndNeighbours()
    const run = await runAction(pruneInputs({ 'ownership-label': LABEL, 'dry-run': 'true' }))
    assert.equal(run.exitCode, 0, run.stdout)
    assert.equal(remaining().length, 6)
    assert.equal(github.requests.filter(isDelete).length, 0)
    assert.equal(run.outputs.pruned, '0')
    assert.equal(run.outputs.kept, '2')
    assert.match(run.stdout, /Dry run: would delete 2 \(ours-idle-1, ours-idle-2\); deleted nothing\./)
    assert.match(run.summary, /Prune, dry run: nothing deleted/)
  })

  test('a delete that keeps failing fails the step, naming the runner; what was deleted is said', async () => {
    add('ours-idle-1', [LABEL])
    github.faults.push({ method: 'DELETE', status: 403, body: { message: 'Resource not accessible by integration' } })
    const run = await runAction(pruneInputs({ 'ownership-label': LABEL }))
    assert.equal(run.exitCode, 1)
    assert.equal(run.outputs.pruned, '0')
    assert.match(errorLine(run), /Could not delete 1 runner\(s\) with the ownership label mrt-[0-9a-z]+-abcdefghij: ours-idle-1: /)
    assert.match(run.summary, /Prune incomplete/)
  })
})

describe('type: prune by age (the sweeper)', () => {
  test('deletes offline idle runners whose label is older; keeps the young, the busy, the old-form and the foreign', async () => {
    add('old-idle', [labelMadeAgo(3 * 3600_000, 'oldidle000')])
    add('young-idle', [labelMadeAgo(30 * 60_000, 'youngidle0')])
    add('old-busy', [labelMadeAgo(3 * 3600_000, 'oldbusy000')], { status: 'online', busy: true })
    add('old-form', ['mrt-abcdefghij'])
    add('foreign', [])
    const run = await runAction(pruneInputs({ 'older-than': '2h' }))
    assert.equal(run.exitCode, 0, run.stdout)
    assert.deepEqual(remaining(), ['foreign', 'old-busy', 'old-form', 'young-idle'])
    assert.equal(run.outputs.pruned, '1')
    assert.equal(run.outputs.kept, '3')
    assert.match(run.stdout, /young-idle: younger than 120m \(label mrt-[0-9a-z]+-youngidle0, 30m(\ds)? old\)/)
    assert.match(run.stdout, /old-busy: busy/)
    assert.match(run.stdout, /old-form: old-form label, age unknown \(pruned only by its exact label\)/)
    assert.match(run.stdout, /1 without an ownership label were not looked at/)
  })

  test('an old-form label is pruned by its exact label', async () => {
    add('old-form', ['mrt-abcdefghij'])
    const run = await runAction(pruneInputs({ 'ownership-label': 'mrt-abcdefghij' }))
    assert.equal(run.exitCode, 0, run.stdout)
    assert.deepEqual(remaining(), [])
    assert.equal(run.outputs.pruned, '1')
  })

  test('more runners than one page, someone else deleting between pages: every page is read before the first delete, none is skipped', async () => {
    // 150 of ours among 100 foreign, interleaved: 3 pages of 100.
    for (let i = 0; i < 250; i++) {
      if (i % 5 < 3) add(`ours-${i}`, [labelMadeAgo(3 * 3600_000, 'pagedbatch')])
      else add(`foreign-${i}`, [])
    }
    // While page 2 is asked for, someone else deletes 30 foreign runners: the listing moves.
    github.beforeListing = (earlier) => {
      if (earlier !== 1) return
      for (const name of remaining()
        .filter((n) => n.startsWith('foreign-'))
        .slice(0, 30))
        github.unregister(name)
    }
    const run = await runAction(pruneInputs({ 'older-than': '1h' }))
    assert.equal(run.exitCode, 0, run.stdout)
    assert.deepEqual(
      remaining().filter((n) => n.startsWith('ours-')),
      [],
    )
    assert.equal(remaining().length, 70)
    assert.equal(run.outputs.pruned, '150')
    assert.match(
      run.stdout,
      /the listing changed while it was read \(the total went from 250 to 220 between pages\); reading it again from page 1/,
    )
    const lastListing = github.requests.map(isListing).lastIndexOf(true)
    const firstDelete = github.requests.findIndex(isDelete)
    assert.ok(lastListing < firstDelete, 'every page was read before the first delete')
    assert.equal(github.requests.filter(isDelete).length, 150)
  })
})

describe('the command: mint-runner-token prune', () => {
  const env = (): Record<string, string> => ({ GITHUB_TOKEN: TOKEN })
  const base = (): string[] => ['--repository', 'octo-org/octo-repo', '--api-url', apiUrl, '--initial-delay', '10ms']

  test('prune --ownership-label --json: the whole report on stdout, progress on stderr', async () => {
    aBatchAndNeighbours()
    const run = await runCli(['prune', ...base(), '--ownership-label', LABEL, '--json'], env())
    assert.equal(run.exitCode, 0, run.stderr)
    const result = JSON.parse(run.stdout)
    assert.equal(result.type, 'prune')
    assert.equal(result.pruned, 2)
    assert.equal(result.kept, 2)
    assert.equal(result.dry_run, false)
    assert.deepEqual(result.deleted.map((r: { name: string }) => r.name).sort(), ['ours-idle-1', 'ours-idle-2'])
    assert.deepEqual(
      result.spared.map((r: { name: string; why: string }) => `${r.name}: ${r.why}`),
      ['ours-busy: busy', 'ours-online: online'],
    )
    assert.deepEqual(result.not_deleted, [])
    assert.match(run.stderr, /Deletes: deleted all 2/)
    assert.deepEqual(remaining(), ['foreign', 'other-step', 'ours-busy', 'ours-online'])
  })

  test('prune --older-than --dry-run: the names it would delete, one a line; nothing deleted', async () => {
    add('old-idle', [labelMadeAgo(3 * 3600_000, 'oldidle000')])
    add('young-idle', [labelMadeAgo(60_000, 'youngidle0')])
    const run = await runCli(['prune', ...base(), '--older-than', '2h', '--dry-run'], env())
    assert.equal(run.exitCode, 0, run.stderr)
    assert.equal(run.stdout, 'old-idle\n')
    assert.equal(remaining().length, 2)
  })

  test('prune without a label or an age: a usage error naming both options, and no request', async () => {
    const run = await runCli(['prune', ...base()], env())
    assert.equal(run.exitCode, 2)
    assert.match(run.stderr, /Option --ownership-label or --older-than is required for type "prune": .*; got neither\./)
    assert.equal(github.requests.length, 0)
  })
})
