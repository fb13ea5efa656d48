// A thin client for GitHub's REST API: one request, bounded in time and size, with the token
// sent only to the API's own origin. It does not retry; retry.ts does.
import { subscribe } from 'node:diagnostics_channel'
import type { Socket } from 'node:net'
import { HttpClient, getProxyUrl, type HttpClientResponse } from '@actions/http-client'
import { escapeControls } from './server-text.js'

export const USER_AGENT = 'mint-runner-token'
const MAX_REDIRECTS = 5
// GitHub's answers here are well under a kilobyte; anything this big is not GitHub.
const MAX_BODY_BYTES = 1024 * 1024

export interface ApiRequest {
  method: 'GET' | 'POST' | 'DELETE'
  url: string
  token: string
  body?: unknown
  timeoutMs: number
  /** Tears the request down when aborted (the step was cancelled): it fails with EABORTED. */
  signal?: AbortSignal
}

export interface ApiResponse {
  status: number
  /** Header values with their control characters escaped: whatever prints one prints data. */
  headers: Record<string, string | undefined>
  body: string
}

/** A request that did not produce an HTTP answer. `code` is Node's error code or our own. */
export class NetworkError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** A redirect we refuse to follow: to another origin it would carry the token elsewhere. */
export class RedirectError extends NetworkError {
  constructor(message: string) {
    super('EREDIRECT', message)
  }
}

export async function send(request: ApiRequest): Promise<ApiResponse> {
  let url = request.url
  for (let hop = 0; ; hop++) {
    const response = await sendOnce({ ...request, url })
    const location = response.headers.location
    if (![301, 302, 307, 308].includes(response.status) || !location) return response
    const next = redirectTarget(location, url)
    if (next.origin !== new URL(request.url).origin) {
      throw new RedirectError(
        `GitHub redirected to another host (${next.origin}); the token is only sent to ${new URL(request.url).origin}`,
      )
    }
    // `hop` redirects were followed before this one.
    if (hop >= MAX_REDIRECTS) {
      throw new RedirectError(`GitHub redirected ${hop + 1} times in a row; ${MAX_REDIRECTS} redirects were followed, no more are`)
    }
    url = next.href
  }
}

/** Where a redirect points. Never repeats the header: a hostile server could put anything there. */
function redirectTarget(location: string, from: string): URL {
  try {
    return new URL(location, from)
  } catch {
    throw new RedirectError('GitHub redirected to a location that is not a URL')
  }
}

// Every socket opened while a request is being set up, whatever the agent. http-client's proxy
// agent (the tunnel package, for https_proxy) opens its CONNECT socket where neither dispose()
// nor the request can reach it: a request timed out while the proxy held the CONNECT kept the
// process alive until the proxy gave up. Node announces each new client socket on this channel,
// synchronously, inside the call that opens it.
let opening: Set<Socket> | undefined
subscribe('net.client.socket', (message) => opening?.add((message as { socket: Socket }).socket))

// tunnel builds the Proxy-Authorization header with the deprecated Buffer() (DEP0005); from the
// bundle, Node prints a warning about it that tells a user nothing. Only that warning, only while
// a request is being set up, is dropped.
const emitWarning = process.emitWarning
process.emitWarning = function (this: unknown, ...args: unknown[]): void {
  const code = typeof args[1] === 'object' ? (args[1] as { code?: unknown } | null)?.code : args[2]
  if (opening && code === 'DEP0005') return
  return (emitWarning as (...a: unknown[]) => void).apply(process, args)
} as typeof process.emitWarning

/** Calls `open` and returns what it returned and the sockets it opened. */
export function collectSockets<T>(open: () => T): { value: T; sockets: Set<Socket> } {
  const sockets = new Set<Socket>()
  opening = sockets
  try {
    return { value: open(), sockets }
  } finally {
    opening = undefined
  }
}

/** One HTTP exchange. The timeout covers the whole exchange, body included, not just idle time. */
async function sendOnce(request: ApiRequest): Promise<ApiResponse> {
  if (request.signal?.aborted) throw new NetworkError('ECANCELED', 'cancelled before sending')
  const client = new HttpClient(USER_AGENT, [bareIpv6Host], {
    allowRedirects: false,
    allowRetries: false,
    // Its own agent, so dispose() can tear down a hung socket; also bounds a proxied request.
    keepAlive: true,
    socketTimeout: request.timeoutMs,
  })
  const proxy = proxyOf(request.url)
  let sockets = new Set<Socket>()
  let response: HttpClientResponse | undefined
  // The request, its answer and every socket opened for it, whatever the agent.
  const tearDown = (): void => {
    response?.message.destroy()
    for (const socket of sockets) socket.destroy()
    client.dispose()
  }
  let timer: NodeJS.Timeout | undefined
  let onAbort = (): void => {}
  const cutShort = new Promise<never>((_, reject) => {
    const stop = (error: NetworkError): void => {
      tearDown()
      reject(error)
    }
    timer = setTimeout(
      () => stop(new NetworkError('ETIMEDOUT', `no complete answer within ${formatMs(request.timeoutMs)}`)),
      request.timeoutMs,
    )
    onAbort = () => stop(new NetworkError('EABORTED', 'cancelled while waiting for the answer'))
    request.signal?.addEventListener('abort', onAbort, { once: true })
  })
  const exchange = async (): Promise<ApiResponse> => {
    const headers: Record<string, string> = {
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      // Per request, never on the client: http-client re-sends client-level headers on redirects.
      authorization: `Bearer ${request.token}`,
    }
    const data = request.body === undefined ? null : JSON.stringify(request.body)
    if (data !== null) headers['content-type'] = 'application/json'
    const started = collectSockets(() => client.request(request.method, request.url, data, headers))
    sockets = started.sockets
    response = await started.value
    const body = await readLimited(response)
    return { status: response.message.statusCode ?? 0, headers: flatten(response.message.headers), body }
  }
  try {
    return await Promise.race([exchange(), cutShort])
  } catch (error) {
    throw viaProxy(asNetworkError(error), proxy, new URL(request.url).host)
  } finally {
    clearTimeout(timer)
    request.signal?.removeEventListener('abort', onAbort)
    tearDown()
  }
}

/**
 * http-client hands URL.hostname to http.request, which for an IPv6 literal keeps the brackets
 * ("[::1]") and then fails to resolve it; Node wants the bare address.
 */
const bareIpv6Host = {
  prepareRequest(options: { host?: string | null }): void {
    if (options.host?.startsWith('[') && options.host.endsWith(']')) options.host = options.host.slice(1, -1)
  },
  canHandleAuthentication: () => false,
  handleAuthentication: () => Promise.reject(new Error('not an authentication handler')),
}

/** The proxy http-client will use for `url`, as host:port (never its credentials), and where it was set. */
interface Proxy {
  host: string
  variable: string
}

function proxyOf(url: string): Proxy | undefined {
  const proxy = getProxyUrl(url)
  if (!proxy) return undefined
  // http-client reads the lower-case name first, as curl does.
  const lower = url.startsWith('https:') ? 'https_proxy' : 'http_proxy'
  const variable = process.env[lower] ? lower : lower.toUpperCase()
  return { host: new URL(proxy).host, variable }
}

// The tunnel agent reports every failure to open a tunnel as ECONNRESET "tunneling socket could
// not be established, cause=..." or "statusCode=...": the proxy's failure, not GitHub's.
const TUNNEL_FAILED = /^tunneling socket could not be established, (?:cause=(.*)|statusCode=(\d+))/s

/** A network error through a proxy names the proxy; a failure to open the tunnel says it was the proxy. */
function viaProxy(error: NetworkError, proxy: Proxy | undefined, target: string): NetworkError {
  // A refused redirect or a cancellation is not the proxy's doing.
  if (!proxy || error instanceof RedirectError || /^E(ABORTED|CANCELED)$/.test(error.code)) return error
  const named = `the proxy ${proxy.host} from ${proxy.variable}`
  if (error.code !== 'EPROXY') return new NetworkError(error.code, `${error.message}, through ${named}`)
  const [, cause, status] = TUNNEL_FAILED.exec(error.message) ?? []
  if (status) return new NetworkError('EPROXY', `${named} refused the tunnel to ${target} (HTTP ${status})`)
  const code = /\b(E[A-Z_]+)\b/.exec(cause ?? '')?.[1]
  return new NetworkError('EPROXY', `could not connect to ${named}: ${code ? describeCode(code) : 'the tunnel failed'}`)
}

async function readLimited(response: HttpClientResponse): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of response.message) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) {
      response.message.destroy()
      throw new NetworkError('EBODYTOOLARGE', `answer body larger than ${MAX_BODY_BYTES} bytes`)
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function flatten(headers: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = escapeControls(Array.isArray(value) ? value.join(', ') : value)
  }
  return flat
}

function asNetworkError(error: unknown): NetworkError {
  if (error instanceof NetworkError) return error
  const code = (error as NodeJS.ErrnoException)?.code
  const message = error instanceof Error ? error.message : String(error)
  if (/Request timeout/.test(message)) return new NetworkError('ETIMEDOUT', 'the connection went idle')
  if (TUNNEL_FAILED.test(message)) return new NetworkError('EPROXY', message)
  return new NetworkError(code ?? 'ENETWORK', code ? describeCode(code) : escapeControls(message))
}

const CODE_TEXT: Record<string, string> = {
  ECONNRESET: 'connection reset',
  ECONNREFUSED: 'connection refused',
  EPIPE: 'connection closed while sending',
  ETIMEDOUT: 'timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed temporarily',
  UND_ERR_SOCKET: 'connection closed',
  ECONNABORTED: 'connection aborted',
}

function describeCode(code: string): string {
  return CODE_TEXT[code] ?? code
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`
  // Rounded to whole seconds first, so 119.6 s reads "2m", not "1m60s".
  const total = Math.round(ms / 1000)
  const minutes = Math.floor(total / 60)
  const seconds = total % 60
  return seconds ? `${minutes}m${seconds}s` : `${minutes}m`
}
