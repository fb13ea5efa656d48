// The action's entry point: read inputs, mint, publish masked outputs. Collaborators are passed
// in so the whole flow runs the same way from the bundle and from tests.
import type * as actionsCore from '@actions/core'
import { InputError, parseInputs } from './inputs.js'
import { MintError, mintToken, type MintDeps } from './mint.js'
import { describeScope } from './explain.js'

export type Core = Pick<typeof actionsCore, 'getInput' | 'setSecret' | 'setOutput' | 'setFailed' | 'info' | 'warning' | 'summary'>

export async function run(core: Core, env: NodeJS.ProcessEnv = process.env, deps: MintDeps = {}): Promise<void> {
  // Mask first: nothing below may print the caller's token, not even by accident.
  const githubToken = core.getInput('github-token')
  if (githubToken.trim()) core.setSecret(githubToken.trim())
  try {
    const config = parseInputs((name) => core.getInput(name), env)
    const scope = describeScope(config.scope)
    core.info(`Minting a ${config.type} token for ${scope} via ${config.apiUrl}`)
    const minted = await mintToken(config, { log: (line) => core.info(line), ...deps })
    core.setSecret(minted.token)
    core.setOutput('token', minted.token)
    core.setOutput('expires-at', minted.expiresAt)
    core.setOutput('attempts', String(minted.attempts))
    core.info(`Minted a ${config.type} token for ${scope}; it expires at ${minted.expiresAt} (${minted.attempts} attempt(s)).`)
    await writeSummary(
      core,
      [
        ['Scope', scope],
        ['Type', config.type],
        ['Attempts', String(minted.attempts)],
        ['Expires at', minted.expiresAt],
      ],
      env,
    )
  } catch (error) {
    if (error instanceof InputError || error instanceof MintError) {
      if (error instanceof MintError) core.setOutput('attempts', String(error.attempts))
      core.setFailed(error.message)
      return
    }
    throw error
  }
}

async function writeSummary(core: Core, rows: string[][], env: NodeJS.ProcessEnv): Promise<void> {
  // Local runs have no summary file; the summary is a courtesy, never a reason to fail.
  if (!env.GITHUB_STEP_SUMMARY) return
  try {
    await core.summary
      .addHeading('Runner token minted', 3)
      .addTable([
        [
          { data: 'Field', header: true },
          { data: 'Value', header: true },
        ],
        ...rows,
      ])
      .write()
  } catch (error) {
    core.warning(`Could not write the step summary: ${(error as Error).message}`)
  }
}
