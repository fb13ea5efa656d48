// What `npm install --global mint-runner-token` (or a GitHub install, which packs the same way)
// gives a host: exactly dist/cli/ with the README, licence and package.json, a README whose links
// lead somewhere without docs/, and a command that runs with no node_modules at all.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { brokenLinks } from '../support/doc-links.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const TOKEN = 'ghp_PackageTestToken0123456789abcdef'

function npm(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile('npm', args, { cwd: ROOT, env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) || 1 : 0, stdout, stderr }),
    ),
  )
}

describe('the npm package', () => {
  let dir: string
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'npm-package-'))))
  after(() => rm(dir, { recursive: true, force: true }))

  test('npm pack ships dist/cli/, the README, the licence and package.json, nothing else', async () => {
    const pack = await npm(['pack', '--dry-run', '--json', '--ignore-scripts'])
    assert.equal(pack.code, 0, pack.stderr)
    const [{ files, name, version }] = JSON.parse(pack.stdout) as { files: { path: string }[]; name: string; version: string }[]
    assert.equal(name, 'mint-runner-token')
    assert.equal(version, (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version)
    assert.deepEqual(files.map((f) => f.path).sort(), [
      'LICENSE',
      'README.md',
      'dist/cli/index.js',
      'dist/cli/licenses.txt',
      'dist/cli/package.json',
      'package.json',
    ])
  })

  test('installed from the packed tarball, offline, the command runs and mints with nothing else installed', async () => {
    const pack = await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dir])
    assert.equal(pack.code, 0, pack.stderr)
    const [{ filename }] = JSON.parse(pack.stdout) as { filename: string }[]
    const prefix = join(dir, 'prefix')
    const install = await npm(['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', join(dir, filename)])
    assert.equal(install.code, 0, install.stderr)
    const installed = join(prefix, 'lib', 'node_modules', 'mint-runner-token')
    assert.deepEqual(
      await new Promise<string[]>((resolve) =>
        execFile('find', [installed, '-type', 'f', '-printf', '%P\\n'], (_, out) => resolve(out.split('\n').filter(Boolean).sort())),
      ),
      ['LICENSE', 'README.md', 'dist/cli/index.js', 'dist/cli/licenses.txt', 'dist/cli/package.json', 'package.json'],
      'the install holds more than the package (a dependency?)',
    )
    // Its README's links: anchors within it, and absolute links to the repository's docs/.
    assert.deepEqual(brokenLinks('README.md', { root: installed }), [])

    const github = new GitHubStandIn({ acceptToken: TOKEN })
    const apiUrl = await github.start()
    try {
      const bin = join(prefix, 'bin', 'mint-runner-token')
      const minted = await new Promise<{ code: number; stdout: string }>((resolve) =>
        execFile(
          bin,
          ['--repository', 'octo-org/octo-repo', '--api-url', apiUrl, '--quiet'],
          { env: { PATH: process.env.PATH, GITHUB_TOKEN: TOKEN } },
          (error, stdout) => resolve({ code: error ? 1 : 0, stdout }),
        ),
      )
      assert.equal(minted.code, 0)
      assert.equal(minted.stdout, `${github.minted.at(-1)}\n`)
    } finally {
      await github.close()
    }
  })
})
