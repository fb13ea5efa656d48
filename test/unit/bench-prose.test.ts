// `npm run bench` writes docs/bench.md, and from the same run the summary table of
// docs/why-jitter.md and the start-spread figures its prose quotes. These hold the page to the
// recorded run, so that neither a table nor a figure in the prose can quote another one.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { spreadSentence, type RowSummary } from '../../scripts/bench/report.js'
import { strategies } from '../../scripts/bench/strategies.js'
import { idealBatchMs, idealPruneMs, type LimitModel } from '../../scripts/bench/limits.js'

const page = (name: string) => readFile(new URL(`../../docs/${name}`, import.meta.url), 'utf8')

/** The rows of a markdown table under `### TITLE`, as cells by column name. */
function table(markdown: string, title: string): Record<string, string>[] {
  const section = markdown.split(/^### /m).find((part) => part.startsWith(`${title}\n`))
  assert.ok(section, `docs/bench.md has no section "${title}"`)
  const lines = section.split('\n').filter((line) => line.startsWith('|'))
  const cells = (line: string) =>
    line
      .slice(1, -1)
      .split('|')
      .map((cell) => cell.trim())
  const head = cells(lines[0])
  return lines.slice(2).map((line) => Object.fromEntries(cells(line).map((cell, i) => [head[i], cell])))
}

function summary(row: Record<string, string>, n: number): RowSummary {
  const strategy = strategies(0.05).find((s) => s.label === row.strategy)
  assert.ok(strategy, `no strategy labelled "${row.strategy}"`)
  const p95 = /^(\d+) ms/.exec(row['p95 to token'])
  return {
    strategy,
    n,
    tokens: Number(row.tokens.split('/')[0]),
    requests: Number(row.requests),
    p95Ms: p95 ? Number(p95[1]) : undefined,
  } as RowSummary
}

describe('docs/why-jitter.md quotes the run recorded in docs/bench.md', () => {
  test('the start-spread figures in the prose', async () => {
    const [bench, whyJitter] = await Promise.all([page('bench.md'), page('why-jitter.md')])
    const sizes = [...bench.matchAll(/^### Burst, N = (\d+)$/gm)].map((match) => Number(match[1]))
    assert.ok(sizes.length >= 2)
    const sentence = spreadSentence(sizes.map((n) => ({ n, rows: table(bench, `Burst, N = ${n}`).map((row) => summary(row, n)) })))
    assert.ok(sentence)
    const block = /<!-- bench-spread:start -->\s*([\s\S]*?)\s*<!-- bench-spread:end -->/.exec(whyJitter)
    assert.ok(block, 'docs/why-jitter.md has no bench-spread block')
    assert.equal(block[1].replace(/\s+/g, ' '), sentence)
  })

  test('the summary table', async () => {
    const [bench, whyJitter] = await Promise.all([page('bench.md'), page('why-jitter.md')])
    const summaryRows = whyJitter
      .slice(whyJitter.indexOf('<!-- bench:start -->'), whyJitter.indexOf('<!-- bench:end -->'))
      .split('\n')
      .filter((line) => line.startsWith('|'))
    const [title] = summaryRows[0].slice(1).split('|')
    const [burst, brownout] = title.trim().split(', then ')
    let section = burst
    let checked = 0
    for (const line of summaryRows.slice(2)) {
      const [label, tokens, perToken, p95, last] = line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim())
      if (label === '_brownout:_') {
        section = brownout
        continue
      }
      const recorded = table(bench, section).find((row) => row.strategy === label)
      assert.ok(recorded, `${section}: no row "${label}" in docs/bench.md`)
      assert.deepEqual(
        [tokens, perToken, p95, last],
        [recorded.tokens, recorded['requests/token'], recorded['p95 to token'], recorded['last job done']],
        `${section}: ${label}`,
      )
      checked++
    }
    assert.ok(checked >= 20)
  })
})

describe('spreadSentence', () => {
  const row = (id: string, tokens: number, requests: number, p95Ms?: number) =>
    ({ strategy: strategies(0.05).find((s) => s.id === id)!, tokens, requests, p95Ms }) as RowSummary

  test('per burst size: requests per token and p95 for the defaults, a spread of N×S/C and of twice that', () => {
    const rows = (n: number) => [
      row('action-full', n, 99, 1),
      row('action-equal', n, 2 * n, 300),
      row('spread', n, 1.5 * n, 320),
      row('spread-2x', n, n),
    ]
    assert.equal(
      spreadSentence([
        { n: 10, rows: rows(10) },
        { n: 30, rows: rows(30) },
      ]),
      'In the run recorded in [docs/bench.md](bench.md), requests per token and (p95 to token) for the defaults, then spread over N × S ÷ C, ' +
        'then over twice that: at N = 10, 2.00 (300 ms), 1.50 (320 ms) and 1.00 (never); at N = 30, 2.00 (300 ms), 1.50 (320 ms) and 1.00 (never).',
    )
  })

  test('without the spread rows (a run with --strategies) there is no sentence', () => {
    assert.equal(spreadSentence([{ n: 10, rows: [row('action-equal', 10, 20, 300)] }]), undefined)
  })
})

describe('the ideals under the secondary limit (the bench tables quote them)', () => {
  // npm run bench's model: C = 5, S = 50 ms, 900 points in a window of 60 s × 0.05.
  const model: LimitModel = { capacity: 5, latencyMs: 50, points: 900, windowMs: 3000, scale: 0.05 }

  test('a batch of 1,000: five windows of 180 writes, then the last 100 at capacity, 20 × 50 ms', () => {
    assert.equal(idealBatchMs(1000, model), 5 * 3000 + 20 * 50)
  })

  test('a batch within one window is bound by capacity alone', () => {
    assert.equal(idealBatchMs(100, model), 20 * 50)
    assert.equal(idealBatchMs(180, model), 36 * 50)
  })

  test('a batch one past a window waits a window for its last write', () => {
    assert.equal(idealBatchMs(181, model), 3000 + 50)
  })

  test('where capacity is slower than the limit allows, capacity is the ideal', () => {
    const slow = { ...model, latencyMs: 200 }
    // 180 writes at 5 in flight take 36 × 200 ms = 7.2 s, longer than the 3 s window.
    assert.equal(idealBatchMs(1000, slow), 200 * 200)
  })

  test('a prune of 1,000 listed with 300 to delete: 10 pages, then 150 look-and-delete pairs a window (6 points each)', () => {
    // The limit alone: one window, then the last 150 pairs at capacity (30 × 100 ms) = 6 s; capacity
    // alone: 60 rounds of 100 ms = 6 s. Both bind at this scale, as at every scale.
    assert.equal(idealPruneMs(1000, 300, model), 10 * 50 + 6000)
  })

  test('a prune with nothing to delete is its listing', () => {
    assert.equal(idealPruneMs(30, 0, model), 50)
    assert.equal(idealPruneMs(0, 0, model), 50)
  })
})
