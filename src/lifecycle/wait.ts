// `type: wait`: watches the runners that carry an ownership label until each has connected
// (online or busy), with one listing per poll however many runners there are (never a request
// per runner), at an interval that starts near 1 s and grows toward 10 s. It deletes nothing: on
// timeout it fails, naming each runner that never connected; the mint step's post step or
// `type: prune` decides what to remove.
import { type Config, MintError } from '../types.js'
import { ConcurrencyLimiter } from '../limiter.js'
import { Halted } from '../engine/call.js'
import { latestStart, systemClock } from '../retry.js'
import { waitSpread } from '../spread.js'
import { Deadline } from '../step.js'
import { Ledger } from '../jit/ledger.js'
import { carriesLabel } from '../jit/runners.js'
import { type JitDeps, Session } from '../jit/session.js'
import { listRunners } from './listing.js'
import { Watch, pollIntervalMs } from './watch.js'

/** How long before the latest start a request may have the last poll starts. */
export const LAST_POLL_MARGIN_MS = 200

export interface WaitResult {
  watch: Watch
  /** True when every runner connected (or went) before the timeout. */
  done: boolean
  polls: number
  /** How long it watched (ms). */
  elapsedMs: number
  /** Requests sent (listing pages). */
  requests: number
  /** Set when the step was stopped by a signal. */
  stopped: boolean
}

export async function waitForRunners(config: Config, deps: JitDeps = {}): Promise<WaitResult> {
  const clock = deps.clock ?? systemClock
  const random = deps.random ?? Math.random
  const log = deps.log ?? (() => {})
  const label = config.wait!.ownershipLabel
  const startMs = clock.now()
  const deadline = new Deadline(clock, startMs + config.timeoutMs)
  const onCancel = (): void => deadline.halt()
  if (deps.signal?.aborted) onCancel()
  deps.signal?.addEventListener('abort', onCancel, { once: true })
  // One listing at a time: a poll is one request per page, never one per runner.
  const session = new Session(config, deps, new ConcurrencyLimiter({ initial: 1, max: 1, clock }), new Ledger(label))
  const watch = new Watch()
  // The last poll starts while a useful request still fits before the deadline, with a margin for the slot.
  const lastPollAtMs = (): number => latestStart(deadline.atMs, config) - LAST_POLL_MARGIN_MS
  let polls = 0
  const result = (done: boolean): WaitResult => ({
    watch,
    done,
    polls,
    elapsedMs: clock.now() - startMs,
    requests: session.requests,
    stopped: deps.signal?.aborted ?? false,
  })
  try {
    await waitSpread(config.spreadMs, { clock, random, log, signal: deps.signal })
    for (;;) {
      if (deadline.stop.aborted) return result(false)
      let listed
      try {
        listed = await listRunners(session, deadline, 'Listing runners')
      } catch (error) {
        // A last poll cut short by the deadline is the timeout, reported with what earlier polls saw.
        if (error instanceof MintError && polls > 0 && clock.now() >= lastPollAtMs()) return result(false)
        // Stopped by a signal during a listing: what earlier polls saw is the report.
        if (error instanceof Halted || (error instanceof MintError && deadline.stop.aborted)) return result(false)
        throw error
      }
      polls++
      watch.update(
        listed.filter((r) => carriesLabel(r, label)),
        // Times relative to the start of the watch, as elapsedMs.
        clock.now() - startMs,
      )
      const counts = watch.counts()
      log(
        `Poll ${polls}: ${watch.all.length} runner(s) with the label: online ${counts.online}, busy ${counts.busy}, gone ${counts.gone}, not yet connected ${counts.neverConnected}.`,
      )
      if (watch.done) return result(true)
      const leftMs = lastPollAtMs() - clock.now()
      if (leftMs <= 0) return result(false)
      const sleepMs = Math.min(pollIntervalMs(polls - 1, random()), leftMs)
      await clock.sleep(sleepMs, deadline.stop)
    }
  } finally {
    deps.signal?.removeEventListener('abort', onCancel)
    deadline.dispose()
  }
}
