// A thin client for GitHub's REST API: one request, bounded in time and size, with the token
// sent only to the API's own origin. It does not retry; retry.ts does. What goes wrong is a
// NetworkError (network-error.ts); what a proxy adds, proxy.ts handles.
import type { Socket } from 'node:net'
import { HttpClient, type HttpClientResponse } from '@actions/http-client'
import { formatMs } from './duration.js'
import { NetworkError, RedirectError, asNetworkError } from './network-error.js'
import { collectSockets, proxyOf, viaProxy } from './proxy.js'
import { DeadlineReached } from './step.js'
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
  /** Tears the request down when aborted: EABORTED (the step was cancelled), or ECUTOFF (its phase's deadline came). */
  signal?: AbortSignal
}

export interface ApiResponse {
  status: number
  /** Header values with their control characters escaped: whatever prints one prints data. */
  headers: Record<string, string | undefined>
  body: string
}

export async function send(request: ApiRequest): Promise<ApiResponse> {
  let url = request.url
  // One limit for the request and every redirect it follows: hops do not each get it afresh.
  const endMs = performance.now() + request.timeoutMs
  for (let hop = 0; ; hop++) {
    const leftMs = hop === 0 ? request.timeoutMs : Math.floor(endMs - performance.now())
    if (leftMs <= 0) throw new NetworkError('ETIMEDOUT', `no complete answer within ${formatMs(request.timeoutMs)}, redirects included`)
    const response = await sendOnce({ ...request, url, timeoutMs: leftMs })
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
  const limit = cutShort(request, tearDown)
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
    return await Promise.race([exchange(), limit.reached])
  } catch (error) {
    throw proxy ? viaProxy(error, proxy, new URL(request.url).host) : asNetworkError(error)
  } finally {
    limit.clear()
    tearDown()
  }
}

/**
 * What ends an exchange early: its timeout, or the request's signal. Either tears the request
 * down and rejects `reached`; `clear` removes the timer and the listener once the exchange is over.
 */
function cutShort(request: ApiRequest, tearDown: () => void): { reached: Promise<never>; clear: () => void } {
  let timer: NodeJS.Timeout | undefined
  let onAbort = (): void => {}
  const reached = new Promise<never>((_, reject) => {
    const stop = (error: NetworkError): void => {
      tearDown()
      reject(error)
    }
    timer = setTimeout(
      () => stop(new NetworkError('ETIMEDOUT', `no complete answer within ${formatMs(request.timeoutMs)}`)),
      request.timeoutMs,
    )
    // A phase whose deadline came (a rollback, a revoke) says so: the request may have taken effect.
    onAbort = () => {
      const reason: unknown = request.signal?.reason
      stop(
        reason instanceof DeadlineReached
          ? new NetworkError('ECUTOFF', reason.message)
          : new NetworkError('EABORTED', 'cancelled while waiting for the answer'),
      )
    }
    request.signal?.addEventListener('abort', onAbort, { once: true })
  })
  return {
    reached,
    clear: () => {
      clearTimeout(timer)
      request.signal?.removeEventListener('abort', onAbort)
    },
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
