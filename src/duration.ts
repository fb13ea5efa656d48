// Durations: read as the inputs and the command's options take them (a bare number of seconds, or
// numbers with units), and written as a log line or a message shows them ("850ms", "1.5s", "2m",
// "1m30s"). Pure: text in, milliseconds out, and back.

const NUMBER = String.raw`(\d+(?:\.\d+)?|\.\d+)`
// Numbers with units, each unit at most once and largest first: "1h30m", "2m30s", "1s500ms".
const UNITS = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const
const COMPOUND = new RegExp(`^(?:${NUMBER}\\s*h)?\\s*(?:${NUMBER}\\s*m(?!s))?\\s*(?:${NUMBER}\\s*s)?\\s*(?:${NUMBER}\\s*ms)?$`)
const SECONDS = new RegExp(`^${NUMBER}$`)

/** The forms a duration may take, for error messages and help. */
export const DURATION_FORMS =
  'seconds ("1.5"), or numbers with the units h, m, s and ms, largest first ("250ms", "2s", "1m", "1h", "1h30m", "2m30s")'

/** A duration in milliseconds: a bare number of seconds, or numbers with units (DURATION_FORMS). */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim()
  const seconds = SECONDS.exec(trimmed)
  if (seconds) return Math.round(Number(seconds[1]) * 1000)
  const parts = trimmed ? COMPOUND.exec(trimmed) : null
  if (!parts) return undefined
  const factors = Object.values(UNITS)
  return Math.round(parts.slice(1).reduce((ms, part, i) => ms + (part === undefined ? 0 : Number(part) * factors[i]), 0))
}

/** The longest duration any input accepts: a GitHub-hosted job's own limit. */
export const MAX_DURATION = '6h'
export const MAX_DURATION_MS = parseDuration(MAX_DURATION)!

/** How a duration reads in a log line or a message. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`
  // Rounded to whole seconds first, so 119.6 s reads "2m", not "1m60s".
  const total = Math.round(ms / 1000)
  const minutes = Math.floor(total / 60)
  const seconds = total % 60
  return seconds ? `${minutes}m${seconds}s` : `${minutes}m`
}
