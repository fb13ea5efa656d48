// The JWT a GitHub App signs to authenticate as itself (RS256), for the installation calls, and
// the clock it is signed on: this machine's, corrected by the difference GitHub's answers show
// when GitHub refuses a JWT as made on a clock off from its own (what @octokit/auth-app does).
import { type KeyObject, randomUUID, sign } from 'node:crypto'
import { parseHttpDate } from '../policy.js'
import { parseJson } from '../json.js'
import { formatMs } from '../duration.js'

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

// GitHub's words for a JWT whose iat or exp does not fit its clock (the ones @octokit/auth-app
// matches). Any other 401 (a wrong key, an unknown App) is not a clock's doing.
const CLOCK_REFUSALS = [
  /'Issued at' claim \('iat'\) must be an Integer representing the time that the assertion was issued/,
  /'Expiration time' claim \('exp'\) must be a numeric value representing the future time at which the assertion expires/,
  /'Expiration time' claim \('exp'\) is too far in the future/,
]

/** What learn() reads of an answer. */
interface Answer {
  status: number
  headers: Record<string, string | undefined>
  body: string
}

/** Signs an App's JWTs on GitHub's clock, as far as GitHub's answers have shown it. */
export class AppJwtSigner {
  /** GitHub's clock minus this machine's wall clock, once an answer showed it; 0 until then. */
  private offsetMs = 0

  constructor(
    private readonly appId: string,
    private readonly key: KeyObject,
    /** The wall clock, epoch ms (the injected clock's, so tests can drive it). */
    private readonly wallNow: () => number,
    private readonly log: (line: string) => void = () => {},
  ) {}

  sign(): string {
    return appJwt(this.appId, this.key, this.wallNow() + this.offsetMs)
  }

  /**
   * Reads every answer to a JWT: a 401 whose message says the JWT's times do not fit GitHub's
   * clock, with a readable Date header, sets the clock the next JWT is signed on.
   */
  learn(answer: Answer): void {
    if (answer.status !== 401) return
    const message = (parseJson(answer.body) as { message?: unknown } | undefined)?.message
    if (typeof message !== 'string' || !CLOCK_REFUSALS.some((refusal) => refusal.test(message))) return
    const githubNow = parseHttpDate(answer.headers.date)
    if (githubNow === undefined) return
    this.offsetMs = githubNow - this.wallNow()
    const way = this.offsetMs < 0 ? 'behind' : 'ahead of'
    this.log(
      `GitHub refused the App's JWT as made on a clock off from its own; its Date header puts its clock ${formatMs(Math.abs(this.offsetMs))} ${way} this machine's: the next JWT is signed on GitHub's clock.`,
    )
  }
}
