// Keeps `npm run bench` working: a tiny run (N = 3, capacity 1) of five strategies, one run of
// each GitHub App scenario, and small runs of the rows under the secondary limit (a batch of 20, a
// prune of 30 listed with 9 to delete, a wait on 5). It checks what the run must get right
// whatever the machine's speed, never a time.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const BENCH = new URL('../../scripts/bench/index.ts', import.meta.url).pathname

test('the benchmark runs a burst of 3 jobs per strategy and writes its table and chart', async () => {
  const out = await mkdtemp(join(tmpdir(), 'mint-runner-token-bench-'))
  try {
    const args = [
      '--sizes=3',
      '--brownout-size=',
      '--capacity=1',
      '--startup-runs=1',
      '--strategies=no-retry,action-full,spread,shared,jit',
      '--app-runs=1',
      '--batch-size=20',
      '--prune-listed=30',
      '--prune-delete=9',
      '--wait-runners=5',
      // Hosts online within 1 s × 0.05 of the first listing: a wait of a poll or two.
      '--boot-ms=20000',
      `--out=${out}`,
    ]
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--import', 'tsx', BENCH, ...args], { timeout: 90_000 }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      ),
    )
    const row = (label: RegExp) => {
      const line = stdout.split('\n').find((l) => label.test(l))
      assert.ok(line, `no row matching ${label} in:\n${stdout}`)
      return line.split('|').map((cell) => cell.trim())
    }
    // The three jobs hit the stand-in together and only one fits: no retry gets one token.
    assert.deepEqual(row(/^\| no retry/).slice(2, 4), ['1/3', '3'])
    // The action retries the other two into tokens.
    const action = row(/^\| this action, jitter full/)
    assert.equal(action[2], '3/3')
    assert.ok(Number(action[3]) > 3, `the action needed retries: ${action[3]} requests`)
    // Spread over N × S ÷ C, the three jobs (held at a gate before their spread) all get a token.
    assert.equal(row(/^\| this action, defaults and spread N×S\/C/)[2], '3/3')
    // One mint serves all three hosts.
    assert.deepEqual(row(/^\| one mint shared/).slice(2, 4), ['3/3', '1'])
    // One JIT step registers all three runners, retrying the ones that did not fit.
    const jit = row(/^\| JIT, one step/)
    assert.equal(jit[2], '3/3')
    assert.ok(Number(jit[3]) > 3, `the JIT step needed retries: ${jit[3]} requests`)
    assert.match(jit[5], /^\d+ ms/, `p50 to token of the JIT row: ${jit[5]}`)

    // GitHub App: four requests (lookup, token, mint, revoke) and three attempts when idle; a burst
    // of 502s on the lookup or on the token call is retried into a token, and the token revoked.
    const cells = (label: RegExp) => row(label).slice(1, -1)
    assert.deepEqual(cells(/^\| `github-token`, idle/).slice(2, 6), ['0 / 0 / 1 / 0', '0', '1', '1/1'])
    assert.deepEqual(cells(/^\| `app-id` \+ `private-key`, idle/).slice(2, 7), ['1 / 1 / 1 / 1', '0', '3', '1/1', '1/1'])
    for (const burst of [
      /^\| `app-id` \+ `private-key`, burst from the first request/,
      /^\| `app-id` \+ `private-key`, burst from the token request/,
    ]) {
      const [, , requests, gateway, , minted, revoked] = cells(burst)
      assert.ok(Number(gateway) > 0, `the burst was not met: ${gateway}`)
      assert.match(requests, /^\d+ \/ \d+ \/ 1 \/ 1$/)
      assert.deepEqual([minted, revoked], ['1/1', '1/1'])
    }
    assert.equal(cells(/^\| `github-token`, burst from the first request/)[5], '1/1')

    // Under the secondary limit. A batch of 20 registers all 20, every one reported, and stays far
    // inside the limit (even 8 attempts each would be 800 of 900 points): no refusal.
    const batch = row(/^\| `type: jit`, `count: 20`/)
    assert.equal(batch[2], '20/20', 'every runner registered and reported, none other')
    assert.ok(Number(batch[3]) >= 20)
    assert.equal(batch[6], '0', 'no secondary-limit refusal')
    // The ideal is computed, not measured: capacity 1 serves 20 writes one after another, 20 × 50 ms.
    assert.equal(batch[8], '1000 ms')
    assert.match(batch[10], /^\d+ KiB$/, `GITHUB_STATE: ${batch[10]}`)
    assert.notEqual(batch[10], '0 KiB', 'the batch saved its ledger')
    assert.notEqual(batch[11], '0 KiB', 'the batch set its outputs')
    assert.equal(batch[13], 'ok')
    // The prune deletes exactly the 9 offline idle runners of the label and keeps the 11 online or
    // busy ones of it: one listing page, a look and a delete (at least) for each.
    const prune = row(/^\| `type: prune`, `ownership-label`, 9 to delete/)
    assert.deepEqual(prune.slice(2, 6), ['30', '9/9', '11', '21'])
    const [, pages, looks, deletes] = /^\d+ \((\d+) \/ (\d+) \/ (\d+) \/ \d+\)$/.exec(prune[6]) ?? []
    assert.equal(pages, '1')
    assert.ok(Number(looks) >= 9 && Number(deletes) >= 9, prune[6])
    assert.equal(prune[8], '0', 'no secondary-limit refusal')
    assert.equal(prune[10], '950 ms', 'one page, then 9 looks and deletes one after another: 50 + 9 × 100 ms')
    assert.equal(prune[12], 'ok')
    // The wait sees all 5 connect, with one request per poll: 5 runners fit one page.
    const wait = row(/^\| `type: wait`/)
    assert.deepEqual(wait.slice(2, 4), ['5', '5/5'])
    assert.ok(Number(wait[5]) >= 1)
    assert.equal(wait[6], `${wait[5]} (${wait[5]})`, 'one listing page per poll, no other request')
    assert.equal(wait[7], '1.00')
    assert.equal(wait[10], 'ok')

    const svg = await readFile(join(out, 'bench.svg'), 'utf8')
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/)
    for (const id of ['no-retry', 'action-full', 'spread', 'shared', 'jit'])
      assert.match(svg, new RegExp(`<polyline data-strategy="${id}"`))
    const markdown = await readFile(join(out, 'bench.md'), 'utf8')
    assert.match(markdown, /### Burst, N = 3/)
    assert.match(markdown, /Machine: \d+ cores/)
    assert.match(markdown, /N × S ÷ C \(150 ms at N = 3\)/)
    for (const title of [
      "### Under GitHub's secondary limit",
      '#### A batch of 20 JIT runners in one step',
      '#### Prune of 30 listed runners, 9 to delete',
      '#### Wait on 5 runners',
    ])
      assert.ok(markdown.includes(title), title)
  } finally {
    await rm(out, { recursive: true, force: true })
  }
})
