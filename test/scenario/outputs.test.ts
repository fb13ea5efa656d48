// The hand-over outputs through the bundled action: runner-url (where config.sh registers) and
// runners-file (every JIT runner in a file only this user can read), and why batches need the file.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { runAction, runPost } from '../support/run-action.js'

const TOKEN = 'ghp_OutputsCallerToken0123456789abcdef'
const FAST = { 'initial-delay': '10ms', 'max-delay': '50ms' }

const github = new GitHubStandIn({ acceptToken: TOKEN })
let apiUrl: string
useStandIn(github, (url) => (apiUrl = url))

let runnerTemp: string
before(async () => (runnerTemp = await mkdtemp(join(tmpdir(), 'outputs-runner-temp-'))))
after(() => rm(runnerTemp, { recursive: true, force: true }))

function jit(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'github-token': TOKEN,
    repository: 'octo-org/octo-repo',
    'api-url': apiUrl,
    type: 'jit',
    labels: 'self-hosted',
    ...FAST,
    ...extra,
  }
}

describe('runners-file', () => {
  test('a JSON file in RUNNER_TEMP, mode 0600, with every runner registered', async () => {
    const run = await runAction(jit({ count: '3' }), { RUNNER_TEMP: runnerTemp })
    assert.equal(run.exitCode, 0, run.stdout + run.stderr)
    const path = run.outputs['runners-file']
    assert.equal(dirname(path), runnerTemp)
    // The runner's umask (022 here) would leave a plain new file readable by everyone.
    assert.equal((await stat(path)).mode & 0o777, 0o600)
    const runners = JSON.parse(await readFile(path, 'utf8')) as { id: number; name: string; encoded_jit_config: string }[]
    assert.deepEqual(runners, JSON.parse(run.outputs.runners))
    assert.deepEqual(runners.map((r) => r.id).sort(), github.runners.map((r) => r.id).sort())
    assert.deepEqual(runners.map((r) => r.encoded_jit_config).sort(), github.minted.slice(-3).sort())
    assert.ok(run.lines.includes(`Wrote every runner to ${path} (output "runners-file", readable by this user only).`))
  })

  test('a RUNNER_TEMP that cannot be written: the step rolls back both runners itself, sets no runner output, leaves the post step nothing', async () => {
    // cleanup-on-failure: false, and under continue-on-error no post step runs at all: the step must clean up after itself.
    const inputs = jit({ count: '2', 'cleanup-on-failure': 'false' })
    const run = await runAction(inputs, { RUNNER_TEMP: join(runnerTemp, 'missing') })
    assert.equal(run.exitCode, 1)
    assert.match(
      run.lines.find((l) => l.startsWith('::error::')) ?? '',
      /^::error::Registered 2 runner\(s\) but could not write the runners file: ENOENT.*\. Rollback: deleted all 2 \(jit-[a-z0-9]{6}, jit-[a-z0-9]{6}\)\.$/,
    )
    assert.deepEqual(Object.keys(run.outputs).sort(), ['attempts', 'ownership-label'])
    assert.deepEqual(github.runners, [])
    assert.equal(github.requests.filter((r) => r.method === 'DELETE').length, 2)
    assert.deepEqual(JSON.parse(run.state.ledger).runners, [])
    github.requests.length = 0
    const post = await runPost(inputs, run, { RUNNER_TEMP: runnerTemp })
    assert.equal(post.exitCode, 0, post.stdout)
    assert.deepEqual(github.requests, [], 'the post step had nothing left to do')
  })

  test('a RUNNER_TEMP that cannot be written and deletes GitHub refuses: the error line names what remains and the ownership label', async () => {
    const refused = {
      method: 'DELETE' as const,
      status: 422,
      body: { message: 'Validation Failed', documentation_url: 'https://docs.github.com/rest' },
    }
    github.faults.push(refused, refused)
    const run = await runAction(jit({ count: '2' }), { RUNNER_TEMP: join(runnerTemp, 'missing') })
    assert.equal(run.exitCode, 1)
    const label = run.outputs['ownership-label']
    const error = run.lines.find((l) => l.startsWith('::error::')) ?? ''
    assert.match(error, /Rollback: could not delete 2 \(jit-[a-z0-9]{6}: GitHub refused to delete it \(422\)/)
    const remaining = github.runners.map((r) => r.name)
    assert.equal(remaining.length, 2)
    assert.ok(
      error.includes(`The post step looks again for ${remaining.join(', ')} (label ${label}).`) ||
        error.includes(`The post step looks again for ${[...remaining].reverse().join(', ')} (label ${label}).`),
      error,
    )
    assert.doesNotMatch(error, /\bdeleted\b/)
  })

  test('why batches read the file: some 30 configs in one environment variable no longer start a process', async () => {
    const run = await runAction(jit({ count: '40' }), { RUNNER_TEMP: runnerTemp })
    assert.equal(run.exitCode, 0, run.stdout + run.stderr)
    const count = (env: Record<string, string>, script: string) =>
      new Promise<string>((resolve, reject) => {
        const child = spawn('bash', ['-c', script], { env: { PATH: process.env.PATH, ...env } })
        let out = ''
        child.stdout.on('data', (chunk: Buffer) => (out += chunk))
        child.on('error', reject)
        child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`exit ${code}`))))
      })
    // `env: RUNNERS: ${{ steps.mint.outputs.runners }}`: Linux refuses a string over 128 KiB.
    assert.ok(run.outputs.runners.length > 128 * 1024, `the runners output is only ${run.outputs.runners.length} bytes`)
    await assert.rejects(count({ RUNNERS: run.outputs.runners }, 'jq length <<<"$RUNNERS"'), { code: 'E2BIG' })
    assert.equal(await count({ RUNNERS_FILE: run.outputs['runners-file'] }, 'jq length "$RUNNERS_FILE"'), '40')
  })
})

describe('runner-url', () => {
  test('repository scope, a workflow on github.com against a loopback API: GITHUB_SERVER_URL/OWNER/REPO', async () => {
    const run = await runAction(jit(), { RUNNER_TEMP: runnerTemp, GITHUB_SERVER_URL: 'https://github.com' })
    assert.equal(run.outputs['runner-url'], 'https://github.com/octo-org/octo-repo')
  })

  test('organization and enterprise scope, registration and remove tokens', async () => {
    const org = await runAction({ 'github-token': TOKEN, organization: 'octo-org', 'api-url': apiUrl })
    assert.equal(org.outputs['runner-url'], `${apiUrl}/octo-org`)
    const ent = await runAction(
      { 'github-token': TOKEN, enterprise: 'octo-ent', type: 'remove', 'api-url': apiUrl },
      {
        GITHUB_SERVER_URL: 'https://ghes.example.com',
      },
    )
    assert.equal(ent.outputs['runner-url'], 'https://ghes.example.com/enterprises/octo-ent')
  })
})

describe('runner-url on GHES', () => {
  const ghes = new GitHubStandIn({ acceptToken: TOKEN, prefix: '/api/v3' })
  let ghesApi: string
  before(async () => (ghesApi = await ghes.start()))
  after(() => ghes.close())

  test('https://HOST/api/v3 registers runners on HOST, whatever GITHUB_SERVER_URL says', async () => {
    const run = await runAction(
      { 'github-token': TOKEN, repository: 'octo-org/octo-repo', 'api-url': ghesApi },
      {
        GITHUB_SERVER_URL: 'https://github.com',
      },
    )
    assert.equal(run.exitCode, 0, run.stdout)
    assert.equal(run.outputs['runner-url'], `${new URL(ghesApi).origin}/octo-org/octo-repo`)
  })
})
