// Just-in-time runners: register runners with generate-jitconfig, one or a batch, through the
// one retry loop. A JIT mint is not idempotent (each success registers a runner), so after an
// attempt whose outcome we did not see, a 409 for our name is probably our own runner: we look
// it up, delete it if it never connected, and register it again. A batch shares one deadline,
// one retry budget and one limit on requests in flight, and is all or nothing.
import type { Config, JitInputs } from './inputs.js'
import { MAX_RUNNER_NAME, NAME_SUFFIX_LENGTH } from './inputs.js'
import { type ApiResponse, NetworkError, send } from './github.js'
import { type Outcome, PERMANENT_NETWORK_CODES, decide } from './policy.js'
import { type AttemptRecord, type AttemptResult, type Clock, RetryError, retry, systemClock } from './retry.js'
import { ConcurrencyLimiter, SharedRetryBudget, type Signal } from './limiter.js'
import { explainFailure, explainGiveUp } from './explain.js'
import { MintError, failureLine, responseOutcome, scopePath } from './mint.js'

export interface JitRunner {
  id: number
  name: string
  encodedJitConfig: string
}

/** A runner this step may have registered: the id once GitHub told us, else only the name. */
export interface RunnerRef {
  id?: number
  name: string
}

export interface JitDeps {
  clock?: Clock
  random?: () => number
  log?: (line: string) => void
  /** Called with every encoded_jit_config the moment it arrives, before anything else sees it. */
  mask?: (secret: string) => void
  /** Called whenever the set of runners this step may have registered changes. */
  onRegistered?: (runners: RunnerRef[]) => void
  /** Every attempt at registering a runner, for the step summary. */
  onAttempt?: (record: AttemptRecord & { runner: string; detail?: string }) => void
  /** Where the batch's limiter and budget stand at the end, for the log and the benchmark. */
  onStats?: (stats: BatchStats) => void
}

export interface BatchStats {
  requests: number
  attempts: number
  retriesGranted: number
  retriesRefused: number
  lowestLimit: number
  highestLimit: number
}

export interface MintedRunners {
  runners: JitRunner[]
  /** Attempts at generate-jitconfig, all runners together. */
  attempts: number
}

/** Requests in flight at the start of a batch, and the most ever (GitHub allows 100 per token). */
export const INITIAL_IN_FLIGHT = 4
export const MAX_IN_FLIGHT = 16
/** How long the rollback of a failed batch and the post step's cleanup may take at most. */
export const CLEANUP_TIMEOUT_MS = 60_000

const SUFFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

/**
 * The names to register: `runner-name` itself for one runner; otherwise a prefix (`runner-name`,
 * or `jit-RUNID-ATTEMPT` in a workflow) plus "-" and a random suffix, distinct within the batch.
 */
export function runnerNames(
  jit: Pick<JitInputs, 'runnerName' | 'count'>,
  env: Record<string, string | undefined>,
  random: () => number,
): string[] {
  if (jit.count === 1 && jit.runnerName) return [jit.runnerName]
  const runId = /^\d+$/.test(env.GITHUB_RUN_ID ?? '') ? env.GITHUB_RUN_ID : undefined
  const attempt = /^\d+$/.test(env.GITHUB_RUN_ATTEMPT ?? '') ? env.GITHUB_RUN_ATTEMPT : undefined
  const generated = ['jit', runId, runId && attempt].filter(Boolean).join('-')
  const prefix = (jit.runnerName ?? generated).slice(0, MAX_RUNNER_NAME - 1 - NAME_SUFFIX_LENGTH)
  const names = new Set<string>()
  while (names.size < jit.count) {
    let suffix = ''
    for (let i = 0; i < NAME_SUFFIX_LENGTH; i++) suffix += SUFFIX_ALPHABET[Math.floor(random() * SUFFIX_ALPHABET.length)]
    names.add(`${prefix}-${suffix}`)
  }
  return [...names]
}

/** The documented request body of generate-jitconfig. */
export function jitBody(name: string, jit: JitInputs): { name: string; runner_group_id: number; labels: string[]; work_folder: string } {
  return { name, runner_group_id: jit.runnerGroupId, labels: jit.labels, work_folder: jit.workFolder }
}

interface ListedRunner {
  id: number
  name: string
  status: string
  busy: boolean
  labels: { name: string }[]
}

/** A runner object as GitHub describes it (the fields we rely on). */
function asRunner(value: unknown): ListedRunner | undefined {
  const r = (value ?? {}) as Record<string, unknown>
  if (!Number.isSafeInteger(r.id) || (r.id as number) <= 0 || typeof r.name !== 'string' || !r.name) return undefined
  if (typeof r.status !== 'string' || typeof r.busy !== 'boolean' || !Array.isArray(r.labels)) return undefined
  const labels = r.labels.filter((l): l is { name: string } => typeof (l as { name?: unknown })?.name === 'string')
  return { id: r.id as number, name: r.name, status: r.status, busy: r.busy, labels }
}

/** The 201 body of generate-jitconfig: `{runner: {id, name, ...}, encoded_jit_config}`. */
export function parseJitBody(body: string): JitRunner | undefined {
  let parsed: Record<string, unknown>
  try {
    parsed = (JSON.parse(body) ?? {}) as Record<string, unknown>
  } catch {
    return undefined
  }
  const runner = asRunner(parsed.runner)
  const config = parsed.encoded_jit_config
  if (!runner || typeof config !== 'string' || !config) return undefined
  return { id: runner.id, name: runner.name, encodedJitConfig: config }
}

function parseRunnerList(body: string): ListedRunner[] | undefined {
  try {
    const runners = (JSON.parse(body) as { runners?: unknown })?.runners
    if (!Array.isArray(runners)) return undefined
    const parsed = runners.map(asRunner)
    return parsed.every(Boolean) ? (parsed as ListedRunner[]) : undefined
  } catch {
    return undefined
  }
}

/** A runner that never connected: no host holds it, so deleting it harms no one. */
export function neverConnected(runner: { status: string; busy: boolean }): boolean {
  return runner.status === 'offline' && !runner.busy
}

/** Whether a listed runner carries every label we asked for (the read-only ones GitHub adds aside). */
function hasLabels(runner: ListedRunner, labels: string[]): boolean {
  const have = new Set(runner.labels.map((l) => l.name.toLowerCase()))
  return labels.every((label) => have.has(label.toLowerCase()))
}

// Network failures where the request never reached GitHub (besides the permanent ones, which
// all fail before sending); after any other, it may have.
const NOT_SENT = /^(ECONNREFUSED|EAI_AGAIN|EDEADLINE|EPROXY|ERR_TLS_)/

function unknownOutcome(outcome: Outcome): boolean {
  if (outcome.kind === 'network') return !PERMANENT_NETWORK_CODES.test(outcome.code) && !NOT_SENT.test(outcome.code)
  return outcome.status >= 500 || (outcome.status >= 200 && outcome.status < 300)
}

/**
 * What an answer tells the limiter: strain (5xx, 429, rate limit, timeouts), success, or nothing.
 * `rateLimited` is the policy's verdict on a 403 or 429: GitHub wants a retry later.
 */
function signalOf(result: { value?: ApiResponse; error?: unknown }, rateLimited: boolean): Signal {
  if (result.error !== undefined) {
    const code = result.error instanceof NetworkError ? result.error.code : ''
    return /^(ETIMEDOUT|ECONNRESET|EPIPE|UND_ERR_SOCKET)$/.test(code) ? 'overload' : 'neutral'
  }
  const { status } = result.value!
  if (status >= 200 && status < 300) return 'success'
  if (status >= 500 || status === 429) return 'overload'
  if (status === 403) return rateLimited ? 'overload' : 'neutral'
  return 'neutral'
}

class BatchAborted extends Error {}

/** What the runners of one step share: the API, the limiter, the budget, the deadline, the record. */
class Session {
  readonly clock: Clock
  readonly random: () => number
  readonly log: (line: string) => void
  readonly base: string
  readonly registered = new Map<string, RunnerRef>()
  requests = 0
  attempts = 0
  aborted = false

  constructor(
    readonly config: Config,
    readonly deps: JitDeps,
    readonly limiter: ConcurrencyLimiter,
  ) {
    this.clock = deps.clock ?? systemClock
    this.random = deps.random ?? Math.random
    this.log = deps.log ?? (() => {})
    this.base = `${config.apiUrl}${scopePath(config.scope)}/actions/runners`
  }

  /** One request in a limiter slot, cut short so it cannot outlive `deadlineMs`. */
  async request(
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    timeoutMs: number,
    deadlineMs: number,
    body?: unknown,
    /** Part of a batch's minting: not sent once the batch has failed (it may have waited for a slot). */
    abortable = false,
  ): Promise<ApiResponse> {
    return this.limiter.run(
      async () => {
        if (abortable && this.aborted) throw new BatchAborted()
        const left = Math.min(timeoutMs, deadlineMs - this.clock.now())
        if (left <= 0) throw new NetworkError('EDEADLINE', 'the deadline passed while waiting for a free request slot')
        this.requests++
        return send({ method, url, token: this.config.githubToken, body, timeoutMs: left })
      },
      (result) => {
        let rateLimited = false
        if (result.value && (result.value.status === 429 || result.value.status === 403)) {
          const decision = decide(responseOutcome(result.value), this.clock.wallNow())
          if (decision.action === 'retry') {
            rateLimited = true
            // A wait GitHub asked for holds the whole batch, not just the runner that was told.
            this.limiter.pauseUntil(this.clock.now() + (decision.askedMs ?? decision.minimumMs ?? 0))
          }
        }
        return signalOf(result, rateLimited)
      },
    )
  }

  track(name: string, ref: RunnerRef | undefined): void {
    if (ref) this.registered.set(name, ref)
    else this.registered.delete(name)
    this.deps.onRegistered?.([...this.registered.values()])
  }

  retryOptions(deadlineMs: number) {
    return { ...this.config, deadlineMs, clock: this.clock, random: this.random }
  }
}

/** Turns a thrown NetworkError into an outcome; anything else is a bug and propagates. */
function networkOutcome(error: unknown): { outcome: Outcome; detail: string } {
  if (!(error instanceof NetworkError)) throw error
  return { outcome: { kind: 'network', code: error.code }, detail: error.message }
}

/** Registers one runner under `name`, retrying through the shared budget; recovers our own 409s. */
async function mintOne(name: string, session: Session, budget: SharedRetryBudget, deadlineMs: number): Promise<JitRunner> {
  const { config } = session
  const jit = config.jit!
  const body = jitBody(name, jit)
  // True once an attempt may have registered the runner without our seeing the answer.
  let maybeRegistered = false
  // True when a 409 is worth another attempt: our runner is not listed yet, so it cannot be reclaimed yet.
  let retryConflict = false
  let last: { requestId?: string; detail?: string; note?: string } = {}

  const attempt = async (_n: number, timeoutMs: number): Promise<AttemptResult<JitRunner>> => {
    if (session.aborted) throw new BatchAborted()
    session.attempts++
    retryConflict = false
    last = {}
    return register(timeoutMs, true)
  }

  /** One generate-jitconfig request; after our own leftover is deleted, one more straight away. */
  async function register(timeoutMs: number, mayReclaim: boolean): Promise<AttemptResult<JitRunner>> {
    let response: ApiResponse
    try {
      response = await session.request('POST', `${session.base}/generate-jitconfig`, timeoutMs, deadlineMs, body, true)
    } catch (error) {
      const { outcome, detail } = networkOutcome(error)
      last.detail = detail
      if (unknownOutcome(outcome)) noteMaybe()
      return { outcome }
    }
    last.requestId = response.headers['x-github-request-id']
    if (response.status >= 200 && response.status < 300) {
      const runner = parseJitBody(response.body)
      if (!runner) {
        noteMaybe()
        return { outcome: responseOutcome(response, false) }
      }
      // Masked before anything can print it.
      session.deps.mask?.(runner.encodedJitConfig)
      session.track(name, { id: runner.id, name })
      budget.refund()
      return { value: runner, outcome: responseOutcome(response, true) }
    }
    const outcome = responseOutcome(response)
    if (unknownOutcome(outcome)) noteMaybe()
    if (response.status !== 409) return { outcome }
    if (!maybeRegistered) {
      last.note = `The runner name "${name}" is already taken (409) by a runner this step did not register; it was left alone. Choose another "runner-name", or remove that runner.`
      return { outcome }
    }
    if (!mayReclaim) return { outcome }
    const reclaimed = await reclaim(timeoutMs, outcome)
    return reclaimed === 'deleted' ? register(timeoutMs, false) : reclaimed
  }

  function noteMaybe(): void {
    maybeRegistered = true
    if (!session.registered.get(name)?.id) session.track(name, { name })
  }

  /** After a 409 that may be our own doing: find the runner, and delete it if it is ours. */
  async function reclaim(timeoutMs: number, conflict: Outcome): Promise<AttemptResult<JitRunner> | 'deleted'> {
    let found: ListedRunner | undefined
    try {
      const listed = await session.request(
        'GET',
        `${session.base}?name=${encodeURIComponent(name)}`,
        timeoutMs,
        deadlineMs,
        undefined,
        true,
      )
      last.requestId = listed.headers['x-github-request-id']
      if (listed.status !== 200) return { outcome: responseOutcome(listed) }
      const runners = parseRunnerList(listed.body)
      if (!runners) return { outcome: responseOutcome(listed, false) }
      found = runners.find((r) => r.name.toLowerCase() === name.toLowerCase())
    } catch (error) {
      const { outcome, detail } = networkOutcome(error)
      last.detail = detail
      return { outcome }
    }
    if (!found) {
      // The name is taken but not listed yet: ask again after a wait.
      session.log(`Runner "${name}": GitHub answered 409 but lists no runner of that name yet; asking again.`)
      retryConflict = true
      return { outcome: conflict }
    }
    if (!neverConnected(found) || !hasLabels(found, jit.labels)) {
      const why = neverConnected(found) ? 'it has other labels' : found.busy ? 'it is busy' : `it is ${found.status}`
      last.note = `The runner name "${name}" is taken (409) by runner ${found.id}, which this step cannot be sure it registered (${why}); it was left alone. Choose another "runner-name", or remove that runner.`
      return { outcome: conflict }
    }
    session.log(
      `Runner "${name}" (id ${found.id}) was registered by an attempt whose answer was lost; deleting it and registering it again.`,
    )
    try {
      const deleted = await session.request('DELETE', `${session.base}/${found.id}`, timeoutMs, deadlineMs, undefined, true)
      last.requestId = deleted.headers['x-github-request-id']
      if (deleted.status !== 204 && deleted.status !== 404) return { outcome: responseOutcome(deleted) }
    } catch (error) {
      const { outcome, detail } = networkOutcome(error)
      last.detail = detail
      return { outcome }
    }
    return 'deleted'
  }

  try {
    const { value } = await retry(attempt, {
      ...session.retryOptions(deadlineMs),
      // In a batch the shared rounds bound the retries: a runner that happened to draw short
      // waits must not run out on its own and sink the whole batch while the others still wait.
      maxAttempts: config.jit!.count > 1 ? Infinity : config.maxAttempts,
      budget,
      decide: (outcome, now, earlier401s) => (retryConflict ? { action: 'retry', why: 'backoff' } : decide(outcome, now, earlier401s)),
      onFailure: (failure) => session.log(`Runner "${name}": ${failureLine(failure, last.requestId, last.detail)}`),
      onAttempt: (record) => session.deps.onAttempt?.({ ...record, runner: name, detail: last.detail }),
    })
    return value
  } catch (error) {
    if (!(error instanceof RetryError)) throw error
    const why = last.note ?? jitExplanation(error.failure.outcome, config, last.detail)
    throw new Error(`Runner "${name}": ${explainGiveUp(error, why, config.timeoutMs, last.requestId)}`, { cause: error })
  }
}

function jitExplanation(outcome: Outcome, config: Config, detail?: string): string {
  if (outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300) {
    return `GitHub answered ${outcome.status} but not with the documented {runner, encoded_jit_config} body.`
  }
  if (outcome.kind === 'response' && outcome.status === 422) {
    const said = outcome.message ? ` GitHub said: "${outcome.message}".` : ''
    return `GitHub could not process the runner (422): check "labels", "runner-group-id" and "work-folder", and that self-hosted runners are allowed here.${said}`
  }
  return explainFailure(outcome, config.scope, detail)
}

/**
 * Registers `config.jit.count` runners. All or nothing: if one cannot be registered before the
 * deadline, the others stop, every runner this step registered is deleted, and it throws.
 */
export async function mintRunners(config: Config, env: Record<string, string | undefined>, deps: JitDeps = {}): Promise<MintedRunners> {
  const jit = config.jit!
  const clock = deps.clock ?? systemClock
  const limiter = new ConcurrencyLimiter({
    initial: Math.min(jit.count, INITIAL_IN_FLIGHT),
    max: Math.min(jit.count, MAX_IN_FLIGHT),
    clock,
  })
  const session = new Session(config, deps, limiter)
  const budget = new SharedRetryBudget(config.maxAttempts - 1, { clock: session.clock, backoff: config })
  const deadlineMs = session.clock.now() + config.timeoutMs
  const names = runnerNames(jit, env, session.random)
  const stats = (): BatchStats => ({
    requests: session.requests,
    attempts: session.attempts,
    retriesGranted: budget.granted,
    retriesRefused: budget.refused,
    lowestLimit: limiter.lowest,
    highestLimit: limiter.highest,
  })

  let firstError: Error | undefined
  const results = await Promise.allSettled(
    names.map((name) =>
      mintOne(name, session, budget, deadlineMs).catch((error: unknown) => {
        // The first real failure stops the batch; the others stop at their next attempt.
        if (!(error instanceof BatchAborted) && !firstError) firstError = error as Error
        session.aborted = true
        // Requests held back by a rate-limit pause would only be given up: let them notice now.
        limiter.resume()
        throw error
      }),
    ),
  )
  if (!firstError) {
    deps.onStats?.(stats())
    return { runners: results.map((r) => (r as PromiseFulfilledResult<JitRunner>).value), attempts: session.attempts }
  }
  const failed = results.filter((r) => r.status === 'rejected' && !(r.reason instanceof BatchAborted)).length
  const leftovers = [...session.registered.values()]
  let rollback = ''
  if (leftovers.length) {
    session.log(`Deleting the ${leftovers.length} runner(s) this step registered, since the batch failed.`)
    const removal = await removeRunners(config, leftovers, 'rollback', { ...deps, limiter, session })
    for (const ref of [...removal.deleted, ...removal.gone]) session.track(ref.name, undefined)
    rollback = removal.failed.length
      ? ` ${removal.failed.length} of the ${leftovers.length} runner(s) this step registered could not be deleted (the post step tries again): ${removal.failed.map((r) => r.name).join(', ')}.`
      : ` The ${leftovers.length} runner(s) this step registered were deleted.`
  }
  deps.onStats?.(stats())
  const intro = jit.count > 1 ? `${failed} of ${jit.count} runners could not be registered. ` : ''
  throw new MintError(`${intro}${firstError.message}${rollback}`, session.attempts)
}

export interface Removal {
  deleted: RunnerRef[]
  /** Already gone (an ephemeral runner that finished, or deleted by someone else). */
  gone: RunnerRef[]
  /** Left alone: online or busy. */
  spared: RunnerRef[]
  failed: { name: string; id?: number; error: string }[]
}

/**
 * Deletes runners this step registered. 'rollback': they were never handed out, delete them.
 * 'post': only those that never connected (offline and not busy); never an online or busy one.
 * A ref without an id is looked up by name and deleted only if it never connected and is ours.
 */
export async function removeRunners(
  config: Config,
  refs: RunnerRef[],
  mode: 'rollback' | 'post',
  deps: JitDeps & { limiter?: ConcurrencyLimiter; session?: Session } = {},
): Promise<Removal> {
  const limiter =
    deps.limiter ?? new ConcurrencyLimiter({ initial: INITIAL_IN_FLIGHT, max: MAX_IN_FLIGHT, clock: deps.clock ?? systemClock })
  const session = deps.session ?? new Session(config, deps, limiter)
  const deadlineMs = session.clock.now() + Math.min(config.timeoutMs, CLEANUP_TIMEOUT_MS)
  const labels = config.jit?.labels ?? []
  const removal: Removal = { deleted: [], gone: [], spared: [], failed: [] }

  await Promise.all(
    refs.map(async (ref) => {
      let last: { requestId?: string; detail?: string } = {}
      const call = async (method: 'GET' | 'DELETE', url: string, timeoutMs: number): Promise<ApiResponse | Outcome> => {
        try {
          const response = await session.request(method, url, timeoutMs, deadlineMs)
          last.requestId = response.headers['x-github-request-id']
          return response
        } catch (error) {
          const { outcome, detail } = networkOutcome(error)
          last.detail = detail
          return outcome
        }
      }
      const isOutcome = (value: ApiResponse | Outcome): value is Outcome => 'kind' in value
      type Verdict = 'deleted' | 'gone' | 'spared'
      const done = (verdict: Verdict): AttemptResult<Verdict> => ({
        value: verdict,
        outcome: { kind: 'response', status: 200, headers: {} },
      })

      const attempt = async (_n: number, timeoutMs: number): Promise<AttemptResult<Verdict>> => {
        last = {}
        let id = ref.id
        if (mode === 'post' || id === undefined) {
          // Look before deleting: never delete a runner a host is using.
          const url = id === undefined ? `${session.base}?name=${encodeURIComponent(ref.name)}` : `${session.base}/${id}`
          const looked = await call('GET', url, timeoutMs)
          if (isOutcome(looked)) return { outcome: looked }
          if (looked.status === 404 && id !== undefined) return done('gone')
          if (looked.status !== 200) return { outcome: responseOutcome(looked) }
          let runner: ListedRunner | undefined
          if (id === undefined) {
            const listed = parseRunnerList(looked.body)
            if (!listed) return { outcome: responseOutcome(looked, false) }
            runner = listed.find((r) => r.name.toLowerCase() === ref.name.toLowerCase())
            if (!runner) return done('gone')
            if (!hasLabels(runner, labels)) return done('spared')
          } else {
            runner = asRunner(safeJson(looked.body))
            if (!runner) return { outcome: responseOutcome(looked, false) }
          }
          if (!neverConnected(runner)) return done('spared')
          id = runner.id
        }
        const deleted = await call('DELETE', `${session.base}/${id}`, timeoutMs)
        if (isOutcome(deleted)) return { outcome: deleted }
        if (deleted.status === 204) return done('deleted')
        if (deleted.status === 404) return done('gone')
        // 422: it became busy between our look and the delete; it is in use, leave it.
        if (deleted.status === 422) return done('spared')
        return { outcome: responseOutcome(deleted) }
      }

      try {
        const { value } = await retry(attempt, {
          ...session.retryOptions(deadlineMs),
          onFailure: (failure) => session.log(`Removing runner "${ref.name}": ${failureLine(failure, last.requestId, last.detail)}`),
        })
        removal[value].push(ref)
      } catch (error) {
        if (!(error instanceof RetryError)) throw error
        const why = explainFailure(error.failure.outcome, config.scope, last.detail)
        removal.failed.push({ ...ref, error: why })
      }
    }),
  )
  return removal
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
