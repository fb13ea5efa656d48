// The links of a Markdown page, and which of them lead nowhere: a relative link must name a file
// that exists, an #anchor a heading of that page (as GitHub writes heading ids), a reference link
// a definition, and a link to this repository's own files on GitHub (the README's, which the npm
// package ships without docs/) a file and heading that exist here.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** The repository's URL from package.json, as `https://github.com/OWNER/NAME`. */
export function repositoryUrl(root = REPO_ROOT): string {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { repository: { url: string } }
  return pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '')
}

export interface Link {
  target: string
  line: number
}

/** The text with fenced code, inline code and HTML comments blanked out (line breaks kept). */
function prose(markdown: string): string {
  const blank = (text: string) => text.replace(/[^\n]/g, ' ')
  return markdown
    .replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, blank)
    .replace(/<!--[\s\S]*?-->/g, blank)
    .replace(/(`+)[\s\S]*?\1/g, blank)
}

const lineAt = (text: string, offset: number) => text.slice(0, offset).split('\n').length

/** Inline links and images, and reference definitions; reference uses whose label has no definition, apart. */
export function linksOf(markdown: string): { links: Link[]; undefinedReferences: Link[] } {
  const text = prose(markdown)
  const links: Link[] = []
  for (const match of text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    links.push({ target: match[1], line: lineAt(text, match.index) })
  }
  const defined = new Set<string>()
  for (const match of text.matchAll(/^ {0,3}\[([^\]]+)\]:\s*(\S+)/gm)) {
    defined.add(match[1].toLowerCase())
    links.push({ target: match[2], line: lineAt(text, match.index) })
  }
  const undefinedReferences: Link[] = []
  for (const match of text.matchAll(/\[([^\]]+)\]\[([^\]]*)\]/g)) {
    const label = (match[2] || match[1]).replace(/\s+/g, ' ').toLowerCase()
    if (!defined.has(label)) undefinedReferences.push({ target: `[${label}]`, line: lineAt(text, match.index) })
  }
  return { links, undefinedReferences }
}

/** The ids GitHub gives a page's headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function headingIds(markdown: string): Set<string> {
  const ids = new Set<string>()
  const seen = new Map<string, number>()
  const text = markdown.replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '')
  for (const match of text.matchAll(/^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const plain = match[1]
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[`*]/g, '')
      .trim()
    const base = plain
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
      .replace(/ /g, '-')
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    ids.add(count ? `${base}-${count}` : base)
  }
  return ids
}

export interface LinkCheck {
  /** Where the page and its relative links live: the repository, or an installed package. */
  root: string
  /** Where links to this repository's files on GitHub lead; the repository itself unless told. */
  repoRoot?: string
}

/** Every link of `page` (a path relative to `root`) that leads nowhere, as "page:line: target: why". */
export function brokenLinks(page: string, { root, repoRoot = REPO_ROOT }: LinkCheck): string[] {
  const markdown = readFileSync(join(root, page), 'utf8')
  const { links, undefinedReferences } = linksOf(markdown)
  const problems = undefinedReferences.map((ref) => `${page}:${ref.line}: ${ref.target}: a reference link with no definition`)
  const repoFiles = new RegExp(`^${repositoryUrl().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/(?:blob|tree)/main/`)
  for (const { target, line } of links) {
    const [path, anchor] = target.split('#', 2) as [string, string | undefined]
    let file: string
    let base: string
    if (repoFiles.test(path)) {
      base = repoRoot
      file = normalize(decodeURIComponent(path.replace(repoFiles, '')))
    } else if (/^[a-z][a-z+.-]*:/i.test(path)) {
      continue // another site: not ours to check
    } else if (path === '') {
      base = root
      file = page
    } else {
      base = root
      file = normalize(join(dirname(page), decodeURIComponent(path)))
    }
    const why = whyBroken(base, file, anchor)
    if (why) problems.push(`${page}:${line}: ${target}: ${why}`)
  }
  return problems
}

function whyBroken(base: string, file: string, anchor: string | undefined): string | undefined {
  if (file.startsWith('..')) return 'leads outside the tree'
  const full = join(base, file)
  if (!existsSync(full)) return `no file ${file}`
  if (anchor === undefined) return undefined
  if (statSync(full).isDirectory() || !file.endsWith('.md')) return `an anchor on ${file}, which has no headings`
  if (!headingIds(readFileSync(full, 'utf8')).has(anchor)) return `no heading #${anchor} in ${file}`
  return undefined
}
