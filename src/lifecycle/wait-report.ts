// What a wait saw, in words that are true in every world: connected (online or busy), gone (and
// what that may mean), disconnected, and each runner that never connected with how long it was
// waited for. The action and the command print these lines; the JSON is the command's --json.
import { formatMs } from '../duration.js'
import type { WaitResult } from './wait.js'
import type { WatchedRunner } from './watch.js'

/** What a runner seen and then no longer listed may be. */
export function goneMeaning(runner: WatchedRunner): string {
  return runner.connected
    ? 'connected, then left the listing: it ran its job and removed itself (ephemeral), or was removed'
    : 'left the listing before it was seen connected: it was removed, or connected, ran its job and removed itself between two polls'
}

export function countsText(result: WaitResult): string {
  const c = result.watch.counts()
  const disconnected = c.disconnected ? `, disconnected ${c.disconnected}` : ''
  return `online ${c.online}, busy ${c.busy}, gone ${c.gone}${disconnected}, never connected ${c.neverConnected}`
}

/** Lines for the log after the wait: each runner gone or disconnected, by name, and the outcome. */
export function waitLines(result: WaitResult, label: string): string[] {
  const lines: string[] = []
  for (const runner of result.watch.all) {
    if (runner.state === 'gone') lines.push(`Runner "${runner.name}" (id ${runner.id}) ${goneMeaning(runner)}.`)
    if (runner.state === 'disconnected') lines.push(`Runner "${runner.name}" (id ${runner.id}) connected, and is offline again.`)
  }
  const took = `${formatMs(result.elapsedMs)}, ${result.polls} poll(s), ${result.requests} request(s)`
  if (result.done) lines.push(`Every runner with the label ${label} connected (${took}): ${countsText(result)}.`)
  return lines
}

/** The failure: every runner that never connected, with how long it was waited for; undefined when done. */
export function waitFailure(result: WaitResult, label: string, timeoutMs: number): string | undefined {
  if (result.done) return undefined
  const nothingDeleted =
    'Nothing was deleted: the post step of the step that registered them, or type "prune" with this label, removes runners that never connected.'
  if (result.stopped) return `Stopped while waiting for the runners with the label ${label}: ${countsText(result)}. ${nothingDeleted}`
  const total = result.watch.all.length
  if (total === 0) {
    return `No runner with the label ${label} was listed within the ${formatMs(timeoutMs)} "timeout" (${result.polls} poll(s)). Check "ownership-label": it is the output of the step of type "jit" that registered them.`
  }
  const never = result.watch.all.filter((r) => !r.connected && r.state !== 'gone')
  const endMs = result.elapsedMs
  const each = never.map((r) => `${r.name} (id ${r.id}, waited ${formatMs(endMs - r.firstSeenMs)})`).join(', ')
  const head = never.length
    ? `${never.length} of ${total} runner(s) with the label ${label} never connected within the ${formatMs(timeoutMs)} "timeout": ${each}.`
    : `The runners with the label ${label} did not hold still within the ${formatMs(timeoutMs)} "timeout" (new ones kept being listed).`
  return `${head} ${capitalize(countsText(result))}. ${nothingDeleted}`
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

export function waitJson(result: WaitResult, label: string): Record<string, unknown> {
  const c = result.watch.counts()
  return {
    ownership_label: label,
    done: result.done,
    online: c.online,
    busy: c.busy,
    gone: c.gone,
    disconnected: c.disconnected,
    never_connected: c.neverConnected,
    runners: result.watch.all.map((r) => ({ id: r.id, name: r.name, state: r.state, connected: r.connected })),
    polls: result.polls,
    requests: result.requests,
    elapsed_ms: Math.round(result.elapsedMs),
  }
}
