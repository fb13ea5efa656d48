// The import graph of src/: no circles, and imports run one way, from the entry points down to
// the shared data types. A type import counts as an arrow. Each file's layer is declared here; a
// new file must be given one.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'

const SRC = join(import.meta.dirname, '../../src')

/** Lowest first. A file may import from its own layer or a lower one, never a higher one. */
const LAYERS: [string, string[]][] = [
  ['data', ['types.ts', 'scope.ts', 'json.ts', 'server-text.ts', 'duration.ts', 'input-values.ts', 'runner-url.ts', 'redaction.ts']],
  ['policy', ['policy.ts']],
  ['retry loop', ['retry.ts', 'limiter.ts', 'pacer.ts', 'spread.ts', 'step.ts']],
  ['wording', ['explain.ts', 'ghes.ts']],
  ['transport', ['network-error.ts', 'proxy.ts', 'github.ts']],
  ['call engine', ['engine/']],
  ['operations', ['mint.ts', 'app.ts', 'app/', 'jit/', 'lifecycle/', 'rate-budget.ts', 'runners-file.ts']],
  ['inputs', ['inputs.ts', 'credentials.ts', 'scope-input.ts', 'jit/inputs.ts', 'lifecycle/inputs.ts']],
  [
    'entry points',
    [
      'main.ts',
      'post.ts',
      'summary.ts',
      'lifecycle-action.ts',
      'lifecycle-command.ts',
      'command.ts',
      'command-line.ts',
      'command-options.ts',
      'command-help.ts',
      'index.ts',
      'post-entry.ts',
      'cli.ts',
      'lib/',
      'redacting-core.ts',
    ],
  ],
]

/** The layer of a file (path relative to src/): an exact file beats the folder it is in. */
function layerOf(file: string): number {
  let found = -1
  let specificity = -1
  LAYERS.forEach(([, members], index) => {
    for (const member of members) {
      const matches = member.endsWith('/') ? file.startsWith(member) : file === member
      if (matches && member.length > specificity) [found, specificity] = [index, member.length]
    }
  })
  return found
}

function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [relative(SRC, path)] : []
  })
}

/** The files of src/ a file imports (type imports and re-exports included). */
export function importsOf(file: string, text: string): string[] {
  const found: string[] = []
  for (const match of text.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s+['"](\.[^'"]+)['"]/gms)) {
    const target = normalize(join(dirname(file), match[1])).replace(/\.js$/, '.ts')
    if (target.startsWith('..')) continue
    found.push(target)
  }
  return found
}

function graph(): Map<string, string[]> {
  return new Map(sourceFiles().map((file) => [file, importsOf(file, readFileSync(join(SRC, file), 'utf8'))]))
}

/** Every circle, each as the files along it. */
export function circles(edges: Map<string, string[]>): string[][] {
  const found: string[][] = []
  const state = new Map<string, 'open' | 'done'>()
  const path: string[] = []
  const visit = (file: string): void => {
    state.set(file, 'open')
    path.push(file)
    for (const next of edges.get(file) ?? []) {
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next])
      else if (!state.has(next)) visit(next)
    }
    path.pop()
    state.set(file, 'done')
  }
  for (const file of [...edges.keys()].sort()) if (!state.has(file)) visit(file)
  return found
}

test('the regex reads plain, type, multi-line and re-export imports, and leaves packages out', () => {
  const text = [
    "import { a } from './a.js'",
    "import type { B } from '../b.js'",
    'import {\n  c,\n  d,\n} from "./c.js"',
    "export { e } from './e.js'",
    "import * as core from '@actions/core'",
    "import { f } from 'node:fs'",
  ].join('\n')
  assert.deepEqual(importsOf('jit/x.ts', text), ['jit/a.ts', 'b.ts', 'jit/c.ts', 'jit/e.ts'])
})

test('the circle finder finds a circle of three and none in a tree', () => {
  const looped = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
  ])
  assert.deepEqual(circles(looped), [['a', 'b', 'c', 'a']])
  assert.deepEqual(
    circles(
      new Map([
        ['a', ['b', 'c']],
        ['b', ['c']],
        ['c', []],
      ]),
    ),
    [],
  )
})

test('every file of src/ has a declared layer', () => {
  const undeclared = sourceFiles().filter((file) => layerOf(file) < 0)
  assert.deepEqual(undeclared, [], 'declare the layer of each new file in LAYERS')
})

test('src/ has no import circle', () => {
  assert.deepEqual(
    circles(graph()).map((circle) => circle.join(' -> ')),
    [],
  )
})

test('no import runs from a lower layer up to a higher one', () => {
  const upward: string[] = []
  for (const [file, targets] of graph()) {
    for (const target of targets) {
      if (layerOf(target) > layerOf(file)) {
        upward.push(`${file} (${LAYERS[layerOf(file)][0]}) -> ${target} (${LAYERS[layerOf(target)][0]})`)
      }
    }
  }
  assert.deepEqual(upward, [])
})

test('only the call engine imports send from the transport', () => {
  const senders = sourceFiles().filter((file) =>
    /import\s*\{[^}]*\bsend\b[^}]*\}\s*from\s*['"][./]*github\.js['"]/.test(readFileSync(join(SRC, file), 'utf8')),
  )
  assert.deepEqual(senders, ['engine/call.ts'])
})
