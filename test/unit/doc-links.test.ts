// Every link of the README and docs/ leads somewhere: the file exists, and an #anchor names a
// heading of it. The README also travels alone in the npm package (its `files` ship dist/cli/
// only), so its links to docs/ are absolute, to this repository on GitHub, and checked here too.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brokenLinks, headingIds, linksOf, repositoryUrl } from '../support/doc-links.js'
import { docPages } from '../support/recipes.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

describe('the documentation links', () => {
  test('every relative link of README.md, docs/**/*.md and the other top-level pages leads to a file and heading that exist', async () => {
    const topLevel = (await readdir(ROOT)).filter((file) => file.endsWith('.md') && file !== 'README.md')
    const pages = [...(await docPages(ROOT)), ...topLevel]
    assert.ok(pages.includes('docs/recipes/ec2.md') && pages.includes('SECURITY.md'))
    assert.deepEqual(
      pages.flatMap((page) => brokenLinks(page, { root: ROOT })),
      [],
    )
  })

  test("the README links only to what the npm package ships, or to this repository's files on GitHub", async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { files: string[] }
    const shipped = (path: string) =>
      ['README.md', 'LICENSE', 'package.json'].includes(path) || pkg.files.some((dir) => path.startsWith(dir.replace(/\/?$/, '/')))
    const { links } = linksOf(await readFile(join(ROOT, 'README.md'), 'utf8'))
    const relative = links.filter(({ target }) => !/^[a-z][a-z+.-]*:/i.test(target) && !target.startsWith('#'))
    assert.deepEqual(
      relative.filter(({ target }) => !shipped(target.split('#')[0])),
      [],
    )
    assert.ok(links.some(({ target }) => target.startsWith(`${repositoryUrl()}/blob/main/docs/`)))
  })
})

describe('brokenLinks', () => {
  test('finds a missing file, a missing heading, a reference with no definition and a broken repository link', async () => {
    const root = await mkdtemp(join(tmpdir(), 'doc-links-'))
    try {
      await mkdir(join(root, 'docs'))
      await writeFile(join(root, 'docs', 'a.md'), '# A page\n\n## Why `this`: (now)\n')
      await writeFile(
        join(root, 'README.md'),
        [
          '# Title',
          '[ok](docs/a.md#why-this-now) [ok](#title) [ok][def] ![ok](docs/a.md)',
          '[gone](docs/b.md) [no heading](docs/a.md#nope) [no def][undefined] [self](#nope)',
          '`[code](docs/c.md)` <!-- [comment](docs/d.md) -->',
          '```md',
          '[fenced](docs/e.md)',
          '```',
          `[repo](${repositoryUrl()}/blob/main/docs/no-such-page.md) [other site](https://example.com/x#y)`,
          '',
          '[def]: docs/a.md',
        ].join('\n'),
      )
      assert.deepEqual(brokenLinks('README.md', { root, repoRoot: root }), [
        'README.md:3: [undefined]: a reference link with no definition',
        'README.md:3: docs/b.md: no file docs/b.md',
        'README.md:3: docs/a.md#nope: no heading #nope in docs/a.md',
        'README.md:3: #nope: no heading #nope in README.md',
        `README.md:8: ${repositoryUrl()}/blob/main/docs/no-such-page.md: no file docs/no-such-page.md`,
      ])
      await writeFile(join(root, 'docs', 'up.md'), '[up](../README.md#title) [out](../../x.md)\n')
      assert.deepEqual(brokenLinks('docs/up.md', { root, repoRoot: root }), ['docs/up.md:1: ../../x.md: leads outside the tree'])
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })

  test('heading ids as GitHub makes them', () => {
    const ids = headingIds(
      '# Command line: for hosts and autoscalers\n## Running the sources with @github/local-action\n### No orphans, no `stolen` runner\n## Notes\n## Notes\n```sh\n# not a heading\n```\n',
    )
    assert.deepEqual(
      [...ids],
      [
        'command-line-for-hosts-and-autoscalers',
        'running-the-sources-with-githublocal-action',
        'no-orphans-no-stolen-runner',
        'notes',
        'notes-1',
      ],
    )
  })
})
