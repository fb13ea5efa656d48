// The ledger in GITHUB_STATE through the bundled action: a batch of 100 appends each change once
// (what it writes grows with N), and the post step folds it back and removes every runner.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { TOKEN, jitInputs, ledgerState } from '../support/jit-scenario.js'
import { runAction, runPost } from '../support/run-action.js'

const github = new GitHubStandIn({ acceptToken: TOKEN })
let apiUrl: string
useStandIn(github, (url) => (apiUrl = url))

test('a batch of 100: under 50 KB of state (the whole-ledger saves wrote 391 KB), folded by the post step, which removes all 100', async (t) => {
  const inputs = jitInputs(apiUrl, { count: '100', 'runner-name': 'fleet' })
  const main = await runAction(inputs)
  assert.equal(main.exitCode, 0, main.stdout)
  t.diagnostic(`GITHUB_STATE after a batch of 100: ${main.stateBytes} bytes`)
  assert.ok(main.stateBytes < 50_000, `the batch wrote ${main.stateBytes} bytes of state`)
  const ledger = ledgerState(main)
  assert.equal(ledger.label, main.outputs['ownership-label'])
  assert.equal(ledger.runners.length, 100)
  assert.ok(ledger.runners.every((r) => r.id !== undefined && r.handed_over === true))
  // As after a failed job: the post step folds the changes and deletes the runners that never connected.
  const post = await runPost(inputs, main)
  assert.equal(post.exitCode, 0, post.stdout)
  assert.match(post.stdout, /deleted all 100/)
  assert.deepEqual(github.runners, [])
})
