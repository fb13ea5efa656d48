// The recipes for hosts: the README's workflow examples (usage, a JIT batch), 20 runners over ssh
// (JIT, and with one registration token; docs/recipes/ssh.md), the runner start scripts with the
// real command, and the autoscaler's Python (docs/command.md), each taken from its page and run
// for real against stand-ins.
import { afterEach, before, beforeEach, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { copyFile, mkdir, stat, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { StandInApp } from '../support/github-app.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import {
  assertNoSecretOnArgv,
  assertStepsPassed,
  type Call,
  type Recipe,
  recipeJob,
  recipeNamed,
  documentedRecipes,
  RecipeWorld,
  runJob,
  type RunnerEntry,
  runnersOf,
} from '../support/recipes.js'

const ADMIN = 'ghp_RecipesAdminToken0123456789abcdef'
const SSH_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nStandInSshPrivateKey0123456789\n-----END OPENSSH PRIVATE KEY-----'
const KNOWN_HOSTS = 'build-1.example.com ssh-ed25519 AAAAC3NzaStandIn1\nbuild-2.example.com ssh-ed25519 AAAAC3NzaStandIn2'
// The usage example authenticates as a GitHub App installed on octo-org; the others use a token.
const app = new StandInApp()
const github = new GitHubStandIn({ acceptToken: ADMIN, app })
let apiUrl: string
useStandIn(github, (url) => (apiUrl = url))

let recipes: Map<string, Recipe>
before(async () => (recipes = await documentedRecipes()))

let world: RecipeWorld
beforeEach(async () => {
  world = await RecipeWorld.create()
  await world.addSecrets(ADMIN, 'StandInSshPrivateKey0123456789')
})
// MRT_KEEP_WORLD=1 keeps each world's directory for a look after a failure.
afterEach(() => (process.env.MRT_KEEP_WORLD ? console.log(`world: ${world.dir}`) : world.close()))

/** The runners started in the background on hosts: waits until `count` run.sh have run. */
async function backgroundRunners(count: number): Promise<Call[]> {
  for (let waited = 0; waited < 30_000; waited += 100) {
    const runSh = await world.calls('run.sh')
    if (runSh.length >= count) return runSh
    await sleep(100)
  }
  return world.calls('run.sh')
}

function assertJitRunners(runSh: Call[], runners: RunnerEntry[]): void {
  assert.equal(runSh.length, runners.length, `run.sh ran ${runSh.length} times for ${runners.length} runners`)
  const configs = runSh.map((call) => call.env?.ACTIONS_RUNNER_INPUT_JITCONFIG)
  assert.deepEqual(
    [...configs].sort(),
    runners.map((r) => r.encoded_jit_config).sort(),
    'not one config per runner, via ACTIONS_RUNNER_INPUT_JITCONFIG',
  )
  assert.equal(new Set(runSh.map((call) => `${call.host} ${call.cwd}`)).size, runners.length, 'two runners shared a directory')
  for (const call of runSh) {
    assert.notEqual(call.user, 'root')
    assert.deepEqual(call.argv, [])
  }
}

describe('workflow examples', () => {
  test('usage: with App credentials, the host script gets the token and the runner URL in its environment', async () => {
    await copyFile(join(world.runnerFiles, 'provision-host.sh'), join(world.workspace, 'provision-host.sh'))
    await world.addSecrets(...app.secrets)
    const steps = await runJob(world, recipeJob(recipeNamed(recipes, 'usage').code), {
      apiUrl,
      secrets: { RUNNER_APP_PRIVATE_KEY: app.privateKeyPem },
      vars: { RUNNER_APP_ID: String(app.id) },
    })
    assertStepsPassed(steps, 2)
    const [host] = await world.calls('provision-host.sh')
    assert.equal(host.env?.RUNNER_TOKEN, github.minted.at(-1))
    assert.equal(host.env?.RUNNER_URL, 'https://github.com/octo-org')
    await assertNoSecretOnArgv(world, [...github.minted, ...app.secrets])
  })

  test('jit-batch: one host per runner, read from the runners file, each given its config on stdin', async () => {
    await copyFile(join(world.runnerFiles, 'provision-host.sh'), join(world.workspace, 'provision-host.sh'))
    // The organization has the runner group the example names.
    github.setRunnerGroups('/orgs/my-org', ['Default', 'Linux', 'GPU runners'])
    const steps = await runJob(world, recipeJob(recipeNamed(recipes, 'jit-batch').code), { apiUrl, secrets: { ORG_RUNNER_TOKEN: ADMIN } })
    assertStepsPassed(steps, 2)
    const runners = await runnersOf(steps)
    assert.equal(runners.length, 4)
    assert.deepEqual(new Set(github.runners.map((r) => r.runner_group_id)), new Set([3]))
    const hosts = await world.calls('provision-host.sh')
    assert.deepEqual(
      hosts.map((call) => [call.argv, call.stdin]).sort(),
      runners.map((r) => [[r.name], r.encoded_jit_config]).sort(),
      'each host gets its runner’s name as its argument and its config, exactly, on stdin',
    )
    for (const runner of runners) assert.match(runner.name, /^gpu-4242-[a-z0-9]{6}$/)
    await assertNoSecretOnArgv(world, github.minted)
  })
})

describe('ssh', () => {
  async function prepareHosts(script: Recipe): Promise<void> {
    for (const host of ['build-1.example.com', 'build-2.example.com'])
      await world.addHost(host, 'runner', { [script.attrs.file]: script.code })
  }

  test('20 JIT runners over two hosts: the config on stdin, a directory per runner, removed when it exits', async () => {
    await prepareHosts(recipeNamed(recipes, 'ssh-host'))
    const steps = await runJob(world, recipeJob(recipeNamed(recipes, 'ssh').code), {
      apiUrl,
      secrets: { RUNNER_ADMIN_TOKEN: ADMIN, RUNNER_HOSTS_SSH_KEY: SSH_KEY },
      vars: { RUNNER_HOSTS_KNOWN_HOSTS: KNOWN_HOSTS },
    })
    assertStepsPassed(steps, 3)
    const runners = await runnersOf(steps)
    assert.equal((await stat(join(world.home, '.ssh', 'id_ed25519'))).mode & 0o777, 0o600)

    const sessions = await world.calls('ssh')
    assert.equal(sessions.length, 20)
    const byId = new Map(runners.map((r) => [String(r.id), r]))
    for (const session of sessions) {
      const [, destination, command, id] = session.argv
      assert.equal(command, './start-jit-runner.sh')
      assert.equal(session.stdin, `${byId.get(id)?.encoded_jit_config}\n`, 'the session’s stdin is not its runner’s config')
      assert.match(destination, /^runner@build-[12]\.example\.com$/)
    }
    assert.equal(sessions.filter((s) => s.argv[1].includes('build-1')).length, 10, 'the runners are not spread over the hosts')

    const runSh = await backgroundRunners(20)
    assertJitRunners(runSh, runners)
    for (const call of runSh) {
      const runner = runners.find((r) => r.encoded_jit_config === call.env?.ACTIONS_RUNNER_INPUT_JITCONFIG)!
      assert.equal(call.cwd, join(world.hostHome(call.host!, 'runner'), 'runners', String(runner.id)))
    }
    for (let waited = 0; runSh.some((call) => existsSync(call.cwd!)) && waited < 10_000; waited += 100) await sleep(100)
    assert.ok(!runSh.some((call) => existsSync(call.cwd!)), 'a runner’s directory outlived its runner')
    await assertNoSecretOnArgv(world, github.minted)
  })

  test('one registration token for 20 runners: config.sh 20 times, each in its own directory, the token gone before any runner starts', async () => {
    await prepareHosts(recipeNamed(recipes, 'ssh-token-host'))
    const [keyStep] = recipeJob(recipeNamed(recipes, 'ssh').code).steps
    const job = { steps: [keyStep, ...recipeJob(recipeNamed(recipes, 'ssh-token').code).steps] }
    const steps = await runJob(world, job, {
      apiUrl,
      secrets: { RUNNER_ADMIN_TOKEN: ADMIN, RUNNER_HOSTS_SSH_KEY: SSH_KEY },
      vars: { RUNNER_HOSTS_KNOWN_HOSTS: KNOWN_HOSTS },
    })
    assertStepsPassed(steps, 3)
    const token = github.minted.at(-1)!
    const [session] = await world.calls('ssh')
    assert.equal(session.stdin, `${token}\n`)

    const configSh = await world.calls('config.sh')
    assert.equal(configSh.length, 20)
    for (const call of configSh) {
      assert.equal(call.env?.ACTIONS_RUNNER_INPUT_TOKEN, token, 'config.sh does not get the token in ACTIONS_RUNNER_INPUT_TOKEN')
      assert.equal(call.argv[call.argv.indexOf('--url') + 1], 'https://github.com/octo-org/octo-repo', '--url is not the runner-url output')
      assert.ok(call.argv.includes('--ephemeral'))
      assert.notEqual(call.user, 'root')
    }
    assert.equal(new Set(configSh.map((c) => c.cwd)).size, 20, 'two runners were configured in one directory')

    const runSh = await backgroundRunners(20)
    assert.equal(runSh.length, 20)
    assert.ok(
      Math.max(...configSh.map((c) => c.at!)) <= Math.min(...runSh.map((c) => c.at!)),
      'a runner started before every runner was registered',
    )
    for (const call of runSh) {
      const holding = Object.entries(call.env ?? {}).filter(([, value]) => value.includes(token))
      assert.deepEqual(holding, [], 'a runner (and so its jobs) can read the registration token in its environment')
    }
    assert.deepEqual([...new Set(runSh.map((c) => c.cwd))].sort(), [...new Set(configSh.map((c) => c.cwd))].sort())
    await assertNoSecretOnArgv(world, github.minted)
  })
})

describe('the command in start scripts and an autoscaler', () => {
  async function hostDir(): Promise<string> {
    const dir = join(world.dir, 'host', 'actions-runner')
    await mkdir(dir, { recursive: true })
    for (const tool of ['run.sh', 'config.sh']) await copyFile(join(world.runnerFiles, tool), join(dir, tool))
    return dir
  }
  const hostEnv = () => ({ REPO: 'octo-org/octo-repo', GITHUB_TOKEN: ADMIN, GITHUB_API_URL: apiUrl, MRT_HOST: 'host' })

  test('start script, JIT: run.sh gets the minted config and never the admin token', async () => {
    const dir = await hostDir()
    const script = recipeNamed(recipes, 'start-script-jit')
    await world.spyOn(script.code)
    await writeFile(join(dir, 'start.sh'), script.code)
    const run = await world.run('bash', ['start.sh'], { cwd: dir, env: hostEnv() })
    assert.equal(run.code, 0, run.stderr)
    const [runSh] = await world.calls('run.sh')
    assert.equal(runSh.env?.ACTIONS_RUNNER_INPUT_JITCONFIG, github.minted.at(-1))
    assert.equal(runSh.env?.GITHUB_TOKEN, undefined, 'the runner’s jobs can read the admin token')
    assert.equal((await world.calls('mint-runner-token')).length, 1)
    await assertNoSecretOnArgv(world, github.minted)
  })

  test('start script, registration token: config.sh gets it and the runner URL, run.sh gets neither token', async () => {
    const dir = await hostDir()
    const script = recipeNamed(recipes, 'start-script-token')
    await world.spyOn(script.code)
    await writeFile(join(dir, 'start.sh'), script.code)
    const run = await world.run('bash', ['start.sh'], { cwd: dir, env: hostEnv() })
    assert.equal(run.code, 0, run.stderr)
    const token = github.minted.at(-1)!
    const [configSh] = await world.calls('config.sh')
    assert.equal(configSh.env?.ACTIONS_RUNNER_INPUT_TOKEN, token)
    // On a host there is no GITHUB_SERVER_URL: the server is the API's (here the stand-in's).
    assert.equal(configSh.argv[configSh.argv.indexOf('--url') + 1], `${new URL(apiUrl).origin}/octo-org/octo-repo`)
    const [runSh] = await world.calls('run.sh')
    assert.deepEqual(
      Object.entries(runSh.env ?? {}).filter(([, value]) => value.includes(token) || value.includes(ADMIN)),
      [],
      'run.sh (and so its jobs) can read a token',
    )
    await assertNoSecretOnArgv(world, github.minted)
  })

  describe('the autoscaler', () => {
    async function python(code: string) {
      await writeFile(join(world.workspace, 'autoscaler.py'), recipeNamed(recipes, 'autoscaler').code)
      await world.spyOn('python3')
      return world.run('python3', ['-c', code], { env: { GITHUB_API_URL: apiUrl, ADMIN_TOKEN: ADMIN } })
    }

    test('mints once, returns the cached result while it has time left, with the runner URL', async () => {
      const run = await python(
        'import autoscaler, json, os\nt = os.environ["ADMIN_TOKEN"]\nprint(json.dumps([autoscaler.registration("octo-org", t), autoscaler.registration("octo-org", t)]))',
      )
      assert.equal(run.code, 0, run.stderr)
      const [first, second] = JSON.parse(run.stdout) as { token: string; runner_url: string }[]
      assert.deepEqual(first, second)
      assert.equal(first.token, github.minted.at(-1))
      assert.equal(first.runner_url, `${new URL(apiUrl).origin}/octo-org`)
      assert.equal(github.requests.length, 1, 'the second call minted again')
      await assertNoSecretOnArgv(world, github.minted)
    })

    test('a usage error is a ValueError, a failed mint a RuntimeError', async () => {
      const usage = await python('import autoscaler, os\nautoscaler.registration("not an org", os.environ["ADMIN_TOKEN"])')
      assert.match(
        usage.stderr,
        /ValueError: mint-runner-token usage: mint-runner-token: Option --organization must be an organization login/,
      )
      assert.equal(github.requests.length, 0)
      github.faults.push({ status: 404 })
      const failed = await python('import autoscaler, os\nautoscaler.registration("octo-org", os.environ["ADMIN_TOKEN"])')
      assert.match(failed.stderr, /RuntimeError: mint-runner-token failed: .*not found \(404\)/)
    })
  })
})
