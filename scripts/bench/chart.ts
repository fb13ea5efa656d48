// The chart: tokens obtained over time, one panel per scenario, one line per strategy. Plain SVG
// text, so it needs no browser or image library and diffs readably.
import type { RowSummary } from './report.js'
import { DEFAULTS } from '../../src/inputs.js'

export interface Panel {
  title: string
  rows: RowSummary[]
}

const STYLE: Record<string, { color: string; dash?: string; width?: number }> = {
  'no-retry': { color: '#7f7f7f' },
  'incident-fix': { color: '#ff7f0e' },
  octokit: { color: '#8c564b' },
  'action-full': { color: '#1f77b4' },
  'action-equal': { color: '#2ca02c' },
  'action-decorrelated': { color: '#9467bd' },
  'action-none': { color: '#d62728' },
  spread: { color: '#bcbd22', width: 2.5 },
  'spread-2x': { color: '#8c8c00', dash: '8 3', width: 2.5 },
  shared: { color: '#111111', dash: '6 4' },
  jit: { color: '#17becf', dash: '2 2', width: 2.5 },
}

// The action's default row is drawn thick, whichever jitter mode DEFAULTS names.
const DEFAULT_ROW = `action-${DEFAULTS.jitter}`
function styleOf(id: string): { color: string; dash?: string; width?: number } {
  const style = STYLE[id] ?? { color: '#000' }
  return id === DEFAULT_ROW ? { ...style, width: 3 } : style
}

const PANEL_W = 460
const PANEL_H = 280
const MARGIN = { left: 52, right: 16, top: 34, bottom: 40 }

export function tokensOverTimeSvg(panels: Panel[], subtitle: string): string {
  const columns = Math.min(2, panels.length)
  const panelRows = Math.ceil(panels.length / columns)
  const strategies = [...new Map(panels.flatMap((p) => p.rows.map((r) => [r.strategy.id, r.strategy] as const))).values()]
  // Two legend columns only when two panels make the chart wide enough for them.
  const legendColumns = columns
  const legendRows = Math.ceil(strategies.length / legendColumns)
  const width = columns * PANEL_W
  const height = 46 + panelRows * PANEL_H + 14 + legendRows * 20
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">Runner tokens obtained over time</text>`,
    `<text x="${width / 2}" y="37" text-anchor="middle" fill="#555">${escape(subtitle)}</text>`,
  ]
  panels.forEach((panel, i) => {
    out.push(panelSvg(panel, (i % columns) * PANEL_W, 46 + Math.floor(i / columns) * PANEL_H))
  })
  const legendTop = 46 + panelRows * PANEL_H + 14
  strategies.forEach((strategy, i) => {
    const x = 20 + (i % legendColumns) * (width / legendColumns)
    const y = legendTop + Math.floor(i / legendColumns) * 20
    const style = styleOf(strategy.id)
    out.push(
      `<line x1="${x}" y1="${y}" x2="${x + 28}" y2="${y}" stroke="${style.color}" stroke-width="${style.width ?? 2}"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''}/>`,
      `<text x="${x + 36}" y="${y + 4}">${escape(strategy.label)}</text>`,
    )
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}

function panelSvg(panel: Panel, left: number, top: number): string {
  const n = panel.rows[0]?.n ?? 1
  const maxMs = niceCeiling(Math.max(1, ...panel.rows.map((r) => r.lastDoneMs)), [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10])
  const plotW = PANEL_W - MARGIN.left - MARGIN.right
  const plotH = PANEL_H - MARGIN.top - MARGIN.bottom
  const x = (ms: number) => left + MARGIN.left + (Math.min(ms, maxMs) / maxMs) * plotW
  const y = (tokens: number) => top + MARGIN.top + plotH - (tokens / n) * plotH
  const out = [`<text x="${left + MARGIN.left}" y="${top + 22}" font-size="13" font-weight="bold">${escape(panel.title)}</text>`]
  for (const tick of ticks(maxMs)) {
    out.push(
      `<line x1="${x(tick)}" y1="${y(0)}" x2="${x(tick)}" y2="${y(n)}" stroke="#e4e4e4"/>`,
      `<text x="${x(tick)}" y="${y(0) + 15}" text-anchor="middle" fill="#444">${tick >= 1000 ? `${tick / 1000} s` : `${tick} ms`}</text>`,
    )
  }
  for (const tick of ticks(n)) {
    out.push(
      `<line x1="${x(0)}" y1="${y(tick)}" x2="${x(maxMs)}" y2="${y(tick)}" stroke="#e4e4e4"/>`,
      `<text x="${x(0) - 6}" y="${y(tick) + 4}" text-anchor="end" fill="#444">${tick}</text>`,
    )
  }
  out.push(
    `<rect x="${x(0)}" y="${y(n)}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
    `<text x="${x(maxMs / 2)}" y="${y(0) + 32}" text-anchor="middle" fill="#444">time since the jobs started</text>`,
    `<text transform="translate(${left + 14} ${y(n / 2)}) rotate(-90)" text-anchor="middle" fill="#444">tokens (of ${n})</text>`,
  )
  const ideal = panel.rows.find((r) => r.strategy.id === DEFAULT_ROW)?.idealMs
  if (ideal !== undefined && ideal < maxMs) {
    out.push(
      `<line x1="${x(ideal)}" y1="${y(0)}" x2="${x(ideal)}" y2="${y(n)}" stroke="#444" stroke-dasharray="2 3"/>`,
      `<text x="${x(ideal) + 3}" y="${y(n) + 12}" fill="#444" font-size="11">ideal</text>`,
    )
  }
  // Draw the highlighted default last so it stays on top.
  const ordered = [...panel.rows].sort((a, b) => (styleOf(a.strategy.id).width ?? 2) - (styleOf(b.strategy.id).width ?? 2))
  for (const row of ordered) {
    const style = styleOf(row.strategy.id)
    const points = [`${x(0).toFixed(1)},${y(0).toFixed(1)}`]
    row.tokenTimesMs.forEach((ms, i) => points.push(`${x(ms).toFixed(1)},${y(i).toFixed(1)}`, `${x(ms).toFixed(1)},${y(i + 1).toFixed(1)}`))
    points.push(`${x(row.lastDoneMs).toFixed(1)},${y(row.tokens).toFixed(1)}`)
    out.push(
      `<polyline data-strategy="${row.strategy.id}" fill="none" stroke="${style.color}" stroke-width="${style.width ?? 2}" stroke-linejoin="round"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''} points="${points.join(' ')}"/>`,
    )
  }
  return out.join('\n')
}

/** The smallest of `steps` times a power of ten at or above `value`. */
function niceCeiling(value: number, steps = [1, 2, 5, 10]): number {
  const power = 10 ** Math.floor(Math.log10(value))
  return steps.map((m) => m * power).find((v) => v >= value)!
}

function ticks(max: number): number[] {
  const step = niceCeiling(max / 5)
  const out: number[] = []
  for (let v = 0; v <= max + 1e-9; v += step) out.push(Math.round(v * 1000) / 1000)
  return out
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
