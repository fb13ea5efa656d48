// What a request through `https_proxy` needs beyond the request itself. http-client's proxy agent
// (the tunnel package) opens its CONNECT socket where neither dispose() nor the request can reach
// it, prints a deprecation warning that tells a user nothing, and reports every failure to open a
// tunnel as a connection reset. Here: the sockets a request opened, that warning dropped, and
// errors that name the proxy.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { Socket } from 'node:net'
import { getProxyUrl } from '@actions/http-client'
import { NetworkError, RedirectError, asNetworkError, describeCode } from './network-error.js'

// Every socket opened while a request is being set up, whatever the agent: a request timed out
// while the proxy held the CONNECT would otherwise keep the process alive until the proxy gave
// up. Node announces each new client socket on this channel, synchronously, inside the call that
// opens it.
let opening: Set<Socket> | undefined
const onSocket = (message: unknown): void => void opening?.add((message as { socket: Socket }).socket)

// tunnel builds the Proxy-Authorization header with the deprecated Buffer() (DEP0005); from the
// bundle, Node prints a warning about it. Only that warning, only while a request is being set
// up, is dropped.
function withoutTunnelWarning(emitWarning: typeof process.emitWarning): typeof process.emitWarning {
  return function (this: unknown, ...args: unknown[]): void {
    const code = typeof args[1] === 'object' ? (args[1] as { code?: unknown } | null)?.code : args[2]
    if (code === 'DEP0005') return
    return (emitWarning as (...a: unknown[]) => void).apply(process, args)
  } as typeof process.emitWarning
}

/**
 * Calls `open` and returns what it returned and the sockets it opened. The channel subscription
 * and the warning filter last only as long as the call: the library installs nothing global.
 */
export function collectSockets<T>(open: () => T): { value: T; sockets: Set<Socket> } {
  const sockets = new Set<Socket>()
  const emitWarning = process.emitWarning
  opening = sockets
  subscribe('net.client.socket', onSocket)
  process.emitWarning = withoutTunnelWarning(emitWarning)
  try {
    return { value: open(), sockets }
  } finally {
    process.emitWarning = emitWarning
    unsubscribe('net.client.socket', onSocket)
    opening = undefined
  }
}

/**
 * The proxy http-client will use for a URL: its scheme and host:port, where it was set, and
 * whether that URL holds credentials (never the credentials themselves).
 */
export interface Proxy {
  scheme: string
  host: string
  variable: string
  hasCredentials: boolean
}

export function proxyOf(url: string): Proxy | undefined {
  const proxy = getProxyUrl(url)
  if (!proxy) return undefined
  // http-client reads the lower-case name first, as curl does.
  const lower = url.startsWith('https:') ? 'https_proxy' : 'http_proxy'
  const variable = process.env[lower] ? lower : lower.toUpperCase()
  const parsed = new URL(proxy)
  return { scheme: parsed.protocol, host: parsed.host, variable, hasCredentials: parsed.username !== '' || parsed.password !== '' }
}

// The tunnel agent's words for a tunnel it could not open: "cause=..." (the proxy could not be
// reached) or "statusCode=..." (the proxy answered the CONNECT with that status).
const TUNNEL_FAILED = /^tunneling socket could not be established, (?:cause=(.*)|statusCode=(\d+))/s

/**
 * What a request through `proxy` threw, as a NetworkError that names the proxy: a failure to open
 * the tunnel is the proxy's (EPROXY; EPROXYAUTH for a 407, which no retry can change), any other
 * network error says it went through the proxy.
 */
export function viaProxy(error: unknown, proxy: Proxy, target: string): NetworkError {
  const named = `the proxy ${proxy.host} from ${proxy.variable}`
  const tunnel = error instanceof NetworkError ? null : TUNNEL_FAILED.exec(error instanceof Error ? error.message : String(error))
  if (tunnel) {
    const [, cause, status] = tunnel
    if (status === '407') return new NetworkError('EPROXYAUTH', `${named} refused the tunnel to ${target}: ${credentialsRefused(proxy)}`)
    if (status) return new NetworkError('EPROXY', `${named} refused the tunnel to ${target} (HTTP ${status})`)
    const code = /\b(E[A-Z_]+)\b/.exec(cause ?? '')?.[1]
    return new NetworkError('EPROXY', `could not connect to ${named}: ${code ? describeCode(code) : 'the tunnel failed'}`)
  }
  const network = asNetworkError(error)
  // A refused redirect or a cancellation is not the proxy's doing.
  if (network instanceof RedirectError || /^E(ABORTED|CANCELED)$/.test(network.code)) return network
  return new NetworkError(network.code, `${network.message}, through ${named}`)
}

/** What a 407 means for this proxy URL: the credentials in it are wrong, or it has none. */
function credentialsRefused({ scheme, host, variable, hasCredentials }: Proxy): string {
  const status = 'HTTP 407 Proxy Authentication Required'
  if (hasCredentials) return `it did not accept the credentials in ${variable} (${status}); check the user name and password in ${variable}`
  return `it requires credentials (${status}) and ${variable} has none; check the credentials in ${variable} (${scheme}//USER:PASSWORD@${host})`
}
