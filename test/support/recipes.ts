// Runs the documented recipes for real: each block marked `<!-- recipe: NAME -->` is taken from
// the docs themselves (README.md and docs/**/*.md), and run with bash (or python) in a world of
// stand-ins for the outside tools (test/support/recipe-tools/), with the bundled action as the
// runner runs it for `uses:` steps.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { accessSync, constants, existsSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { type ActionRun, parseOutputFile, runAction } from './run-action.js'
import { everyMintedValue } from './github-stand-in.js'

/** The repository's root, or (for scripts/recipe-mutations.ts) a changed copy of its docs named by MRT_DOCS_ROOT. */
export const DOCS_ROOT = process.env.MRT_DOCS_ROOT ?? fileURLToPath(new URL('../../', import.meta.url))
const TOOLS = fileURLToPath(new URL('./recipe-tools/', import.meta.url))
const STAND_IN = join(TOOLS, 'stand-in.mjs')
const PYTHON_TOOLS = join(TOOLS, 'python')
const CLI = fileURLToPath(new URL('../../dist/cli/index.js', import.meta.url))
const ACTION_YML = fileURLToPath(new URL('../../action.yml', import.meta.url))

export interface Recipe {
  name: string
  /** The fence's language: yaml, bash, sh, python, json. */
  lang: string
  code: string
  /** From the marker: `<!-- recipe: NAME file=PATH -->`. */
  attrs: Record<string, string>
  /** The page it is on, relative to the repository's root. */
  page: string
}

/** Every block of a page marked `<!-- recipe: NAME [key=value ...] -->`, by name. */
export function readRecipes(readme: string, page = 'README.md'): Map<string, Recipe> {
  const recipes = new Map<string, Recipe>()
  for (const block of codeBlocks(readme)) {
    const marker = /^recipe: ([\w-]+)((?: [\w-]+=\S+)*)$/.exec(block.marker ?? '')
    if (!marker) continue
    if (recipes.has(marker[1])) throw new Error(`${page} marks two blocks as recipe ${marker[1]}`)
    const attrs = Object.fromEntries(
      marker[2]
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map((pair) => pair.split(/=(.*)/s).slice(0, 2)),
    )
    recipes.set(marker[1], { name: marker[1], lang: block.lang, code: block.code, attrs, page })
  }
  return recipes
}

/** Every fenced block, with the HTML comment right before it (blank lines between allowed). */
export function codeBlocks(readme: string): { lang: string; code: string; marker?: string; line: number }[] {
  const blocks = []
  const pattern = /(?:<!-- ([^\n]*?) -->\n\n?)?^```(\w*)\n([\s\S]*?)^```$/gm
  for (const match of readme.matchAll(pattern)) {
    blocks.push({ marker: match[1], lang: match[2], code: match[3], line: readme.slice(0, match.index).split('\n').length })
  }
  return blocks
}

/** README.md and every page under docs/, relative to `root`: where the recipes live. */
export async function docPages(root = DOCS_ROOT): Promise<string[]> {
  const pages = (await readdir(join(root, 'docs'), { recursive: true }))
    .filter((file) => file.endsWith('.md'))
    .map((file) => join('docs', file))
    .sort()
  return ['README.md', ...pages]
}

/** Every marked recipe of every page, by name; a name on two pages is an error. */
export async function documentedRecipes(root = DOCS_ROOT): Promise<Map<string, Recipe>> {
  const recipes = new Map<string, Recipe>()
  for (const page of await docPages(root)) {
    for (const [name, recipe] of readRecipes(await readFile(join(root, page), 'utf8'), page)) {
      const other = recipes.get(name)
      if (other) throw new Error(`recipe ${name} is marked on ${other.page} and on ${page}`)
      recipes.set(name, recipe)
    }
  }
  return recipes
}

/** One recorded call of a stand-in (or of a real tool, through a spy). */
export interface Call {
  tool: string
  argv: string[]
  cwd?: string
  user?: string
  host?: string
  env?: Record<string, string>
  stdin?: string
  refused?: string
  runAs?: string
  event?: string
  call?: string
  /** When it was called (epoch ms). */
  at?: number
  /** A real tool, seen through its spy: only its argv is known. */
  spied?: boolean
}

export interface ShellRun {
  code: number
  stdout: string
  stderr: string
}

/**
 * A temporary machine for recipes: stand-ins first on PATH, spies that record the argv of every
 * real tool a recipe names (jq, sed, tar, python3 ...) before running it, a home, a workspace, a
 * RUNNER_TEMP, and hosts reachable over ssh. Everything a stand-in sees is in `calls()`.
 */
export class RecipeWorld {
  static readonly pythonTools = PYTHON_TOOLS

  readonly bin: string
  readonly spy: string
  readonly home: string
  readonly workspace: string
  readonly runnerTemp: string
  /** run.sh and config.sh as a runner's release archive has them, to copy into runner directories. */
  readonly runnerFiles: string
  private readonly secrets = new Set<string>()

  private constructor(readonly dir: string) {
    this.bin = join(dir, 'bin')
    this.spy = join(dir, 'spy')
    this.home = join(dir, 'home')
    this.workspace = join(dir, 'workspace')
    this.runnerTemp = join(dir, 'runner-temp')
    this.runnerFiles = join(dir, 'runner-files')
  }

  static async create(): Promise<RecipeWorld> {
    const world = new RecipeWorld(await mkdtemp(join(tmpdir(), 'recipe-world-')))
    for (const dir of [world.bin, world.spy, world.home, world.workspace, world.runnerTemp, world.runnerFiles, join(world.dir, 'argv')]) {
      await mkdir(dir, { recursive: true })
    }
    await writeFile(join(world.dir, 'secrets.txt'), '')
    await writeFile(join(world.dir, 'log.jsonl'), '')
    await writeFile(join(world.dir, 'config.json'), JSON.stringify({ hostPath: world.path() }))
    const node = process.execPath
    const standIn = (tool: string) => `#!/bin/sh\nexec '${node}' '${STAND_IN}' '${world.dir}' '${tool}' "$@"\n`
    for (const tool of ['aws', 'kubectl', 'ssh', 'sudo', 'setpriv', 'iptables', 'shutdown', 'pip']) {
      await writeExecutable(join(world.bin, tool), standIn(tool))
    }
    for (const tool of ['run.sh', 'config.sh']) await writeExecutable(join(world.runnerFiles, tool), standIn(tool))
    await writeExecutable(join(world.runnerFiles, 'provision-host.sh'), standIn('provision-host.sh'))
    const python = which('python3')
    await writeExecutable(
      join(world.bin, 'modal'),
      `#!/bin/sh\nPYTHONPATH='${PYTHON_TOOLS}' exec '${python}' '${join(PYTHON_TOOLS, 'modal_stand_in.py')}' '${world.dir}' cli "$@"\n`,
    )
    // The real command, seen through a spy like any real tool.
    await writeExecutable(join(world.bin, 'mint-runner-token'), world.spyScript('mint-runner-token', `'${node}' '${CLI}'`))
    return world
  }

  /** PATH as the recipes see it: stand-ins, then spies, then the system's. */
  path(): string {
    return [this.bin, this.spy, process.env.PATH].join(delimiter)
  }

  /** Values no stand-in may see on its command line (and no spied tool either). */
  async addSecrets(...values: string[]): Promise<void> {
    for (const value of values.filter(Boolean)) this.secrets.add(value)
    await writeFile(join(this.dir, 'secrets.txt'), [...this.secrets].join('\n') + '\n')
  }

  get knownSecrets(): string[] {
    return [...this.secrets]
  }

  private spyScript(tool: string, real: string): string {
    // One file per call, so concurrent calls cannot interleave; argv NUL-separated.
    return `#!/bin/bash\nf=$(mktemp '${join(this.dir, 'argv')}/XXXXXXXX') && printf '%s\\0' '${tool}' "$@" >"$f"\nexec ${real} "$@"\n`
  }

  /** Spies on every word of `text` that names a real executable (jq, sed, python3 ...). */
  async spyOn(text: string): Promise<void> {
    const standIns = new Set(await readdir(this.bin))
    for (const word of new Set(text.match(/[A-Za-z][\w.+-]*/g) ?? [])) {
      if (standIns.has(word) || existsSync(join(this.spy, word))) continue
      const real = which(word)
      if (real) await writeExecutable(join(this.spy, word), this.spyScript(word, `'${real}'`))
    }
  }

  /** Every call recorded so far: the stand-ins' log, then the spies' argv. */
  async calls(tool?: string): Promise<Call[]> {
    const logged = (await readFile(join(this.dir, 'log.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Call)
    const spied: Call[] = []
    for (const file of await readdir(join(this.dir, 'argv'))) {
      const [name, ...argv] = (await readFile(join(this.dir, 'argv', file), 'utf8')).split('\0').slice(0, -1)
      spied.push({ tool: name, argv, spied: true })
    }
    const all = [...logged, ...spied]
    return tool ? all.filter((call) => call.tool === tool) : all
  }

  /** Calls whose argv holds a secret: what the stand-ins refused, and what a spied tool was given. */
  async secretsOnArgv(): Promise<string[]> {
    return (await this.calls())
      .filter((call) => (call.argv ?? []).some((arg) => this.knownSecrets.some((secret) => arg.includes(secret))))
      .map((call) => `${call.tool} (${call.spied ? 'real, spied' : 'stand-in'}) got a secret in argv`)
  }

  async state<T>(name: string): Promise<T> {
    const path = join(this.dir, 'state', `${name}.json`)
    return (existsSync(path) ? JSON.parse(await readFile(path, 'utf8')) : {}) as T
  }

  /** Prepares an ssh host: the user's home, with the runner's release archive in it. */
  async addHost(host: string, user: string, files: Record<string, string> = {}): Promise<string> {
    const home = join(this.dir, 'hosts', host, 'home', user)
    await mkdir(home, { recursive: true })
    await run('tar', ['-czf', join(home, 'actions-runner.tar.gz'), '-C', this.runnerFiles, 'run.sh', 'config.sh'])
    for (const [name, text] of Object.entries(files)) await writeExecutable(join(home, name), text)
    return home
  }

  hostHome(host: string, user: string): string {
    return join(this.dir, 'hosts', host, 'home', user)
  }

  /** Runs a program in this world (stdin from /dev/null unless `input`), as `user`. */
  run(command: string, args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<ShellRun> {
    return run(command, args, {
      cwd: options.cwd ?? this.workspace,
      env: {
        PATH: this.path(),
        HOME: this.home,
        MRT_USER: 'runner',
        LANG: 'C.UTF-8',
        // The modal stand-in is importable once the recipe has pip-installed modal.
        PYTHONPATH: PYTHON_TOOLS,
        PYTHONDONTWRITEBYTECODE: '1',
        MRT_WORLD: this.dir,
        ...options.env,
      },
      input: options.input,
    })
  }

  close(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true })
  }
}

async function writeExecutable(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, text)
  await chmod(path, 0o755)
}

/** The executable a name resolves to on this process's PATH, if any. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, name)
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {
      // not here
    }
  }
  return undefined
}

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<ShellRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }))
    child.stdin.end(options.input ?? '')
  })
}

// ---------------------------------------------------------------------------------------------
// Workflows: the steps of a recipe, run as a runner runs them.

export interface WorkflowContext {
  /** The GitHub stand-in's API URL: what `github.api_url` is. */
  apiUrl: string
  secrets: Record<string, string>
  vars?: Record<string, string>
  github?: Record<string, string>
}

export interface StepResult {
  name: string
  code: number
  stdout: string
  stderr: string
  action?: ActionRun
}

interface Step {
  id?: string
  name?: string
  uses?: string
  with?: Record<string, unknown>
  env?: Record<string, unknown>
  run?: string
  shell?: string
}

interface Job {
  steps: Step[]
  permissions?: Record<string, string>
  'timeout-minutes'?: number
}

/** A recipe's YAML as a job: a whole workflow with one job, or a list of steps. */
export function recipeJob(yaml: string): Job {
  const parsed = parse(yaml) as unknown
  if (Array.isArray(parsed)) return { steps: parsed as Step[] }
  const jobs = (parsed as { jobs?: Record<string, Job> }).jobs
  if (!jobs || Object.keys(jobs).length !== 1) throw new Error('a recipe workflow has exactly one job')
  return Object.values(jobs)[0]
}

/**
 * Runs the job's steps in order until one fails. `run:` steps run with bash as GitHub runs them
 * (`bash -e` by default, `bash --noprofile --norc -eo pipefail` for `shell: bash`), with
 * `${{ }}` in `env:` filled in; `${{ }}` inside `run:` itself is refused (script injection).
 * This action's `uses:` step runs dist/index.js against the stand-in; checkout, setup-python and
 * configure-aws-credentials do what they do on a runner, as far as a recipe can tell.
 */
export async function runJob(world: RecipeWorld, job: Job, context: WorkflowContext): Promise<StepResult[]> {
  const github = {
    repository: 'octo-org/octo-repo',
    run_id: '4242',
    run_attempt: '1',
    server_url: 'https://github.com',
    api_url: context.apiUrl,
    ...context.github,
  }
  const outputs: Record<string, Record<string, string>> = {}
  const jobEnv: Record<string, string> = {
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: world.runnerTemp,
    GITHUB_WORKSPACE: world.workspace,
    GITHUB_REPOSITORY: github.repository,
    GITHUB_RUN_ID: github.run_id,
    GITHUB_RUN_ATTEMPT: github.run_attempt,
    GITHUB_SERVER_URL: github.server_url,
    GITHUB_API_URL: github.api_url,
  }
  const expand = (value: unknown): string =>
    String(value ?? '').replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expression: string) => {
      const [scope, ...path] = expression.split('.')
      const found =
        scope === 'secrets'
          ? context.secrets[path[0]]
          : scope === 'vars'
            ? context.vars?.[path[0]]
            : scope === 'github'
              ? (github as Record<string, string>)[path[0]]
              : scope === 'steps' && path[1] === 'outputs'
                ? outputs[path[0]]?.[path[2]]
                : scope === 'env'
                  ? jobEnv[path[0]]
                  : undefined
      if (found === undefined) throw new Error(`the recipe uses \${{ ${expression} }}, which this run does not have`)
      return found
    })

  const results: StepResult[] = []
  for (const [index, step] of job.steps.entries()) {
    const name = step.name ?? step.id ?? step.uses ?? `step ${index + 1}`
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([key, value]) => [key, expand(value)]))
    if (step.uses) {
      const inputs = Object.fromEntries(Object.entries(step.with ?? {}).map(([key, value]) => [key, expand(value)]))
      if (/\/mint-runner-token@/.test(step.uses)) {
        const defaults = (parse(await readFile(ACTION_YML, 'utf8')) as { inputs: Record<string, { default?: string }> }).inputs
        const filled = Object.fromEntries(
          Object.entries(defaults)
            .filter(([, input]) => input.default !== undefined)
            .map(([key, input]) => [key, expand(input.default)]),
        )
        const action = await runAction({ ...filled, ...inputs }, { ...jobEnv, ...stepEnv })
        // From here on, what GitHub minted is a secret no stand-in may see on a command line.
        await world.addSecrets(...everyMintedValue())
        if (step.id) outputs[step.id] = action.outputs
        results.push({ name, code: action.exitCode, stdout: action.stdout, stderr: action.stderr, action })
        if (action.exitCode !== 0) break
        continue
      }
      if (/^actions\/(checkout|setup-python)@/.test(step.uses)) {
        results.push({ name, code: 0, stdout: '', stderr: '' })
        continue
      }
      if (/^aws-actions\/configure-aws-credentials@/.test(step.uses)) {
        // With role-to-assume it asks GitHub for an OIDC token, which needs id-token: write.
        if (inputs['role-to-assume'] && job.permissions?.['id-token'] !== 'write') {
          results.push({ name, code: 1, stdout: '', stderr: 'Could not assume role with OIDC: the job has no id-token: write permission' })
          break
        }
        const credentials = {
          AWS_ACCESS_KEY_ID: 'ASIAEXAMPLESTANDIN01',
          AWS_SECRET_ACCESS_KEY: 'StandInSecretAccessKey/0123456789abcdefghij',
          AWS_SESSION_TOKEN: 'StandInSessionToken0123456789',
        }
        await world.addSecrets(credentials.AWS_SECRET_ACCESS_KEY, credentials.AWS_SESSION_TOKEN)
        Object.assign(jobEnv, credentials, {
          AWS_REGION: inputs['aws-region'],
          AWS_DEFAULT_REGION: inputs['aws-region'],
          MRT_AWS_ROLE: 'provisioner',
        })
        results.push({ name, code: 0, stdout: '', stderr: '' })
        continue
      }
      throw new Error(`the recipe uses ${step.uses}, which this harness does not know`)
    }
    if (step.run === undefined) throw new Error(`step ${name} has neither uses nor run`)
    if (step.run.includes('${{')) throw new Error(`step ${name}: \${{ }} inside run: is a script-injection risk; pass it through env:`)
    await world.spyOn(step.run)
    const script = join(world.runnerTemp, `step-${index}.sh`)
    await writeFile(script, step.run)
    const envFile = join(world.runnerTemp, `env-${index}`)
    const outputFile = join(world.runnerTemp, `output-${index}`)
    await writeFile(envFile, '')
    await writeFile(outputFile, '')
    const shell = step.shell === 'bash' ? ['--noprofile', '--norc', '-eo', 'pipefail', script] : ['-e', script]
    const result = await world.run('bash', shell, { env: { ...jobEnv, ...stepEnv, GITHUB_ENV: envFile, GITHUB_OUTPUT: outputFile } })
    Object.assign(jobEnv, parseEnvFile(await readFile(envFile, 'utf8')))
    if (step.id) outputs[step.id] = parseOutputFile(await readFile(outputFile, 'utf8'))
    results.push({ name, ...result })
    if (result.code !== 0) break
  }
  return results
}

/** GITHUB_ENV's format: NAME=value lines, or NAME<<DELIMITER blocks. */
function parseEnvFile(text: string): Record<string, string> {
  const env = parseOutputFile(text)
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line)
    if (match) env[match[1]] = match[2]
  }
  return env
}

/** Writes a recipe's file (the marker's file=PATH) under `dir`, executable if it is a script. */
export async function placeRecipeFile(recipe: Recipe, dir: string): Promise<string> {
  const path = join(dir, recipe.attrs.file)
  await writeExecutable(path, recipe.code)
  return path
}

// ---------------------------------------------------------------------------------------------
// What the recipe tests share.

/** One runner of a runners file. */
export interface RunnerEntry {
  id: number
  name: string
  encoded_jit_config: string
}

/** The recipe named `name`, or a failure that says its marker is missing from the docs. */
export function recipeNamed(recipes: Map<string, Recipe>, name: string): Recipe {
  const found = recipes.get(name)
  assert.ok(found, `no page (README.md, docs/) has a block marked <!-- recipe: ${name} -->`)
  return found
}

/** Every one of `count` steps ran and passed; a failure shows the step's output. */
export function assertStepsPassed(steps: StepResult[], count: number): void {
  for (const step of steps) assert.equal(step.code, 0, `step "${step.name}" failed:\n${step.stdout}\n${step.stderr}`)
  assert.equal(steps.length, count, 'not every step ran')
}

/** The runners the job's mint step registered, as its runners file lists them. */
export async function runnersOf(steps: StepResult[]): Promise<RunnerEntry[]> {
  const mint = steps.find((step) => step.action)?.action
  assert.ok(mint, 'the job has no mint step')
  return JSON.parse(await readFile(mint.outputs['runners-file'], 'utf8')) as RunnerEntry[]
}

/** No call, of a stand-in or of a spied real tool, had a secret (or anything `minted`) in its argv. */
export async function assertNoSecretOnArgv(world: RecipeWorld, minted: string[]): Promise<void> {
  await world.addSecrets(...minted)
  assert.deepEqual(await world.secretsOnArgv(), [])
}
