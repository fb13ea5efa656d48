// The stand-in as a process of its own (scripts/stand-in.ts), as the end-to-end workflow starts
// it: it prints its URL, plays the faults it was given, and the bundled command mints through it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { parseFault } from '../../scripts/stand-in.js'
import { runCli } from '../support/run-cli.js'
import { ipv6LoopbackMissing } from '../support/ipv6.js'

const SCRIPT = new URL('../../scripts/stand-in.ts', import.meta.url).pathname
const TOKEN = 'ghp_EndToEndCallerToken'

test('fault specs', () => {
  assert.deepEqual(parseFault('502'), { status: 502, headers: {} })
  assert.deepEqual(parseFault('429:retry-after=2'), { status: 429, headers: { 'retry-after': '2' } })
  assert.deepEqual(parseFault('403:X-RateLimit-Remaining=0,x-ratelimit-reset=1'), {
    status: 403,
    headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' },
  })
  assert.deepEqual(parseFault('reset'), { reset: true })
  assert.deepEqual(parseFault('hang'), { hang: true })
  for (const bad of ['', '5', '999', '502:retry-after', 'slow']) assert.equal(parseFault(bad), undefined, bad)
})

test('started as a process, it prints its URL, plays its faults, and reports on SIGTERM', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', SCRIPT, '--accept-token', TOKEN, '--prefix', '/api/v3', '--fault', '502', '--fault', '429:retry-after=0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
  const [url] = (await once(createInterface({ input: child.stdout }), 'line')) as [string]
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/api\/v3$/)

  const run = await runCli(['--repository', 'octo-org/octo-repo', '--api-url', url, '--initial-delay', '10ms', '--json'], {
    GITHUB_TOKEN: TOKEN,
  })
  assert.equal(run.exitCode, 0, run.stderr)
  assert.equal(JSON.parse(run.stdout).attempts, 3)

  child.kill('SIGTERM')
  const [code] = await once(child, 'exit')
  assert.equal(code, 0)
  assert.match(stderr, /Stand-in stopped: 3 request\(s\), 1 token\(s\) minted\./)
  assert.ok(!stderr.includes(TOKEN), 'the stand-in logged the caller token')
})

test('a bad fault spec is a usage error', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, '--fault', 'slow'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
  const [code] = await once(child, 'exit')
  assert.equal(code, 2)
  assert.match(stderr, /--fault must be a status .* got "slow"/)
})

test(
  '--host ::1 prints a URL with the address in brackets, and the command mints through it',
  { skip: await ipv6LoopbackMissing() },
  async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, '--host', '::1'], { stdio: ['ignore', 'pipe', 'pipe'] })
    try {
      const [url] = (await once(createInterface({ input: child.stdout }), 'line')) as [string]
      assert.match(url, /^http:\/\/\[::1\]:\d+$/)
      const run = await runCli(['--repository', 'octo-org/octo-repo', '--api-url', url, '--max-attempts', '1'], { GITHUB_TOKEN: TOKEN })
      assert.equal(run.exitCode, 0, run.stderr)
    } finally {
      child.kill('SIGTERM')
      await once(child, 'exit')
    }
  },
)
