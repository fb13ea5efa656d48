// The lifecycle recipes of docs/lifecycle.md, taken from the page and run for real: a provisioning
// job (exclusive JIT runners, hosts started over ssh, type wait), the work job on the ownership
// label, a stop job that ends the hosts' runners and prunes the label; and the scheduled sweeper.
import { afterEach, before, beforeEach, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import {
  assertNoSecretOnArgv,
  assertStepsPassed,
  jobOutputs,
  type Recipe,
  recipeJob,
  recipeJobs,
  recipeNamed,
  documentedRecipes,
  RecipeWorld,
  runJob,
  runnersOf,
  which,
  type Job,
} from '../support/recipes.js'
import { DEFAULTS } from '../../src/inputs.js'
import { parseDuration } from '../../src/duration.js'
import { parseWriteBudget } from '../../src/input-values.js'
import { shortestMs } from '../../src/pacer.js'
import { cleanupTimeoutMs } from '../../src/jit/cleanup.js'

const ADMIN = 'ghp_RecipesAdminToken0123456789abcdef'
const SSH_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nStandInSshPrivateKey0123456789\n-----END OPENSSH PRIVATE KEY-----'
const KNOWN_HOSTS = 'build-1.example.com ssh-ed25519 AAAAC3NzaStandIn1\nbuild-2.example.com ssh-ed25519 AAAAC3NzaStandIn2'
const SCOPE = '/repos/octo-org/octo-repo'
const github = new GitHubStandIn({ acceptToken: ADMIN })
let apiUrl: string
useStandIn(github, (url) => (apiUrl = url))

let recipes: Map<string, Recipe>
before(async () => (recipes = await documentedRecipes()))

let world: RecipeWorld
beforeEach(async () => {
  world = await RecipeWorld.create()
  await world.addSecrets(ADMIN, 'StandInSshPrivateKey0123456789')
})
afterEach(() => (process.env.MRT_KEEP_WORLD ? console.log(`world: ${world.dir}`) : world.close()))

/** shellcheck at warning level: a step's variables come from its env:, which shellcheck cannot see (SC2153 is info). */
function shellcheck(script: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile('shellcheck', ['--shell=bash', '--severity=warning', '-'], (error, stdout) =>
      resolve({ code: error ? 1 : 0, out: stdout }),
    )
    child.stdin?.end(script)
  })
}

describe('the lifecycle in one workflow', () => {
  test('provision (exclusive runners, hosts, wait), work on the label, stop (end the hosts, prune): nothing left registered', async (t) => {
    const workflow = recipeNamed(recipes, 'lifecycle')
    const jobs = recipeJobs(workflow.code)
    assert.deepEqual(Object.keys(jobs), ['provision', 'work', 'stop'])
    const stopScript = recipeNamed(recipes, 'lifecycle-host-stop')
    const startScript = recipeNamed(recipes, 'ssh-host')
    for (const host of ['build-1.example.com', 'build-2.example.com']) {
      await world.addHost(host, 'runner', { [startScript.attrs.file]: startScript.code, [stopScript.attrs.file]: stopScript.code })
    }
    if (which('shellcheck')) {
      for (const script of [stopScript.code, ...Object.values(jobs).flatMap((job) => job.steps.flatMap((s) => (s.run ? [s.run] : [])))]) {
        const check = await shellcheck(script.startsWith('#!') ? script : `#!/bin/bash\n${script}`)
        assert.equal(check.code, 0, check.out)
      }
    } else t.diagnostic('shellcheck is not installed: the scripts were run but not linted')

    // The hosts' runners connect once the wait has begun: three of four at the first poll, the last at the second.
    github.beforeListing = (earlier) => {
      const ours = github.runners.filter((r) => r.labels.some((l) => l.name.startsWith('mrt-')))
      for (const runner of ours.slice(0, earlier === 0 ? 3 : 4)) github.setRunner(runner.name, { status: 'online' })
    }
    const context = {
      apiUrl,
      secrets: { RUNNER_ADMIN_TOKEN: ADMIN, RUNNER_HOSTS_SSH_KEY: SSH_KEY },
      vars: { RUNNER_HOSTS_KNOWN_HOSTS: KNOWN_HOSTS },
    }
    const provision = await runJob(world, jobs.provision, context)
    assertStepsPassed(provision, 4)
    const runners = await runnersOf(provision)
    const { 'ownership-label': label } = jobOutputs(jobs.provision, provision)
    assert.match(label, /^mrt-[0-9a-z]+-[0-9a-z]{10}$/)
    // Exclusive: each runner carries the ownership label alone.
    assert.equal(runners.length, 4)
    for (const runner of github.runners)
      assert.deepEqual(
        runner.labels.map((l) => l.name),
        [label],
      )
    assert.equal((await world.calls('ssh')).length, 4)
    const wait = provision[3].action!
    assert.deepEqual([wait.outputs.online, wait.outputs['never-connected']], ['4', '0'])

    // The work job runs on the batch's label, and only there.
    assert.equal(jobs.work['runs-on'], '${{ needs.provision.outputs.ownership-label }}')
    // It ran: three runners took a job each and removed themselves; one host was lost before its job.
    github.beforeListing = undefined
    for (const runner of github.runners.slice(0, 3)) github.unregister(runner.name)
    github.setRunner(github.runners[0].name, { status: 'offline' })

    assert.equal(jobs.stop.if, 'always()')
    const stop = await runJob(world, jobs.stop, { ...context, needs: { provision: { 'ownership-label': label } } })
    assertStepsPassed(stop, 3)
    assert.equal((await world.calls('ssh')).length, 6, 'the stop job reached both hosts')
    assert.equal(stop[2].action!.outputs.pruned, '1')
    assert.deepEqual(github.runners, [])
    await assertNoSecretOnArgv(world, github.minted)
  })

  test('the stop script ends a runner still running on the host and removes its directory', async () => {
    const stopScript = recipeNamed(recipes, 'lifecycle-host-stop')
    const home = await world.addHost('build-1.example.com', 'runner', { [stopScript.attrs.file]: stopScript.code })
    const dir = `${home}/runners/1001`
    const { spawn } = await import('node:child_process')
    const { mkdir } = await import('node:fs/promises')
    await mkdir(`${dir}/bin`, { recursive: true })
    // A stand-in for the runner's listener: a process whose command line names its directory.
    const listener = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)', `${dir}/bin/Runner.Listener`], { stdio: 'ignore' })
    const exited = new Promise<string | null>((resolve) => listener.on('exit', (_code, signal) => resolve(signal)))
    await sleep(200)
    const run = await new Promise<number>((resolve) =>
      execFile('/bin/bash', [`${home}/stop-jit-runners.sh`], { env: { HOME: home, PATH: process.env.PATH } }, (error) =>
        resolve(error ? 1 : 0),
      ),
    )
    assert.equal(run, 0)
    assert.equal(await exited, 'SIGTERM')
    const { existsSync } = await import('node:fs')
    assert.ok(!existsSync(dir))
  })
})

describe('a scheduled sweeper', () => {
  test('on a schedule, prunes the offline idle runners whose label is older than 2h, and nothing else', async () => {
    const recipe = recipeNamed(recipes, 'sweeper')
    assert.match(recipe.code, /^on:\n {2}schedule:\n {4}- cron: /m)
    const labelAgo = (ms: number, random: string): string => `mrt-${Math.floor((Date.now() - ms) / 1000).toString(36)}-${random}`
    github.register(SCOPE, 'lost-host', { labels: [labelAgo(5 * 3600_000, 'lostbatch0')] })
    github.register(SCOPE, 'busy-old', { labels: [labelAgo(5 * 3600_000, 'longbatch0')], status: 'online', busy: true })
    github.register(SCOPE, 'booting', { labels: [labelAgo(10 * 60_000, 'newbatch00')] })
    github.register(SCOPE, 'someone-elses', { labels: ['self-hosted'] })
    const steps = await runJob(world, recipeJob(recipe.code), { apiUrl, secrets: { RUNNER_ADMIN_TOKEN: ADMIN } })
    assertStepsPassed(steps, 1)
    assert.deepEqual(github.runners.map((r) => r.name).sort(), ['booting', 'busy-old', 'someone-elses'])
    assert.equal(steps[0].action!.outputs.pruned, '1')
    assert.equal(steps[0].action!.outputs.kept, '2')
  })
})

describe('the recipes hold a batch of 1,000 (docs/jit.md, "How long to give a batch")', () => {
  const LARGEST = 1000
  /** The mint-runner-token steps of a job, with their type, timeout and write budget as the action reads them. */
  function actionSteps(job: Job): { type: string; timeoutMs: number; budget: ReturnType<typeof parseWriteBudget> }[] {
    return job.steps
      .filter((step) => step.uses?.startsWith('OWNER/mint-runner-token@'))
      .map((step) => {
        const input = (name: keyof typeof DEFAULTS): string => String(step.with?.[name] ?? DEFAULTS[name])
        return { type: input('type'), timeoutMs: parseDuration(input('timeout'))!, budget: parseWriteBudget(input('write-budget')) }
      })
  }

  test("each writing step's timeout holds 1,000 runners at its write budget, and each job's timeout-minutes its steps", () => {
    const lifecycle = recipeJobs(recipeNamed(recipes, 'lifecycle').code)
    const jobs = { ...lifecycle, sweep: recipeJob(recipeNamed(recipes, 'sweeper').code) }
    const checked: string[] = []
    for (const [id, job] of Object.entries(jobs)) {
      const steps = actionSteps(job)
      for (const step of steps) {
        if (step.type === 'jit') {
          // The pace, and a minute more for the requests themselves: a batch that fits by seconds fails near its end.
          assert.ok((step.budget ? shortestMs(LARGEST, step.budget) : 0) + 60_000 <= step.timeoutMs, `${id}: the jit step's timeout`)
        }
        // The rollback and the post step of a jit step, and a prune, delete at the cleanup's pace, within timeout.
        if (step.type === 'jit' || step.type === 'prune') {
          assert.ok(
            cleanupTimeoutMs(LARGEST, step.budget) <= step.timeoutMs,
            `${id}: the ${step.type} step's timeout holds deleting ${LARGEST}`,
          )
          checked.push(`${id}/${step.type}`)
        }
      }
      const stepsMs = steps.reduce((sum, step) => sum + step.timeoutMs, 0)
      if (steps.length) assert.ok(stepsMs < (job['timeout-minutes'] ?? 360) * 60_000, `${id}: timeout-minutes holds its steps' timeouts`)
    }
    assert.deepEqual(checked.sort(), ['provision/jit', 'stop/prune', 'sweep/prune'])
  })
})
