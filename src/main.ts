// The action's entry point: read inputs, mint, publish masked outputs. Collaborators are passed
// in so the whole flow runs the same way from the bundle and from tests.
import * as actionsCore from '@actions/core'
import { type Config, parseInputs } from './inputs.js'
import { InputError } from './input-values.js'
import { MintError, mintToken, mintedLine, mintingLine, type MintDeps } from './mint.js'
import { describeScope } from './explain.js'
import { rm } from 'node:fs/promises'
import { BatchFailed, type MintedRunners, mintRunners, stopSignal } from './jit/batch.js'
import { handOverOrRollBack } from './jit/hand-over.js'
import { Ledger, newOwnershipLabel } from './jit/ledger.js'
import { StateJournal } from './jit/journal.js'
import { describeRemoval, notConfirmedGone } from './jit/report.js'
import type { JitDeps } from './jit/session.js'
import { runnerUrl } from './runner-url.js'
import { runnerEntries, writeRunnersFile } from './runners-file.js'
import { type AppDeps, privateKeySecrets, withInstallationToken } from './app.js'
import { escapeControls } from './server-text.js'
import { type SummaryAttempt, type SummaryRecord, writeSummary } from './summary.js'
import { runPrune, runWait } from './lifecycle-action.js'
import { redactingCore } from './redacting-core.js'
import { redact } from './redaction.js'

export type Core = Pick<
  typeof actionsCore,
  'getInput' | 'setSecret' | 'setOutput' | 'setFailed' | 'info' | 'warning' | 'summary' | 'saveState' | 'getState'
>

/** The state key of the step's ledger (its ownership label, the names and ids it may have registered; never a config), for the post step. */
export const LEDGER_STATE = 'ledger'

/**
 * The action. With no arguments it uses the real toolkit, as @github/local-action calls it; tests
 * pass their own collaborators.
 */
export async function run(toolkit: Core = actionsCore, env: NodeJS.ProcessEnv = process.env, deps: JitDeps = {}): Promise<void> {
  // Every secret masked is also registered, and every text printed is redacted (redaction.ts):
  // a server that echoes a credential in its message is not quoted with it.
  const core = redactingCore(toolkit)
  try {
    await runStep(core, env, deps)
  } catch (error) {
    // A bug's message reaches whoever called run(); it too holds no secret.
    if (error instanceof Error) error.message = redact(error.message)
    throw error
  }
}

async function runStep(core: Core, env: NodeJS.ProcessEnv, deps: JitDeps): Promise<void> {
  // Mask first: nothing below may print the caller's token, not even by accident.
  maskCredentials(core)
  let config: Config
  try {
    config = parseInputs((name) => core.getInput(name), env)
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    return core.setFailed(escapeControls(error.message))
  }
  // Every attempt, for the step summary: the record of an incident, should there be one.
  const attempts: SummaryAttempt[] = []
  const recording = { ...deps, onAttempt: (attempt: SummaryAttempt) => void attempts.push(attempt) }
  const fields: [string, string][] = [
    ['Scope', describeScope(config.scope)],
    ['Type', config.type],
  ]
  try {
    const done =
      config.type === 'jit'
        ? await runJit(core, config, env, recording)
        : config.type === 'prune'
          ? await runPrune(core, config, recording)
          : config.type === 'wait'
            ? await runWait(core, config, recording)
            : await runMint(core, config, env, recording)
    await writeSummary(core, { ...done, fields: [...fields, ...done.fields], attempts }, env, done.success)
  } catch (error) {
    if (!(error instanceof MintError)) throw error
    core.setOutput('attempts', String(error.attempts))
    core.setFailed(escapeControls(error.message))
    const heading = FAILED_HEADINGS[config.type] ?? 'Runner token not minted'
    const result: [string, string][] = [
      ['Result', error.message],
      ['Attempts', String(error.attempts)],
    ]
    // The token call's rows named as on success, beside a GitHub App's calls.
    const mainCall = config.type === 'jit' ? undefined : `${config.type} token`
    await writeSummary(core, { heading, fields: [...fields, ...result], attempts, mainCall }, env)
  }
}

/** The summary's heading when a step of a type fails (a token type: "Runner token not minted"). */
const FAILED_HEADINGS: Partial<Record<Config['type'], string>> = {
  jit: 'Just-in-time runners not registered',
  prune: 'Prune incomplete',
  wait: 'Runners not connected',
}

/** What a successful step adds to the summary. */
type Done = Omit<SummaryRecord, 'attempts'> & { success: string }

async function runMint(core: Core, config: Config, env: NodeJS.ProcessEnv, deps: MintDeps): Promise<Done> {
  info(core, mintingLine(config))
  const minted = await withInstallationToken(config, appDeps(core, deps), (resolved) =>
    // The token is masked the moment its answer arrives, before the body is checked (mintToken).
    mintToken(resolved, { log: (line) => info(core, line), ...deps, mask: (secret) => core.setSecret(secret) }),
  )
  core.setOutput('token', minted.token)
  core.setOutput('expires-at', minted.expiresAt)
  core.setOutput('attempts', String(minted.attempts))
  core.setOutput('runner-url', runnerUrl(config.apiUrl, config.scope, env.GITHUB_SERVER_URL))
  info(core, mintedLine(config, minted))
  return {
    heading: 'Runner token minted',
    success: 'minted',
    mainCall: `${config.type} token`,
    fields: [['Attempts', String(minted.attempts)], ['Expires at', minted.expiresAt], ...serverRow(minted.serverVersion)],
  }
}

async function runJit(core: Core, config: Config, env: NodeJS.ProcessEnv, deps: JitDeps): Promise<Done> {
  const jit = config.jit!
  const scope = describeScope(config.scope)
  // Every change is on disk (GITHUB_STATE) before the next request: a killed step leaves the post
  // step a list, and where the runners live (the post step's inputs may name another place).
  // Each change appended on its own (journal.ts): what is written grows with the batch, not its square.
  const journal = new StateJournal((name, value) => saveLedger(core, name, value), LEDGER_STATE)
  const ledger = new Ledger(newOwnershipLabel(), undefined, { scope: config.scope, apiUrl: config.apiUrl }, (change) =>
    journal.record(change),
  )
  try {
    journal.start(ledger)
  } catch (error) {
    // Before any request: nothing to roll back, and a step without its ledger registers nothing.
    const message = (error as Error).message
    throw new MintError(`${message.charAt(0).toUpperCase()}${message.slice(1)}; no runner was registered.`, 0)
  }
  core.setOutput('ownership-label', ledger.label)
  info(
    core,
    `Registering ${jit.count} just-in-time runner(s) for ${scope} via ${config.apiUrl}, ${jit.exclusive ? 'exclusive: the ownership label alone' : `labels ${jit.labels.join(', ')}`}`,
  )
  info(core, `Each runner also carries this step's ownership label ${ledger.label}: the cleanup deletes only runners that have it.`)
  const log = (line: string): void => info(core, line)
  // With App credentials, an installation token first (on the step's budget), revoked after the
  // batch and its hand-over: a hand-over that cannot happen is rolled back with that token.
  const minted = await withInstallationToken(config, appDeps(core, deps), async (resolved) => {
    // Each config is masked the moment it arrives, before any output or log line could hold it.
    const jitDeps = { log, mask: (secret: string) => core.setSecret(secret), ...deps, ledger }
    let runnersFile: string | undefined
    try {
      const batch = await mintRunners(resolved, env, jitDeps)
      const entries = runnerEntries(batch.runners)
      await handOverOrRollBack(resolved, batch, jitDeps, {
        // The runners file before any output: a step that cannot write it sets no runner output.
        prepare: async () => {
          runnersFile = await writeRunnersFile(entries, env.RUNNER_TEMP).catch((error: Error) => {
            throw new Error(`could not write the runners file: ${error.message}`, { cause: error })
          })
        },
        deliver: () => setRunnerOutputs(core, config, env, batch, runnersFile!),
      })
      // A signal from here to the step's end (the revoke, the summary) means the job is cancelled
      // and no later step runs to use the runners: the hand-over is taken back for the post step.
      const names = batch.runners.map((r) => r.name)
      const withdraw = (): void => withdrawHandOver(ledger, names)
      if (deps.signal?.aborted) withdraw()
      else deps.signal?.addEventListener('abort', withdraw, { once: true })
      return batch
    } catch (error) {
      if (runnersFile) await rm(runnersFile, { force: true }).catch(() => {})
      if (error instanceof BatchFailed) throw new MintError(failureForTheAction(error), error.attempts, error.kind, error.status)
      throw error
    }
  })
  const { runners, attempts, serverVersion } = minted
  // Not part of the hand-over: with App credentials the count includes the App's calls, known only
  // now. The runners are handed over, so a write that fails here is a warning, not a failed step.
  try {
    core.setOutput('attempts', String(attempts))
  } catch (error) {
    core.warning(escapeControls(`Could not set the "attempts" output (GITHUB_OUTPUT): ${(error as Error).message}`))
  }
  const names = runners.map((r) => r.name)
  const stoppedBy = stopSignal(deps.signal)
  if (stoppedBy) {
    throw new MintError(
      `Stopped by ${stoppedBy} after handing over ${runners.length} just-in-time runner(s): the job is cancelled, so no later step uses them. ` +
        `The post step removes them (label ${ledger.label}): ${names.join(', ')}.`,
      attempts,
    )
  }
  for (const runner of runners) info(core, `Registered runner "${runner.name}" (id ${runner.id}).`)
  info(core, `Registered ${runners.length} just-in-time runner(s) for ${scope} (${attempts} attempt(s)).`)
  return {
    heading: 'Just-in-time runners registered',
    success: 'registered',
    fields: [['Attempts', String(attempts)], ['Ownership label', ledger.label], ...serverRow(serverVersion)],
    made: {
      rows: runners.map((r) => [`Runner ${r.id}`, r.name]),
      leftOutNote: (count) => `${count} more runner(s) are not listed here; the "runners" output has every one.`,
    },
  }
}

/** The hand-over's outputs; a write that fails throws, worded to follow "Registered N runner(s) but". */
function setRunnerOutputs(core: Core, config: Config, env: NodeJS.ProcessEnv, batch: MintedRunners, runnersFile: string): void {
  const { runners } = batch
  const [first] = runners
  try {
    core.setOutput('encoded-jit-config', first.encodedJitConfig)
    core.setOutput('runner-id', String(first.id))
    core.setOutput('runner-name', first.name)
    core.setOutput('runners', JSON.stringify(runnerEntries(runners)))
    core.setOutput('runners-file', runnersFile)
    core.setOutput('runner-url', runnerUrl(config.apiUrl, config.scope, env.GITHUB_SERVER_URL))
  } catch (error) {
    throw new Error(`could not set its outputs (GITHUB_OUTPUT): ${(error as Error).message}`, { cause: error })
  }
  info(core, `Wrote every runner to ${runnersFile} (output "runners-file", readable by this user only).`)
}

/** The ledger to GITHUB_STATE; a write that fails throws, worded to follow "Registered N runner(s) but". */
function saveLedger(core: Core, name: string, value: string): void {
  try {
    core.saveState(name, value)
  } catch (error) {
    throw new Error(`could not save the list of runners for the post step (GITHUB_STATE): ${(error as Error).message}`, {
      cause: error,
    })
  }
}

/** Takes a hand-over back in the ledger; if even that cannot be saved, the step's error line still names them. */
function withdrawHandOver(ledger: Ledger, names: string[]): void {
  try {
    ledger.withdraw(names)
  } catch {
    // The failure that follows names the runners and the label.
  }
}

/** The failure, what the rollback did, and what is left to the post step. */
function failureForTheAction(error: BatchFailed): string {
  if (!error.rollback) return error.message
  const left = notConfirmedGone(error.rollback)
  const after = left.length ? ` The post step looks again for ${left.join(', ')} (label ${error.ownershipLabel}).` : ''
  return `${error.message} Rollback: ${describeRemoval(error.rollback)}.${after}`
}

/** The GHES version GitHub's answers named (X-GitHub-Enterprise-Version), as a summary row. */
function serverRow(version: string | undefined): [string, string][] {
  return version ? [['GitHub Enterprise Server', version]] : []
}

/**
 * Masks the caller's credentials before any request: the github-token, and every line of a GitHub
 * App's private key (the runner masks line by line).
 */
export function maskCredentials(core: Pick<Core, 'getInput' | 'setSecret'>): void {
  const githubToken = core.getInput('github-token').trim()
  if (githubToken) core.setSecret(githubToken)
  for (const line of privateKeySecrets(core.getInput('private-key'))) core.setSecret(line)
}

/** What App authentication needs from the runner: its log, warnings and masking. */
export function appDeps(core: Pick<Core, 'info' | 'warning' | 'setSecret'>, deps: MintDeps): AppDeps {
  return {
    log: (line) => info(core, line),
    warn: (line) => core.warning(escapeControls(line)),
    mask: (secret) => core.setSecret(secret),
    ...deps,
  }
}

/** A log line; server text in it (a runner's name, an expiry, a note) is printed as data. */
function info(core: Pick<Core, 'info'>, line: string): void {
  core.info(escapeControls(line))
}
