// The checks of one input's value. Each error names the input, what was given and what is
// accepted, and fits on one line; the value is shown quoted and shortened (`shown`).
import { DURATION_FORMS, MAX_DURATION, MAX_DURATION_MS, parseDuration } from './duration.js'

export class InputError extends Error {}

/** Reads an input by name; returns '' when unset, like core.getInput. */
export type InputReader = (name: string) => string

/** Shows a user's value in an error: quoted, and short enough for one line. */
export function shown(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)
}

export function oneOf<T extends string>(name: string, value: string, accepted: readonly T[]): T {
  if ((accepted as readonly string[]).includes(value)) return value as T
  throw new InputError(`Input "${name}" must be one of ${accepted.map((a) => `"${a}"`).join(', ')}; got ${shown(value)}.`)
}

export function parseWholeNumber(name: string, value: string, min: number, max: number): number {
  const number = /^\d+$/.test(value) ? Number(value) : NaN
  if (number >= min && number <= max) return number
  throw new InputError(`Input "${name}" must be a whole number from ${min} to ${max}; got ${shown(value)}.`)
}

/** An id GitHub assigned (an installation, a runner group): a whole number from 1. */
export function parseId(name: string, value: string): number {
  return parseWholeNumber(name, value, 1, Number.MAX_SAFE_INTEGER)
}

export function parseBoolean(name: string, value: string): boolean {
  if (/^true$/i.test(value)) return true
  if (/^false$/i.test(value)) return false
  throw new InputError(`Input "${name}" must be "true" or "false"; got ${shown(value)}.`)
}

/** A duration from `minMs` (0 or 1) to MAX_DURATION, in milliseconds. */
export function parseDurationInput(name: string, value: string, minMs: number): number {
  const ms = parseDuration(value)
  if (ms !== undefined && ms >= minMs && ms <= MAX_DURATION_MS) return ms
  const least = minMs > 0 ? 'greater than 0' : '0 or more'
  throw new InputError(`Input "${name}" must be a duration ${least} and at most ${MAX_DURATION}: ${DURATION_FORMS}; got ${shown(value)}.`)
}

/** The REST API base, without trailing slashes: https, or http to a loopback host (tests, the demo). */
export function parseApiUrl(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InputError(
      `Input "api-url" must be an absolute URL such as "https://api.github.com" or "https://HOST/api/v3"; got ${shown(value)}.`,
    )
  }
  if (url.username || url.password) throw new InputError('Input "api-url" must not contain credentials; pass the token as "github-token".')
  if (url.search || url.hash) throw new InputError(`Input "api-url" must not have a query or fragment; got ${shown(value)}.`)
  const loopback = isLoopback(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new InputError(`Input "api-url" must use https (http is accepted only for a loopback host); got ${shown(value)}.`)
  }
  return url.href.replace(/\/+$/, '')
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname)
}
