// The stand-in's capacity model, which the benchmark and the batch tests rely on.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { GitHubStandIn } from '../support/github-stand-in.js'

test('beyond maxInFlight the stand-in answers 502 at once; admitted requests take latencyMs', async () => {
  const github = new GitHubStandIn({ maxInFlight: 2, latencyMs: 200 })
  const url = await github.start()
  try {
    const post = () => fetch(`${url}/orgs/o/actions/runners/registration-token`, { method: 'POST' }).then((r) => r.status)
    const started = Date.now()
    const statuses = await Promise.all([post(), post(), post(), post()])
    assert.deepEqual(
      statuses.sort((a, b) => a - b),
      [201, 201, 502, 502],
    )
    assert.ok(Date.now() - started >= 190)
    assert.equal(github.peakInFlight, 2)
    assert.equal(github.rejected, 2)
    assert.equal(await post(), 201)
  } finally {
    await github.close()
  }
})
