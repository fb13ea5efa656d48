// Keeps `npm run bench` working: a tiny run (N = 3, capacity 1) of five strategies, and one run of
// each GitHub App scenario. It checks what the run must get right whatever the machine's speed,
// never a time.
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

    const svg = await readFile(join(out, 'bench.svg'), 'utf8')
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/)
    for (const id of ['no-retry', 'action-full', 'spread', 'shared', 'jit'])
      assert.match(svg, new RegExp(`<polyline data-strategy="${id}"`))
    const markdown = await readFile(join(out, 'bench.md'), 'utf8')
    assert.match(markdown, /### Burst, N = 3/)
    assert.match(markdown, /Machine: \d+ cores/)
    assert.match(markdown, /N × S ÷ C \(150 ms at N = 3\)/)
  } finally {
    await rm(out, { recursive: true, force: true })
  }
})
