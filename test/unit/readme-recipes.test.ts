// The recipes of the README and docs/ are marked for the recipe tests
// (test/scenario/recipes-*.test.ts), and no block on those pages shows a secret handed over on a
// command line or a hard-coded runner URL.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execFile } from 'node:child_process'
import { DOCS_ROOT, codeBlocks, docPages, documentedRecipes, readRecipes, recipeJob, which } from '../support/recipes.js'

// Each of these runs in a scenario test; a block that loses its marker stops being tested.
const TESTED = [
  'usage',
  'ec2',
  'ec2-boot',
  'ec2-instance-policy',
  'k8s',
  'k8s-job',
  'modal',
  'modal-app',
  'ssh',
  'ssh-host',
  'ssh-token',
  'ssh-token-host',
  'start-script-jit',
  'start-script-token',
  'autoscaler',
  'jit-batch',
  'stand-in-quick-start', // test/scenario/stand-in-script.test.ts
]

describe('the README and docs/', () => {
  test('marks exactly the recipes the scenario tests run', async () => {
    const recipes = await documentedRecipes()
    assert.deepEqual([...recipes.keys()].sort(), [...TESTED].sort())
    for (const name of ['ec2-boot', 'k8s-job', 'modal-app', 'ssh-host', 'ssh-token-host']) {
      assert.ok(recipes.get(name)?.attrs.file, `recipe ${name} does not say which file it is (file=PATH)`)
    }
  })

  test('no block (but a marked counter-example) hands a secret over on a command line or hard-codes a runner URL', async () => {
    const rules: [RegExp, string][] = [
      [/--jitconfig\b/, 'a JIT config on run.sh’s command line: use ACTIONS_RUNNER_INPUT_JITCONFIG'],
      [/config\.sh\b[^\n]*--token\b/, 'a token on config.sh’s command line: use ACTIONS_RUNNER_INPUT_TOKEN'],
      [/https:\/\/github\.com\/\$/, 'a runner URL built by hand: use the runner-url output (or runner_url)'],
      [/outputs\.runners \}\}/, 'the runners output through env: (about 30 runners at most): use runners-file'],
    ]
    let checked = 0
    for (const page of await docPages()) {
      const blocks = codeBlocks(await readFile(join(DOCS_ROOT, page), 'utf8')).filter(
        (block) => !block.marker?.startsWith('counter-example'),
      )
      checked += blocks.length
      for (const block of blocks) {
        for (const [pattern, why] of rules) assert.doesNotMatch(block.code, pattern, `${page} line ${block.line}: ${why}`)
      }
    }
    assert.ok(checked > 20)
  })
})

/** shellcheck's findings for a bash script, '' when it has none. */
function shellcheck(script: string, exclude: string[] = []): Promise<string> {
  return new Promise((resolve) => {
    const args = ['--shell=bash', ...(exclude.length ? [`--exclude=${exclude.join(',')}`] : []), '-']
    const child = execFile('shellcheck', args, (error, stdout) => resolve(error ? stdout || String(error) : ''))
    child.stdin?.end(script)
  })
}

test(
  'shellcheck finds nothing in any shell recipe, nor in the run: steps of a workflow recipe',
  { skip: !which('shellcheck') && 'shellcheck is not installed (apt-get install shellcheck)' },
  async () => {
    const findings: string[] = []
    let checked = 0
    for (const recipe of (await documentedRecipes()).values()) {
      // A workflow, or a list of steps (not a Kubernetes manifest).
      const workflow = recipe.lang === 'yaml' && /^(jobs:|- )/m.test(recipe.code)
      const scripts = workflow
        ? recipeJob(recipe.code).steps.flatMap((step) => (step.run === undefined ? [] : [step.run]))
        : ['bash', 'sh'].includes(recipe.lang)
          ? [recipe.code]
          : []
      for (const script of scripts) {
        checked++
        // A run: step's variables come from its env:, which shellcheck cannot see (SC2153).
        const found = await shellcheck(script, workflow ? ['SC2153'] : [])
        if (found) findings.push(`recipe ${recipe.name} (${recipe.page}):\n${found}`)
      }
    }
    assert.ok(checked >= 15, `only ${checked} scripts`)
    assert.deepEqual(findings, [])
  },
)

describe('readRecipes', () => {
  test('takes the marker, its attributes and the block after it', () => {
    const readme =
      'text\n\n<!-- recipe: one file=.github/x.sh -->\n\n```bash\necho 1\n```\n\n```sh\nnot marked\n```\n<!-- recipe: two -->\n```yaml\na: 1\n```\n'
    const recipes = readRecipes(readme)
    assert.deepEqual([...recipes.keys()], ['one', 'two'])
    assert.deepEqual(recipes.get('one'), {
      name: 'one',
      lang: 'bash',
      code: 'echo 1\n',
      attrs: { file: '.github/x.sh' },
      page: 'README.md',
    })
    assert.deepEqual(recipes.get('two')?.code, 'a: 1\n')
  })

  test('a name used twice is an error, not a silently skipped recipe', () => {
    assert.throws(() => readRecipes('<!-- recipe: a -->\n```sh\n1\n```\n<!-- recipe: a -->\n```sh\n2\n```\n'), /two blocks as recipe a/)
  })

  test('a name marked on two pages is an error that names both', async () => {
    const root = await mkdtemp(join(tmpdir(), 'recipe-pages-'))
    try {
      await mkdir(join(root, 'docs', 'recipes'), { recursive: true })
      await writeFile(join(root, 'README.md'), '<!-- recipe: a -->\n```sh\n1\n```\n')
      await writeFile(join(root, 'docs', 'recipes', 'b.md'), '<!-- recipe: a -->\n```sh\n2\n```\n')
      await assert.rejects(documentedRecipes(root), /recipe a is marked on README\.md and on docs\/recipes\/b\.md/)
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })

  test('records the page a recipe is on', () => {
    assert.equal(readRecipes('<!-- recipe: a -->\n```sh\n1\n```\n', 'docs/x.md').get('a')?.page, 'docs/x.md')
  })
})
