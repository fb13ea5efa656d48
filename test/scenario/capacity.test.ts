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

test('hold() keeps requests until released, then handles them in arrival order as one burst', async () => {
  const github = new GitHubStandIn({ maxInFlight: 1, latencyMs: 50 })
  const url = await github.start()
  try {
    const release = github.hold()
    const post = (who: string) =>
      fetch(`${url}/orgs/o/actions/runners/registration-token`, { method: 'POST', headers: { authorization: `Bearer ${who}` } }).then(
        (r) => r.status,
      )
    const first = post('first')
    while (github.requests.length < 1) await new Promise((resolve) => setTimeout(resolve, 5))
    const second = post('second')
    while (github.requests.length < 2) await new Promise((resolve) => setTimeout(resolve, 5))
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.equal(github.requests[0].status, undefined, 'nothing is answered while held')
    release()
    assert.deepEqual(await Promise.all([first, second]), [201, 502])
    assert.deepEqual(
      github.requests.map((r) => r.status),
      [201, 502],
    )
    assert.ok(github.requests.every((r) => r.answeredAt !== undefined && r.answeredAt >= r.at))
  } finally {
    await github.close()
  }
})

test('brownout() answers every request 502 for its window, then capacity rules again', async () => {
  const github = new GitHubStandIn({ maxInFlight: 5 })
  const url = await github.start()
  try {
    const post = () => fetch(`${url}/orgs/o/actions/runners/registration-token`, { method: 'POST' }).then((r) => r.status)
    github.brownout(150)
    assert.deepEqual(await Promise.all([post(), post()]), [502, 502])
    await new Promise((resolve) => setTimeout(resolve, 200))
    assert.equal(await post(), 201)
    assert.equal(github.rejected, 0, 'brownout answers are not capacity rejections')
  } finally {
    await github.close()
  }
})
