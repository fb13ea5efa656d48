// The stand-in as a process of its own (scripts/stand-in.ts), as the end-to-end workflow and the
// README's quick start start it: it prints its URL and PID, plays the faults it was given, the
// bundled command mints through it, and it stops when told, when --for runs out, or when the
// process that started it exits.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseFault } from '../../scripts/stand-in.js'
import { runCli } from '../support/run-cli.js'
import { ipv6LoopbackMissing } from '../support/ipv6.js'
import { documentedRecipes, recipeNamed, which } from '../support/recipes.js'
import net from 'node:net'

const SCRIPT = new URL('../../scripts/stand-in.ts', import.meta.url).pathname
const ROOT = new URL('../../', import.meta.url).pathname
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
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const url = (await lines.next()).value as string
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/api\/v3$/)
  assert.equal((await lines.next()).value, String(child.pid), 'the second line is its PID')

  const run = await runCli(['--repository', 'octo-org/octo-repo', '--api-url', url, '--initial-delay', '10ms', '--json'], {
    GITHUB_TOKEN: TOKEN,
  })
  assert.equal(run.exitCode, 0, run.stderr)
  assert.equal(JSON.parse(run.stdout).attempts, 3)

  child.kill('SIGTERM')
  const [code] = await once(child, 'exit')
  assert.equal(code, 0)
  assert.match(stderr, /Stand-in stopped \(SIGTERM\): 3 request\(s\), 1 token\(s\) and 0 JIT config\(s\) minted\./)
  assert.ok(!stderr.includes(TOKEN), 'the stand-in logged the caller token')
})

/** Starts the script; `url` resolves with the first line of stdout, `exit` with the exit code and stderr. */
function start(args: string[]) {
  // Killed after 20 s: a script that should have refused to start fails the test instead of hanging it.
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
  const exit = once(child, 'exit').then(([code]) => ({ code: code as number, stderr }))
  const url = once(createInterface({ input: child.stdout }), 'line').then(([line]) => line as string)
  return { child, url, exit }
}

/** Every line of stderr is one message of ours: nothing that looks like a stack trace. */
function assertNoStack(stderr: string): void {
  assert.doesNotMatch(stderr, /^\s+at |node:internal|Error: /m, `a stack trace or raw error on stderr:\n${stderr}`)
}

test('a bad fault spec is a usage error: one line, exit 2', async () => {
  const { exit } = start(['--fault', 'slow'])
  const { code, stderr } = await exit
  assert.equal(code, 2)
  assert.equal(stderr, 'stand-in: --fault must be a status (502, 429:retry-after=2), reset or hang; got "slow" (see --help)\n')
})

test('a host that is not loopback is refused: one line, exit 2', async () => {
  for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) {
    const { code, stderr } = await start(['--host', host]).exit
    assert.equal(code, 2, host)
    assert.equal(
      stderr,
      `stand-in: --host must be a loopback address (127.0.0.1, ::1 or localhost); got ${JSON.stringify(host)} (see --help)\n`,
    )
  }
})

test('a port already in use: one line, exit 1', async () => {
  const taken = net.createServer()
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
  const { port } = taken.address() as net.AddressInfo
  try {
    const { code, stderr } = await start(['--port', String(port)]).exit
    assert.equal(code, 1)
    assert.equal(stderr, `stand-in: port ${port} on 127.0.0.1 is already in use\n`)
  } finally {
    taken.close()
  }
})

for (const { fault, args } of [
  { fault: '201', args: ['--repository', 'octo-org/octo-repo'] },
  { fault: '422', args: ['--repository', 'octo-org/octo-repo', '--type', 'jit', '--labels', 'gpu'] },
]) {
  test(`stopped after --fault ${fault} played (${args.includes('jit') ? 'on the JIT endpoint' : 'on a mint'}): its report, no stack trace, exit 0`, async () => {
    const { child, url, exit } = start(['--fault', fault])
    const run = await runCli([...args, '--api-url', await url, '--max-attempts', '1'], { GITHUB_TOKEN: TOKEN })
    assert.equal(run.exitCode, 1, run.stderr)
    child.kill('SIGTERM')
    const { code, stderr } = await exit
    assertNoStack(stderr)
    assert.equal(code, 0, stderr)
    assert.match(stderr, /Stand-in stopped \(SIGTERM\): 1 request\(s\)/)
  })
}

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

test('a request GitHub would refuse is reported on stop as one line, exit 1', async () => {
  const { child, url, exit } = start(['--prefix', '/api/v3'])
  await fetch(`${(await url).replace('/api/v3', '')}/not-the-api`)
  child.kill('SIGTERM')
  const { code, stderr } = await exit
  assertNoStack(stderr)
  assert.equal(code, 1)
  assert.match(stderr, /\nstand-in: GitHub's API description does not allow: GET \/not-the-api: outside the API at \/api\/v3\n$/)
})

test('JIT configs are counted as JIT configs, not tokens', async () => {
  const { child, url, exit } = start([])
  const run = await runCli(
    ['--repository', 'octo-org/octo-repo', '--api-url', await url, '--type', 'jit', '--labels', 'gpu', '--count', '2'],
    {
      GITHUB_TOKEN: TOKEN,
    },
  )
  assert.equal(run.exitCode, 0, run.stderr)
  child.kill('SIGTERM')
  assert.match((await exit).stderr, /, 0 token\(s\) and 2 JIT config\(s\) minted\./)
})

test('--for: it stops by itself when the time runs out, with its report, exit 0', async () => {
  const { code, stderr } = await start(['--for', '1s']).exit
  assert.equal(code, 0, stderr)
  assert.match(stderr, /^Stand-in stopped \(its --for 1s ran out\): 0 request\(s\)/m)
})

test('--for that is no duration is a usage error: one line, exit 2', async () => {
  const { code, stderr } = await start(['--for', 'soon']).exit
  assert.equal(code, 2)
  assert.equal(stderr, 'stand-in: --for must be a duration such as 30s, 5m or 1h; got "soon" (see --help)\n')
})

/** Whether a process is still there, waiting up to `ms` for it to go. */
async function stillRunning(pid: number, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
    try {
      process.kill(pid, 0)
    } catch {
      return false
    }
  }
  return true
}

function bash(
  script: string,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      'bash',
      ['-c', script],
      { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    ),
  )
}

for (const { how, ending } of [
  { how: 'the script that started it through npm exits', ending: '' },
  // The script goes on after killing npm: the stand-in must be gone while it still runs.
  {
    how: "a script kills npm, which started it (the old quick start's kill %1)",
    ending: 'kill "$npm"; wait "$npm"\nfor _ in $(seq 50); do kill -0 "$(sed -n 2p "$out")" 2>/dev/null || exit 0; sleep 0.1; done; exit 1',
  },
]) {
  test(`it stops when ${how}`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stand-in-parent-'))
    try {
      const out = join(dir, 'out')
      const script = `out='${out}'
npm run -s stand-in >"$out" 2>'${join(dir, 'err')}' & npm=$!
until [ "$(wc -l <"$out")" -ge 2 ]; do sleep 0.1; done
${ending}`
      const run = await bash(script)
      assert.equal(run.code, 0, run.stderr || 'the stand-in outlived npm')
      const pid = Number((await readFile(out, 'utf8')).split('\n')[1])
      assert.ok(pid > 0)
      assert.equal(await stillRunning(pid, 5_000), false, 'the stand-in outlived the script')
      assert.match(
        await readFile(join(dir, 'err'), 'utf8'),
        /^Stand-in stopped \(process \d+ \(which started it\) exited\)|^Stand-in stopped \(its parent exited\)/m,
      )
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
}

test("the README's quick start: shellcheck passes it, and as pasted it waits for the stand-in, mints, and stops it", async (t) => {
  const block = recipeNamed(await documentedRecipes(), 'stand-in-quick-start')
  assert.equal(block.lang, 'bash')
  if (which('shellcheck')) {
    const check = await new Promise<{ code: number; out: string }>((resolve) => {
      const child = execFile('shellcheck', ['--shell=bash', '-'], (error, stdout) => resolve({ code: error ? 1 : 0, out: stdout }))
      child.stdin?.end(block.code)
    })
    assert.equal(check.code, 0, check.out)
  } else t.diagnostic('shellcheck is not installed (apt-get install shellcheck): the block was run but not linted')
  const run = await bash(block.code)
  assert.equal(run.code, 0, run.stderr)
  assert.match(run.stdout, /^[A-Z0-9]{29}\n$/, 'stdout is the token')
  assert.doesNotMatch(run.stderr, /ECONNREFUSED|connection refused/i)
  assert.match(run.stderr, /Attempt 1\/8 failed: HTTP 502/)
  assert.match(run.stderr, /Stand-in stopped \(SIGTERM\): 2 request\(s\), 1 token\(s\) and 0 JIT config\(s\) minted\./)
})
