// The library as a project that depends on the package gets it: packed, installed from the
// tarball offline into an empty project (nothing else comes with it), imported by name in a
// process of its own that mints through a 502 and aborts a batch, and type-checked against the
// declarations the package ships (strict, moduleResolution nodenext).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GitHubStandIn } from '../support/github-stand-in.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc')
const TOKEN = 'ghp_LibraryPackageToken0123456789abcd'

function run(command: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(command, args, { cwd, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) || 1 : 0, stdout, stderr }),
    ),
  )
}

// Mints through a 502, then registers 3 runners and aborts when told (SIGUSR2, the test's own
// signal to this process): prints what came back as one JSON line.
const CONSUMER = `
import { mintToken, registerRunners, MintRunnerTokenError } from 'mint-runner-token'
const auth = { token: process.env.TOKEN }
const apiUrl = process.env.API_URL
const minted = await mintToken({ repository: 'octo-org/octo-repo', type: 'registration', auth, apiUrl, retry: { initialDelay: 10 } })
const controller = new AbortController()
process.once('SIGUSR2', () => controller.abort())
// The test scripts the stand-in for the batch, then says go.
await new Promise((resolve) => { process.once('message', resolve); process.send('minted') })
process.disconnect()
let aborted
try {
  await registerRunners({ repository: 'octo-org/octo-repo', auth, apiUrl, labels: ['linux'], count: 3, signal: controller.signal })
} catch (error) {
  aborted = { instance: error instanceof MintRunnerTokenError, name: error.name, kind: error.kind, rollback: error.rollback }
}
console.log(JSON.stringify({ minted, aborted }))
`

const TYPED = `
import { mintToken, registerRunners, waitForRunners, pruneRunners, MintRunnerTokenError } from 'mint-runner-token'
import type { ErrorKind, MintedToken, PruneReport, RegisteredRunners, RunnerState, WaitReport } from 'mint-runner-token'

const minted: MintedToken = await mintToken({
  organization: 'octo-org',
  type: 'remove',
  auth: { appId: 123, privateKey: 'PEM', installationId: 4 },
  retry: { timeout: '30s', maxDelay: 5000, jitter: 'full' },
  signal: AbortSignal.timeout(60_000),
  log: (line: string) => console.error(line),
})
const registered: RegisteredRunners = await registerRunners({ enterprise: 'big', auth: { token: 't' }, labels: ['gpu'], count: 2, runnerGroup: 'gpu' })
const first: { id: number; name: string; encodedJitConfig: string } | undefined = registered.runners[0]
const exclusive: RegisteredRunners = await registerRunners({ organization: 'o', auth: { token: 't' }, exclusive: true })
console.log(minted.expiresAt, first?.name, registered.ownershipLabel, exclusive.ownershipLabel)

const waited: WaitReport = await waitForRunners({ organization: 'o', auth: { token: 't' }, ownershipLabel: registered.ownershipLabel, timeout: '5m' })
const states: RunnerState[] = waited.runners.map((runner) => runner.state)
const pruned: PruneReport = await pruneRunners({ organization: 'o', auth: { token: 't' }, olderThan: '2h', dryRun: true })
console.log(waited.done, states, pruned.deletes.deleted.length, pruned.notConfirmedGone)

try {
  await mintToken({ repository: 'o/r', type: 'registration', auth: { token: 't' } })
} catch (error) {
  if (error instanceof MintRunnerTokenError) {
    const kind: ErrorKind = error.kind
    const ids: string[] = error.requestIds
    const deleted = error.rollback?.deleted.map((runner) => runner.name)
    console.log(kind, ids, deleted, error.history[0]?.status, error.name === 'AbortError')
  }
}

// @ts-expect-error: maxAttempts is a number
await mintToken({ repository: 'o/r', type: 'registration', auth: { token: 't' }, retry: { maxAttempts: '3' } })
// @ts-expect-error: one target only
await mintToken({ repository: 'o/r', organization: 'o', type: 'registration', auth: { token: 't' } })
// @ts-expect-error: JIT configs come from registerRunners
await mintToken({ repository: 'o/r', type: 'jit', auth: { token: 't' } })
// @ts-expect-error: a token or an App, not both
await mintToken({ repository: 'o/r', type: 'registration', auth: { token: 't', appId: 1, privateKey: 'k' } })
// @ts-expect-error: labels are an array
await registerRunners({ repository: 'o/r', auth: { token: 't' }, labels: 'a,b' })
// @ts-expect-error: exclusive runners carry the ownership label alone
await registerRunners({ repository: 'o/r', auth: { token: 't' }, exclusive: true, labels: ['a'] })
// @ts-expect-error: labels, or exclusive
await registerRunners({ repository: 'o/r', auth: { token: 't' } })
// @ts-expect-error: a wait's timeout is its own option, not retry's
await waitForRunners({ organization: 'o', auth: { token: 't' }, ownershipLabel: 'mrt-x', timeout: '1m', retry: { timeout: '1m' } })
// @ts-expect-error: by label or by age, not both
await pruneRunners({ organization: 'o', auth: { token: 't' }, ownershipLabel: 'mrt-x', olderThan: '2h' })
// @ts-expect-error: a group by name or by id, not both
await registerRunners({ organization: 'o', auth: { token: 't' }, labels: ['a'], runnerGroup: 'g', runnerGroupId: 2 })
`

// The same wrong option without the expectation: tsc must fail on it, or the check above proves nothing.
const WRONG = `
import { mintToken } from 'mint-runner-token'
await mintToken({ repository: 'o/r', type: 'registration', auth: { token: 't' }, retry: { maxAttempts: '3' } })
`

describe('the package as a library', () => {
  let dir: string
  let project: string
  const github = new GitHubStandIn({ acceptToken: TOKEN })
  let apiUrl: string

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'library-package-'))
    project = join(dir, 'project')
    await mkdir(project)
    apiUrl = await github.start()
  })
  after(async () => {
    await github.close()
    await rm(dir, { recursive: true, force: true })
  })

  test('installed offline from the packed tarball into an empty project, it brings nothing else', async () => {
    const pack = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], ROOT)
    assert.equal(pack.code, 0, pack.stderr)
    const [{ filename }] = JSON.parse(pack.stdout) as { filename: string }[]
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
    const install = await run('npm', ['install', '--offline', '--no-audit', '--no-fund', join(dir, filename)], project)
    assert.equal(install.code, 0, install.stderr)
    assert.deepEqual(
      (await readdir(join(project, 'node_modules'))).filter((name) => !name.startsWith('.')),
      ['mint-runner-token'],
    )
  })

  test('imported by name in a process of its own: mints through a 502, an aborted batch is rolled back', async () => {
    github.faults.push({ status: 502 })
    await writeFile(join(project, 'consumer.mjs'), CONSUMER)
    const child: ChildProcess = spawn(process.execPath, ['consumer.mjs'], {
      cwd: project,
      env: { PATH: process.env.PATH, TOKEN, API_URL: apiUrl },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (chunk) => (stdout += chunk))
    child.stderr!.on('data', (chunk) => (stderr += chunk))
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    await new Promise((resolve) => child.once('message', resolve))
    // Registered when they arrive, answered only after the abort: three runners to roll back.
    github.faults.push(...Array.from({ length: 3 }, () => ({ method: 'POST' as const, lateAnswer: 30_000 })))
    child.send('go')
    await github.whenRequests(3, (r) => r.path.endsWith('/generate-jitconfig'))
    // The stand-in registers each just after it records it.
    await new Promise((resolve) => setTimeout(resolve, 100))
    assert.equal((github.registry.get('/repos/octo-org/octo-repo') ?? []).length, 3)
    child.kill('SIGUSR2')
    assert.equal(await exited, 0, stderr)
    assert.equal(stderr, '', 'the library printed nothing')
    const { minted, aborted } = JSON.parse(stdout) as {
      minted: { token: string; attempts: number }
      aborted: { instance: boolean; name: string; kind: string; rollback: { deleted: { name: string }[]; notConfirmedGone: string[] } }
    }
    assert.equal(minted.attempts, 2)
    assert.ok(github.minted.includes(minted.token))
    assert.deepEqual({ ...aborted, rollback: undefined }, { instance: true, name: 'AbortError', kind: 'aborted', rollback: undefined })
    assert.equal(aborted.rollback.deleted.length, 3)
    assert.deepEqual(aborted.rollback.notConfirmedGone, [])
    assert.deepEqual(github.registry.get('/repos/octo-org/octo-repo'), [], 'every runner it registered was deleted')
  })

  test('a consumer type-checks against the shipped declarations (strict, nodenext), and a wrong option type is an error', async () => {
    const tsconfig = {
      compilerOptions: {
        strict: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules/@types')],
      },
    }
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify({ ...tsconfig, files: ['typed.ts'] }))
    await writeFile(join(project, 'typed.ts'), TYPED)
    const typed = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], project)
    assert.equal(typed.code, 0, typed.stdout)

    await writeFile(join(project, 'tsconfig.wrong.json'), JSON.stringify({ ...tsconfig, files: ['wrong.ts'] }))
    await writeFile(join(project, 'wrong.ts'), WRONG)
    const wrong = await run(process.execPath, [TSC, '-p', 'tsconfig.wrong.json'], project)
    assert.notEqual(wrong.code, 0)
    assert.match(wrong.stdout, /wrong\.ts\(3,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/)
  })
})
