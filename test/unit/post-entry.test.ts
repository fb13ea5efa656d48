// The post step's entry (src/post-entry.ts): the file the build writes as dist/post/index.js marks
// its process as the post step before the bundle it loads asks; a process started from the bundle
// itself is the main step. Run here with a stand-in bundle that prints what it is told.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { POST_ENTRY_SOURCE, isPostStep } from '../../src/post-entry.js'

const SOURCE = new URL('../../src/post-entry.ts', import.meta.url).href

test('started from the post entry, the bundle is the post step; started itself, the main step', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'post-entry-'))
  try {
    await writeFile(join(dir, 'package.json'), '{"type":"module"}')
    // The bundle's place: asks at load, as src/index.ts does.
    await writeFile(join(dir, 'index.js'), `const { isPostStep } = await import(${JSON.stringify(SOURCE)})\nconsole.log(isPostStep())\n`)
    await mkdir(join(dir, 'post'))
    await writeFile(join(dir, 'post/index.js'), POST_ENTRY_SOURCE)
    const started = async (file: string): Promise<string> =>
      (await promisify(execFile)(process.execPath, ['--import', 'tsx', join(dir, file)], { env: { PATH: process.env.PATH } })).stdout
    assert.equal(await started('post/index.js'), 'true\n')
    assert.equal(await started('index.js'), 'false\n')
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('this process, not started from the post entry, is no post step', () => {
  assert.equal(isPostStep(), false)
})
