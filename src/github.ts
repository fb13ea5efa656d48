// A thin client for GitHub's REST API: one request, bounded in time and size, with the token
// sent only to the API's own origin. It does not retry; retry.ts does.
import { HttpClient, type HttpClientResponse } from '@actions/http-client'

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
    if (hop + 1 >= MAX_REDIRECTS) throw new RedirectError(`more than ${MAX_REDIRECTS} redirects`)
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
  const client = new HttpClient(USER_AGENT, [], {
    allowRedirects: false,
    allowRetries: false,
    // Its own agent, so dispose() can tear down a hung socket; also bounds a proxied request.
    keepAlive: true,
    socketTimeout: request.timeoutMs,
  })
  let timer: NodeJS.Timeout | undefined
  let response: HttpClientResponse | undefined
  let onAbort = (): void => {}
  const cutShort = new Promise<never>((_, reject) => {
    const tearDown = (error: NetworkError): void => {
      response?.message.destroy()
      client.dispose()
      reject(error)
    }
    timer = setTimeout(
      () => tearDown(new NetworkError('ETIMEDOUT', `no complete answer within ${formatMs(request.timeoutMs)}`)),
      request.timeoutMs,
    )
    onAbort = () => tearDown(new NetworkError('EABORTED', 'cancelled while waiting for the answer'))
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
    response = await client.request(request.method, request.url, data, headers)
    const body = await readLimited(response)
    return { status: response.message.statusCode ?? 0, headers: flatten(response.message.headers), body }
  }
  try {
    return await Promise.race([exchange(), cutShort])
  } catch (error) {
    throw asNetworkError(error)
  } finally {
    clearTimeout(timer)
    request.signal?.removeEventListener('abort', onAbort)
    client.dispose()
  }
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
  for (const [name, value] of Object.entries(headers)) flat[name] = Array.isArray(value) ? value.join(', ') : value
  return flat
}

function asNetworkError(error: unknown): Error {
  if (error instanceof NetworkError) return error
  const code = (error as NodeJS.ErrnoException)?.code
  const message = error instanceof Error ? error.message : String(error)
  if (/Request timeout/.test(message)) return new NetworkError('ETIMEDOUT', 'the connection went idle')
  return new NetworkError(code ?? 'ENETWORK', code ? describeCode(code) : message)
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
