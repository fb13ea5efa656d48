// Pacing under GitHub's secondary rate limit: at most 900 points a minute per REST endpoint, a
// GET costing 1 and a POST or DELETE 5, so about 180 registrations (or deletes) a minute. A batch
// that ignores it is refused with 403 "secondary rate limit" and retry-after: 60 again and again,
// and repeated violations can get an integration blocked. The pacer spends points per endpoint in
// a sliding window, so no window of its length, wherever it starts, holds more than the budget:
// a batch within the budget is not slowed at all, and a larger one goes as fast as the limit allows.
import type { WriteBudget } from './types.js'
import type { Clock } from './retry.js'
import { formatMs } from './duration.js'
import { WaitRefused, type WaitBounds } from './limiter.js'

export type { WriteBudget } from './types.js'

/** GitHub's documented budget: 900 points a minute per endpoint, 5 points a write. */
export const GITHUB_WRITE_BUDGET: WriteBudget = { writes: 180, windowMs: 60_000 }
export const WRITE_POINTS = 5
export const READ_POINTS = 1

/** The budget a step paces its writes by: the one its config names, GitHub's by default, or none (false). */
export function budgetOf(config: { writeBudget?: WriteBudget | false }): WriteBudget | false {
  return config.writeBudget === undefined ? GITHUB_WRITE_BUDGET : config.writeBudget
}

/** The pacer a step's writes share, by its config's budget (budgetOf); none when not paced. */
export function pacerFor(config: { writeBudget?: WriteBudget | false }, clock: Clock): WritePacer | undefined {
  const budget = budgetOf(config)
  return budget ? new WritePacer(budget, clock) : undefined
}

/** A budget as messages say it: "180 writes a minute (GitHub's secondary rate limit)", "20 writes per 500ms". */
export function describeBudget(budget: WriteBudget): string {
  const per = budget.windowMs === 60_000 ? 'a minute' : `per ${formatMs(budget.windowMs)}`
  const github = budget.writes === GITHUB_WRITE_BUDGET.writes && budget.windowMs === GITHUB_WRITE_BUDGET.windowMs
  return `${budget.writes} write${budget.writes === 1 ? '' : 's'} ${per}${github ? " (GitHub's secondary rate limit)" : ''}`
}

/** Points a request costs, as GitHub counts them. */
export function pointsOf(method: string): number {
  return method.toUpperCase() === 'GET' || method.toUpperCase() === 'HEAD' ? READ_POINTS : WRITE_POINTS
}

/**
 * The endpoint a URL's request counts against: its path with every numeric segment as `{id}` and
 * no query. GitHub does not say whether a method is its own endpoint; counting the GET before a
 * DELETE against the same one is the cautious reading.
 */
export function endpointOf(url: string): string {
  const path = new URL(url).pathname
  return path.replace(/\/\d+(?=\/|$)/g, '/{id}')
}

/**
 * The shortest time from the first to the last of `writes` writes to one endpoint under `budget`,
 * starting from an empty window: every `budget.writes` of them, one more window. Zero within one window.
 */
export function shortestMs(writes: number, budget: WriteBudget): number {
  if (writes <= 0) return 0
  return (Math.ceil(writes / budget.writes) - 1) * budget.windowMs
}

/** How long a paced wait naps before it looks again, so that the signal and the deadline are heard. */
export const PACE_NAP_MS = 1000

interface Spend {
  points: number
  /** When the spend leaves the window: Infinity while its request is in flight. */
  untilMs: number
}

/** Points held for one request; `settle` once its answer came (or it failed), and the window starts then. */
export interface Held {
  settle(): void
}

/** Points held ahead on one endpoint (WritePacer.reserve) for the requests that follow. */
export interface Reservation {
  /** `points` of it for one request to `endpoint`, settled as a take's are; undefined when another endpoint or too few are left. */
  draw(endpoint: string, points: number): Held | undefined
  /** Gives back what no request drew. */
  release(): void
}

export class WritePacer {
  private readonly spent = new Map<string, Spend[]>()
  private readonly settled = new Set<() => void>()
  /** Per endpoint, the turn of the last waiter in line: each waits for the one before it. */
  private readonly queues = new Map<string, Promise<void>>()
  /** Per endpoint, how many times the head of the line had to wait for the window: who waited behind it, waited too. */
  private readonly holds = new Map<string, number>()
  /** Requests that had to wait for the budget, and the longest such wait: for the log and the benchmark. */
  waited = 0
  longestWaitMs = 0

  constructor(
    readonly budget: WriteBudget,
    private readonly clock: Clock,
  ) {}

  /** Points one window allows per endpoint. */
  get capacity(): number {
    return this.budget.writes * WRITE_POINTS
  }

  /**
   * Waits until `points` more on `endpoint` fit in the window, then holds them. A spend leaves the
   * window `windowMs` after its answer came: GitHub counted the request before it answered, and a
   * new one reaches GitHub after it is sent, so that gap is at least the window on GitHub's side too.
   * Refuses (WaitRefused) when the signal is aborted or the points would fit only after `latestStartMs`.
   */
  async take(endpoint: string, points: number, bounds: WaitBounds = {}): Promise<Held> {
    return this.settler(await this.wait(endpoint, points, bounds))
  }

  /**
   * Waits as take() does, then holds `points` for requests to come, each drawing its own: a look
   * is sent only once its delete's points are held too, so the delete follows it without waiting.
   */
  async reserve(endpoint: string, points: number, bounds: WaitBounds = {}): Promise<Reservation> {
    const pool = await this.wait(endpoint, points, bounds)
    return {
      draw: (at, drawn) => {
        if (at !== endpoint || drawn > pool.points) return undefined
        pool.points -= drawn
        return this.settler(this.spend(endpoint, drawn))
      },
      // What no request drew was never sent, so never counted by GitHub: it is free at once.
      release: () => {
        pool.points = 0
        this.settler(pool).settle()
      },
    }
  }

  private async wait(endpoint: string, points: number, bounds: WaitBounds): Promise<Spend> {
    const { latestStartMs = Infinity, signal } = bounds
    const began = this.clock.now()
    const holdsBefore = this.holds.get(endpoint) ?? 0
    // First come, first served per endpoint: only the head of the queue watches the window, so a
    // batch of a thousand waiters does not all wake at every answer.
    const ahead = this.queues.get(endpoint) ?? Promise.resolve()
    let leave!: () => void
    const turn = new Promise<void>((resolve) => (leave = resolve))
    this.queues.set(
      endpoint,
      ahead.then(() => turn),
    )
    try {
      await untilAborted(ahead, signal)
      for (;;) {
        if (signal?.aborted) throw new WaitRefused('aborted')
        const now = this.clock.now()
        const at = this.fitsAt(endpoint, Math.min(points, this.capacity), now)
        if (at <= now) break
        this.holds.set(endpoint, (this.holds.get(endpoint) ?? 0) + 1)
        // Held by requests in flight: when it frees is not known until one is answered.
        if (at === Infinity) await this.nextSettle(signal)
        else if (at > latestStartMs) throw new WaitRefused('deadline')
        else await this.clock.sleep(Math.min(at - now, PACE_NAP_MS), signal)
      }
    } finally {
      leave()
    }
    const waitedMs = this.clock.now() - began
    // Held back by the window, itself or in line behind one who was.
    if ((this.holds.get(endpoint) ?? 0) > holdsBefore) {
      this.waited++
      this.longestWaitMs = Math.max(this.longestWaitMs, waitedMs)
    }
    return this.spend(endpoint, points)
  }

  /** Points spent on `endpoint` from now, in flight (held) until settled. */
  private spend(endpoint: string, points: number): Spend {
    const spend: Spend = { points, untilMs: Infinity }
    const list = this.spent.get(endpoint) ?? []
    list.push(spend)
    this.spent.set(endpoint, list)
    return spend
  }

  /** Settles a spend once: it leaves the window one window from now, and the head of each line looks again. */
  private settler(spend: Spend): Held {
    let done = false
    return {
      settle: () => {
        if (done) return
        done = true
        spend.untilMs = this.clock.now() + this.budget.windowMs
        for (const wake of [...this.settled]) wake()
      },
    }
  }

  /** The earliest time `points` more fit on `endpoint`: now, when a spend leaves, or Infinity (held by requests in flight). */
  private fitsAt(endpoint: string, points: number, now: number): number {
    const list = (this.spent.get(endpoint) ?? []).filter((s) => s.untilMs > now)
    this.spent.set(endpoint, list)
    let used = list.reduce((sum, s) => sum + s.points, 0)
    if (used + points <= this.capacity) return now
    // Spends leave in the order of their ends; wait for enough of them.
    for (const spend of [...list].sort((a, b) => a.untilMs - b.untilMs)) {
      used -= spend.points
      if (used + points <= this.capacity) return spend.untilMs
    }
    return Infinity
  }

  private nextSettle(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        this.settled.delete(wake)
        signal?.removeEventListener('abort', wake)
        resolve()
      }
      this.settled.add(wake)
      signal?.addEventListener('abort', wake, { once: true })
    })
  }
}

/** Resolves when `promise` does, or at once when `signal` is aborted (the caller then refuses). */
function untilAborted(promise: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (!signal) return promise
  if (signal.aborted) return Promise.resolve()
  return new Promise<void>((resolve) => {
    const done = (): void => {
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
    void promise.then(done)
  })
}
