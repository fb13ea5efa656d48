// The examples of docs/library.md run as written: each marked block is a program that imports
// the package by name (linked into a temporary project, so `mint-runner-token` resolves through
// its "exports" to the built dist/lib/), with hosts.js standing in for the reader's own code that
// starts hosts, against the stand-in, as a Node process of its own.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { StandInApp } from '../support/github-app.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { type Recipe, documentedRecipes } from '../support/recipes.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const TOKEN = 'ghp_LibraryDocsToken0123456789abcdefgh'
const ORG = '/orgs/octo-org'

// What the reader's own code would do with the secrets: here, each call is recorded.
const HOSTS = `
import { appendFileSync } from 'node:fs'
const record = (entry) => appendFileSync(process.env.HOSTS_LOG, JSON.stringify(entry) + '\\n')
export async function startHost(minted) { record({ host: minted }) }
export async function startRunner(name, encodedJitConfig) { record({ runner: name, encodedJitConfig }) }
`

const app = new StandInApp()
const github = new GitHubStandIn({ acceptToken: TOKEN, app })
let apiUrl = ''
useStandIn(github, (url) => (apiUrl = url))

interface Run {
  code: number | null
  stdout: string
  stderr: string
  hosts: Record<string, unknown>[]
}

describe('docs/library.md', () => {
  let dir: string
  let recipes: Map<string, Recipe>
  before(async () => {
    recipes = await documentedRecipes()
    dir = await mkdtemp(join(tmpdir(), 'library-docs-'))
    await mkdir(join(dir, 'node_modules'))
    await symlink(ROOT, join(dir, 'node_modules', 'mint-runner-token'), 'dir')
    await writeFile(join(dir, 'package.json'), JSON.stringify({ private: true, type: 'module' }))
    await writeFile(join(dir, 'hosts.js'), HOSTS)
  })
  after(() => rm(dir, { recursive: true, force: true }))

  /** Runs a recipe as the file it names; `whenStarted` may signal it. */
  async function run(name: string, env: Record<string, string>, whenStarted?: (pid: number) => Promise<void>): Promise<Run> {
    const recipe = recipes.get(name)
    assert.ok(recipe, `docs/library.md has no recipe ${name}`)
    const file = recipe.attrs.file
    await writeFile(join(dir, file), recipe.code)
    const hostsLog = join(dir, `${name}.hosts.jsonl`)
    await writeFile(hostsLog, '')
    const child = spawn(process.execPath, [file], {
      cwd: dir,
      env: { PATH: process.env.PATH, GITHUB_API_URL: apiUrl, HOSTS_LOG: hostsLog, ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    await whenStarted?.(child.pid!)
    const code = await exited
    const hosts = (await readFile(hostsLog, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    return { code, stdout, stderr, hosts }
  }

  test('mint: a 502 first, then the token goes to the host, the retry and the expiry on stderr, no token printed', async () => {
    github.faults.push({ status: 502 })
    const { code, stdout, stderr, hosts } = await run('library-mint', { GITHUB_TOKEN: TOKEN })
    assert.equal(code, 0, stderr)
    assert.equal(stdout, '')
    assert.match(
      stderr,
      /^Attempt 1\/6 failed: HTTP 502 \[request id STAND-IN:\d+\]; retrying in .*\nMinted in 2 attempt\(s\); it expires at /,
    )
    assert.deepEqual(
      hosts.map((h) => (h.host as { token: string }).token),
      [github.minted.at(-1)],
    )
    assert.ok(!stderr.includes(github.minted.at(-1)!))
    assert.equal(github.requests.at(-1)?.path, `${ORG}/actions/runners/registration-token`)
  })

  test('mint: a rejected token is data: its kind, GitHub’s request ids, exit 1, nothing handed to a host', async () => {
    const { code, stderr, hosts } = await run('library-mint', { GITHUB_TOKEN: 'ghp_not_the_token' })
    assert.equal(code, 1)
    assert.match(stderr, /^auth: GitHub rejected "auth.token" \(401 Bad credentials\).*\(request ids: STAND-IN:\d+, STAND-IN:\d+\)$/m)
    assert.deepEqual(hosts, [])
  })

  const appEnv = () => ({ GITHUB_APP_ID: String(app.id), GITHUB_APP_PRIVATE_KEY: app.privateKeyPem })

  test('register: as a GitHub App, five runners in the group named, each started with its config', async () => {
    const [, autoscaled] = github.setRunnerGroups(ORG, ['Default', 'autoscaled'])
    const { code, stderr, hosts } = await run('library-register', appEnv())
    assert.equal(code, 0, stderr)
    const label = /each labelled (mrt-[a-z0-9-]+)\./.exec(stderr)?.[1]
    assert.ok(label, stderr)
    const registered = github.registry.get(ORG) ?? []
    assert.equal(registered.length, 5)
    assert.deepEqual(hosts.map((h) => h.runner).sort(), registered.map((r) => r.name).sort())
    for (const runner of registered) {
      assert.equal(runner.runner_group_id, autoscaled.id)
      assert.deepEqual(runner.labels.map((l) => l.name).sort(), ['gpu', label, 'linux', 'x64'].sort())
    }
    for (const host of hosts) assert.ok(github.minted.includes(host.encodedJitConfig as string))
    assert.ok(app.tokens.length > 0 && app.tokens.every((t) => t.revoked), 'the installation token is revoked')
  })

  test('wait: the runners of the label connect during the wait; exit 0 and the summary on stderr', async () => {
    const label = `mrt-${Math.floor(Date.now() / 1000).toString(36)}-waitdocs00`
    for (const name of ['w-1', 'w-2']) github.register(ORG, name, { labels: ['linux', label] })
    setTimeout(() => ['w-1', 'w-2'].forEach((name) => github.setRunner(name, { status: 'online' })), 500)
    const { code, stderr } = await run('library-wait', { GITHUB_TOKEN: TOKEN, OWNERSHIP_LABEL: label })
    assert.equal(code, 0, stderr)
    assert.match(stderr, new RegExp(`^Every runner with the label ${label} connected .*online 2, busy 0, gone 0, never connected 0\\.\n$`))
  })

  test('wait: a runner that leaves the listing before it is seen connected is counted apart, as gone', async () => {
    const label = `mrt-${Math.floor(Date.now() / 1000).toString(36)}-waitdocs01`
    github.register(ORG, 'never', { labels: ['linux', label] })
    // Removed (or connected, ran its job and removed itself) between two polls.
    setTimeout(() => github.unregister('never'), 1500)
    const { code, stderr } = await run('library-wait', { GITHUB_TOKEN: TOKEN, OWNERSHIP_LABEL: label })
    assert.equal(code, 0, stderr)
    assert.match(stderr, /gone 1/)
  })

  test('prune: as a GitHub App, the sweeper deletes the old labelled idle runners and keeps the rest; a dry run deletes none', async () => {
    const old = `mrt-${Math.floor((Date.now() - 3 * 3600_000) / 1000).toString(36)}-prunedocs0`
    const young = `mrt-${Math.floor(Date.now() / 1000).toString(36)}-prunedocs1`
    github.register(ORG, 'old-idle', { labels: ['linux', old] })
    github.register(ORG, 'old-busy', { labels: ['linux', old], status: 'online', busy: true })
    github.register(ORG, 'young-idle', { labels: ['linux', young] })
    github.register(ORG, 'unlabelled', { labels: ['linux'] })
    const dry = await run('library-prune', { ...appEnv(), DRY_RUN: 'true' })
    assert.equal(dry.code, 0, dry.stderr)
    assert.match(dry.stderr, /Dry run: would delete 1 \(old-idle\); deleted nothing\./)
    assert.equal(github.runners.length, 4)
    const { code, stderr } = await run('library-prune', appEnv())
    assert.equal(code, 0, stderr)
    assert.match(stderr, /Deletes: deleted 1 \(old-idle\)\./)
    assert.deepEqual(github.runners.map((r) => r.name).sort(), ['old-busy', 'unlabelled', 'young-idle'])
  })

  test('register: SIGTERM mid-batch aborts it; every runner registered is deleted before it reports AbortError', async () => {
    github.setRunnerGroups(ORG, ['Default', 'autoscaled'])
    const jitconfig = (r: { path: string }) => r.path.endsWith('/generate-jitconfig')
    const { code, stderr, hosts } = await run('library-register', appEnv(), async (pid) => {
      // Registered when they arrive, answered late: the abort finds runners to roll back. The
      // App's token request is a POST too, so these are scripted once it has been made.
      await github.whenRequests(1, (r) => r.path.endsWith('/access_tokens'))
      github.faults.push(...Array.from({ length: 5 }, () => ({ method: 'POST' as const, lateAnswer: 30_000 })))
      await github.whenRequests(4, jitconfig)
      await new Promise((resolve) => setTimeout(resolve, 100))
      process.kill(pid, 'SIGTERM')
    })
    assert.equal(code, 1, stderr)
    assert.match(stderr, /^AbortError \(aborted\): registerRunners was aborted after \d+ attempt\(s\)\. Rollback: deleted all \d+ \(/m)
    assert.doesNotMatch(stderr, /May remain/)
    assert.deepEqual(hosts, [])
    assert.deepEqual(github.registry.get(ORG) ?? [], [], 'no runner is left')
  })
})
