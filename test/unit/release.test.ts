// Release readiness that a file can show: the workflows are hardened (a timeout on every job,
// third-party actions pinned by commit SHA with the tag in a comment, which Dependabot keeps
// current: see repository.test.ts), engines claims the Node majors that are tested, and the
// package is what RELEASING.md and the README promise.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, readdir } from 'node:fs/promises'
import { parse } from 'yaml'

const root = new URL('../../', import.meta.url)
const text = (path: string) => readFile(new URL(path, root), 'utf8')

interface Workflow {
  jobs: Record<string, { 'timeout-minutes'?: number; strategy?: { matrix?: { node?: number[] } }; steps: { uses?: string }[] }>
}

async function workflows(): Promise<[string, string][]> {
  const names = (await readdir(new URL('.github/workflows/', root))).filter((name) => name.endsWith('.yml'))
  return Promise.all(names.map(async (name): Promise<[string, string]> => [name, await text(`.github/workflows/${name}`)]))
}

describe('workflows', () => {
  test('every job has a timeout', async () => {
    for (const [name, yaml] of await workflows()) {
      for (const [id, job] of Object.entries((parse(yaml) as Workflow).jobs)) {
        assert.ok(Number.isInteger(job['timeout-minutes']), `${name}: job ${id} has no timeout-minutes (the default is 6 hours)`)
      }
    }
  })

  test('every action from another repository is pinned by a full commit SHA, its tag in a comment', async () => {
    let pinned = 0
    for (const [name, yaml] of await workflows()) {
      for (const line of yaml.split('\n').filter((l) => /^\s*-?\s*uses:/.test(l))) {
        const uses = /uses:\s*(\S+)(.*)$/.exec(line)!
        if (uses[1].startsWith('./')) continue
        assert.match(uses[1], /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, `${name}: ${uses[1]} is not pinned by a commit SHA`)
        assert.match(uses[2], /^ # v\d+\.\d+\.\d+$/, `${name}: ${uses[1]} has no "# vX.Y.Z" comment for Dependabot and readers`)
        pinned++
      }
    }
    assert.ok(pinned >= 7)
  })
})

describe('Node versions', () => {
  test('engines lists the majors that are tested: CI’s matrix, and 20 on .ci/run', async () => {
    const ci = (parse(await text('.github/workflows/ci.yml')) as Workflow).jobs.test.strategy!.matrix!.node!
    const engines = (JSON.parse(await text('package.json')) as { engines: { node: string } }).engines.node
    const majors = engines.split('||').map((range) => Number(/^\s*\^(\d+)\s*$/.exec(range)?.[1]))
    assert.deepEqual(
      majors,
      [...new Set([20, ...ci])].sort((a, b) => a - b),
      `engines "${engines}" is not the tested majors`,
    )
    assert.ok(ci.includes(Number((await text('.node-version')).trim())), '.node-version (used by check-dist and e2e) is not in CI’s matrix')
    assert.ok(
      majors.includes(Number(process.versions.node.split('.')[0])),
      `these tests run on Node ${process.versions.node}, which engines does not claim`,
    )
  })
})

describe('package.json', () => {
  test('publishable: not private, no dependencies (the bundles have none), the bin and the library in files, the version in CHANGELOG', async () => {
    const pkg = JSON.parse(await text('package.json')) as Record<string, unknown> & {
      bin: Record<string, string>
      files: string[]
      exports: unknown
      version: string
    }
    assert.equal(pkg.private, undefined)
    assert.equal(pkg.dependencies, undefined, 'a dependency would be installed with the command, which bundles everything it needs')
    assert.deepEqual(pkg.files, ['dist/cli/', 'dist/lib/'])
    assert.ok(pkg.bin['mint-runner-token'].startsWith('dist/cli/'))
    // The library: an ES module and its declarations, both in files (test/scenario/library-package.test.ts installs it).
    assert.deepEqual(pkg.exports, {
      '.': { types: './dist/lib/index.d.ts', default: './dist/lib/index.js' },
      './package.json': './package.json',
    })
    assert.match(await text('CHANGELOG.md'), new RegExp(`^## \\[${pkg.version.replaceAll('.', '\\.')}\\] - \\d{4}-\\d\\d-\\d\\d$`, 'm'))
  })
})
