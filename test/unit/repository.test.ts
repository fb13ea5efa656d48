// The repository's own wiring: workflows parse and hang together (steps they reference exist, the
// inputs they give `uses: ./` are the action's, the npm scripts they run are defined), dependabot
// covers both ecosystems, and the package exposes the command it builds. No runner here, so this
// is what catches a broken workflow before a push does.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { parse } from 'yaml'

const root = new URL('../../', import.meta.url)
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8')

interface Step {
  id?: string
  name?: string
  uses?: string
  run?: string
  with?: Record<string, unknown>
  env?: Record<string, unknown>
  if?: string
}
interface Job {
  'runs-on'?: unknown
  steps?: Step[]
  env?: Record<string, unknown>
}
interface Workflow {
  name?: string
  on?: unknown
  jobs?: Record<string, Job>
}

const workflowFiles = readdirSync(new URL('.github/workflows/', root)).filter((file) => /\.ya?ml$/.test(file))
const action = parse(read('action.yml')) as { inputs: Record<string, { required?: boolean }> }
const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts

test('the workflows are CI, check-dist, end-to-end and release', () => {
  assert.deepEqual(workflowFiles.sort(), ['check-dist.yml', 'ci.yml', 'e2e.yml', 'release.yml'])
})

for (const file of workflowFiles) {
  test(`.github/workflows/${file} parses and hangs together`, () => {
    const workflow = parse(read(`.github/workflows/${file}`)) as Workflow
    assert.ok(workflow.name, 'a workflow name')
    assert.ok(workflow.on, 'triggers (on:)')
    assert.ok(workflow.jobs && Object.keys(workflow.jobs).length > 0, 'at least one job')
    for (const [jobName, job] of Object.entries(workflow.jobs)) {
      const where = (step: Step, index: number): string => `${file} job ${jobName} step ${index + 1} (${step.name ?? step.uses ?? step.id})`
      assert.ok(job['runs-on'], `${file} job ${jobName}: runs-on`)
      assert.ok(job.steps?.length, `${file} job ${jobName}: steps`)
      const earlierIds = new Set<string>()
      job.steps.forEach((step, index) => {
        assert.ok(Boolean(step.uses) !== Boolean(step.run), `${where(step, index)}: exactly one of uses and run`)
        // Every steps.<id> an expression names must be an earlier step of this job.
        const text = JSON.stringify(step)
        for (const [, id] of text.matchAll(/steps\.([\w-]+)\./g)) {
          assert.ok(earlierIds.has(id), `${where(step, index)} refers to steps.${id}, which is not an earlier step`)
        }
        for (const [, script] of (step.run ?? '').matchAll(/npm run (?:--silent |-s )?([\w:-]+)/g)) {
          assert.ok(scripts[script], `${where(step, index)} runs npm script "${script}", which package.json does not define`)
        }
        if (step.uses === './') {
          const given = Object.keys(step.with ?? {})
          for (const name of given) assert.ok(name in action.inputs, `${where(step, index)} gives input "${name}", which action.yml lacks`)
          for (const [name, input] of Object.entries(action.inputs)) {
            if (input.required) assert.ok(given.includes(name), `${where(step, index)} leaves out required input "${name}"`)
          }
        }
        const versionFile = step.with?.['node-version-file']
        if (typeof versionFile === 'string')
          assert.ok(existsSync(new URL(versionFile, root)), `${where(step, index)}: ${versionFile} exists`)
        if (step.id) {
          assert.ok(!earlierIds.has(step.id), `${where(step, index)}: step id ${step.id} is used twice`)
          earlierIds.add(step.id)
        }
      })
    }
  })
}

test('the end-to-end workflow runs the action itself (uses: ./) against the stand-in', () => {
  const workflow = parse(read('.github/workflows/e2e.yml')) as Workflow
  const steps = Object.values(workflow.jobs ?? {}).flatMap((job) => job.steps ?? [])
  assert.ok(steps.some((step) => step.run?.includes('scripts/stand-in.ts')))
  assert.ok(steps.filter((step) => step.uses === './').length >= 2, 'a success and a failure through uses: ./')
})

test('dependabot watches npm and GitHub Actions', () => {
  const config = parse(read('.github/dependabot.yml')) as { version: number; updates: { 'package-ecosystem': string }[] }
  assert.equal(config.version, 2)
  assert.deepEqual(config.updates.map((update) => update['package-ecosystem']).sort(), ['github-actions', 'npm'])
})

test('the package exposes the command it builds, on a Node its engines allow', () => {
  const pkg = JSON.parse(read('package.json')) as { bin: Record<string, string>; engines: { node: string }; license: string }
  assert.equal(pkg.bin['mint-runner-token'], 'dist/cli/index.js')
  assert.ok(read('dist/cli/index.js').startsWith('#!/usr/bin/env node\n'), 'the bundle starts with a shebang')
  assert.match(scripts.build, /src\/cli\.ts|build:cli/)
  const majors = pkg.engines.node.split('||').map((range) => Number(/^\s*\^(\d+)\s*$/.exec(range)?.[1]))
  assert.ok(majors.includes(Number(read('.node-version').trim().split('.')[0])), '.node-version satisfies engines')
  assert.equal(pkg.license, 'MIT')
  assert.match(read('LICENSE'), /^MIT License/)
  for (const file of ['CHANGELOG.md', 'SECURITY.md', 'RELEASING.md']) assert.ok(existsSync(new URL(file, root)), `${file} exists`)
})

test('npm test reports with the spec reporter on every Node version: one line a test, the failures again at the end', () => {
  // Node 20 defaults to TAP when stdout is no terminal (CI, a pipe): thousands of lines, totals last.
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> }
  assert.match(pkg.scripts.test, /node --import tsx --test --test-reporter=spec test\/\*\/\*\.test\.ts$/)
})
