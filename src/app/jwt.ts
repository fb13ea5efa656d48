// The JWT a GitHub App signs to authenticate as itself (RS256), for the installation calls.
import { type KeyObject, randomUUID, sign } from 'node:crypto'

/** A JWT's life: issued a minute in the past for clock skew, expiring 9 minutes later (GitHub allows 10). */
export const JWT_BACKDATE_S = 60
export const JWT_LIFETIME_S = 9 * 60

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/** A JWT that authenticates as the App: RS256, iat backdated, short-lived, a fresh jti every time. */
export function appJwt(appId: string, key: KeyObject, nowMs: number): string {
  const now = Math.floor(nowMs / 1000)
  const iat = now - JWT_BACKDATE_S
  const unsigned = `${base64url({ alg: 'RS256', typ: 'JWT' })}.${base64url({ iat, exp: iat + JWT_LIFETIME_S, iss: appId, jti: randomUUID() })}`
  return `${unsigned}.${sign('sha256', Buffer.from(unsigned), key).toString('base64url')}`
}
