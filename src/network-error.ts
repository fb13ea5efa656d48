// A request that produced no HTTP answer, as one error type with Node's code (or our own) and a
// short text that never repeats what a server sent unescaped.
import { escapeControls } from './server-text.js'

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

/** Whatever a request threw, as a NetworkError. */
export function asNetworkError(error: unknown): NetworkError {
  if (error instanceof NetworkError) return error
  const code = (error as NodeJS.ErrnoException)?.code
  const message = error instanceof Error ? error.message : String(error)
  if (/Request timeout/.test(message)) return new NetworkError('ETIMEDOUT', 'the connection went idle')
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
  EPROTO:
    'the TLS handshake failed (EPROTO): the server did not speak TLS there, as when an https:// URL points at a plain-http port; check the URL',
}

// Node's codes for a TLS certificate it would not accept.
const CERTIFICATE_CODE =
  /^(ERR_TLS_CERT_ALTNAME_INVALID|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET|VERIFY)_)/

export function describeCode(code: string): string {
  if (CERTIFICATE_CODE.test(code))
    return `the server's TLS certificate was not accepted (${code}); trust its CA with NODE_EXTRA_CA_CERTS, or check the host`
  return CODE_TEXT[code] ?? code
}
