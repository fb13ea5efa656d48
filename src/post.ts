// The post step (`post-if: failure()`): when the job failed after this action registered
// just-in-time runners, delete those that never connected, so GitHub does not keep offline
// orphans for weeks. It never deletes a runner that is online or busy, and never fails the job:
// a cleanup that goes wrong is a warning.
import { parseInputs } from './inputs.js'
import type { RunnerRef } from './jit/runners.js'
import type { JitDeps } from './jit/session.js'
import { CLEANUP_TIMEOUT_MS, removeRunners } from './jit/cleanup.js'
import { type Core, RUNNERS_STATE, appDeps, maskPrivateKey } from './main.js'
import { withInstallationToken } from './app.js'

export async function post(core: Core, env: NodeJS.ProcessEnv = process.env, deps: JitDeps = {}): Promise<void> {
  const githubToken = core.getInput('github-token')
  if (githubToken.trim()) core.setSecret(githubToken.trim())
  maskPrivateKey(core)
  try {
    const refs = parseRefs(core.getState(RUNNERS_STATE))
    if (refs.length === 0) return
    const config = parseInputs((name) => core.getInput(name), env)
    if (config.jit?.cleanupOnFailure === false) {
      core.info(`The job failed; "cleanup-on-failure" is false, so the ${refs.length} runner(s) this step registered are left as they are.`)
      return
    }
    core.info(`The job failed; removing the runner(s) this step registered that never connected (${refs.length} to check).`)
    // With App credentials, an installation token of its own (none is ever saved in state), made
    // within the cleanup's bound and revoked afterwards.
    const removal = await withInstallationToken(
      { ...config, timeoutMs: Math.min(config.timeoutMs, CLEANUP_TIMEOUT_MS) },
      appDeps(core, deps),
      (resolved) => removeRunners(resolved, refs, 'post', { log: (line) => core.info(line), ...deps }),
    )
    for (const ref of removal.deleted) core.info(`Deleted runner "${ref.name}"${idText(ref)}: it never connected.`)
    for (const ref of removal.gone) core.info(`Runner "${ref.name}"${idText(ref)} is already gone.`)
    for (const ref of removal.spared) core.info(`Left runner "${ref.name}"${idText(ref)} alone: it is online, busy, or not ours.`)
    for (const failed of removal.failed) core.warning(`Could not remove runner "${failed.name}"${idText(failed)}: ${failed.error}`)
  } catch (error) {
    core.warning(`Cleanup of just-in-time runners failed: ${error instanceof Error ? error.message : String(error)}`)
  }
}

function idText(ref: RunnerRef): string {
  return ref.id === undefined ? '' : ` (id ${ref.id})`
}

/** The saved list, tolerating anything unexpected (then there is nothing to clean). */
export function parseRefs(text: string): RunnerRef[] {
  if (!text) return []
  try {
    const parsed: unknown = JSON.parse(text)
    if (!Array.isArray(parsed)) return []
    return parsed.filter(
      (r): r is RunnerRef =>
        typeof r?.name === 'string' && r.name !== '' && (r.id === undefined || (Number.isSafeInteger(r.id) && r.id > 0)),
    )
  } catch {
    return []
  }
}
