// `npm run demo` (scripts/demo.ts) runs the bundled action against the stand-in; with --app as a
// GitHub App. The README tells users to run both, so both run here (without the build npm adds).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'

const DEMO = new URL('../../scripts/demo.ts', import.meta.url).pathname

function demo(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, ['--import', 'tsx', DEMO, ...args], { timeout: 60_000 }, (error, stdout) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout }),
    ),
  )
}

test('the demo mints through two 502s and a 429', async () => {
  const { code, stdout } = await demo([])
  assert.equal(code, 0, stdout)
  assert.match(stdout, /The action exited 0 after 4 requests/)
  assert.match(stdout, /token: \*\*\* \(\d+ characters\)/)
})

test('the demo as a GitHub App: every call retried, the installation token revoked, no mask value shown', async () => {
  const { code, stdout } = await demo(['--app'])
  assert.equal(code, 0, stdout)
  assert.match(stdout, /^Installation lookup: Attempt 1\/8 failed: HTTP 502/m)
  assert.match(stdout, /^Installation token: Attempt 1\/7 failed: HTTP 503/m)
  assert.match(stdout, /^Attempt 1\/6 failed: HTTP 429/m)
  assert.match(stdout, /^ {2}204 DELETE \/installation\/token$/m)
  assert.match(stdout, /Installation tokens made: 1, all revoked: yes\./)
  assert.equal(stdout.match(/^::add-mask::/gm)?.length, 1, 'one placeholder line, no value')
})
