// `npm run demo` runs this first: it rebuilds the action's bundle (dist/index.js, ~35 s) only when
// it may be stale, and says which way it went. dist/ is current when git shows neither the
// sources nor dist/ changed since the last commit (CI's check-dist holds a committed dist/ to the
// committed sources; file times cannot tell, since a fresh clone writes dist/ before src/), or,
// when they did change (or this is no git checkout), when dist/index.js is newer than every source.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** What the bundle is built from: the sources, and what decides the bundled dependencies. */
export const SOURCES = ['src', 'package.json', 'package-lock.json', 'tsconfig.json']
export const BUNDLE = 'dist/index.js'

function files(root: string, path: string): string[] {
  const full = join(root, path)
  if (!existsSync(full)) return []
  if (!statSync(full).isDirectory()) return [path]
  return readdirSync(full, { recursive: true, encoding: 'utf8' })
    .map((file) => join(path, file))
    .filter((file) => statSync(join(root, file)).isFile())
}

/** True when git says the sources and dist/ are as committed; undefined when git cannot tell. */
function committedAndUnchanged(root: string): boolean | undefined {
  try {
    const changed = execFileSync('git', ['status', '--porcelain', '--', ...SOURCES, 'dist'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    return changed.trim() === ''
  } catch {
    return undefined // no git, or not a checkout
  }
}

/** Why the bundle must be rebuilt (`stale`), or how it is known to be current (`current`). */
export function staleReason(root: string): { stale?: string; current?: string } {
  if (!existsSync(join(root, BUNDLE))) return { stale: `${BUNDLE} does not exist` }
  if (committedAndUnchanged(root)) return { current: 'the sources and dist/ are as committed' }
  const built = statSync(join(root, BUNDLE)).mtimeMs
  const newer = SOURCES.flatMap((path) => files(root, path)).find((file) => statSync(join(root, file)).mtimeMs > built)
  if (newer) return { stale: `${newer} is newer than ${BUNDLE}` }
  return { current: `${BUNDLE} is newer than every source` }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const { stale, current } = staleReason(root)
  if (stale) {
    console.log(`Rebuilding ${BUNDLE}: ${stale} (npm run build:action, about 35 s).`)
    execFileSync('npm', ['run', '-s', 'build:action'], { cwd: root, stdio: 'inherit' })
  } else {
    console.log(`Not rebuilding ${BUNDLE}: ${current}. (npm run build:action rebuilds it by hand.)\n`)
  }
}
