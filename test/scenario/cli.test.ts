// Scenario tests for the command: dist/cli/index.js run as a process, as a host or an autoscaler
// runs it, against the loopback stand-in for GitHub.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { parse } from 'yaml'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { CLI, type CliRun, assertNoLeakOnStderr, runCli, startCli } from '../support/run-cli.js'

const TOKEN = 'ghp_StandInCallerToken0123456789abcdef'
const OTHER_TOKEN = 'ghp_SomeOtherToken9876543210fedcba'
const FAST = ['--initial-delay', '10ms', '--max-delay', '50ms']

const github = new GitHubStandIn({ acceptToken: TOKEN })
let apiUrl: string
useStandIn(github, (url) => (apiUrl = url))

function mint(args: string[] = [], env: Record<string, string> = { GITHUB_TOKEN: TOKEN }): Promise<CliRun> {
  return runCli(['--repository', 'octo-org/octo-repo', '--api-url', apiUrl, ...FAST, ...args], env)
}

function assertClean(run: CliRun): void {
  assertNoLeakOnStderr(run, [TOKEN, OTHER_TOKEN, ...github.minted])
}

/** A usage error: exit 2, nothing on stdout, no request sent, and the message says `what`. */
function assertUsageError(run: CliRun, what: RegExp): void {
  assert.equal(run.exitCode, 2, run.stderr)
  assert.equal(run.stdout, '')
  assert.match(run.stderr, what)
  assert.match(run.stderr, /Run "mint-runner-token --help" for usage/)
  assert.equal(github.requests.length, 0)
  assertClean(run)
}

describe('the command mints', () => {
  test('stdout is the token and a newline, nothing else; progress goes to stderr', async () => {
    const run = await mint()
    assert.equal(run.exitCode, 0, run.stderr)
    assert.equal(run.stdout, `${github.minted.at(-1)}\n`)
    assert.match(run.stderr, /^Minting a registration token for repository octo-org\/octo-repo via http:\/\/127\.0\.0\.1:\d+\n/)
    assert.match(run.stderr, /Minted a registration token for repository octo-org\/octo-repo; it expires at \d{4}-.+ \(1 attempt\(s\)\)\./)
    const [request] = github.requests
    assert.equal(request.path, '/repos/octo-org/octo-repo/actions/runners/registration-token')
    assert.equal(request.headers.authorization, `Bearer ${TOKEN}`)
    assertClean(run)
  })

  test('--json prints the whole result as one JSON object on one line', async () => {
    const run = await mint(['--json', '--type', 'remove'])
    assert.equal(run.exitCode, 0, run.stderr)
    assert.equal(run.stdout.split('\n').length, 2, 'one line and its newline')
    const result = JSON.parse(run.stdout)
    assert.deepEqual(Object.keys(result).sort(), ['attempts', 'expires_at', 'runner_url', 'scope', 'target', 'token', 'type'])
    assert.equal(result.token, github.minted.at(-1))
    assert.match(result.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    assert.equal(result.attempts, 1)
    assert.equal(result.type, 'remove')
    assert.equal(result.scope, 'repository')
    assert.equal(result.target, 'octo-org/octo-repo')
    // No GITHUB_SERVER_URL on a host: the loopback API's own origin is the server.
    assert.equal(result.runner_url, `${apiUrl}/octo-org/octo-repo`)
    assert.match(github.requests[0].path, /\/remove-token$/)
    assertClean(run)
  })

  test('--type jit prints the encoded JIT config of each runner on its own line', async () => {
    const run = await mint(['--type', 'jit', '--labels', 'self-hosted,linux', '--runner-name', 'host', '--count', '2'])
    assert.equal(run.exitCode, 0, run.stderr)
    const lines = run.stdout.split('\n')
    assert.equal(lines.length, 3, 'two configs and the final newline')
    assert.deepEqual(lines.slice(0, 2).sort(), github.minted.slice(-2).sort())
    const bodies = github.requests.filter((r) => r.path.endsWith('/generate-jitconfig')).map((r) => JSON.parse(r.body))
    assert.equal(bodies.length, 2)
    for (const body of bodies) {
      assert.match(body.name, /^host-[a-z0-9]{6}$/)
      assert.deepEqual(body.labels.slice(0, 2), ['self-hosted', 'linux'])
      assert.match(body.labels[2], /^mrt-[0-9a-z]+-[0-9a-z]{10}$/)
    }
    assert.match(run.stderr, /Registered 2 just-in-time runner\(s\)/)
    assertClean(run)
  })

  test('--labels takes newline-separated labels too, as --help says', async () => {
    const run = await mint(['--type', 'jit', '--labels', 'self-hosted\nlinux\n gpu'])
    assert.equal(run.exitCode, 0, run.stderr)
    const body = JSON.parse(github.requests.find((r) => r.path.endsWith('/generate-jitconfig'))!.body) as { labels: string[] }
    assert.deepEqual(body.labels.slice(0, 3), ['self-hosted', 'linux', 'gpu'])
    assert.match(
      (await runCli(['--help'])).stdout,
      /^ {2}--labels LIST +For --type jit: the runners' labels, comma- or newline-separated,/m,
    )
  })

  test('--type jit --json lists the runners', async () => {
    const run = await mint(['--type', 'jit', '--labels', 'gpu', '--json'])
    assert.equal(run.exitCode, 0, run.stderr)
    const result = JSON.parse(run.stdout)
    assert.equal(result.type, 'jit')
    assert.equal(result.runners.length, 1)
    assert.equal(result.runners[0].encoded_jit_config, github.minted.at(-1))
    assert.equal(typeof result.runners[0].id, 'number')
    assert.equal(result.runner_url, `${apiUrl}/octo-org/octo-repo`)
    assert.match(result.ownership_label, /^mrt-[0-9a-z]+-[0-9a-z]{10}$/)
    assert.ok(github.runners[0].labels.some((l) => l.name === result.ownership_label))
    assertClean(run)
  })

  test('--json gives the runner URL on the server the token came from (GITHUB_SERVER_URL when the API URL does not say)', async () => {
    const env = { GITHUB_TOKEN: TOKEN, GITHUB_SERVER_URL: 'https://ghes.example.com' }
    const org = JSON.parse((await runCli(['--organization', 'octo-org', '--api-url', apiUrl, '--json'], env)).stdout)
    assert.equal(org.runner_url, 'https://ghes.example.com/octo-org')
    const jit = JSON.parse(
      (await runCli(['--enterprise', 'octo-ent', '--type', 'jit', '--labels', 'x', '--api-url', apiUrl, '--json'], env)).stdout,
    )
    assert.equal(jit.runner_url, 'https://ghes.example.com/enterprises/octo-ent')
  })

  test('organization scope, with the API URL taken from GITHUB_API_URL', async () => {
    const run = await runCli(['--organization', 'octo-org', '--json'], { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: apiUrl })
    assert.equal(run.exitCode, 0, run.stderr)
    assert.equal(JSON.parse(run.stdout).target, 'octo-org')
    assert.equal(github.requests[0].path, '/orgs/octo-org/actions/runners/registration-token')
  })

  test('the repository defaults to GITHUB_REPOSITORY, as the action does', async () => {
    const run = await runCli(['--api-url', apiUrl], { GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: 'octo-org/from-env' })
    assert.equal(run.exitCode, 0, run.stderr)
    assert.equal(github.requests[0].path, '/repos/octo-org/from-env/actions/runners/registration-token')
  })

  test('retries are reported on stderr, one line per failed attempt, and stdout still holds only the token', async () => {
    github.faults.push(
      { status: 502, body: '<html>502 Bad Gateway</html>', offContract: 'a gateway page' },
      { status: 429, headers: { 'retry-after': '0' } },
      { reset: true },
    )
    const run = await mint(['--json'])
    assert.equal(run.exitCode, 0, run.stderr)
    assert.equal(JSON.parse(run.stdout).attempts, 4)
    const lines = run.stderr.split('\n').filter((line) => line.startsWith('Attempt '))
    assert.equal(lines.length, 3, run.stderr)
    assert.match(lines[0], /^Attempt 1\/8 failed: HTTP 502 \[request id STAND-IN:[0-9A-F]+\]; retrying in /)
    assert.match(lines[1], /^Attempt 2\/8 failed: HTTP 429 \[request id STAND-IN:[0-9A-F]+\]; retrying in /)
    assert.match(lines[2], /^Attempt 3\/8 failed: ECONNRESET/)
    assert.equal(github.requests.length, 4)
    assertClean(run)
  })

  for (const quiet of ['--quiet', '-q']) {
    test(`${quiet} leaves stderr empty on success`, async () => {
      github.faults.push({ status: 502 })
      const run = await mint([quiet])
      assert.equal(run.exitCode, 0, run.stderr)
      assert.equal(run.stderr, '')
      assert.equal(run.stdout, `${github.minted.at(-1)}\n`)
    })
  }
})

test('durations with hours and compound forms: --timeout 1h, --attempt-timeout 1m30s, --max-delay 1m0.5s', async () => {
  const run = await mint(['--timeout', '1h', '--attempt-timeout', '1m30s', '--max-delay', '1m0.5s', '--json'])
  assert.equal(run.exitCode, 0, run.stderr)
})

describe('the token comes from the environment', () => {
  test('GH_TOKEN when GITHUB_TOKEN is not set', async () => {
    const run = await mint([], { GH_TOKEN: TOKEN })
    assert.equal(run.exitCode, 0, run.stderr)
    assert.equal(github.requests[0].headers.authorization, `Bearer ${TOKEN}`)
    assertClean(run)
  })

  test('GITHUB_TOKEN first when both are set', async () => {
    const run = await mint([], { GITHUB_TOKEN: TOKEN, GH_TOKEN: OTHER_TOKEN })
    assert.equal(run.exitCode, 0, run.stderr)
    assert.equal(github.requests[0].headers.authorization, `Bearer ${TOKEN}`)
  })

  test('an empty GITHUB_TOKEN falls through to GH_TOKEN', async () => {
    const run = await mint([], { GITHUB_TOKEN: '', GH_TOKEN: TOKEN })
    assert.equal(run.exitCode, 0, run.stderr)
  })

  test('neither set is a usage error naming both variables', async () => {
    assertUsageError(await mint([], {}), /set GITHUB_TOKEN or GH_TOKEN to a token allowed to manage self-hosted runners/)
  })

  for (const args of [['--github-token', TOKEN], [`--github-token=${TOKEN}`], ['--token', TOKEN], ['--json', `--token=${TOKEN}`]]) {
    test(`a token in argv is refused, and not repeated: ${args[0].split('=')[0]}`, async () => {
      const run = await mint(args)
      assertUsageError(run, /option --(github-)?token is not accepted: a token on the command line shows up in process lists/)
      assert.match(run.stderr, /GITHUB_TOKEN or GH_TOKEN/)
    })
  }

  test('--count 1001 is refused, naming the option and the range, before any request', async () => {
    const run = await mint(['--type', 'jit', '--labels', 'gpu', '--count', '1001'])
    assertUsageError(run, /Option --count must be a whole number from 1 to 1000; got "1001"\./)
  })

  test('a stray argument (perhaps a token pasted in the wrong place) is refused without repeating it', async () => {
    const run = await mint([OTHER_TOKEN])
    assertUsageError(run, /this command takes no arguments, only options/)
  })
})

describe('failures', () => {
  test('a mint GitHub refuses exits 1 with the reason on stderr and nothing on stdout', async () => {
    const run = await mint([], { GITHUB_TOKEN: OTHER_TOKEN })
    assert.equal(run.exitCode, 1, run.stderr)
    assert.equal(run.stdout, '')
    // A 401 is retried once, then explained in the command's own words.
    assert.equal(github.requests.length, 2)
    assert.match(run.stderr, /mint-runner-token: GitHub rejected GITHUB_TOKEN \(401 Bad credentials\)/)
    assertClean(run)
  })

  test('attempts running out exits 1 and names the option to raise', async () => {
    github.faults.push({ status: 502 }, { status: 502 })
    const run = await mint(['--max-attempts', '2'])
    assert.equal(run.exitCode, 1, run.stderr)
    assert.equal(run.stdout, '')
    assert.match(run.stderr, /Gave up after 2 attempt\(s\) \(--max-attempts\)\. Last answer: HTTP 502/)
    assertClean(run)
  })

  test('a missing permission exits 1 at once, naming the permission', async () => {
    github.faults.push({ status: 404, body: { message: 'Not Found' } })
    const run = await mint()
    assert.equal(run.exitCode, 1, run.stderr)
    assert.equal(github.requests.length, 1)
    assert.match(run.stderr, /Repository octo-org\/octo-repo was not found \(404\).*"Administration: write"/)
  })
})

describe('--type jit failures', () => {
  test("a fixed name taken by another job's runner after a lost answer: exit 1, nothing deleted, said in the command's words", async () => {
    const theirs = github.register('/repos/octo-org/octo-repo', 'host-1', { labels: ['gpu'] })
    github.faults.push({ method: 'POST', status: 502 })
    const run = await mint(['--type', 'jit', '--labels', 'gpu', '--runner-name', 'host-1'])
    assert.equal(run.exitCode, 1, run.stderr)
    assert.equal(run.stdout, '')
    assert.deepEqual(github.runners, [theirs])
    assert.ok(!github.requests.some((r) => r.method === 'DELETE'))
    assert.match(
      run.stderr,
      /mint-runner-token: Runner "host-1": The runner name "host-1" is taken \(409\) by runner \d+, which this run may not delete \(it is not this run's: it lacks the label mrt-[0-9a-z]+-[0-9a-z]{10}\); it was left alone\. Choose another --runner-name/,
    )
    assert.match(
      run.stderr,
      /\nRollback: spared 1 \(host-1: not ours\)\.\nNot confirmed deleted: host-1\. Runners this run registered carry the label mrt-/,
    )
    assert.doesNotMatch(run.stderr, /post step|this step/)
    assertClean(run)
  })
})

describe('signals', () => {
  test('SIGTERM during the start spread of a JIT batch: no request, exit 143 at once, nothing registered', async () => {
    const command = startCli(
      ['--repository', 'octo-org/octo-repo', '--api-url', apiUrl, '--type', 'jit', '--labels', 'gpu', '--count', '4', '--spread', '60s'],
      { GITHUB_TOKEN: TOKEN },
    )
    await command.whenStderr(/Waiting .* before the first request \("spread"/)
    const signalledAt = Date.now()
    command.kill('SIGTERM')
    const run = await command.finished
    assert.equal(run.exitCode, 143, run.stderr)
    assert.ok(Date.now() - signalledAt < 3000, `exited ${Date.now() - signalledAt}ms after SIGTERM`)
    assert.deepEqual(github.requests, [])
    assert.match(
      run.stderr,
      /mint-runner-token: Stopped by SIGTERM while registering 4 just-in-time runner\(s\)\. This run registered no runner\./,
    )
    assertClean(run)
  })

  test('SIGINT during a token mint: the request is torn down, exit 130, the reason on stderr, nothing on stdout', async () => {
    github.faults.push({ hang: true })
    const command = startCli(['--repository', 'octo-org/octo-repo', '--api-url', apiUrl, ...FAST], { GITHUB_TOKEN: TOKEN })
    await github.whenRequests(1)
    const signalledAt = Date.now()
    command.kill('SIGINT')
    const run = await command.finished
    assert.ok(run.endedAt! - signalledAt < 7500, `exited ${run.endedAt! - signalledAt}ms after SIGINT`)
    assert.equal(run.signal, null, 'the command handled SIGINT itself')
    assert.equal(run.exitCode, 130, run.stderr)
    assert.equal(run.stdout, '')
    assert.match(run.stderr, /mint-runner-token: Stopped after 1 attempt\(s\): cancelled\./)
    assert.equal(github.requests.length, 1)
    assertClean(run)
  })
})

describe('a closed stdout', () => {
  /** Runs the command with its stdout a pipe closed before anything is written: the reader is gone. */
  function withReaderGone(args: string[]): Promise<{ exitCode: number | null; signal: NodeJS.Signals | null; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], {
        env: { PATH: process.env.PATH, GITHUB_TOKEN: TOKEN },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      child.stdout.destroy()
      let stderr = ''
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
      child.on('error', reject)
      child.on('close', (exitCode, signal) => resolve({ exitCode, signal, stderr }))
    })
  }

  test('--count 3 with the reader gone: nothing was handed over, so all 3 are deleted; exit 1, one message, no stack trace', async () => {
    const args = ['--repository', 'octo-org/octo-repo', '--api-url', apiUrl, '--type', 'jit', '--labels', 'gpu', '--count', '3', ...FAST]
    const run = await withReaderGone(args)
    assert.equal(run.signal, null)
    assert.equal(run.exitCode, 1, run.stderr)
    assert.deepEqual(github.runners, [])
    assert.equal(github.requests.filter((r) => r.method === 'DELETE').length, 3)
    assert.match(
      run.stderr,
      /mint-runner-token: Registered 3 runner\(s\) but could not write the result to stdout \(EPIPE: the reader is gone\), so nothing was handed over\.\nRollback: deleted all 3 \(jit-/,
    )
    assert.doesNotMatch(run.stderr, /^\s+at |Error:|EventEmitter|node:internal/m)
    assertNoLeakOnStderr({ exitCode: 1, signal: null, stdout: '', stderr: run.stderr }, [TOKEN, ...github.minted])
  })

  test('a token with the reader gone: exit 1 and one line saying it was not handed over', async () => {
    const run = await withReaderGone(['--repository', 'octo-org/octo-repo', '--api-url', apiUrl, '--quiet', ...FAST])
    assert.equal(run.exitCode, 1, run.stderr)
    assert.equal(
      run.stderr,
      'mint-runner-token: could not write the result to stdout (EPIPE: the reader is gone), so nothing was handed over\n',
    )
  })
})

describe('usage errors exit 2 and name the option, before any request', () => {
  test('an invalid value', async () => {
    assertUsageError(
      await mint(['--jitter', 'wild']),
      /Option --jitter must be one of "full", "equal", "decorrelated", "none"; got "wild"\./,
    )
  })

  test("the user's value is quoted as given, even when it looks like an option name", async () => {
    assertUsageError(
      await mint(['--type', 'timeout']),
      /Option --type must be one of "registration", "remove", "jit", "wait", "prune"; got "timeout"\./,
    )
  })

  test('options that contradict each other', async () => {
    assertUsageError(
      await mint(['--initial-delay', '2s', '--max-delay', '1s']),
      /Option --max-delay \("1s"\) must not be shorter than --initial-delay \("2s"\)\./,
    )
    assertUsageError(await mint(['--organization', 'a', '--enterprise', 'b']), /Set at most one of options --organization and --enterprise/)
  })

  test('an unknown option', async () => {
    assertUsageError(await mint(['--max-attempt', '3']), /Unknown option '--max-attempt'/)
  })

  test('an option without its value', async () => {
    assertUsageError(await mint(['--timeout']), /Option '--timeout <value>' argument missing/)
  })

  test('an empty value (an unset variable, say) is an error, not the default', async () => {
    assertUsageError(
      await mint(['--timeout', '']),
      /^mint-runner-token: Option --timeout was given an empty value; leave it out to use its default \(5m\)\./,
    )
    assertUsageError(await mint(['--repository=']), /Option --repository was given an empty value; leave it out/)
  })

  test('a duration error lists the forms accepted', async () => {
    assertUsageError(
      await mint(['--timeout', '1h30']),
      /Option --timeout must be a duration greater than 0 and at most 6h: seconds \("1\.5"\), or numbers with the units h, m, s and ms, largest first \("250ms", "2s", "1m", "1h", "1h30m", "2m30s"\); got "1h30"\./,
    )
  })

  test('plain http to a host that is not loopback', async () => {
    assertUsageError(await mint(['--api-url', 'http://github.example.com']), /Option --api-url must use https/)
  })
})

describe('--help and --version', () => {
  test('--help documents every option of the action, the environment, the output and the exit codes', async () => {
    const run = await runCli(['--help'])
    assert.equal(run.exitCode, 0)
    assert.equal(run.stderr, '')
    const action = parse(await readFile(new URL('../../action.yml', import.meta.url), 'utf8')) as { inputs: Record<string, unknown> }
    // Secrets never come from argv: the token and the App's key come from the environment or a file.
    for (const input of Object.keys(action.inputs).filter((name) => !['github-token', 'private-key'].includes(name))) {
      assert.match(
        run.stdout,
        new RegExp(`^  --${input} `, 'm'),
        `--help does not list --${input}: add it to INPUT_OPTIONS in src/command-options.ts`,
      )
    }
    for (const text of [
      'GITHUB_TOKEN, else GH_TOKEN',
      'GITHUB_APP_ID',
      'GITHUB_APP_PRIVATE_KEY',
      '--app-private-key-file PATH',
      '--json',
      '--quiet',
      'Exit status: 0 minted; 1 minting failed',
      '2 usage error',
      '130 stopped by SIGINT, 143 by SIGTERM',
    ]) {
      assert.ok(run.stdout.includes(text), `--help does not mention ${text}`)
    }
  })

  test('--help lists every type, jit included, and the short flags -q and -h; -h shows it too', async () => {
    const run = await runCli(['--help'])
    assert.match(
      run.stdout,
      /^ {2}--type TYPE +What to do: registration, remove or jit \(just-in-time runners\); wait and prune are subcommands\./m,
    )
    assert.match(run.stdout, /^ {2}-q, --quiet +/m)
    assert.match(run.stdout, /^ {2}-h, --help +/m)
    assert.equal((await runCli(['-h'])).stdout, run.stdout)
  })

  test('--help shows secrets handed over in the environment, never on a command line', async () => {
    const { stdout } = await runCli(['--help'])
    assert.doesNotMatch(stdout, /--jitconfig|--token\b/)
    assert.match(
      stdout,
      /^ {2}ACTIONS_RUNNER_INPUT_JITCONFIG=\$\(mint-runner-token .*--type jit.*\)\n {2}export ACTIONS_RUNNER_INPUT_JITCONFIG;/m,
    )
    assert.match(stdout, /"runner_url": "https:\/\/github\.com\/OWNER\/NAME"/)
  })

  test('every action input is an option the command accepts', async () => {
    const action = parse(await readFile(new URL('../../action.yml', import.meta.url), 'utf8')) as { inputs: Record<string, unknown> }
    // dry-run is a flag on the command line (--dry-run), with no value to leave empty.
    const inputs = Object.keys(action.inputs).filter((name) => !['github-token', 'private-key', 'dry-run'].includes(name))
    // Each is parsed (an unknown one would be "Unknown option") and reaches the check of its value.
    const runs = await Promise.all(inputs.map((name) => runCli([`--${name}=`], { GITHUB_TOKEN: TOKEN })))
    runs.forEach((run, i) => assert.match(run.stderr, new RegExp(`^mint-runner-token: Option --${inputs[i]} was given an empty value`)))
  })

  test('--version prints the package version', async () => {
    const run = await runCli(['--version'])
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
    assert.equal(run.exitCode, 0)
    assert.equal(run.stdout, `${version}\n`)
  })
})

test('the command bundle leaves out @actions/core: no workflow commands on a host, less to load', async () => {
  const bundle = await readFile(new URL('../../dist/cli/index.js', import.meta.url), 'utf8')
  const licenses = await readFile(new URL('../../dist/cli/licenses.txt', import.meta.url), 'utf8')
  assert.ok(!licenses.includes('@actions/core'), 'dist/cli bundles @actions/core')
  assert.ok(!bundle.includes('add-mask'), 'dist/cli can print ::add-mask::')
})
