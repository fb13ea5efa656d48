// `npm run demo` rebuilds dist/index.js only when it may be stale (scripts/fresh-dist.ts).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { staleReason } from '../../scripts/fresh-dist.js'

async function tree(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'fresh-dist-'))
  await mkdir(join(root, 'src', 'jit'), { recursive: true })
  await mkdir(join(root, 'dist'))
  await writeFile(join(root, 'src', 'jit', 'batch.ts'), 'export {}\n')
  await writeFile(join(root, 'package.json'), '{}\n')
  await writeFile(join(root, 'dist', 'index.js'), '// bundle\n')
  return root
}

const at = (root: string, file: string, seconds: number) => utimes(join(root, file), seconds, seconds)
const git = (root: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: root, stdio: 'ignore' })

describe('staleReason, outside a git checkout: by file times', () => {
  test('a bundle newer than every source is current; a newer source, or no bundle, is stale and named', async () => {
    const root = await tree()
    try {
      await at(root, 'src/jit/batch.ts', 1_000)
      await at(root, 'package.json', 1_000)
      await at(root, 'dist/index.js', 2_000)
      assert.deepEqual(staleReason(root), { current: 'dist/index.js is newer than every source' })
      await at(root, 'src/jit/batch.ts', 3_000)
      assert.deepEqual(staleReason(root), { stale: 'src/jit/batch.ts is newer than dist/index.js' })
      await rm(join(root, 'dist', 'index.js'))
      assert.deepEqual(staleReason(root), { stale: 'dist/index.js does not exist' })
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })
})

describe('staleReason, in a git checkout', () => {
  test('as committed it is current, whatever the file times (a fresh clone writes dist/ first); an edit falls back to the times', async () => {
    const root = await tree()
    try {
      git(root, 'init', '-q')
      git(root, 'add', '-A')
      git(root, 'commit', '-q', '-m', 'x')
      await at(root, 'dist/index.js', 1_000)
      await at(root, 'src/jit/batch.ts', 2_000)
      assert.deepEqual(staleReason(root), { current: 'the sources and dist/ are as committed' })
      await writeFile(join(root, 'src', 'jit', 'batch.ts'), 'export const edited = 1\n')
      assert.deepEqual(staleReason(root), { stale: 'src/jit/batch.ts is newer than dist/index.js' })
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })
})
