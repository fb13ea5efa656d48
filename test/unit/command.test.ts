// runCommand from the sources against the loopback stand-in with a fake clock: for each path, what
// goes to stdout (only the result), what goes to stderr, and the exit status. stdout is a
// collaborator that can fail as a closed pipe does: then nothing was handed over.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { type CommandIo, runCommand } from '../../src/command.js'
import { helpText } from '../../src/command-help.js'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { StandInApp } from '../support/github-app.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { FakeClock } from '../support/fake-clock.js'
import packageJson from '../../package.json' with { type: 'json' }

const TOKEN = 'ghp_CommandUnitToken0123456789abcd'
const REPO = '/repos/octo-org/octo-repo'
const github = new GitHubStandIn({ acceptToken: TOKEN })
let apiUrl: string
useStandIn(github, (url) => (apiUrl = url))

interface Ran {
  status: number
  stdout: string
  stderr: string
}

/** Runs the command; `failWrite` makes every stdout write fail with that error. */
async function command(args: string[], options: { failWrite?: Error; signal?: AbortSignal; random?: () => number } = {}): Promise<Ran> {
  let stdout = ''
  let stderr = ''
  const io: CommandIo = {
    stdout: async (text) => {
      if (options.failWrite) throw options.failWrite
      stdout += text
    },
    stderr: (text) => void (stderr += text),
  }
  // Varied, so that a batch's generated names differ (a constant would make every suffix the same).
  let draws = 0
  const deps = { clock: new FakeClock(), random: options.random ?? (() => (draws++ % 97) / 97), signal: options.signal }
  const status = await runCommand(args, { GITHUB_TOKEN: TOKEN }, io, deps)
  return { status, stdout, stderr }
}

const target = () => ['--repository', 'octo-org/octo-repo', '--api-url', apiUrl, '--initial-delay', '10ms']
const jit = (count: number) => [...target(), '--type', 'jit', '--labels', 'gpu', '--count', String(count), '--runner-name', 'host']
const epipe = () => Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })
const aborted = (reason: string) => {
  const cancel = new AbortController()
  cancel.abort(reason)
  return cancel.signal
}
const LABEL = /ownership label (mrt-[a-z0-9]{1,11}-[a-z0-9]{10})/

describe('runCommand: help, version, usage', () => {
  test('--help prints the help on stdout, exit 0', async () => {
    assert.deepEqual(await command(['--help']), { status: 0, stdout: helpText(), stderr: '' })
  })

  test('--help says --labels is required for jit unless --exclusive true, as the command checks', async () => {
    assert.match(helpText(), /\(required for jit, unless --exclusive true\)/)
    const exclusive = await command(['--repository', 'o/r', '--type', 'jit', '--exclusive', 'true', '--labels', 'gpu'])
    assert.equal(exclusive.status, 2)
  })

  test('--version prints the version', async () => {
    assert.deepEqual(await command(['--version']), { status: 0, stdout: `${packageJson.version}\n`, stderr: '' })
  })

  test('--help with stdout closed: exit 1, the reason on stderr', async () => {
    assert.deepEqual(await command(['--help'], { failWrite: epipe() }), {
      status: 1,
      stdout: '',
      stderr: 'mint-runner-token: could not write the result to stdout (EPIPE: the reader is gone), so nothing was handed over\n',
    })
  })

  test('a usage error: exit 2, the message and where to find usage, no request', async () => {
    const ran = await command(['--token', 'x'])
    assert.equal(ran.status, 2)
    assert.equal(ran.stdout, '')
    assert.equal(
      ran.stderr,
      'mint-runner-token: option --token is not accepted: a token on the command line shows up in process lists, shell history and logs. ' +
        'Put it in the environment instead: GITHUB_TOKEN or GH_TOKEN.\nRun "mint-runner-token --help" for usage.\n',
    )
    assert.deepEqual(github.requests, [])
  })

  test("an input parseInputs refuses: exit 2, in the command line's words", async () => {
    const ran = await command([...target(), '--max-attempts', '0'])
    assert.equal(ran.status, 2)
    assert.match(
      ran.stderr,
      /^mint-runner-token: Option --max-attempts must be a whole number from 1 to 100; got "0"\.\nRun "mint-runner-token --help" for usage\.\n$/,
    )
    assert.deepEqual(github.requests, [])
  })
})

describe('runCommand: a token', () => {
  test('the token alone on stdout, progress on stderr, exit 0', async () => {
    const ran = await command(target())
    const token = github.minted.at(-1)!
    assert.equal(ran.status, 0)
    assert.equal(ran.stdout, `${token}\n`)
    const lines = ran.stderr.split('\n')
    assert.equal(lines[0], `Minting a registration token for repository octo-org/octo-repo via ${apiUrl}`)
    assert.match(lines[1], /^Minted a registration token for repository octo-org\/octo-repo; it expires at .+ \(1 attempt\(s\)\)\.$/)
    assert.equal(lines.length, 3)
  })

  test('--json: the whole result in snake_case, with the scope, the target and the runner URL', async () => {
    const ran = await command([...target(), '--json', '--quiet'])
    assert.equal(ran.status, 0)
    assert.equal(ran.stderr, '')
    const result = JSON.parse(ran.stdout) as Record<string, unknown>
    assert.deepEqual(Object.keys(result).sort(), ['attempts', 'expires_at', 'runner_url', 'scope', 'target', 'token', 'type'])
    assert.equal(result.token, github.minted.at(-1))
    assert.equal(result.attempts, 1)
    assert.equal(result.type, 'registration')
    assert.equal(result.scope, 'repository')
    assert.equal(result.target, 'octo-org/octo-repo')
    assert.equal(result.runner_url, `${apiUrl}/octo-org/octo-repo`)
    assert.ok(ran.stdout.endsWith('}\n') && !ran.stdout.slice(0, -1).includes('\n'))
  })

  test('a mint GitHub refuses: exit 1, the reason on stderr, control characters shown as escapes, nothing on stdout', async () => {
    github.faults.push({ status: 422, body: { message: 'Runners are \u001b[31mdisabled', documentation_url: 'x' } })
    const ran = await command([...target(), '-q'])
    assert.equal(ran.status, 1)
    assert.equal(ran.stdout, '')
    assert.match(ran.stderr, /^mint-runner-token: .*\(422\).*Runners are \\x1b\[31mdisabled/)
    assert.equal(ran.stderr.split('\n').length, 2)
  })

  test('stopped before the first request: 130 for SIGINT, 143 for SIGTERM', async () => {
    for (const [signal, status] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      const ran = await command([...target(), '-q'], { signal: aborted(signal) })
      assert.equal(ran.status, status, ran.stderr)
      assert.equal(ran.stderr, 'mint-runner-token: Cancelled before the first request; no token was minted.\n')
    }
    assert.deepEqual(github.requests, [])
  })

  test('a stdout that cannot be written: exit 1, one line naming the error code, or its message when it has none', async () => {
    const full = await command([...target(), '-q'], { failWrite: Object.assign(new Error('write ENOSPC'), { code: 'ENOSPC' }) })
    assert.deepEqual(full, {
      status: 1,
      stdout: '',
      stderr: 'mint-runner-token: could not write the result to stdout (ENOSPC), so nothing was handed over\n',
    })
    const odd = await command([...target(), '-q'], { failWrite: new Error('stream destroyed') })
    assert.equal(odd.stderr, 'mint-runner-token: could not write the result to stdout (stream destroyed), so nothing was handed over\n')
  })
})

describe('runCommand: GitHub Enterprise Server and GitHub App credentials', () => {
  const app = new StandInApp({
    installations: [{ id: 4242, account: 'octo-org', permissions: { administration: 'write', metadata: 'read' } }],
  })
  const ghes = new GitHubStandIn({ app, enterpriseVersion: '3.14.2' })
  let ghesUrl: string
  before(async () => (ghesUrl = await ghes.start()))
  after(() => ghes.close())

  async function viaApp(args: string[], signal?: AbortSignal): Promise<Ran> {
    let stdout = ''
    let stderr = ''
    const io: CommandIo = { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text) }
    let draws = 0
    const env = { GITHUB_APP_ID: String(app.id), GITHUB_APP_PRIVATE_KEY: app.privateKeyPem }
    const status = await runCommand(args, env, io, { clock: new FakeClock(), random: () => (draws++ % 97) / 97, signal })
    return { status, stdout, stderr }
  }

  test('a JIT step with App credentials stopped before its first request says no runner was registered', async () => {
    const before = ghes.requests.length
    const ran = await viaApp(
      ['--repository', 'octo-org/octo-repo', '--api-url', ghesUrl, '--type', 'jit', '--labels', 'gpu', '-q'],
      aborted('SIGTERM'),
    )
    assert.equal(ran.status, 143, ran.stderr)
    assert.equal(ran.stderr, 'mint-runner-token: Cancelled before the first request; no runner was registered.\n')
    assert.equal(ghes.requests.length, before)
  })

  test('--json names the server version; a revoke that fails is a warning line on stderr, not a failure', async () => {
    // Every revoke attempt fails (the only DELETE of a run that succeeds).
    for (let i = 0; i < 3; i++) ghes.faults.push({ method: 'DELETE', status: 502 })
    const args = [
      '--repository',
      'octo-org/octo-repo',
      '--api-url',
      ghesUrl,
      '--type',
      'jit',
      '--labels',
      'gpu',
      '--json',
      '--initial-delay',
      '10ms',
    ]
    const ran = await viaApp(args)
    assert.equal(ran.status, 0, ran.stderr)
    assert.equal((JSON.parse(ran.stdout) as { server_version?: string }).server_version, '3.14.2')
    assert.match(ran.stderr, /^Warning: Could not revoke the installation token \(3 attempt\(s\), last: HTTP 502/m)
  })
})

describe('runCommand: just-in-time runners', () => {
  test('one encoded config per line, in order; stderr names the label and every runner', async () => {
    const ran = await command(jit(2))
    assert.equal(ran.status, 0, ran.stderr)
    const runners = github.runners
    assert.equal(runners.length, 2)
    assert.equal(
      ran.stdout,
      github.minted
        .slice(-2)
        .map((config) => `${config}\n`)
        .join(''),
    )
    const label = LABEL.exec(ran.stderr)![1]
    assert.ok(runners.every((r) => r.labels.some((l) => l.name === label)))
    const lines = ran.stderr.split('\n')
    assert.equal(
      lines[0],
      `Registering 2 just-in-time runner(s) for repository octo-org/octo-repo; each carries the ownership label ${label}.`,
    )
    assert.equal(
      lines.at(-2),
      `Registered 2 just-in-time runner(s) for repository octo-org/octo-repo: ${runners.map((r) => `${r.name} (id ${r.id})`).join(', ')}.`,
    )
  })

  test('--json lists the runners with the ownership label and the target', async () => {
    const ran = await command([...jit(1), '--json', '-q'])
    assert.equal(ran.status, 0)
    const result = JSON.parse(ran.stdout) as Record<string, unknown>
    const [runner] = github.runners
    assert.deepEqual(result, {
      runners: [{ id: runner.id, name: runner.name, encoded_jit_config: github.minted.at(-1) }],
      attempts: 1,
      type: 'jit',
      scope: 'repository',
      target: 'octo-org/octo-repo',
      runner_url: `${apiUrl}/octo-org/octo-repo`,
      ownership_label: runner.labels.map((l) => l.name).find((name) => name.startsWith('mrt-')),
    })
  })

  test('stdout closed: nothing handed over, so every runner is deleted; exit 1, the reason and the rollback on stderr', async () => {
    const ran = await command([...jit(3), '-q'], { failWrite: epipe() })
    assert.equal(ran.status, 1)
    assert.deepEqual(github.runners, [])
    assert.equal(github.requests.filter((r) => r.method === 'DELETE').length, 3)
    assert.match(
      ran.stderr,
      /^mint-runner-token: Registered 3 runner\(s\) but could not write the result to stdout \(EPIPE: the reader is gone\), so nothing was handed over\.\nRollback: deleted all 3 \(host-[a-z0-9]{6}, host-[a-z0-9]{6}, host-[a-z0-9]{6}\)\.\n$/,
    )
  })

  test('a rollback that cannot confirm: the runners named, and the label to look for', async () => {
    const refused = { status: 422, body: { message: 'Validation Failed', documentation_url: 'https://docs.github.com/rest' } }
    github.faults.push({ method: 'DELETE', ...refused }, { method: 'DELETE', ...refused })
    const ran = await command(jit(2), { failWrite: epipe() })
    assert.equal(ran.status, 1)
    const label = LABEL.exec(ran.stderr)![1]
    const names = /Not confirmed deleted: (host-[a-z0-9]{6}), (host-[a-z0-9]{6})\. /.exec(ran.stderr)
    assert.ok(names, ran.stderr)
    assert.deepEqual([names[1], names[2]].sort(), github.runners.map((r) => r.name).sort())
    assert.ok(ran.stderr.endsWith(`. Runners this run registered carry the label ${label}: look for any that remain by it.\n`), ran.stderr)
    assert.match(ran.stderr, /\nRollback: could not delete 2 \(host-[a-z0-9]{6}: GitHub refused to delete it \(422\)/)
  })

  test('a batch refused before anything was registered: "This run registered no runner."', async () => {
    github.faults.push({
      method: 'POST',
      status: 422,
      body: { message: 'Invalid label', documentation_url: 'https://docs.github.com/rest' },
    })
    const ran = await command([...jit(1), '-q'])
    assert.equal(ran.status, 1)
    assert.match(ran.stderr, /^mint-runner-token: .*Invalid label.* This run registered no runner\.\n$/)
    assert.equal(ran.stderr.split('\n').length, 2)
  })

  test('SIGTERM before the batch: exit 143, nothing registered', async () => {
    const ran = await command([...jit(4), '-q'], { signal: aborted('SIGTERM') })
    assert.equal(ran.status, 143)
    assert.equal(ran.stdout, '')
    assert.equal(
      ran.stderr,
      'mint-runner-token: Stopped by SIGTERM while registering 4 just-in-time runner(s). This run registered no runner.\n',
    )
    assert.deepEqual(
      github.requests.filter((r) => r.path.startsWith(REPO)),
      [],
    )
  })

  test('a bug is said as one, exit 1: never a stack trace', async () => {
    // Two runners need generated suffixes: the random source is asked, and fails.
    const ran = await command([...jit(2), '-q'], {
      random: () => {
        throw new Error('no entropy')
      },
    })
    assert.deepEqual(ran, { status: 1, stdout: '', stderr: 'mint-runner-token: unexpected error: no entropy\n' })
  })
})
