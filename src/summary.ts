// The step summary as an incident record: what was asked for and how it ended, then every attempt
// (the answer or network error, GitHub's request id, the wait chosen and why) and the rate-limit
// headers of the last answer. It holds no secret: no token, no config, only chosen headers. Cells
// are escaped here, since @actions/core writes table cells into the HTML as they are.
import type * as actionsCore from '@actions/core'
import { formatMs } from './duration.js'
import { WAIT_REASONS, outcomeLabel } from './explain.js'
import type { ReportedAttempt } from './retry.js'
import { escapeControls, escapeHtml } from './server-text.js'

/** An attempt as the summary lists it; `runner` in a JIT batch, `call` for a call other than the mint (a GitHub App's). */
export type SummaryAttempt = ReportedAttempt

export interface SummaryRecord {
  heading: string
  /** Field and value rows: scope, type, result... */
  fields: [string, string][]
  attempts: SummaryAttempt[]
  /** What an attempt without `runner` or `call` was, when others have one: "registration token". */
  mainCall?: string
  /** Rows listing what was made (a batch's runners), capped like the attempts. */
  made?: { rows: [string, string][]; leftOutNote: (count: number) => string }
}

/** A batch of up to 1,000 runners must not write a page of rows: beyond this many, a count. */
export const MAX_SUMMARY_ROWS = 50

const RATE_LIMIT_HEADERS = [
  ['x-ratelimit-remaining', 'Rate limit remaining (last answer)'],
  ['x-ratelimit-reset', 'Rate limit reset (last answer)'],
  ['x-ratelimit-resource', 'Rate limit resource (last answer)'],
] as const

/** What the loop did after an attempt, in a few words. */
export function thenText(attempt: SummaryAttempt, success = 'minted'): string {
  if (attempt.succeeded) return success
  const why = attempt.why ? WAIT_REASONS[attempt.why] : 'backoff'
  switch (attempt.stop) {
    case undefined:
      return `retried after ${formatMs(attempt.waitMs ?? 0)} (${why})`
    case 'deadline':
      return `gave up: waiting ${formatMs(attempt.waitMs ?? 0)} (${why}) would pass the timeout`
    case 'attempts-exhausted':
      return 'gave up: max-attempts reached'
    case 'budget':
      return "gave up: the batch's shared retry budget was spent"
    case 'not-retryable':
      return 'gave up: not retryable'
    case 'aborted':
      return 'stopped: the step was cancelled'
  }
}

/** The rate-limit headers of the last HTTP answer, as field rows (the reset also as a time). */
export function rateLimitRows(attempts: SummaryAttempt[]): [string, string][] {
  const last = [...attempts].reverse().find((a) => a.outcome.kind === 'response')
  if (last?.outcome.kind !== 'response') return []
  const { headers } = last.outcome
  return RATE_LIMIT_HEADERS.filter(([name]) => headers[name] !== undefined).map(([name, label]) => {
    const value = headers[name]!
    const reset = name === 'x-ratelimit-reset' && /^\d{1,11}$/.test(value) ? new Date(Number(value) * 1000) : undefined
    return [label, reset ? `${value} (${reset.toISOString().replace('.000Z', 'Z')})` : value]
  })
}

/** The record's tables, every cell escaped; `success` is what a successful attempt is called. */
export function summaryTables(record: SummaryRecord, success = 'minted'): { fields: string[][]; attempts: string[][]; notes: string[] } {
  // A column saying which call each attempt belongs to, when there is more than one kind.
  const named = record.attempts.some((a) => a.runner !== undefined || a.call !== undefined)
  const onlyRunners = record.attempts.every((a) => a.call === undefined)
  const header = ['Attempt', ...(named ? [onlyRunners ? 'Runner' : 'Call'] : []), 'Answer', 'GitHub request id', 'Then']
  const rows = record.attempts.slice(0, MAX_SUMMARY_ROWS).map((a) => {
    const answer = a.outcome.kind === 'network' && a.detail ? `${a.outcome.code} (${a.detail})` : outcomeLabel(a.outcome)
    const id = a.outcome.kind === 'response' ? (a.outcome.headers['x-github-request-id'] ?? '') : ''
    const which = a.runner ?? a.call ?? record.mainCall ?? ''
    const then = a.call === undefined ? thenText(a, success) : thenText(a, 'done')
    return [String(a.attempt), ...(named ? [which] : []), answer, id, then]
  })
  const notes: string[] = []
  const leftOut = record.attempts.length - rows.length
  if (leftOut > 0) notes.push(`${leftOut} more attempt(s) are not listed here; the log has every one.`)
  const made = record.made?.rows ?? []
  const madeShown = made.slice(0, MAX_SUMMARY_ROWS)
  if (made.length > madeShown.length) notes.push(record.made!.leftOutNote(made.length - madeShown.length))
  // An empty cell would come out as a lone <td> (@actions/core leaves out the closing tag).
  const cell = (text: string): string => escapeHtml(escapeControls(text)) || '—'
  return {
    fields: [...record.fields, ...madeShown, ...rateLimitRows(record.attempts)].map((row) => row.map(cell)),
    attempts: [header, ...rows].map((row) => row.map(cell)),
    notes: notes.map(cell),
  }
}

type Summary = Pick<typeof actionsCore, 'summary' | 'warning'>

/** Writes the record as the step summary. Local runs have none; failing to write is a warning, never a failure. */
export async function writeSummary(core: Summary, record: SummaryRecord, env: NodeJS.ProcessEnv, success?: string): Promise<void> {
  if (!env.GITHUB_STEP_SUMMARY) return
  const { fields, attempts, notes } = summaryTables(record, success)
  const headed = (rows: string[][]) => rows.map((row, i) => (i === 0 ? row.map((data) => ({ data, header: true })) : row))
  try {
    let summary = core.summary
      .addHeading(record.heading, 3)
      .addTable(headed([['Field', 'Value'], ...fields]))
      .addTable(headed(attempts))
    for (const note of notes) summary = summary.addRaw(`<p>${note}</p>`, true)
    await summary.write()
  } catch (error) {
    core.warning(`Could not write the step summary: ${escapeControls((error as Error).message)}`)
  }
}
