// run() from the sources with a recording stand-in for @actions/core (the collaborator main.ts
// takes as an argument) against the loopback GitHub stand-in: the order of masking and outputs.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { type Core, run } from '../../src/main.js'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { FakeClock } from '../support/fake-clock.js'
import { tmpdir } from 'node:os'

const TOKEN = 'ghp_MainCallerToken0123456789'

/** Records every call in order, as the runner would see the workflow commands. */
function recordingCore(inputs: Record<string, string>, summaryFails = false) {
  const calls: string[] = []
  const summary = {
    addHeading: (text: string) => (calls.push(`summary.heading ${text}`), summary),
    addTable: (rows: unknown[]) => (calls.push(`summary.table ${JSON.stringify(rows)}`), summary),
    addRaw: (text: string) => (calls.push(`summary.raw ${text}`), summary),
    write: async () => {
      if (summaryFails) throw new Error('disk full')
      calls.push('summary.write')
      return summary
    },
  }
  const core = {
    getInput: (name: string) => inputs[name] ?? '',
    setSecret: (value: string) => void calls.push(`setSecret ${value}`),
    setOutput: (name: string, value: unknown) => void calls.push(`setOutput ${name}=${String(value)}`),
    setFailed: (message: string | Error) => void calls.push(`setFailed ${String(message)}`),
    info: (message: string) => void calls.push(`info ${message}`),
    warning: (message: string | Error) => void calls.push(`warning ${String(message)}`),
    // The post step's state: not what these tests are about.
    saveState: () => {},
    getState: () => '',
    summary,
  } as unknown as Core
  return { core, calls }
}

describe('run', () => {
  const github = new GitHubStandIn({ acceptToken: TOKEN })
  let apiUrl: string
  useStandIn(github, (url) => (apiUrl = url))
  const inputs = () => ({ 'github-token': ` ${TOKEN} `, organization: 'acme', 'api-url': apiUrl, 'initial-delay': '1s' })
  const deps = () => ({ clock: new FakeClock(), random: () => 0 })

  test('masks the caller token first and the minted token before it is an output; writes the summary', async () => {
    const { core, calls } = recordingCore(inputs())
    await run(core, { GITHUB_STEP_SUMMARY: '/dev/null' }, deps())
    const minted = github.minted.at(-1)!
    const expires = calls.find((c) => c.startsWith('setOutput expires-at='))!.slice('setOutput expires-at='.length)
    assert.deepEqual(calls, [
      `setSecret ${TOKEN}`,
      `info Minting a registration token for organization acme via ${apiUrl}`,
      `setSecret ${minted}`,
      `setOutput token=${minted}`,
      `setOutput expires-at=${expires}`,
      'setOutput attempts=1',
      `setOutput runner-url=${apiUrl}/acme`,
      `info Minted a registration token for organization acme; it expires at ${expires} (1 attempt(s)).`,
      'summary.heading Runner token minted',
      `summary.table ${JSON.stringify([
        [
          { data: 'Field', header: true },
          { data: 'Value', header: true },
        ],
        ['Scope', 'organization acme'],
        ['Type', 'registration'],
        ['Attempts', '1'],
        ['Expires at', expires],
      ])}`,
      `summary.table ${JSON.stringify([
        [
          { data: 'Attempt', header: true },
          { data: 'Answer', header: true },
          { data: 'GitHub request id', header: true },
          { data: 'Then', header: true },
        ],
        ['1', 'HTTP 201', 'STAND-IN:0001', 'minted'], // the stand-in's first answer
      ])}`,
      'summary.write',
    ])
  })

  test('without a summary file there is no summary; a summary that cannot be written is a warning', async () => {
    const quiet = recordingCore(inputs())
    await run(quiet.core, {}, deps())
    assert.ok(!quiet.calls.some((c) => c.startsWith('summary')))
    const failing = recordingCore(inputs(), true)
    await run(failing.core, { GITHUB_STEP_SUMMARY: '/dev/null' }, deps())
    assert.equal(failing.calls.at(-1), 'warning Could not write the step summary: disk full')
    assert.ok(!failing.calls.some((c) => c.startsWith('setFailed')))
  })

  test('bad input: masked, failed with the input named, no request and no output', async () => {
    const { core, calls } = recordingCore({ ...inputs(), 'max-attempts': 'lots' })
    await run(core, {}, deps())
    assert.deepEqual(calls, [`setSecret ${TOKEN}`, 'setFailed Input "max-attempts" must be a whole number from 1 to 100; got "lots".'])
    assert.equal(github.requests.length, 0)
  })

  test('an empty github-token is not masked (there is nothing to mask) and fails', async () => {
    const { core, calls } = recordingCore({ ...inputs(), 'github-token': '  ' })
    await run(core, {}, deps())
    assert.equal(calls.length, 1)
    assert.match(calls[0], /^setFailed Input "github-token" is required/)
  })

  test('a failed mint: the attempts as an output, then the failure', async () => {
    github.faults.push({ status: 404, headers: { 'x-github-request-id': 'R' } })
    const { core, calls } = recordingCore(inputs())
    await run(core, {}, deps())
    assert.ok(calls.includes('info Attempt 1/8 failed: HTTP 404 [request id R]; not retrying.'), calls.join('\n'))
    assert.equal(calls.at(-2), 'setOutput attempts=1')
    assert.match(calls.at(-1)!, /^setFailed Organization acme was not found \(404\)/)
    assert.ok(!calls.some((c) => c.startsWith('setOutput token')))
  })

  describe('a JIT step that cannot hand over rolls back in the step', () => {
    const jitInputs = () => ({ ...inputs(), organization: '', repository: 'octo-org/octo-repo', type: 'jit', labels: 'gpu', count: '2' })
    let draws = 0
    const jitDeps = () => ({ clock: new FakeClock(), random: () => (draws++ % 97) / 97 })

    /** A core whose setOutput of `failingOutput`, or whose saveState of a ledger `failingSave` picks, throws as a full disk would. */
    function failingCore(failingOutput?: string, failingSave: (saved: string) => boolean = () => false) {
      const { core, calls } = recordingCore(jitInputs())
      const saved: string[] = []
      const failing = Object.assign(core, {
        setOutput: (name: string, value: unknown) => {
          if (name === failingOutput) throw new Error('ENOSPC: no space left on device, write')
          calls.push(`setOutput ${name}=${String(value)}`)
        },
        saveState: (_name: string, value: string) => {
          if (failingSave(value)) throw new Error('EACCES: permission denied, open')
          saved.push(value)
        },
      })
      return { core: failing, calls, saved }
    }

    test('an output that cannot be written: both runners deleted, the failure names the output file and the rollback', async () => {
      const { core, calls } = failingCore('runners')
      await run(core, { RUNNER_TEMP: tmpdir() }, jitDeps())
      assert.deepEqual(github.runners, [])
      assert.equal(github.requests.filter((r) => r.method === 'DELETE').length, 2)
      const failed = calls.find((c) => c.startsWith('setFailed'))!
      assert.match(
        failed,
        /^setFailed Registered 2 runner\(s\) but could not set its outputs \(GITHUB_OUTPUT\): ENOSPC: no space left on device, write\. Rollback: deleted all 2 \(/,
      )
    })

    test('the ledger that cannot be saved at the hand-over: both runners deleted, the failure says so', async () => {
      // Every save before the hand-over's succeeds.
      const { core, calls, saved } = failingCore(undefined, (value) => value.includes('"handed_over":true'))
      await run(core, { RUNNER_TEMP: tmpdir() }, jitDeps())
      assert.deepEqual(github.runners, [])
      assert.ok(saved.length >= 4)
      assert.match(
        calls.find((c) => c.startsWith('setFailed'))!,
        /^setFailed Registered 2 runner\(s\) but could not save the list of runners for the post step \(GITHUB_STATE\): EACCES: permission denied, open\. Rollback: deleted all 2 \(/,
      )
    })

    test('a signal after the hand-over (during the summary, the revoke): taken back in the ledger, the step fails naming them and the label', async () => {
      const cancel = new AbortController()
      const { core, calls, saved } = failingCore()
      const marked = Object.assign(core, {
        setOutput: (name: string, value: unknown) => {
          calls.push(`setOutput ${name}=${String(value)}`)
          // The last output: the signal comes right after the hand-over.
          if (name === 'runner-url') queueMicrotask(() => cancel.abort('SIGINT'))
        },
      })
      await run(marked, { RUNNER_TEMP: tmpdir() }, { ...jitDeps(), signal: cancel.signal })
      const last = JSON.parse(saved.at(-1)!) as { label: string; runners: { name: string; handed_over?: boolean }[] }
      assert.equal(last.runners.length, 2)
      assert.ok(
        last.runners.every((r) => !r.handed_over),
        saved.at(-1),
      )
      assert.ok(
        JSON.parse(saved.at(-2)!).runners.every((r: { handed_over?: boolean }) => r.handed_over),
        'handed over first',
      )
      assert.equal(github.runners.length, 2, 'the post step removes them')
      assert.equal(
        calls.find((c) => c.startsWith('setFailed')),
        `setFailed Stopped by SIGINT after handing over 2 just-in-time runner(s): the job is cancelled, so no later step uses them. ` +
          `The post step removes them (label ${last.label}): ${last.runners.map((r) => r.name).join(', ')}.`,
      )
    })
  })
})
