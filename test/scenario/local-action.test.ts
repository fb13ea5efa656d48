// Local development the GitHub way: @github/local-action imports the action's entry and calls its
// run() with no arguments (its own @actions/core in place of the real one), then the post entry's
// run(). Here the sources are run the same way in a child process, with the real toolkit, against
// the loopback stand-in; and .env.example and `npm run local-action` are checked for what they
// promise.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { parse } from 'yaml'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import { parseOutputFile } from '../support/run-action.js'

const ROOT = new URL('../../', import.meta.url).pathname
const github = new GitHubStandIn()
let apiUrl: string
useStandIn(github, (url) => (apiUrl = url))

/** `.env.example` as dotenv reads it: KEY=VALUE lines, comments and blanks ignored; with `hint`, its commented-out `# INPUT_...` lines too, as someone following them would. */
async function envExample(hint = false): Promise<Record<string, string>> {
  const text = await readFile(join(ROOT, '.env.example'), 'utf8')
  return Object.fromEntries(
    text
      .split('\n')
      .map((line) => (hint ? line.replace(/^# (INPUT_[\w.-]+=)/, '$1') : line))
      .filter((line) => /^[\w.-]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  )
}

/** Imports `module` from the sources and calls its exported run() with no arguments, as local-action does. */
async function callRun(module: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const script = `const { run } = await import(${JSON.stringify(join(ROOT, module))}); await run();`
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    )
  })
}

test('run() from src/main.ts and run() from src/post.ts work with no arguments, with .env.example aimed at the stand-in', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'local-action-'))
  try {
    const files = { GITHUB_OUTPUT: join(dir, 'output'), GITHUB_STATE: join(dir, 'state'), GITHUB_STEP_SUMMARY: join(dir, 'summary') }
    for (const file of Object.values(files)) await writeFile(file, '')
    const env = { ...(await envExample()), 'INPUT_API-URL': apiUrl, ...files }
    const main = await callRun('src/main.ts', env)
    assert.equal(main.code, 0, main.stdout + main.stderr)
    assert.doesNotMatch(main.stdout, /::error::/)
    assert.equal(parseOutputFile(await readFile(files.GITHUB_OUTPUT, 'utf8')).token, github.minted.at(-1))
    assert.match(await readFile(files.GITHUB_STEP_SUMMARY, 'utf8'), /Runner token minted/)
    const post = await callRun('src/post.ts', env)
    assert.equal(post.code, 0, post.stdout + post.stderr)
    assert.doesNotMatch(post.stdout, /::warning::/)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test(".env.example's hint for type jit, run as local-action runs it (the post step after every run): the runners stay; the runners file is where the log says", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'local-action-jit-'))
  let runnersFile: string | undefined
  try {
    const env = await envExample(true)
    assert.equal(env.INPUT_TYPE, 'jit')
    assert.equal(env['INPUT_CLEANUP-ON-FAILURE'], 'false', 'the hint no longer keeps the runners')
    const files = { GITHUB_OUTPUT: join(dir, 'output'), GITHUB_STATE: join(dir, 'state') }
    for (const file of Object.values(files)) await writeFile(file, '')
    // No RUNNER_TEMP, as under local-action.
    const main = await callRun('src/main.ts', { ...env, 'INPUT_API-URL': apiUrl, ...files })
    assert.equal(main.code, 0, main.stdout + main.stderr)
    runnersFile = /^Wrote every runner to (\S+) \(output "runners-file"/m.exec(main.stdout)?.[1]
    assert.equal(runnersFile, parseOutputFile(await readFile(files.GITHUB_OUTPUT, 'utf8'))['runners-file'])
    assert.equal(dirname(runnersFile!), tmpdir(), 'the log names the file in the system temp directory, as .env.example says')
    assert.equal((await stat(runnersFile!)).mode & 0o777, 0o600)
    const registered = github.runners.map((runner) => runner.name).sort()
    assert.equal(registered.length, Number(env.INPUT_COUNT))

    // The post step, with the main step's state, as local-action runs it whatever post-if says.
    const state = Object.fromEntries(
      Object.entries(parseOutputFile(await readFile(files.GITHUB_STATE, 'utf8'))).map(([name, value]) => [`STATE_${name}`, value]),
    )
    const post = async (extra: Record<string, string>) =>
      callRun('src/post.ts', { ...env, 'INPUT_API-URL': apiUrl, ...files, ...state, ...extra })
    const kept = await post({})
    assert.equal(kept.code, 0, kept.stdout + kept.stderr)
    assert.match(kept.stdout, /"cleanup-on-failure" is false: the 2 runner\(s\) handed over as outputs are left as they are/)
    assert.deepEqual(github.runners.map((runner) => runner.name).sort(), registered)
    // Without the hint's last line, the trap .env.example warns of: the post step deletes them.
    const deleted = await post({ 'INPUT_CLEANUP-ON-FAILURE': 'true' })
    assert.equal(deleted.code, 0, deleted.stdout + deleted.stderr)
    assert.deepEqual(github.runners, [])
  } finally {
    if (runnersFile) await rm(runnersFile, { force: true })
    await rm(dir, { recursive: true, force: true })
  }
})

test('.env.example sets only inputs action.yml has, and the ones whose action.yml default local-action would pass literally', async () => {
  const action = parse(await readFile(join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: string }> }
  const env = await envExample()
  for (const key of Object.keys(env).filter((name) => name.startsWith('INPUT_'))) {
    assert.ok(key.slice('INPUT_'.length).toLowerCase() in action.inputs, `${key} is no input of action.yml`)
  }
  for (const [name, input] of Object.entries(action.inputs)) {
    if (input.default?.includes('${{')) assert.ok(`INPUT_${name.toUpperCase()}` in env, `.env.example must set INPUT_${name.toUpperCase()}`)
  }
  assert.equal(env['INPUT_API-URL'], 'http://127.0.0.1:8080')
})

test('npm run local-action runs @github/local-action at a pinned exact version through npx, not as a dependency', async () => {
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>
    dependencies?: Record<string, string>
    devDependencies?: Record<string, string>
  }
  assert.match(
    pkg.scripts['local-action'] ?? '',
    /^npx --yes @github\/local-action@\d+\.\d+\.\d+ run \. src\/main\.ts \.env\.example --post src\/post\.ts$/,
  )
  assert.ok(!('@github/local-action' in { ...pkg.dependencies, ...pkg.devDependencies }))
})
