// `npm run build:lib`: the library entry as one ES module, dist/lib/index.js (esbuild, about a
// second; without undici, see below), the licences of what it bundles, and its type declarations generated from the sources
// (tsc). Only the declarations the entry's own need are shipped, and they must stay inside
// src/lib/: a public type that reached into the engine would ship the engine's internals.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Plugin, build } from 'esbuild'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const OUT = join(ROOT, 'dist/lib')
const TYPES = join(ROOT, 'node_modules/.cache/mint-runner-token/types')

// @actions/http-client imports undici only for getAgentDispatcher (a proxy dispatcher for fetch),
// which the engine never calls: it sends through http-client's own agents. Bundled, undici would
// be 400 KB of the library's 500, all of it parsed at every import.
const withoutUndici: Plugin = {
  name: 'without-undici',
  setup(builder) {
    builder.onResolve({ filter: /^undici$/ }, () => ({ path: 'undici', namespace: 'not-bundled' }))
    builder.onLoad({ filter: /.*/, namespace: 'not-bundled' }, () => ({
      contents: "export class ProxyAgent { constructor() { throw new Error('undici is not bundled with mint-runner-token') } }",
      loader: 'js',
    }))
  },
}

rmSync(OUT, { recursive: true, force: true })
mkdirSync(OUT, { recursive: true })

const { metafile } = await build({
  absWorkingDir: ROOT,
  entryPoints: ['src/lib/index.ts'],
  outfile: join(OUT, 'index.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
  // The bundled CommonJS packages require Node's own modules; an ES module has no `require`.
  plugins: [withoutUndici],
  banner: { js: "import{createRequire as __mrtRequire}from'node:module';const require=__mrtRequire(import.meta.url);" },
})
writeFileSync(join(OUT, 'licenses.txt'), licenses(Object.keys(metafile.inputs)))

rmSync(TYPES, { recursive: true, force: true })
execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.lib.json'], { cwd: ROOT, stdio: 'inherit' })
for (const file of declarationsOf('lib/index.d.ts')) {
  writeFileSync(join(OUT, file.slice('lib/'.length)), readFileSync(join(TYPES, file), 'utf8'))
}

/** The licence text of every package the bundle holds, as ncc writes licenses.txt. */
function licenses(inputs: string[]): string {
  const packages = new Set<string>()
  for (const input of inputs) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)
    if (match) packages.add(match[1])
  }
  return [...packages]
    .sort()
    .map((name) => {
      const dir = join(ROOT, 'node_modules', name)
      const license = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { license?: string }).license ?? 'UNKNOWN'
      const file = readdirSync(dir).find((entry) => /^licen[cs]e/i.test(entry))
      return `${name}\n${license}\n${file ? readFileSync(join(dir, file), 'utf8').trim() : ''}\n`
    })
    .join('\n')
}

/** `entry` and every declaration it imports, transitively; an import that leaves lib/ is an error. */
function declarationsOf(entry: string): string[] {
  const found = new Set<string>()
  const visit = (file: string): void => {
    if (found.has(file)) return
    if (!file.startsWith('lib/') || !existsSync(join(TYPES, file))) {
      throw new Error(`the library's declarations import ${file}, outside src/lib/: keep public types in src/lib/api.ts`)
    }
    found.add(file)
    const text = readFileSync(join(TYPES, file), 'utf8')
    for (const match of text.matchAll(/\bfrom\s+['"](\.[^'"]+)['"]|\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
      visit(normalize(join(dirname(file), match[1] ?? match[2])).replace(/\.js$/, '.d.ts'))
    }
  }
  visit(entry)
  return [...found]
}
