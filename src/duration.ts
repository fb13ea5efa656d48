// How a duration reads in a log line or a message: "850ms", "1.5s", "2m", "1m30s".

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`
  // Rounded to whole seconds first, so 119.6 s reads "2m", not "1m60s".
  const total = Math.round(ms / 1000)
  const minutes = Math.floor(total / 60)
  const seconds = total % 60
  return seconds ? `${minutes}m${seconds}s` : `${minutes}m`
}
