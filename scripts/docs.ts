// `npm run docs`: writes the inputs and outputs tables of docs/reference.md from action.yml,
// between marker comments, so the tables cannot drift from what the runner actually reads. A test
// (test/unit/docs.test.ts) fails when docs/reference.md is not what this script would write.
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parse } from 'yaml'
import * as prettier from 'prettier'
import { DEFAULTS, TYPE_SPECIFIC } from '../src/inputs.js'

interface ActionInput {
  description?: string
  required?: boolean
  default?: string
}

interface ActionMetadata {
  inputs?: Record<string, ActionInput>
  outputs?: Record<string, { description?: string }>
}

/** The page that holds the tables. */
export const REFERENCE = fileURLToPath(new URL('../docs/reference.md', import.meta.url))
export const ACTION_YML = fileURLToPath(new URL('../action.yml', import.meta.url))

const cell = (text: string): string => text.replace(/\s+/g, ' ').trim().replaceAll('|', '\\|')

/**
 * The default as a user meets it. A type-specific input has an empty default in action.yml (the
 * runner would fill in any other, making it look given for every type); the code applies its own.
 */
function inputDefault(name: string, input: ActionInput): string {
  if (input.required) return 'required'
  const inCode = (DEFAULTS as Record<string, string>)[name]
  const types = TYPE_SPECIFIC[name]?.join(', ')
  if ((input.default === undefined || input.default === '') && inCode && types) return `\`${inCode}\` (${types})`
  if (input.default === undefined || input.default === '') return 'empty'
  return `\`${input.default}\``
}

export function inputsTable(action: ActionMetadata): string {
  const rows = Object.entries(action.inputs ?? {}).map(
    ([name, input]) => `| \`${name}\` | ${inputDefault(name, input)} | ${cell(input.description ?? '')} |`,
  )
  return ['| input | default | meaning |', '| --- | --- | --- |', ...rows].join('\n')
}

export function outputsTable(action: ActionMetadata): string {
  const rows = Object.entries(action.outputs ?? {}).map(([name, output]) => `| \`${name}\` | ${cell(output.description ?? '')} |`)
  return ['| output | meaning |', '| --- | --- |', ...rows].join('\n')
}

/** Replaces what lies between `<!-- NAME:start -->` and `<!-- NAME:end -->`. */
function between(text: string, name: string, content: string): string {
  const start = `<!-- ${name}:start (generated from action.yml by npm run docs; do not edit) -->`
  const pattern = new RegExp(`<!-- ${name}:start[^>]*-->[\\s\\S]*?<!-- ${name}:end -->`)
  if (!pattern.test(text)) throw new Error(`docs/reference.md has no <!-- ${name}:start --> ... <!-- ${name}:end --> markers`)
  return text.replace(pattern, () => `${start}\n\n${content}\n\n<!-- ${name}:end -->`)
}

/** The reference page as `npm run docs` writes it: generated tables, formatted as `npm run lint` wants. */
export async function renderReference(page: string, actionYml: string): Promise<string> {
  const action = parse(actionYml) as ActionMetadata
  const text = between(between(page, 'inputs', inputsTable(action)), 'outputs', outputsTable(action))
  const options = await prettier.resolveConfig(REFERENCE)
  return prettier.format(text, { ...options, filepath: REFERENCE })
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [page, actionYml] = await Promise.all([readFile(REFERENCE, 'utf8'), readFile(ACTION_YML, 'utf8')])
  const updated = await renderReference(page, actionYml)
  if (updated === page) console.log('docs/reference.md is up to date with action.yml.')
  else {
    await writeFile(REFERENCE, updated)
    console.log('docs/reference.md: inputs and outputs tables rewritten from action.yml.')
  }
}
