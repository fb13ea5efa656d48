// Removing the runners a step may have registered: the rollback of a failed or cancelled batch,
// and the post step. Only a runner that carries the step's ownership label and never connected is
// deleted; each outcome is counted as what it is, and only a confirmed absence leaves the ledger.
import type { ApiResponse } from '../github.js'
import { formatMs } from '../duration.js'
import type { Outcome } from '../policy.js'
import { type AttemptFailure, type AttemptResult, RetryError, retry } from '../retry.js'
import { explainFailure, githubSaid } from '../explain.js'
import { failureLine, responseOutcome } from '../engine/answer.js'
import { Cancelled, type Deadline } from '../step.js'
import { READ_POINTS, type Reservation, WRITE_POINTS, type WriteBudget, shortestMs } from '../pacer.js'
import type { LedgerEntry } from './ledger.js'
import { findByName } from './lookup.js'
import { type ListedRunner, type SpareReason, asRunner, whySpared } from './runners.js'
import { parseJson } from '../json.js'
import { Halted, type LastSeen, type Session } from './session.js'

/** The least a rollback or the post step's removal gets, however few runners it removes. */
export const CLEANUP_TIMEOUT_MS = 60_000
/** Unpaced, time per runner to remove: 1,000 deletes (a look and a delete each, 16 in flight) in 200 s. */
export const CLEANUP_MS_PER_RUNNER = 200
/** A delete costs a look (GET) and the DELETE, both counted against the runner's endpoint. */
const DELETE_POINTS = READ_POINTS + WRITE_POINTS

/**
 * How long removing `runners` runners may take: the shortest time GitHub's secondary limit allows
 * their deletes at the step's write pace, plus the minute a small cleanup gets for its answers and
 * retries; unpaced (budget false), CLEANUP_MS_PER_RUNNER each. Never less than CLEANUP_TIMEOUT_MS.
 */
export function cleanupTimeoutMs(runners: number, budget: WriteBudget | false): number {
  const paced = budget ? CLEANUP_TIMEOUT_MS + removalPaceMs(runners, budget) : 0
  return Math.max(CLEANUP_TIMEOUT_MS, paced, runners * CLEANUP_MS_PER_RUNNER)
}

/** The shortest time the deletes of `runners` runners take under `budget`, from an empty window (shortestMs). */
export function removalPaceMs(runners: number, budget: WriteBudget): number {
  // Each delete is 6 points: as many as 6/5 of a write, in the budget's units.
  return shortestMs(Math.ceil((runners * DELETE_POINTS) / WRITE_POINTS), budget)
}

/** How many deletes (a look and a delete each) `budget` lets start within `ms`, from an empty window. */
export function removalsWithinMs(ms: number, budget: WriteBudget): number {
  if (ms < 0) return 0
  return Math.floor((budget.writes * WRITE_POINTS) / DELETE_POINTS) * (Math.floor(ms / budget.windowMs) + 1)
}

/** A name not listed is looked up again, with backoff, for this long: a listing can lag behind a registration. */
export const LISTING_PATIENCE_MS = 10_000

export interface Removal {
  /** GitHub confirmed the delete (204). */
  deleted: LedgerEntry[]
  /** Already gone (404): an ephemeral runner that ran its job, or deleted by someone else. */
  gone: LedgerEntry[]
  /** Left alone, and why. */
  spared: { entry: LedgerEntry; why: SpareReason }[]
  /** Not found by name, after looking again within the deadline: it may still appear. */
  unknown: LedgerEntry[]
  /** An error or the deadline came first. */
  failed: { entry: LedgerEntry; error: string }[]
}

type Verdict = { kind: 'deleted' | 'gone' | 'unknown' } | { kind: 'spared'; why: SpareReason }

/**
 * Removes `entries`, all at once through the session's limiter, before `deadline`. 'rollback':
 * runners never handed over, so one with a known id (GitHub's answer to our own request) is
 * deleted straight away. 'post': every runner is looked at first (by id, else by name).
 */
export async function removeRunners(
  entries: LedgerEntry[],
  mode: 'rollback' | 'post',
  session: Session,
  deadline: Deadline,
): Promise<Removal> {
  const removal: Removal = { deleted: [], gone: [], spared: [], unknown: [], failed: [] }
  await Promise.all(
    entries.map(async (entry) => {
      const verdict = await removeOne(entry, mode, session, deadline)
      if ('error' in verdict) return void removal.failed.push({ entry, error: verdict.error })
      if (verdict.kind === 'spared') return void removal.spared.push({ entry, why: verdict.why })
      if (verdict.kind === 'deleted' || verdict.kind === 'gone') session.ledger.gone(entry.name)
      removal[verdict.kind].push(entry)
    }),
  )
  return removal
}

async function removeOne(
  entry: LedgerEntry,
  mode: 'rollback' | 'post',
  session: Session,
  deadline: Deadline,
): Promise<Verdict | { error: string }> {
  const { ledger, clock } = session
  let last: LastSeen = {}
  // Set when the latest attempt found no runner of that name; since when it has not been listed.
  let notListed = false
  let notListedSince: number | undefined
  const done = (verdict: Verdict): AttemptResult<Verdict> => ({ value: verdict, outcome: { kind: 'response', status: 200, headers: {} } })
  // The points of this attempt's look and delete, held before the look (see the attempt).
  let pair: Reservation | undefined
  const call = (method: 'GET' | 'DELETE', id: number, timeoutMs: number): Promise<ApiResponse | { outcome: Outcome }> => {
    const options = { timeoutMs, deadline, reserved: pair, followUp: method === 'DELETE' && pair !== undefined }
    return session.exchange(method, `${session.base}/${id}`, options, last)
  }
  /** GET by id: the runner, or a verdict (404: gone), or an outcome to retry. */
  const look = async (id: number, timeoutMs: number): Promise<ListedRunner | AttemptResult<Verdict>> => {
    const looked = await call('GET', id, timeoutMs)
    if ('outcome' in looked) return looked
    if (looked.status === 404) return done({ kind: 'gone' })
    if (looked.status !== 200) return { outcome: responseOutcome(looked) }
    return asRunner(parseJson(looked.body)) ?? { outcome: responseOutcome(looked, false) }
  }
  const spareOrDelete = async (runner: ListedRunner, timeoutMs: number): Promise<AttemptResult<Verdict>> => {
    const why = whySpared(runner, ledger.label)
    return why ? done({ kind: 'spared', why }) : remove(runner.id, timeoutMs)
  }
  const remove = async (id: number, timeoutMs: number): Promise<AttemptResult<Verdict>> => {
    const deleted = await call('DELETE', id, timeoutMs)
    if ('outcome' in deleted) return deleted
    if (deleted.status === 204) return done({ kind: 'deleted' })
    if (deleted.status === 404) return done({ kind: 'gone' })
    if (deleted.status !== 422) return { outcome: responseOutcome(deleted) }
    // GitHub refuses to delete a runner that is running a job: look again to say which it is.
    const refused = responseOutcome(deleted)
    const seen = { ...last }
    const runner = await look(id, timeoutMs)
    if ('value' in runner) return runner
    const why = 'id' in runner ? whySpared(runner, ledger.label) : undefined
    if (why) return done({ kind: 'spared', why })
    // The refusal is reported with what its own request showed, not what the look showed.
    last = seen
    return { outcome: refused }
  }

  const lookThenDelete = async (timeoutMs: number): Promise<AttemptResult<Verdict>> => {
    if (entry.id !== undefined) {
      const runner = await look(entry.id, timeoutMs)
      return 'id' in runner ? spareOrDelete(runner, timeoutMs) : runner
    }
    const found = await findByName(session, entry.name, timeoutMs, deadline, last)
    if ('runner' in found) return spareOrDelete(found.runner, timeoutMs)
    if ('outcome' in found) return found
    notListedSince ??= clock.now()
    if (clock.now() - notListedSince >= LISTING_PATIENCE_MS) return done({ kind: 'unknown' })
    // Only now: while it is set, every outcome is retried, and the verdict above must end the loop.
    notListed = true
    return { outcome: NOT_LISTED }
  }
  const attempt = async (_n: number, timeoutMs: number): Promise<AttemptResult<Verdict>> => {
    last = {}
    notListed = false
    if (mode === 'rollback' && entry.id !== undefined) return remove(entry.id, timeoutMs)
    // The look is the proof the delete relies on, so nothing may wait between them: the delete's
    // points (and the look's, by id: the same endpoint) are held before the look is sent, and the
    // delete goes first in line for a slot. Every id counts against one endpoint.
    const held = await session.reserve(
      `${session.base}/${entry.id ?? 0}`,
      entry.id === undefined ? ['DELETE'] : ['GET', 'DELETE'],
      deadline,
      last,
    )
    if (held && 'outcome' in held) return held
    pair = held
    try {
      return await lookThenDelete(timeoutMs)
    } finally {
      pair?.release()
      pair = undefined
    }
  }

  const options = session.retryOptions(deadline)
  try {
    const { value } = await retry(attempt, {
      ...options,
      decide: (outcome, now, earlier401s) => (notListed ? { action: 'retry', why: 'backoff' } : options.decide!(outcome, now, earlier401s)),
      onFailure: (failure) => session.log(`Removing runner "${entry.name}": ${removalLine(failure, notListed, last)}`),
    })
    return value
  } catch (error) {
    if (!(error instanceof RetryError) && !(error instanceof Halted)) throw error
    // The latest look found no such name: not proof that it is gone, so not a failure either.
    if (notListed) return { kind: 'unknown' }
    const failure = error instanceof RetryError ? error.failure : undefined
    // Halted by the step's cancellation (prune's), not by the cleanup phase's end: say which.
    if (!failure && deadline.stop.reason instanceof Cancelled) return { error: 'the step was cancelled before its next request' }
    return { error: removalError(failure, session, last) }
  }
}

/** The outcome of a look that found no runner of the name: worth another look later. */
const NOT_LISTED: Outcome = { kind: 'network', code: 'ENOTLISTED' }

function removalLine(failure: AttemptFailure, notListed: boolean, last: LastSeen): string {
  if (!notListed) return failureLine(failure, last.requestId, last.detail)
  const next = failure.stop ? 'not looking again' : `looking again in ${formatMs(failure.waitMs ?? 0)}`
  return `not listed (a listing can lag behind a registration); ${next}.`
}

function removalError(failure: AttemptFailure | undefined, session: Session, last: LastSeen): string {
  if (!failure) return 'the cleanup deadline came before the next request'
  const { outcome } = failure
  const refused = outcome.kind === 'response' && outcome.status === 422
  const why = refused
    ? `GitHub refused to delete it (422).${githubSaid(outcome.message)}`
    : explainFailure(outcome, session.config.scope, last.detail, 'the documented runner listing {total_count, runners}')
  const id = last.requestId ? ` (GitHub request id ${last.requestId})` : ''
  // Cut off at the deadline (by its own time or the phase's end, whichever fired first): stopped there.
  const cutOff = outcome.kind === 'network' && outcome.code === 'ECUTOFF'
  if (failure.stop === 'aborted' || cutOff) return `stopped at the cleanup deadline. ${why}${id}`
  if (failure.stop === 'deadline') return `the next wait (${formatMs(failure.waitMs ?? 0)}) would pass the cleanup deadline. ${why}${id}`
  if (failure.stop === 'attempts-exhausted') return `gave up after ${failure.attempt} attempt(s). ${why}${id}`
  return `${why}${id}`
}
