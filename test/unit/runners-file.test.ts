// writeRunnersFile: a new file, mode 0600 from the moment it exists, holding every runner.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { writeRunnersFile } from '../../src/runners-file.js'

const RUNNERS = [
  { id: 1, name: 'a', encoded_jit_config: 'Y29uZmlnLWE=' },
  { id: 2, name: 'b', encoded_jit_config: 'Y29uZmlnLWI=' },
]

describe('writeRunnersFile', () => {
  let dir: string
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'runners-file-'))))
  after(() => rm(dir, { recursive: true, force: true }))

  test('writes the runners as a JSON array in a new file in the directory given', async () => {
    const path = await writeRunnersFile(RUNNERS, dir)
    assert.equal(dirname(path), dir)
    assert.match(path, /mint-runner-token-runners-[0-9a-f]{16}\.json$/)
    assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), RUNNERS)
  })

  test('the file is readable by its owner only, even with a umask that lets everyone read', async () => {
    const old = process.umask(0)
    try {
      const path = await writeRunnersFile(RUNNERS, dir)
      assert.equal((await stat(path)).mode & 0o777, 0o600)
    } finally {
      process.umask(old)
    }
  })

  test('each call makes a new file; none replaces another', async () => {
    const before = (await readdir(dir)).length
    const [a, b] = await Promise.all([writeRunnersFile(RUNNERS, dir), writeRunnersFile([], dir)])
    assert.notEqual(a, b)
    assert.equal((await readdir(dir)).length, before + 2)
    assert.deepEqual(JSON.parse(await readFile(b, 'utf8')), [])
  })

  test('without a directory (RUNNER_TEMP unset) it writes to the system temporary folder', async () => {
    const path = await writeRunnersFile(RUNNERS, undefined)
    try {
      assert.equal(dirname(path), tmpdir())
    } finally {
      await rm(path)
    }
  })

  test('a directory that does not exist is an error, not a file somewhere else', async () => {
    await assert.rejects(writeRunnersFile(RUNNERS, join(dir, 'missing')), { code: 'ENOENT' })
  })
})
