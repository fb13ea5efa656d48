// A stand-in for GitHub's REST API on loopback: it mints runner tokens the way GitHub does, keeps
// a registry of runners (generate-jitconfig, list by name, get, delete), and plays the faults a
// test scripts (gateway errors, rate limits, hangs, resets). Used by the scenario tests, the demo
// and the benchmark. Request and response shapes follow GitHub's API description
// (github-openapi-runners.json).
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { randomBytes } from 'node:crypto'
import { GitHubContract, onAnswerSent } from './github-contract.js'
import type { StandInApp } from './github-app.js'

export interface RecordedRequest {
  method: string
  path: string
  headers: http.IncomingHttpHeaders
  body: string
  /** When the request arrived (epoch ms). */
  at: number
  /** The status answered and when it was sent; unset until the answer is finished. */
  status?: number
  answeredAt?: number
}

/** What the stand-in does with one request. Without a scripted fault it answers like GitHub. */
export type Fault = (
  | {
      status: number
      headers?: Record<string, string>
      body?: unknown
      /**
       * The credential the request carried (its Authorization header, less the scheme) is put at
       * the end of the answer's `message`, as a careless server, proxy or appliance echoes it.
       */
      echoCredential?: boolean
    }
  | { hang: true }
  | { reset: true }
  /** Sends the headers of a 201, then the body one byte every `everyMs`. */
  | { trickle: true; everyMs: number }
  /** Sends the headers of a 201, then closes the connection. */
  | { closeAfterHeaders: true }
  | { handle: (req: http.IncomingMessage, res: http.ServerResponse) => void }
  /** Answers normally (a placeholder, to script a fault for a later request). */
  | { pass: true }
  /**
   * Does the work as GitHub would (a runner gets registered), but the answer is lost: the
   * connection resets, hangs, or a gateway status replaces it. An outcome the client cannot see.
   */
  | { dropAnswer: 'reset' | 'hang' | number }
  /** Does the work at once (a runner gets registered on arrival) but answers only after `ms`. */
  | { lateAnswer: number }
  /**
   * Calls `act` as the request arrives ('arrival', before GitHub does anything) or once GitHub
   * did the work ('effect'), then answers `holdMs` later if the client still waits. A client gone
   * by then gets nothing, and after 'arrival' nothing is done. With 'answer', answers at once and
   * calls `act` once the answer is sent. The fault-point simulation signals a process here, at an
   * exact point of its run.
   */
  | { act: () => void; at: 'arrival' | 'effect' | 'answer'; holdMs: number }
) & {
  /** Plays only for requests of this method; requests of other methods pass it by. */
  method?: 'GET' | 'POST' | 'DELETE'
  /**
   * Why this answer is deliberately not what GitHub documents (a gateway's HTML page, a hostile
   * body): the contract check skips it. Every other answer must match GitHub's description.
   */
  offContract?: string
}

/** A runner in the stand-in's registry, as GitHub describes one. */
export interface StandInRunner {
  id: number
  runner_group_id: number
  name: string
  os: string
  status: 'online' | 'offline'
  busy: boolean
  labels: { id: number; name: string; type: 'read-only' | 'custom' }[]
  ephemeral: boolean
}

/** A runner group as GitHub lists one (organization or enterprise). */
export interface StandInRunnerGroup {
  id: number
  name: string
  visibility: 'all' | 'selected' | 'private'
  default: boolean
  runners_url: string
  /** Organizations only: the group is the enterprise's, shared with the organization. */
  inherited?: boolean
  allows_public_repositories: boolean
}

/** The token's primary rate limit, as GET /rate_limit reports it under resources.core. */
export interface StandInRateLimit {
  limit: number
  remaining: number
  /** Epoch seconds; when it passes, remaining goes back to limit for another hour. */
  reset: number
}

interface Answer {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

export interface StandInOptions {
  /**
   * The only token GitHub accepts (besides an `app`'s installation tokens); other tokens get 401.
   * Undefined accepts any token, unless there is an `app`.
   */
  acceptToken?: string
  /**
   * A GitHub App (github-app.ts): the stand-in serves its endpoints, and the runner endpoints
   * accept the installation tokens it issued, each only for what it was narrowed to.
   */
  app?: StandInApp
  /** Path prefix of the API, as on GHES (`/api/v3`). */
  prefix?: string
  /** The loopback address to listen on (default 127.0.0.1). */
  host?: string
  /** Serve HTTPS with this key and certificate (test/fixtures/tls) instead of plain HTTP. */
  tls?: { key: string | Buffer; cert: string | Buffer }
  /**
   * The host name in the URL start() returns, when it is not the address listened on: a name
   * that only a test's proxy resolves (http-client never sends a loopback host to a proxy).
   */
  urlHost?: string
  /**
   * Capacity, as the real API has under a burst: at most this many requests in flight; every
   * other request gets an immediate 502. Undefined means unlimited.
   */
  maxInFlight?: number
  /** How long each admitted request takes before it is answered. */
  latencyMs?: number
  /** Called as each request is recorded (before it is held or answered). */
  onRequest?: (request: RecordedRequest) => void
  /**
   * Play GitHub Enterprise Server of this version ("3.9.2"): every answer carries
   * X-GitHub-Enterprise-Version, and before 3.10 generate-jitconfig does not exist (404).
   */
  enterpriseVersion?: string
  /**
   * GitHub's secondary rate limit per endpoint, enforced: within any `windowMs` (sliding, on
   * arrival), at most `points` points per endpoint (the path with numeric segments as one, any
   * method), a GET costing 1 and any other method 5. A request beyond it gets GitHub's 403
   * "secondary rate limit" with `retry-after` of the window in seconds, and costs nothing.
   * GitHub's figures are 900 points a minute; tests scale the window down.
   */
  secondaryLimit?: { points: number; windowMs: number }
}

const TOKEN_PATH =
  /^\/(repositories\/\d+|repos\/[^/]+\/[^/]+|orgs\/[^/]+|enterprises\/[^/]+)\/actions\/runners\/(registration-token|remove-token)$/
const GROUPS_PATH = /^\/(orgs\/[^/]+|enterprises\/[^/]+)\/actions\/runner-groups$/
const RUNNERS_PATH =
  /^\/(repositories\/\d+|repos\/[^/]+\/[^/]+|orgs\/[^/]+|enterprises\/[^/]+)\/actions\/runners(?:\/(generate-jitconfig|\d+))?$/
// Labels GitHub marks read-only: the ones the runner itself reports.
const READ_ONLY_LABELS = new Set(['self-hosted', 'x64', 'arm64', 'arm', 'linux', 'windows', 'macos'])
const DOCS = 'https://docs.github.com/rest/actions/self-hosted-runners'
const NOT_FOUND: Answer = { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' } }

export class GitHubStandIn {
  readonly requests: RecordedRequest[] = []
  /** Faults to play, in order, one per request; once empty the stand-in answers normally. */
  readonly faults: Fault[] = []
  /** Every token and encoded_jit_config this stand-in minted, for leak checks. */
  readonly minted: string[] = []
  /** The runner registry, per scope path ("/repos/o/r", "/orgs/o", ...). */
  readonly registry = new Map<string, StandInRunner[]>()
  /** Runner groups per scope path ("/orgs/o", "/enterprises/e"); a scope not here has only "Default" (id 1). */
  readonly runnerGroups = new Map<string, StandInRunnerGroup[]>()
  /**
   * The primary rate limit every request with a token spends (GET /rate_limit aside); at 0 they
   * get GitHub's 403. Undefined: a fresh 5,000 an hour from the next request. 'disabled': GHES with
   * rate limiting off, where GET /rate_limit answers 404.
   */
  rateLimit: StandInRateLimit | 'disabled' | undefined
  private nextRunnerId = 1000
  private nextLabelId = 1
  private readonly server: http.Server | https.Server
  private readonly sockets = new Set<import('node:net').Socket>()
  private requestCount = 0
  private inFlight = 0
  /** The most admitted requests that were ever in flight at once. */
  peakInFlight = 0
  /** Requests turned away with a 502 because the stand-in was at capacity. */
  rejected = 0
  /** Requests refused by the secondary rate limit (`secondaryLimit`). */
  secondaryRefusals = 0
  /** Points spent per endpoint for `secondaryLimit`: when, and how many. */
  private readonly pointsSpent = new Map<string, { at: number; points: number }[]>()
  /** Until this time (epoch ms) every request gets an immediate 502: a brownout. See `brownout()`. */
  unavailableUntil = 0
  /** Requests waiting for `hold()` to be released, in arrival order; undefined when not held. */
  private held: (() => void)[] | undefined
  /**
   * How long a new runner stays out of listings (`GET .../runners`), as when GitHub's listing lags
   * behind a registration. GET and DELETE by id see it at once.
   */
  listingLagMs = 0
  /** Listings ignore `?name=` and list every runner (page by page), as a server without that filter would. */
  ignoresNameFilter = false
  /**
   * Called before each page of a listing is read, with how many listing requests came before it
   * (0 for the first): a test changes runners over time here (hosts connect, jobs end, someone
   * else deletes a runner between two pages).
   */
  beforeListing: ((earlier: number) => void) | undefined
  private listings = 0
  private readonly registeredAt = new Map<number, number>()
  private readonly arrivals: { count: number; match: (r: RecordedRequest) => boolean; resolve: () => void }[] = []
  /**
   * Where a request or an answer departed from GitHub's API description (test/fixtures). close()
   * fails when there are any, so every test that uses a stand-in checks the contract.
   */
  readonly contractViolations: string[] = []
  private readonly offContractAnswers = new WeakSet<http.ServerResponse>()

  constructor(readonly options: StandInOptions = {}) {
    everyStandIn.add(this)
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => this.onRequest(req, res)
    this.server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler)
    this.server.on('connection', (socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
  }

  async start(port = 0): Promise<string> {
    const host = this.options.host ?? '127.0.0.1'
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, host, () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    const { port: bound } = this.server.address() as AddressInfo
    const name = this.options.urlHost ?? (host.includes(':') ? `[${host}]` : host)
    return `${this.options.tls ? 'https' : 'http'}://${name}:${bound}${this.options.prefix ?? ''}`
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
    if (this.contractViolations.length) {
      throw new Error(`GitHub's API description does not allow:\n- ${this.contractViolations.join('\n- ')}`)
    }
  }

  /** Checks a request against GitHub's description, and its answer once sent in full. */
  private checkContract(record: RecordedRequest, res: http.ServerResponse): void {
    const prefix = this.options.prefix ?? ''
    if (!record.path.startsWith(`${prefix}/`)) {
      this.contractViolations.push(`${record.method} ${record.path}: outside the API at ${prefix || '/'}`)
      return
    }
    const { operation, violations } = contract().checkRequest({ ...record, url: record.path.slice(prefix.length) })
    this.contractViolations.push(...violations)
    if (!operation) return
    onAnswerSent(res, (answer) => {
      if (!this.offContractAnswers.has(res)) this.contractViolations.push(...contract().checkAnswer(operation, answer))
    })
  }

  /**
   * Holds every request from now on (they are recorded, not answered) until the returned function
   * is called; then they are handled in arrival order, as if they had all arrived at that moment.
   * The benchmark uses it to make a burst of clients hit the API at the same instant.
   */
  hold(): () => void {
    const held: (() => void)[] = (this.held = [])
    return () => {
      if (this.held === held) this.held = undefined
      for (const handle of held) handle()
    }
  }

  /** Resolves once `count` requests that `match` have arrived (counting those already recorded). */
  whenRequests(count: number, match: (request: RecordedRequest) => boolean = () => true): Promise<void> {
    return new Promise((resolve) => {
      this.arrivals.push({ count, match, resolve })
      this.checkArrivals()
    })
  }

  private checkArrivals(): void {
    for (const waiter of [...this.arrivals]) {
      if (this.requests.filter(waiter.match).length < waiter.count) continue
      this.arrivals.splice(this.arrivals.indexOf(waiter), 1)
      waiter.resolve()
    }
  }

  /** For `durationMs` from now every request gets an immediate 502, as in a brownout; then it recovers. */
  brownout(durationMs: number): void {
    this.unavailableUntil = Date.now() + durationMs
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        at: Date.now(),
      }
      this.requests.push(recorded)
      this.checkContract(recorded, res)
      res.on('finish', () => {
        recorded.status = res.statusCode
        recorded.answeredAt = Date.now()
      })
      this.options.onRequest?.(recorded)
      this.checkArrivals()
      if (this.held) return void this.held.push(() => this.handle(req, res, recorded.body))
      this.handle(req, res, recorded.body)
    })
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const index = this.faults.findIndex((f) => f.method === undefined || f.method === req.method)
    const fault = index < 0 ? undefined : this.faults.splice(index, 1)[0]
    if (fault && !('pass' in fault)) return this.play(fault, req, res, body)
    if (Date.now() < this.unavailableUntil) {
      this.offContractAnswers.add(res) // a gateway's page, as GitHub's front end sends in a brownout
      return this.send(res, 502, '<html><body><h1>502 Bad Gateway</h1></body></html>', { 'content-type': 'text/html' })
    }
    if (this.overSecondaryLimit(req)) {
      this.secondaryRefusals++
      const windowS = Math.max(1, Math.ceil(this.options.secondaryLimit!.windowMs / 1000))
      return this.send(
        res,
        403,
        {
          message:
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.',
          documentation_url: 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits',
          status: '403',
        },
        { 'retry-after': String(windowS) },
      )
    }
    const { maxInFlight, latencyMs = 0 } = this.options
    if (maxInFlight !== undefined && this.inFlight >= maxInFlight) {
      this.rejected++
      this.offContractAnswers.add(res) // an overloaded gateway's page, as GitHub's front end sends
      return this.send(res, 502, '<html><body><h1>502 Bad Gateway</h1></body></html>', { 'content-type': 'text/html' })
    }
    this.peakInFlight = Math.max(this.peakInFlight, ++this.inFlight)
    setTimeout(() => {
      this.inFlight--
      if (!res.destroyed) this.answer(req, res, body)
    }, latencyMs)
  }

  /** Forgets the points spent and the refusals counted (the hooks call it before each test). */
  resetSecondaryLimit(): void {
    this.pointsSpent.clear()
    this.secondaryRefusals = 0
  }

  /** Spends the request's points on its endpoint, unless that would pass `secondaryLimit` (then true). */
  private overSecondaryLimit(req: http.IncomingMessage): boolean {
    const limit = this.options.secondaryLimit
    if (!limit) return false
    const path = new URL(req.url ?? '/', 'http://stand-in').pathname
    if (path.endsWith('/rate_limit')) return false // GitHub: GET /rate_limit costs nothing
    const endpoint = path.replace(/\/\d+(?=\/|$)/g, '/{id}')
    const now = Date.now()
    const spent = (this.pointsSpent.get(endpoint) ?? []).filter((s) => s.at > now - limit.windowMs)
    const points = req.method === 'GET' ? 1 : 5
    const used = spent.reduce((sum, s) => sum + s.points, 0)
    if (used + points > limit.points) {
      this.pointsSpent.set(endpoint, spent)
      return true
    }
    spent.push({ at: now, points })
    this.pointsSpent.set(endpoint, spent)
    return false
  }

  private requestId(): string {
    return `STAND-IN:${(++this.requestCount).toString(16).toUpperCase().padStart(4, '0')}`
  }

  /** What every answer carries: a request id, the date on GitHub's clock, and on GHES the server's version. */
  private commonHeaders(): Record<string, string> {
    const { enterpriseVersion } = this.options
    return {
      'x-github-request-id': this.requestId(),
      // GitHub's clock, as a skewed App's JWT checks see it (Node would send this machine's).
      date: new Date(this.options.app?.now() ?? Date.now()).toUTCString(),
      ...(enterpriseVersion ? { 'x-github-enterprise-version': enterpriseVersion } : {}),
    }
  }

  private send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (body === undefined) {
      res.writeHead(status, { ...this.commonHeaders(), ...headers })
      return void res.end()
    }
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...this.commonHeaders(), ...headers })
    res.end(text)
  }

  private play(fault: Fault, req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    if (fault.offContract) this.offContractAnswers.add(res)
    if ('status' in fault) {
      const body = (fault.body ?? { message: http.STATUS_CODES[fault.status] ?? 'Error' }) as Record<string, unknown>
      if (!fault.echoCredential) return this.send(res, fault.status, body, fault.headers)
      const credential = (req.headers.authorization ?? '').replace(/^\S+ /, '')
      return this.send(
        res,
        fault.status,
        { ...body, message: `${String(body.message)} (credential received: ${credential})` },
        fault.headers,
      )
    }
    if ('hang' in fault) return // never answer; close() destroys the socket
    if ('reset' in fault) return void req.socket.destroy()
    if ('handle' in fault) return fault.handle(req, res)
    if ('lateAnswer' in fault) {
      const { status, body: answer, headers } = this.route(req, body)
      // Unref'd: a late answer nobody waits for any more must not keep the test process alive.
      return void setTimeout(() => {
        if (!res.destroyed) this.send(res, status, answer, headers)
      }, fault.lateAnswer).unref()
    }
    if ('dropAnswer' in fault) {
      this.route(req, body)
      if (fault.dropAnswer === 'reset') return void req.socket.destroy()
      if (fault.dropAnswer === 'hang') return
      this.offContractAnswers.add(res) // a gateway's page in place of GitHub's answer
      return this.send(res, fault.dropAnswer, '<html><body><h1>Gateway error</h1></body></html>', { 'content-type': 'text/html' })
    }
    if ('pass' in fault) return
    if ('act' in fault) {
      const gone = (): boolean => res.destroyed || req.socket.destroyed
      if (fault.at === 'answer') {
        res.on('finish', fault.act)
        return this.answer(req, res, body)
      }
      const answer = fault.at === 'effect' ? this.route(req, body) : undefined
      fault.act()
      return void setTimeout(() => {
        if (gone()) return
        const { status, body: text, headers } = answer ?? this.route(req, body)
        this.send(res, status, text, headers)
      }, fault.holdMs).unref()
    }
    res.writeHead(201, { 'content-type': 'application/json; charset=utf-8', ...this.commonHeaders() })
    res.flushHeaders()
    if ('closeAfterHeaders' in fault) return void setTimeout(() => req.socket.destroy(), 20)
    const minted = JSON.stringify(this.mint())
    let i = 0
    const timer = setInterval(() => {
      if (res.destroyed || i >= minted.length) {
        clearInterval(timer)
        return void res.end()
      }
      res.write(minted[i++])
    }, fault.everyMs)
  }

  /** GitHub's normal behaviour. */
  private answer(req: http.IncomingMessage, res: http.ServerResponse, requestBody: string): void {
    const { status, body, headers } = this.route(req, requestBody)
    this.send(res, status, body, headers)
  }

  /** What GitHub would do with a request: the side effects happen here, the answer is returned. */
  private route(req: http.IncomingMessage, body: string): Answer {
    const prefix = this.options.prefix ?? ''
    const url = new URL(req.url ?? '/', 'http://stand-in')
    const path = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : ''
    const auth = req.headers.authorization
    const { app, acceptToken } = this.options
    const appAnswer = app?.route(req.method ?? '', path, auth, body)
    if (appAnswer) return appAnswer
    const bearer = auth?.replace(/^Bearer /, '') ?? ''
    if (app?.issued(bearer)) {
      const refused = app.refuse(bearer, path)
      if (refused) return refused
    } else if ((acceptToken !== undefined || app) && auth !== `Bearer ${acceptToken}`) {
      return { status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' } }
    }
    if (req.method === 'GET' && path === '/rate_limit') return this.rateLimitAnswer()
    const limited = this.spend()
    if (limited) return limited
    if (req.method === 'POST' && TOKEN_PATH.test(path)) return { status: 201, body: this.mint() }
    const groups = GROUPS_PATH.exec(path)
    if (groups && req.method === 'GET') return this.listRunnerGroups(`/${groups[1]}`, url.searchParams)
    const runners = RUNNERS_PATH.exec(path)
    if (runners) {
      const [, scope, tail] = runners
      const scopeKey = `/${scope}`
      if (req.method === 'POST' && tail === 'generate-jitconfig') {
        if (this.predatesJit()) return NOT_FOUND
        return this.generateJitConfig(scopeKey, body)
      }
      if (req.method === 'GET' && tail === undefined) return this.listRunners(scopeKey, url, req.headers.host ?? 'stand-in')
      if (tail !== undefined && /^\d+$/.test(tail)) {
        const runner = this.runnersIn(scopeKey).find((r) => r.id === Number(tail))
        if (runner && req.method === 'GET') return { status: 200, body: runner }
        if (runner && req.method === 'DELETE') {
          if (runner.busy) {
            return {
              status: 422,
              body: { message: `Bad request - Runner "${runner.name}" is still running a job"`, documentation_url: DOCS },
            }
          }
          this.registry.set(
            scopeKey,
            this.runnersIn(scopeKey).filter((r) => r !== runner),
          )
          return { status: 204 }
        }
      }
    }
    return NOT_FOUND
  }

  /** GHES before 3.10 has no generate-jitconfig. */
  private predatesJit(): boolean {
    const version = this.options.enterpriseVersion
    if (!version) return false
    const [major, minor] = version.split('.').map(Number)
    return major < 3 || (major === 3 && minor < 10)
  }

  /** The current limit, renewed for another hour once its reset time has passed. */
  private currentLimit(): StandInRateLimit | 'disabled' {
    const now = Math.floor(Date.now() / 1000)
    if (this.rateLimit === undefined) this.rateLimit = { limit: 5000, remaining: 5000, reset: now + 3600 }
    if (this.rateLimit !== 'disabled' && now >= this.rateLimit.reset) {
      this.rateLimit = { ...this.rateLimit, remaining: this.rateLimit.limit, reset: now + 3600 }
    }
    return this.rateLimit
  }

  /** Spends one request of the primary limit; GitHub's 403 when none is left. */
  private spend(): Answer | undefined {
    const limit = this.currentLimit()
    if (limit === 'disabled') return undefined
    if (limit.remaining > 0) {
      limit.remaining--
      return undefined
    }
    return {
      status: 403,
      headers: { 'x-ratelimit-limit': String(limit.limit), 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(limit.reset) },
      body: {
        message: 'API rate limit exceeded for this token.',
        documentation_url: 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api',
      },
    }
  }

  /** GET /rate_limit: free of charge; 404 on GHES with rate limiting disabled. */
  private rateLimitAnswer(): Answer {
    const limit = this.currentLimit()
    if (limit === 'disabled')
      return { status: 404, body: { message: 'Rate limiting is not enabled.', documentation_url: 'https://docs.github.com/rest' } }
    const core = { limit: limit.limit, remaining: limit.remaining, reset: limit.reset, used: limit.limit - limit.remaining }
    const search = { limit: 30, remaining: 30, reset: Math.floor(Date.now() / 1000) + 60, used: 0 }
    return {
      status: 200,
      headers: {
        'x-ratelimit-limit': String(core.limit),
        'x-ratelimit-remaining': String(core.remaining),
        'x-ratelimit-reset': String(core.reset),
      },
      body: { resources: { core, search }, rate: core },
    }
  }

  /** The runner groups of an organization or enterprise, by name; ids are given in order from 1 ("Default"). */
  setRunnerGroups(scope: string, names: (string | { name: string; inherited?: boolean })[]): StandInRunnerGroup[] {
    const enterprise = scope.startsWith('/enterprises/')
    const groups = names.map((entry, i): StandInRunnerGroup => {
      const { name, inherited = false } = typeof entry === 'string' ? { name: entry } : entry
      const id = i + 1
      return {
        id,
        name,
        visibility: id === 1 ? 'all' : 'selected',
        default: id === 1,
        runners_url: `https://api.github.com${scope}/actions/runner-groups/${id}/runners`,
        ...(enterprise ? {} : { inherited }),
        allows_public_repositories: false,
      }
    })
    this.runnerGroups.set(scope, groups)
    return groups
  }

  /** GET .../actions/runner-groups?per_page=&page=: per_page 30 unless given, at most 100. */
  private listRunnerGroups(scope: string, query: URLSearchParams): Answer {
    const groups = this.runnerGroups.get(scope) ?? this.setRunnerGroups(scope, ['Default'])
    const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30) || 30))
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1)
    return { status: 200, body: { total_count: groups.length, runner_groups: groups.slice((page - 1) * perPage, page * perPage) } }
  }

  /** GET .../actions/runners: filtered by `name` (exact, any case), paged by `per_page` and `page` as GitHub pages. */
  private listRunners(scope: string, url: URL, host: string): Answer {
    this.beforeListing?.(this.listings++)
    const name = this.ignoresNameFilter ? null : url.searchParams.get('name')
    const now = Date.now()
    const listed = this.runnersIn(scope).filter(
      (r) =>
        (name === null || r.name.toLowerCase() === name.toLowerCase()) && (this.registeredAt.get(r.id) ?? 0) + this.listingLagMs <= now,
    )
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30))
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1)
    const last = Math.max(1, Math.ceil(listed.length / perPage))
    const link = (n: number, rel: string): string => {
      const target = new URL(url.pathname + url.search, `http://${host}`)
      target.searchParams.set('page', String(n))
      return `<${target.href}>; rel="${rel}"`
    }
    const rels = [
      ...(page > 1 ? [link(page - 1, 'prev')] : []),
      ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []),
      ...(page > 1 ? [link(1, 'first')] : []),
    ]
    const body = { total_count: listed.length, runners: listed.slice((page - 1) * perPage, page * perPage) }
    return { status: 200, body, headers: rels.length ? { link: rels.join(', ') } : {} }
  }

  private runnersIn(scope: string): StandInRunner[] {
    return this.registry.get(scope) ?? []
  }

  /** POST .../generate-jitconfig: 422 for a body GitHub would refuse, 409 for a taken name, else 201. */
  private generateJitConfig(scope: string, text: string): Answer {
    let body: Record<string, unknown>
    try {
      body = JSON.parse(text) as Record<string, unknown>
    } catch {
      return { status: 422, body: { message: 'Invalid request.\n\nThe request body is not valid JSON.', documentation_url: DOCS } }
    }
    const problems: string[] = []
    if (typeof body?.name !== 'string' || !body.name) problems.push('"name" must be a non-empty string')
    if (!Number.isInteger(body?.runner_group_id)) problems.push('"runner_group_id" must be an integer')
    const labels = body?.labels
    if (!Array.isArray(labels) || labels.length < 1 || labels.length > 100 || !labels.every((l) => typeof l === 'string')) {
      problems.push('"labels" must be an array of 1 to 100 strings')
    }
    if (body?.work_folder !== undefined && typeof body.work_folder !== 'string') problems.push('"work_folder" must be a string')
    if (problems.length) return { status: 422, body: { message: `Invalid request.\n\n${problems.join('\n')}`, documentation_url: DOCS } }
    const name = body.name as string
    if (this.runnersIn(scope).some((r) => r.name.toLowerCase() === name.toLowerCase())) {
      return {
        status: 409,
        body: { message: `Already exists - A runner with the name ${name} already exists.`, documentation_url: DOCS, status: '409' },
      }
    }
    const runner = this.register(scope, name, { labels: labels as string[], runnerGroupId: body.runner_group_id as number })
    // Shaped and sized like GitHub's: base64 of a JSON map of the files run.sh writes, about 4.3 kB
    // (over SSM's 4 kB standard tier; some 30 fill Linux's 128 KiB limit for one environment string).
    const encoded = Buffer.from(
      JSON.stringify({
        '.runner': randomBytes(450).toString('base64'),
        '.credentials': randomBytes(300).toString('base64'),
        '.credentials_rsaparams': randomBytes(1650).toString('base64'),
        name,
      }),
    ).toString('base64')
    this.minted.push(encoded)
    return { status: 201, body: { runner, encoded_jit_config: encoded } }
  }

  /** Registers a runner directly, as if someone else had (a taken name, a runner from another run). */
  register(
    scope: string,
    name: string,
    options: { labels?: string[]; runnerGroupId?: number; status?: 'online' | 'offline'; busy?: boolean } = {},
  ): StandInRunner {
    const runner: StandInRunner = {
      id: this.nextRunnerId++,
      runner_group_id: options.runnerGroupId ?? 1,
      name,
      os: 'unknown',
      status: options.status ?? 'offline',
      busy: options.busy ?? false,
      labels: (options.labels ?? ['self-hosted']).map((label) => ({
        id: this.nextLabelId++,
        name: label,
        type: READ_ONLY_LABELS.has(label.toLowerCase()) ? ('read-only' as const) : ('custom' as const),
      })),
      ephemeral: true,
    }
    this.registry.set(scope, [...this.runnersIn(scope), runner])
    this.registeredAt.set(runner.id, Date.now())
    return runner
  }

  /** Every registered runner, all scopes. */
  get runners(): StandInRunner[] {
    return [...this.registry.values()].flat()
  }

  /** Deletes a runner as someone else would (another job, a person, GitHub's own expiry). */
  unregister(name: string): void {
    for (const [scope, runners] of this.registry)
      this.registry.set(
        scope,
        runners.filter((r) => r.name !== name),
      )
  }

  /** Listing requests answered so far (each page counts). */
  get listingCount(): number {
    return this.listings
  }

  /** Back to no listings seen, no hook (between tests). */
  resetListings(): void {
    this.listings = 0
    this.beforeListing = undefined
  }

  /** A host started the runner (online), or it picked up a job (busy). */
  setRunner(name: string, state: { status?: 'online' | 'offline'; busy?: boolean }): void {
    const runner = this.runners.find((r) => r.name === name)
    if (!runner) throw new Error(`no runner named ${name}`)
    Object.assign(runner, state)
  }

  /** A fresh token like GitHub's: 29 characters of upper-case letters and digits, valid one hour. */
  mint(): { token: string; expires_at: string } {
    const token = `AB${randomBytes(20).toString('hex').toUpperCase().slice(0, 27)}`
    this.minted.push(token)
    const expires = new Date(Date.now() + 3600_000)
    expires.setMilliseconds(0)
    return { token, expires_at: expires.toISOString().replace('.000Z', 'Z') }
  }
}

const everyStandIn = new Set<GitHubStandIn>()

/** Every secret any stand-in in this process has handed out (runAction sweeps its runs for them). */
export function everyMintedValue(): string[] {
  return [...everyStandIn].flatMap((standIn) => standIn.minted)
}

let shared: GitHubContract | undefined
/** One parsed description for every stand-in in the process. */
function contract(): GitHubContract {
  return (shared ??= new GitHubContract())
}
