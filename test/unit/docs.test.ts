// The inputs and outputs tables of docs/reference.md are generated from action.yml; this fails when
// someone changed action.yml (or the tables) without running `npm run docs`.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { ACTION_YML, REFERENCE, inputsTable, renderReference } from '../../scripts/docs.js'

test('docs/reference.md tables are current with action.yml (run `npm run docs` to fix)', async () => {
  const [page, actionYml] = await Promise.all([readFile(REFERENCE, 'utf8'), readFile(ACTION_YML, 'utf8')])
  assert.equal(
    page,
    await renderReference(page, actionYml),
    'docs/reference.md is not what `npm run docs` writes: run `npm run docs` and commit',
  )
})

test('a changed input shows up in the generated table', async () => {
  const page = await readFile(REFERENCE, 'utf8')
  const actionYml = (await readFile(ACTION_YML, 'utf8')).replace(
    /^inputs:\n/m,
    "inputs:\n  brand-new:\n    description: A new input.\n    default: '7'\n",
  )
  const rendered = await renderReference(page, actionYml)
  assert.notEqual(rendered, page)
  assert.match(rendered, /\| `brand-new` +\| `7` +\| A new input\. +\|/)
})

test('required inputs, empty defaults and pipes in descriptions', () => {
  const table = inputsTable({
    inputs: { a: { required: true, description: 'x | y' }, b: { default: '' }, c: { default: '${{ github.repository }}' } },
  })
  assert.match(table, /\| `a` \| required \| x \\\| y \|/)
  assert.match(table, /\| `b` \| empty \| {2}\|/)
  assert.match(table, /\| `c` \| `\$\{\{ github\.repository \}\}` \|/)
})

test('a type-specific input with an empty default in action.yml shows the default the code applies', () => {
  const table = inputsTable({ inputs: { count: { default: '' }, labels: { default: '' }, 'runner-group-id': {} } })
  assert.match(table, /\| `count` \| `1` \(jit\) \|/)
  assert.match(table, /\| `labels` \| empty \|/)
  assert.match(table, /\| `runner-group-id` \| `1` \(jit\) \|/)
})

test('the post step runs when the job failed or was cancelled (a job timeout and cancel-in-progress are cancellation)', async () => {
  const actionYml = await readFile(ACTION_YML, 'utf8')
  assert.match(actionYml, /^ {2}post-if: failure\(\) \|\| cancelled\(\)$/m)
})

test("docs/jit.md's list of the inputs that apply to type jit alone is the code's list", async () => {
  const { TYPE_SPECIFIC } = await import('../../src/inputs.js')
  const page = await readFile(new URL('../../docs/jit.md', import.meta.url), 'utf8')
  const sentence = /The inputs for `type: jit` \(([^)]*)\) apply to it alone/.exec(page)
  assert.ok(sentence, 'the sentence naming the jit-only inputs is gone from docs/jit.md')
  const listed = [...sentence[1].matchAll(/`([a-z-]+)`/g)].map((match) => match[1]).sort()
  const jitOnly = Object.entries(TYPE_SPECIFIC)
    .filter(([, types]) => types.length === 1 && types[0] === 'jit')
    .map(([name]) => name)
    .sort()
  assert.deepEqual(listed, jitOnly)
})
