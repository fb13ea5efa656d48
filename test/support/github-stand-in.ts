// A stand-in for GitHub's REST API on loopback: it mints runner tokens the way GitHub does and
// plays the faults a test scripts (gateway errors, rate limits, hangs, resets). Used by the
// scenario tests, the demo and the benchmark.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomBytes } from 'node:crypto'
import { GitHubContract, onAnswerSent } from './github-contract.js'

export interface RecordedRequest {
  method: string
  path: string
  headers: http.IncomingHttpHeaders
  body: string
  at: number
}

/** What the stand-in does with one request. Without a scripted fault it answers like GitHub. */
export type Fault = (
  | { status: number; headers?: Record<string, string>; body?: unknown }
  | { hang: true }
  | { reset: true }
  /** Sends the headers of a 201, then the body one byte every `everyMs`. */
  | { trickle: true; everyMs: number }
  /** Sends the headers of a 201, then closes the connection. */
  | { closeAfterHeaders: true }
  | { handle: (req: http.IncomingMessage, res: http.ServerResponse) => void }
) & {
  /**
   * Why this answer is deliberately not what GitHub documents (a gateway's HTML page, a hostile
   * body): the contract check skips it. Every other answer must match GitHub's description.
   */
  offContract?: string
}

export interface StandInOptions {
  /** The only token GitHub accepts; other tokens get 401. Undefined accepts any token. */
  acceptToken?: string
  /** Path prefix of the API, as on GHES (`/api/v3`). */
  prefix?: string
  host?: string
  /**
   * Capacity, as the real API has under a burst: at most this many requests in flight; every
   * other request gets an immediate 502. Undefined means unlimited.
   */
  maxInFlight?: number
  /** How long each admitted request takes before it is answered. */
  latencyMs?: number
}

const TOKEN_PATH =
  /^\/(repositories\/\d+|repos\/[^/]+\/[^/]+|orgs\/[^/]+|enterprises\/[^/]+)\/actions\/runners\/(registration-token|remove-token)$/

export class GitHubStandIn {
  readonly requests: RecordedRequest[] = []
  /** Faults to play, in order, one per request; once empty the stand-in answers normally. */
  readonly faults: Fault[] = []
  /** Every token this stand-in minted, for leak checks. */
  readonly minted: string[] = []
  private readonly server: http.Server
  private readonly sockets = new Set<import('node:net').Socket>()
  private requestCount = 0
  private inFlight = 0
  /** The most admitted requests that were ever in flight at once. */
  peakInFlight = 0
  /** Requests turned away with a 502 because the stand-in was at capacity. */
  rejected = 0
  /**
   * Where a request or an answer departed from GitHub's API description (test/fixtures). close()
   * fails when there are any, so every test that uses a stand-in checks the contract.
   */
  readonly contractViolations: string[] = []
  private readonly offContractAnswers = new WeakSet<http.ServerResponse>()

  constructor(readonly options: StandInOptions = {}) {
    everyStandIn.add(this)
    this.server = http.createServer((req, res) => this.onRequest(req, res))
    this.server.on('connection', (socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
  }

  async start(port = 0): Promise<string> {
    const host = this.options.host ?? '127.0.0.1'
    await new Promise<void>((resolve) => this.server.listen(port, host, resolve))
    const { port: bound } = this.server.address() as AddressInfo
    return `http://${host}:${bound}${this.options.prefix ?? ''}`
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

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const record: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        at: Date.now(),
      }
      this.requests.push(record)
      this.checkContract(record, res)
      const fault = this.faults.shift()
      if (fault) return this.play(fault, req, res)
      const { maxInFlight, latencyMs = 0 } = this.options
      if (maxInFlight !== undefined && this.inFlight >= maxInFlight) {
        this.rejected++
        this.offContractAnswers.add(res) // an overloaded gateway's page, as GitHub's front end sends
        return this.send(res, 502, '<html><body><h1>502 Bad Gateway</h1></body></html>', { 'content-type': 'text/html' })
      }
      this.peakInFlight = Math.max(this.peakInFlight, ++this.inFlight)
      setTimeout(() => {
        this.inFlight--
        if (!res.destroyed) this.answer(req, res)
      }, latencyMs)
    })
  }

  private requestId(): string {
    return `STAND-IN:${(++this.requestCount).toString(16).toUpperCase().padStart(4, '0')}`
  }

  private send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-github-request-id': this.requestId(), ...headers })
    res.end(text)
  }

  private play(fault: Fault, req: http.IncomingMessage, res: http.ServerResponse): void {
    if (fault.offContract) this.offContractAnswers.add(res)
    if ('status' in fault)
      return this.send(res, fault.status, fault.body ?? { message: http.STATUS_CODES[fault.status] ?? 'Error' }, fault.headers)
    if ('hang' in fault) return // never answer; close() destroys the socket
    if ('reset' in fault) return void req.socket.destroy()
    if ('handle' in fault) return fault.handle(req, res)
    res.writeHead(201, { 'content-type': 'application/json; charset=utf-8', 'x-github-request-id': this.requestId() })
    res.flushHeaders()
    if ('closeAfterHeaders' in fault) return void setTimeout(() => req.socket.destroy(), 20)
    const body = JSON.stringify(this.mint())
    let i = 0
    const timer = setInterval(() => {
      if (res.destroyed || i >= body.length) {
        clearInterval(timer)
        return void res.end()
      }
      res.write(body[i++])
    }, fault.everyMs)
  }

  /** GitHub's normal behaviour for the token endpoints. */
  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const prefix = this.options.prefix ?? ''
    const url = new URL(req.url ?? '/', 'http://stand-in')
    const path = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : ''
    const auth = req.headers.authorization
    if (this.options.acceptToken !== undefined && auth !== `Bearer ${this.options.acceptToken}`) {
      return this.send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' })
    }
    if (req.method === 'POST' && TOKEN_PATH.test(path)) return this.send(res, 201, this.mint())
    this.send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' })
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
