// What `type: wait` knows about a batch's runners, poll after poll, and when to look again. Pure:
// listings and times in, states and intervals out.
import type { ListedRunner } from '../jit/runners.js'

/** The first wait between two polls is near this; each next one grows by POLL_GROWTH up to MAX_POLL_MS. */
export const FIRST_POLL_MS = 1000
export const MAX_POLL_MS = 10_000
export const POLL_GROWTH = 1.5

/**
 * The wait after poll `poll` (0 for the first): a ceiling of min(10 s, 1 s × 1.5^poll), less up to a
 * quarter of it at random (`random` in [0, 1)), so hosts that all wait do not all ask together.
 */
export function pollIntervalMs(poll: number, random: number): number {
  const ceiling = Math.min(MAX_POLL_MS, FIRST_POLL_MS * POLL_GROWTH ** poll)
  return Math.round(ceiling * (1 - 0.25 * random))
}

/**
 * Where a runner stands: `waiting` (offline, never seen connected), `online`, `busy`,
 * `disconnected` (seen connected, offline now), `gone` (seen, then no longer listed).
 */
export type RunnerState = 'waiting' | 'online' | 'busy' | 'disconnected' | 'gone'

export interface WatchedRunner {
  id: number
  name: string
  state: RunnerState
  /** Seen online or busy at least once. */
  connected: boolean
  /** When the watch first listed it (ms from the watch's start). */
  firstSeenMs: number
}

export interface WatchCounts {
  online: number
  busy: number
  disconnected: number
  gone: number
  neverConnected: number
}

export class Watch {
  private readonly runners = new Map<number, WatchedRunner>()
  /** The ids the latest listing showed, and whether the one before showed the same. */
  private lastIds = ''
  private settled = false

  /** Takes in one listing of the runners that carry the label. */
  update(listed: ListedRunner[], nowMs: number): void {
    const ids = listed.map((r) => r.id).sort((a, b) => a - b)
    const key = ids.join(',')
    this.settled = key === this.lastIds
    this.lastIds = key
    const present = new Set(ids)
    for (const runner of listed) {
      const known = this.runners.get(runner.id)
      const state: RunnerState = runner.busy
        ? 'busy'
        : runner.status === 'online'
          ? 'online'
          : known?.connected
            ? 'disconnected'
            : 'waiting'
      const connected = (known?.connected ?? false) || state === 'busy' || state === 'online'
      this.runners.set(runner.id, { id: runner.id, name: runner.name, state, connected, firstSeenMs: known?.firstSeenMs ?? nowMs })
    }
    for (const runner of this.runners.values()) if (!present.has(runner.id)) runner.state = 'gone'
  }

  get all(): WatchedRunner[] {
    return [...this.runners.values()]
  }

  /** Not yet connected and still listed. */
  get waiting(): WatchedRunner[] {
    return this.all.filter((r) => r.state === 'waiting')
  }

  /**
   * Done: at least one runner seen, none waiting, and two listings in a row showed the same
   * runners (a listing can lag behind a registration: one not listed yet is not forgotten).
   */
  get done(): boolean {
    return this.runners.size > 0 && this.waiting.length === 0 && this.settled
  }

  counts(): WatchCounts {
    const of = (state: RunnerState): number => this.all.filter((r) => r.state === state).length
    return {
      online: of('online'),
      busy: of('busy'),
      disconnected: of('disconnected'),
      gone: of('gone'),
      neverConnected: this.all.filter((r) => !r.connected && r.state !== 'gone').length,
    }
  }
}
