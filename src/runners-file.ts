// The runners file: every runner a JIT step registered, as JSON, for later steps to read. A batch
// of encoded configs outgrows what one environment variable can carry (Linux allows 128 KiB per
// string, about 30 configs), so batch hand-overs read this file instead of an output through env:.
import { open } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { JitRunner } from './jit/runners.js'

/** A runner as the `runners` output, this file and the command's --json list it: GitHub's snake_case names. */
export interface RunnerEntry {
  id: number
  name: string
  encoded_jit_config: string
}

export function runnerEntries(runners: JitRunner[]): RunnerEntry[] {
  return runners.map((r) => ({ id: r.id, name: r.name, encoded_jit_config: r.encodedJitConfig }))
}

/**
 * Writes `runners` to a new file in `dir` (the job's RUNNER_TEMP, which the runner empties when
 * the job ends; the system's temporary folder when unset) and returns its path. The file is
 * created with mode 0600, so no other user can read it at any moment, and with O_EXCL under a
 * random name, so nothing already there (a planted symlink) is followed or overwritten.
 */
export async function writeRunnersFile(runners: RunnerEntry[], dir: string | undefined): Promise<string> {
  const path = join(dir?.trim() || tmpdir(), `mint-runner-token-runners-${randomBytes(8).toString('hex')}.json`)
  const file = await open(path, 'wx', 0o600)
  try {
    await file.writeFile(`${JSON.stringify(runners)}\n`)
  } finally {
    await file.close()
  }
  return path
}
