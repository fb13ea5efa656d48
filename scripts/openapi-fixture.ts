// Adds to test/fixtures/github-openapi-runners.json the operations the shared file lacks, taken
// unchanged from the same @octokit/openapi the rest came from (see test/fixtures/README.md):
//
//   cd /tmp && npm pack @octokit/openapi@23.0.2 && tar xzf octokit-openapi-23.0.2.tgz
//   node --import tsx scripts/openapi-fixture.ts /tmp/package/generated
//
// Like the shared file's later additions, each operation is GHEC's dereferenced one, byte for
// byte; the script checks that api.github.com and GHES 3.19 document the same parameters and
// answers (their texts differ only in documentation links). Running it again changes nothing.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'

const VERSION = '23.0.2'
const FIXTURE = new URL('../test/fixtures/github-openapi-runners.json', import.meta.url)
/** The GET operations added, and the variants that must document them alike. */
const ADDED = [
  { path: '/orgs/{org}/actions/runner-groups/{runner_group_id}/runners', variants: ['api.github.com', 'ghes-3.19'] },
  // Enterprises exist only on GHEC and GHES.
  { path: '/enterprises/{enterprise}/actions/runner-groups/{runner_group_id}/runners', variants: ['ghes-3.19'] },
]

type Operation = { parameters: { name: string; in: string; schema: unknown }[]; responses: Record<string, unknown> }
type Description = { info?: { version?: string }; paths: Record<string, Record<string, Operation>> }

const generated = process.argv[2]
if (!generated) throw new Error('usage: node --import tsx scripts/openapi-fixture.ts <@octokit/openapi package>/generated')
const read = (variant: string): Description => JSON.parse(readFileSync(join(generated, `${variant}.deref.json`), 'utf8')) as Description
const packageVersion = (JSON.parse(readFileSync(join(generated, '..', 'package.json'), 'utf8')) as { version: string }).version
if (packageVersion !== VERSION) throw new Error(`expected @octokit/openapi ${VERSION} (the fixture's version), got ${packageVersion}`)

const ghec = read('ghec')
const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Description
for (const { path, variants } of ADDED) {
  const operation = ghec.paths[path]?.get
  if (!operation) throw new Error(`GHEC's description has no GET ${path}`)
  // What a contract check reads: the parameters' names, places and schemas, and the answers' schemas.
  const shape = (op: Operation) => ({ parameters: op.parameters.map((p) => [p.name, p.in, p.schema]), responses: op.responses })
  for (const variant of variants) {
    const other = read(variant).paths[path]?.get
    if (!other || !isDeepStrictEqual(shape(other), shape(operation))) throw new Error(`${variant} documents GET ${path} otherwise`)
  }
  fixture.paths[path] = { get: operation }
}
// The shared file's own layout (Python's json.dumps, indent 1): non-ASCII as \u escapes, no final newline.
const text = JSON.stringify(fixture, null, 1).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
writeFileSync(FIXTURE, text)
console.log(`${FIXTURE.pathname}: ${ADDED.map((a) => `GET ${a.path}`).join(', ')} from @octokit/openapi ${VERSION} (ghec)`)
