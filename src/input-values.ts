// The checks of one input's value. Each error names the input, what was given and what is
// accepted, and fits on one line; the value is shown quoted and shortened (`shown`).
import { DURATION_FORMS, MAX_DURATION, MAX_DURATION_MS, parseDuration } from './duration.js'
import type { WriteBudget } from './types.js'

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

/**
 * The REST API base, without trailing slashes: https, or http to a loopback host (tests, the demo).
 * A query, a fragment or credentials may hold a secret (`?access_token=...`), so no error repeats
 * any of them: a refused value is shown only up to its first "?" or "#", and without userinfo.
 */
export function parseApiUrl(value: string): string {
  const safe = shown(withoutSecretParts(value))
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InputError(`Input "api-url" must be an absolute URL such as "https://api.github.com" or "https://HOST/api/v3"; got ${safe}.`)
  }
  if (url.username || url.password) throw new InputError('Input "api-url" must not contain credentials; pass the token as "github-token".')
  // A bare "?" or "#" leaves url.search and url.hash empty, yet would end up in every request's path.
  if (/[?#]/.test(value)) {
    throw new InputError(`Input "api-url" must not have a query or fragment (any "?" or "#"); got ${safe}, then a part not repeated here.`)
  }
  const loopback = isLoopback(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new InputError(`Input "api-url" must use https (http is accepted only for a loopback host); got ${safe}.`)
  }
  return url.href.replace(/\/+$/, '')
}

/** A URL as it may be quoted: cut at its first "?" or "#", with any "user:password@" removed. */
function withoutSecretParts(value: string): string {
  return value.replace(/[?#][\s\S]*$/, '').replace(/^([^/@]*\/\/)?[^/@]*@/, '$1')
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname)
}

/**
 * The fewest and most writes a `write-budget` window may allow, and its longest window. Two at
 * least: deleting a runner is a look and a DELETE on one endpoint, 6 points, more than one write's 5.
 */
export const MIN_BUDGET_WRITES = 2
export const MAX_BUDGET_WRITES = 100_000
export const MAX_BUDGET_WINDOW = '1h'

/**
 * `write-budget`: "N/DURATION", at most N writes (POST, DELETE) per endpoint in any window of
 * DURATION ("180/1m", "60/1m", "20/500ms"), or "off" (false): not paced.
 */
export function parseWriteBudget(value: string): WriteBudget | false {
  if (/^off$/i.test(value)) return false
  const [, writes, window] = /^(\d+)\s*\/\s*(.+)$/.exec(value) ?? []
  const windowMs = window === undefined ? undefined : parseDuration(window)
  const count = Number(writes)
  if (
    count >= MIN_BUDGET_WRITES &&
    count <= MAX_BUDGET_WRITES &&
    windowMs !== undefined &&
    windowMs >= 1 &&
    windowMs <= parseDuration(MAX_BUDGET_WINDOW)!
  ) {
    return { writes: count, windowMs }
  }
  throw new InputError(
    `Input "write-budget" must be "N/DURATION", at most N writes (${MIN_BUDGET_WRITES} to ${MAX_BUDGET_WRITES}) per endpoint in any window of DURATION ` +
      `(greater than 0 and at most ${MAX_BUDGET_WINDOW}), such as "180/1m" (GitHub's secondary rate limit, the default) or "60/1m" (one write a second), ` +
      `or "off" to not pace writes; got ${shown(value)}.`,
  )
}
