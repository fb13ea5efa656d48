// The start spread (`spread`): when many hosts or jobs start at the same instant and each mints
// its own token, their first requests would all land together, and even perfect backoff cannot
// avoid one failed request per client beyond what the server admits at once. A random wait before
// the first request, uniform up to `spread`, turns that instant into a stream the server can take.
import { formatMs } from './duration.js'
import type { Clock } from './retry.js'

/** The wait before the first request: uniform in [0, spreadMs), from a `random` in [0, 1). */
export function spreadDelayMs(spreadMs: number, random: number): number {
  return Math.floor(random * spreadMs)
}

/**
 * Waits a random part of `spreadMs` (none when it is 0: no random number is drawn either) and
 * returns how long. The caller's deadline must already be running: the spread is spent inside it.
 */
export async function waitSpread(
  spreadMs: number | undefined,
  deps: { clock: Clock; random: () => number; log: (line: string) => void; signal?: AbortSignal },
): Promise<number> {
  if (!spreadMs) return 0
  const delayMs = spreadDelayMs(spreadMs, deps.random())
  deps.log(`Waiting ${formatMs(delayMs)} before the first request ("spread": a random wait of up to ${formatMs(spreadMs)}).`)
  // A cancellation ends the wait at once; the caller looks at the signal.
  await deps.clock.sleep(delayMs, deps.signal)
  return delayMs
}
