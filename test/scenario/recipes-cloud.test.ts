// The EC2, Kubernetes and Modal recipes, run for real: each block is taken from docs/recipes/,
// the mint step runs the bundled action against the GitHub stand-in (20 real JIT configs and a
// real runners file), and the shell and Python run against stand-ins for aws, kubectl and modal,
// then the instances boot, the pods start and the containers run, each with its runner's run.sh.
import { afterEach, before, beforeEach, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, readdir, stat, writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { useStandIn } from '../support/stand-in-hooks.js'
import {
  assertNoSecretOnArgv,
  assertStepsPassed,
  type Call,
  placeRecipeFile,
  type Recipe,
  recipeJob,
  recipeNamed,
  documentedRecipes,
  RecipeWorld,
  runJob,
  type RunnerEntry,
  runnersOf,
  type StepResult,
} from '../support/recipes.js'

const ADMIN = 'ghp_RecipesAdminToken0123456789abcdef'
const github = new GitHubStandIn({ acceptToken: ADMIN })
let apiUrl: string
useStandIn(github, (url) => (apiUrl = url))

let recipes: Map<string, Recipe>
before(async () => (recipes = await documentedRecipes()))

let world: RecipeWorld
beforeEach(async () => (world = await RecipeWorld.create()))
// MRT_KEEP_WORLD=1 keeps each world's directory for a look after a failure.
afterEach(() => (process.env.MRT_KEEP_WORLD ? console.log(`world: ${world.dir}`) : world.close()))

/** The 20 runners the mint step registered: what GitHub's registry holds. */
async function mintedRunners(steps: StepResult[]): Promise<RunnerEntry[]> {
  const runners = await runnersOf(steps)
  assert.equal(runners.length, 20)
  assert.deepEqual(runners.map((r) => r.id).sort(), github.runners.map((r) => r.id).sort(), 'the runners file is what GitHub registered')
  return runners
}

/** Each runner's run.sh got its own config, in ACTIONS_RUNNER_INPUT_JITCONFIG, as a user other than root. */
function assertRunnersStarted(runSh: Call[], runners: RunnerEntry[]): void {
  assert.equal(runSh.length, runners.length, `run.sh ran ${runSh.length} times for ${runners.length} runners`)
  const configs = runSh.map((call) => call.env?.ACTIONS_RUNNER_INPUT_JITCONFIG)
  assert.equal(new Set(configs).size, runners.length, 'two runners were given the same config')
  assert.deepEqual([...configs].sort(), runners.map((r) => r.encoded_jit_config).sort())
  for (const call of runSh) {
    assert.notEqual(call.user, 'root', 'the runner (and so its jobs) runs as root')
    assert.deepEqual(call.argv, [], `run.sh was given arguments: ${call.argv.join(' ')}`)
    for (const name of ['GITHUB_TOKEN', 'GH_TOKEN', 'ACTIONS_RUNNER_INPUT_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) {
      assert.equal(call.env?.[name], undefined, `run.sh's environment (and so its jobs') holds ${name}`)
    }
  }
}

describe('the EC2 recipe', () => {
  test('20 instances, each given only the name of an SSM parameter that its boot script reads, deletes, and hands to run.sh', async () => {
    await placeRecipeFile(recipeNamed(recipes, 'ec2-boot'), world.workspace)
    await writeFile(join(world.dir, 'aws-policy-instance.json'), recipeNamed(recipes, 'ec2-instance-policy').code)
    await world.addSecrets(ADMIN)
    const steps = await runJob(world, recipeJob(recipeNamed(recipes, 'ec2').code), {
      apiUrl,
      secrets: { RUNNER_ADMIN_TOKEN: ADMIN },
      vars: { RUNNER_PROVISIONER_ROLE_ARN: 'arn:aws:iam::123456789012:role/actions-runner-provisioner' },
    })
    assertStepsPassed(steps, 4)
    const runners = await mintedRunners(steps)
    const configOf = new Map(runners.map((r) => [`/actions-runner/jit/${r.id}`, r.encoded_jit_config]))

    // One SecureString per runner, each holding that runner's config, expiring within the hour.
    type Parameter = { Value: string; Type: string; Tier: string; Policies: string }
    const parameters = await world.state<Record<string, Parameter>>('ssm')
    assert.deepEqual(Object.keys(parameters).sort(), [...configOf.keys()].sort())
    for (const [name, parameter] of Object.entries(parameters)) {
      assert.equal(parameter.Value, configOf.get(name))
      assert.equal(parameter.Type, 'SecureString')
      assert.ok(parameter.Policies, 'a parameter no instance reads would hold its config for ever')
      const [expiry] = JSON.parse(parameter.Policies) as { Type: string; Attributes: { Timestamp: string } }[]
      assert.equal(expiry.Type, 'Expiration')
      assert.ok(Date.parse(expiry.Attributes.Timestamp) - Date.now() <= 3600_000, 'the parameter outlives an hour')
    }
    // The user data names a parameter and holds no secret; nothing secret is left in RUNNER_TEMP
    // but the runners file.
    type Instance = { InstanceId: string; UserData: string; ShutdownBehavior: string }
    const instances = Object.values(await world.state<Record<string, Instance>>('ec2'))
    assert.equal(instances.length, 20)
    const secrets = [ADMIN, ...github.minted]
    for (const instance of instances) {
      assert.ok(!secrets.some((secret) => instance.UserData.includes(secret)), 'a secret is in user data, which job code can read')
      assert.equal(instance.ShutdownBehavior, 'terminate')
    }
    assert.deepEqual(
      new Set(instances.map((i) => /^PARAMETER=(.*)$/m.exec(i.UserData)?.[1])),
      new Set(configOf.keys()),
      'each instance is told a parameter of its own',
    )
    const mint = steps.find((s) => s.action)!.action!
    for (const file of await readdir(world.runnerTemp)) {
      const path = join(world.runnerTemp, file)
      if (path === mint.outputs['runners-file'] || !(await stat(path)).isFile()) continue
      const text = await readFile(path, 'utf8')
      assert.ok(!secrets.some((secret) => text.includes(secret)), `${file} in RUNNER_TEMP holds a secret`)
    }

    // Boot each instance: its user data runs as root, with the instance role's credentials.
    for (const [index, instance] of instances.entries()) {
      const runnerDir = join(world.dir, 'instances', instance.InstanceId, 'opt', 'actions-runner')
      await mkdir(runnerDir, { recursive: true })
      for (const tool of ['run.sh', 'config.sh']) {
        await writeFile(join(runnerDir, tool), await readFile(join(world.runnerFiles, tool)), { mode: 0o755 })
      }
      // The instance's /opt/actions-runner is a directory of this test.
      assert.equal(instance.UserData.split('/opt/actions-runner').length, 2, 'the boot script names /opt/actions-runner once')
      const userData = join(world.dir, 'instances', instance.InstanceId, 'user-data')
      await writeFile(userData, instance.UserData.replace('/opt/actions-runner', runnerDir))
      await world.spyOn(instance.UserData)
      const onInstance = { MRT_HOST: instance.InstanceId, MRT_INSTANCE: instance.InstanceId, MRT_AWS_ROLE: 'instance' }
      const boot = await world.run('bash', [userData], { env: { ...onInstance, MRT_USER: 'root', HOME: '/root' } })
      assert.equal(boot.code, 0, `instance ${index} did not boot:\n${boot.stdout}\n${boot.stderr}`)

      // Job code on this instance (user runner) cannot read a parameter still waiting for its
      // instance; root there can, so it is the blocked metadata service that stops it. (Every
      // instance runs the same boot script: the first two stand for all.)
      const pending = Object.keys(await world.state<Record<string, Parameter>>('ssm'))[0]
      if (index < 2) {
        assert.ok(pending, 'no parameter left to try')
        const read = ['ssm', 'get-parameter', '--region', 'eu-west-1', '--name', pending, '--with-decryption']
        const asJob = await world.run('aws', read, { env: { ...onInstance, MRT_USER: 'runner' } })
        assert.notEqual(asJob.code, 0, 'job code on a booted instance read another runner’s parameter')
        assert.match(asJob.stderr, /Unable to locate credentials/)
        assert.equal((await world.run('aws', read, { env: { ...onInstance, MRT_USER: 'root' } })).code, 0)
      }
    }
    assert.deepEqual(await world.state('ssm'), {}, 'a parameter was left after its instance booted')

    const onInstances = (await world.calls()).filter((call) => call.host?.startsWith('i-'))
    for (const instance of instances) {
      const calls = onInstances.filter((call) => call.host === instance.InstanceId)
      const order = calls.map((call) => `${call.tool}${call.tool === 'aws' ? ` ${call.argv[1]}` : ''}`)
      const at = (what: string) => order.indexOf(what)
      assert.ok(
        at('iptables') >= 0 && at('iptables') < at('aws get-parameter'),
        `metadata service not blocked before the config was read: ${order}`,
      )
      assert.ok(at('aws delete-parameter') > at('aws get-parameter') && at('aws delete-parameter') < at('run.sh'), `order: ${order}`)
      assert.ok(at('shutdown') > at('run.sh'), `the instance does not shut down after its runner: ${order}`)
    }
    assertRunnersStarted(await world.calls('run.sh'), runners)
    await assertNoSecretOnArgv(world, github.minted)
  })
})

describe('the Kubernetes recipe', () => {
  test('20 Jobs made with kubectl create, each with a Secret of its own that it owns; no service-account token', async () => {
    await placeRecipeFile(recipeNamed(recipes, 'k8s-job'), world.workspace)
    const kubeconfig = 'apiVersion: v1\nkind: Config\nusers: [{name: ci, user: {token: StandInClusterToken0123456789}}]'
    await world.addSecrets(ADMIN, 'StandInClusterToken0123456789')
    const steps = await runJob(world, recipeJob(recipeNamed(recipes, 'k8s').code), {
      apiUrl,
      secrets: { RUNNER_ADMIN_TOKEN: ADMIN, RUNNER_KUBECONFIG: kubeconfig },
    })
    assertStepsPassed(steps, 4)
    const runners = await mintedRunners(steps)
    assert.equal((await stat(join(world.runnerTemp, 'kubeconfig'))).mode & 0o777, 0o600, 'the kubeconfig is readable by others')

    type Env = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }
    type PodSpec = { restartPolicy: string; automountServiceAccountToken?: boolean; containers: { command: string[]; env?: Env[] }[] }
    type K8sObject = {
      kind: string
      metadata: { name: string; uid: string; generateName?: string; ownerReferences?: { kind: string; name: string; uid: string }[] }
      spec?: { backoffLimit?: number; activeDeadlineSeconds?: number; ttlSecondsAfterFinished?: number; template: { spec: PodSpec } }
      data?: Record<string, string>
    }
    const objects = Object.values(await world.state<Record<string, K8sObject>>('kube'))
    const jobs = objects.filter((o) => o.kind === 'Job')
    const secrets = new Map(objects.filter((o) => o.kind === 'Secret').map((o) => [o.metadata.name, o]))
    assert.equal(jobs.length, 20)
    assert.equal(secrets.size, 20)
    const configs: string[] = []
    for (const job of jobs) {
      assert.equal(job.metadata.generateName, 'actions-runner-')
      const pod = job.spec!.template.spec
      assert.equal(pod.automountServiceAccountToken, false, 'the pod gets a service-account token')
      assert.equal(pod.restartPolicy, 'Never')
      assert.equal(job.spec!.backoffLimit, 0, 'a failed pod would be retried with a spent config')
      // The Secret goes with its Job; the Job goes some minutes after it ends, and it ends.
      assert.ok(Number(job.spec!.ttlSecondsAfterFinished) <= 3600, 'a finished Job (and its Secret) is never deleted')
      assert.ok(Number(job.spec!.activeDeadlineSeconds) > 0, 'a runner that never starts keeps its Job (and its Secret) for ever')
      const [container] = pod.containers
      const ref = container.env?.find((e) => e.name === 'ACTIONS_RUNNER_INPUT_JITCONFIG')?.valueFrom?.secretKeyRef
      assert.ok(ref, 'the config does not reach the runner in ACTIONS_RUNNER_INPUT_JITCONFIG from a Secret')
      const secret = secrets.get(ref.name)
      assert.ok(secret, `the Job's Secret ${ref.name} does not exist`)
      assert.deepEqual(
        secret.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.uid]),
        [['Job', job.metadata.name, job.metadata.uid]],
        'the Secret is not owned by its Job, so nothing deletes it',
      )
      const config = Buffer.from(secret.data![ref.key], 'base64').toString('utf8')
      configs.push(config)
      // The kubelet starts the container: its command, with the Secret in its environment.
      assert.deepEqual(container.command, ['/home/runner/run.sh'])
      const home = join(world.dir, 'pods', job.metadata.name)
      await mkdir(home, { recursive: true })
      const started = await world.run(join(world.runnerFiles, 'run.sh'), [], {
        cwd: home,
        env: { HOME: '/home/runner', MRT_USER: 'runner', MRT_HOST: job.metadata.name, ACTIONS_RUNNER_INPUT_JITCONFIG: config },
      })
      assert.equal(started.code, 0, started.stderr)
    }
    assert.deepEqual(configs.sort(), runners.map((r) => r.encoded_jit_config).sort(), 'each Secret holds exactly one runner’s config')
    assert.deepEqual(
      (await world.calls('kubectl')).filter((c) => c.argv[0] === 'apply'),
      [],
    )
    assertRunnersStarted(await world.calls('run.sh'), runners)
    await assertNoSecretOnArgv(world, github.minted)
  })
})

describe('the Modal recipe', () => {
  test('a deployed app, 20 calls queued with their own config, each run in a container of its own as an unprivileged user', async () => {
    await placeRecipeFile(recipeNamed(recipes, 'modal-app'), world.workspace)
    const modal = { MODAL_TOKEN_ID: 'ak-StandInModalTokenId', MODAL_TOKEN_SECRET: 'as-StandInModalTokenSecret0123456789' }
    await world.addSecrets(ADMIN, modal.MODAL_TOKEN_SECRET)
    const steps = await runJob(world, recipeJob(recipeNamed(recipes, 'modal').code), {
      apiUrl,
      secrets: { RUNNER_ADMIN_TOKEN: ADMIN, ...modal },
    })
    assertStepsPassed(steps, 4)
    const runners = await mintedRunners(steps)

    type Deployment = { file: string; functions: Record<string, Record<string, unknown>> }
    const deployments = await world.state<Record<string, Deployment>>('modal-deployments')
    const runner = deployments['actions-runner']?.functions.runner
    assert.ok(runner, 'the app actions-runner with a function runner was not deployed')
    assert.equal(runner.single_use_containers, true, 'a container could take a second runner’s config after running a job')
    assert.equal(runner.restrict_modal_access, true)
    assert.ok(Number(runner.timeout) >= 3600, 'the default 5-minute timeout would kill runners mid-job')

    type ModalCall = { id: string; kind: string; args: string[] }
    const calls = await world.state<ModalCall[]>('modal-calls')
    assert.deepEqual([...new Set(calls.map((c) => c.kind))], ['spawn_map'], 'the step must queue calls, not wait for them')
    assert.deepEqual(calls.map((c) => c.args[0]).sort(), runners.map((r) => r.encoded_jit_config).sort())

    // Each call runs in a fresh container, as root, with Modal's own credentials in its environment.
    for (const call of calls) {
      const container = await world.run('python3', [join(RecipeWorld.pythonTools, 'modal_stand_in.py'), world.dir, 'container', call.id], {
        env: {
          HOME: '/root',
          MRT_USER: 'root',
          MRT_HOST: `modal-${call.id}`,
          MRT_MODAL_CONTAINER: '1',
          MODAL_TASK_ID: `ta-${call.id}`,
          MODAL_IDENTITY_TOKEN: 'StandInModalIdentityToken0123456789',
        },
      })
      assert.equal(container.code, 0, container.stderr)
      assert.deepEqual(JSON.parse(container.stdout.trim().split('\n').at(-1)!), { call: call.id, environ_leak: false })
    }
    const runSh = await world.calls('run.sh')
    assertRunnersStarted(runSh, runners)
    for (const call of runSh) {
      const modalVariables = Object.keys(call.env ?? {}).filter((name) => name.startsWith('MODAL_'))
      assert.deepEqual(modalVariables, [], 'the runner’s jobs get the container’s Modal credentials')
    }
    await world.addSecrets('StandInModalIdentityToken0123456789')
    await assertNoSecretOnArgv(world, github.minted)
  })
})
