// What a request through `https_proxy` needs beyond the request itself. http-client's proxy agent
// (the tunnel package) opens its CONNECT socket where neither dispose() nor the request can reach
// it, prints a deprecation warning that tells a user nothing, and reports every failure to open a
// tunnel as a connection reset. Here: the sockets a request opened, that warning dropped, and
// errors that name the proxy.
import { subscribe } from 'node:diagnostics_channel'
import type { Socket } from 'node:net'
import { checkServerIdentity } from 'node:tls'
import { getProxyUrl } from '@actions/http-client'
import { checkBypass } from '@actions/http-client/lib/proxy'
import { NetworkError, RedirectError, asNetworkError, describeCode } from './network-error.js'
import { escapeControls } from './server-text.js'

// Every socket opened while a request is being set up, whatever the agent: a request timed out
// while the proxy held the CONNECT would otherwise keep the process alive until the proxy gave
// up. Node announces each new client socket on this channel, synchronously, inside the call that
// opens it.
let opening: Set<Socket> | undefined
subscribe('net.client.socket', (message) => opening?.add((message as { socket: Socket }).socket))

// tunnel builds the Proxy-Authorization header with the deprecated Buffer() (DEP0005); from the
// bundle, Node prints a warning about it. Only that warning, only while a request is being set
// up, is dropped.
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

/** The proxy variable http-client reads for a URL, lower case first as curl does, and its value. */
function proxyVariable(url: URL): { variable: string; value: string } {
  const lower = url.protocol === 'https:' ? 'https_proxy' : 'http_proxy'
  const variable = process.env[lower] ? lower : lower.toUpperCase()
  return { variable, value: process.env[variable] ?? '' }
}

/**
 * Before a request: the proxy variable for its URL, when set and not bypassed (no_proxy, a
 * loopback host), must be a proxy URL http-client will use, or no request is sent: never a direct
 * connection instead. A value without a scheme ("proxy.corp:3128") is given "http://", as curl
 * reads it (http-client would take "proxy.corp:" for a scheme and go direct); it reads the
 * variable itself, so the value is set with its scheme. An unreadable value (a password with a
 * bare "%") is refused with a permanent EPROXYCONFIG that names the variable, never its value.
 */
export function checkProxyVariable(url: string): void {
  const target = new URL(url)
  const { variable, value } = proxyVariable(target)
  if (!value || checkBypass(target)) return
  const withScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value) ? value : `http://${value}`
  let usable: boolean
  try {
    const parsed = new URL(withScheme)
    // http-client decodes the user name and password this way, and goes direct when it cannot.
    decodeURIComponent(parsed.username)
    decodeURIComponent(parsed.password)
    usable = /^https?:$/.test(parsed.protocol) && parsed.hostname !== ''
  } catch {
    usable = false
  }
  if (!usable) {
    throw new NetworkError(
      'EPROXYCONFIG',
      `${variable} is set but is not a proxy URL that can be used (http://[USER:PASSWORD@]HOST:PORT, with a "%" in a password written "%25"); its value is not repeated here, and no request was sent without the proxy`,
    )
  }
  if (withScheme !== value) process.env[variable] = withScheme
}

/**
 * Whether a request to an IPv6 literal goes through a proxy's tunnel (http-client's tunnel agent):
 * then its CONNECT target keeps the brackets, and since the tunnel takes the TLS server name from
 * the Host header up to its first ":" ("[2001"), the certificate is checked against the address itself.
 */
export function ipv6ThroughProxy(agent: unknown, bracketedHost: string): boolean {
  const tunnel = agent as { proxyOptions?: unknown; options?: Record<string, unknown> } | undefined
  if (!tunnel?.proxyOptions || !tunnel.options) return false
  const address = bracketedHost.slice(1, -1)
  tunnel.options.checkServerIdentity = (_name: string, cert: Parameters<typeof checkServerIdentity>[1]) =>
    checkServerIdentity(address, cert)
  return true
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
    // tunnel keeps only the cause's text: a certificate the proxy presented that is not trusted,
    // or TLS spoken to a port that does not (EPROTO), cannot heal on a retry: named, permanent.
    if (/certificate|self[- ]signed/i.test(cause ?? '')) {
      return new NetworkError(
        'EPROXYTLS',
        `could not connect to ${named}: its TLS certificate was not accepted (${escapeControls(cause!.trim().slice(0, 120))}); trust its CA with NODE_EXTRA_CA_CERTS, or check the proxy URL`,
      )
    }
    const code = /\b(E[A-Z_]+)\b/.exec(cause ?? '')?.[1]
    if (code === 'EPROTO') return new NetworkError('EPROTO', `could not connect to ${named}: ${describeCode(code)}`)
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
