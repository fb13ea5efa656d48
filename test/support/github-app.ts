// The GitHub App half of the stand-in (github-stand-in.ts routes to it): an App with a key pair the
// test generates, its installations, and the endpoints an App uses: the installation lookup per
// scope, the installation token and its revocation. It checks every JWT as GitHub does, on its own
// clock, which a test can set apart from this machine's (the RS256 signature against the App's
// public key, iat not in its future, exp in its future and at most 10 minutes from its now, iss
// the App's ID or client ID) and, stricter than GitHub, that no jti comes
// twice. It issues installation tokens in GitHub's long format (`ghs_APPID_...`, far over 40
// characters), narrowed as asked, and tells the runner endpoints what each token may do.
import { type KeyObject, generateKeyPairSync, randomBytes, randomUUID, verify } from 'node:crypto'

export interface StandInInstallation {
  id: number
  /** The login of the organization or user it is installed on. */
  account: string
  /** The repositories it may reach; undefined: all of the account's. */
  repositories?: string[]
  /** What the App was granted on this installation. */
  permissions: Record<string, 'read' | 'write'>
  suspended?: boolean
}

export interface IssuedToken {
  token: string
  installation: StandInInstallation
  /** What the token was narrowed to (undefined: everything the installation has). */
  repositories?: string[]
  permissions: Record<string, string>
  expiresAt: string
  revoked: boolean
}

export interface JwtClaims {
  iat: number
  exp: number
  iss: string | number
  jti?: string
}

interface Answer {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

export interface StandInAppOptions {
  id?: number
  clientId?: string
  installations?: StandInInstallation[]
}

const DOCS = 'https://docs.github.com/rest/apps/apps'
const LOOKUP = /^\/(?:repos\/([^/]+)\/([^/]+)|orgs\/([^/]+)|enterprises\/([^/]+)|users\/([^/]+))\/installation$/
const ACCESS_TOKENS = /^\/app\/installations\/(\d+)\/access_tokens$/
const SCOPED = /^\/(?:repos\/([^/]+)\/([^/]+)|orgs\/([^/]+)|enterprises\/([^/]+))\/actions\//

/** The default installation: on the organization octo-org, all its repositories, both runner permissions. */
export const DEFAULT_INSTALLATIONS: StandInInstallation[] = [
  { id: 4242, account: 'octo-org', permissions: { administration: 'write', organization_self_hosted_runners: 'write', metadata: 'read' } },
]

export class StandInApp {
  readonly id: number
  readonly clientId: string
  /** The private key as GitHub issues it (PKCS#1 PEM), and as PKCS#8. */
  readonly privateKeyPem: string
  readonly privateKeyPkcs8: string
  readonly publicKey: KeyObject
  readonly installations: StandInInstallation[]
  /** Every JWT presented since the last reset, valid or not, with its claims when it could be read. */
  readonly jwts: { jwt: string; claims?: JwtClaims; problem?: string }[] = []
  /** Every installation token issued since the last reset. */
  readonly tokens: IssuedToken[] = []
  /** Every secret this App ever saw or made (the key's lines, JWTs, tokens), for the secrets sweep. */
  readonly secrets: string[] = []
  /**
   * How far GitHub's clock is from this machine's (ms; negative: behind). JWTs are checked on that
   * clock, and every answer's Date header states it (github-stand-in.ts), as GitHub's does.
   */
  clockOffsetMs = 0
  private readonly tokenByValue = new Map<string, IssuedToken>()
  private readonly jtis = new Set<string>()

  constructor(options: StandInAppOptions = {}) {
    everyApp.add(this)
    this.id = options.id ?? 987654
    this.clientId = options.clientId ?? `Iv23li${randomBytes(7).toString('hex')}`
    this.installations = options.installations ?? structuredClone(DEFAULT_INSTALLATIONS)
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    this.publicKey = publicKey
    this.privateKeyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()
    this.privateKeyPkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    this.secrets.push(...keyLines(this.privateKeyPem), ...keyLines(this.privateKeyPkcs8))
  }

  /** Forgets what the last test saw (the secrets stay, for the sweep). */
  reset(): void {
    this.jwts.length = 0
    this.tokens.length = 0
  }

  /** The answer to an App endpoint; undefined when the path is not one. */
  route(method: string, path: string, authorization: string | undefined, body: string): Answer | undefined {
    const lookup = LOOKUP.exec(path)
    if (method === 'GET' && lookup) {
      const problem = this.checkJwt(authorization)
      if (problem) return unauthorized(problem)
      const [, owner, repo, org] = lookup
      const installation = this.installations.find((i) =>
        owner ? same(i.account, owner) && (!i.repositories || i.repositories.some((r) => same(r, repo))) : org && same(i.account, org),
      )
      return installation ? { status: 200, body: this.installationBody(installation) } : notFound()
    }
    const tokens = ACCESS_TOKENS.exec(path)
    if (method === 'POST' && tokens) {
      const problem = this.checkJwt(authorization)
      if (problem) return unauthorized(problem)
      return this.createToken(Number(tokens[1]), body)
    }
    if (method === 'DELETE' && path === '/installation/token') {
      const issued = this.tokenByValue.get(bearer(authorization) ?? '')
      if (!issued || issued.revoked) return unauthorized('Bad credentials')
      issued.revoked = true
      return { status: 204 }
    }
    return undefined
  }

  /** GitHub's clock (epoch ms): this machine's, moved by `clockOffsetMs`. */
  now(): number {
    return Date.now() + this.clockOffsetMs
  }

  /** Whether a bearer token is one this App issued (revoked or not). */
  issued(token: string): boolean {
    return this.tokenByValue.has(token)
  }

  /** What a runner endpoint answers an installation token that may not use it; undefined when it may. */
  refuse(token: string, path: string): Answer | undefined {
    const issued = this.tokenByValue.get(token)!
    if (issued.revoked) return unauthorized('Bad credentials')
    // Any token may read its own rate limit, an installation token included.
    if (path === '/rate_limit') return undefined
    const scope = SCOPED.exec(path)
    if (!scope) return notFound()
    const [, owner, repo, org] = scope
    // An App has no permission for an enterprise's runners; a token that cannot see a target gets 404.
    if (!owner && !org) return { status: 403, body: { message: 'Resource not accessible by integration', documentation_url: DOCS } }
    if (!same(issued.installation.account, owner ?? org)) return notFound()
    if (owner) {
      const reachable = issued.repositories ?? issued.installation.repositories
      if (reachable && !reachable.some((r) => same(r, repo))) return notFound()
    }
    const permission = owner ? 'administration' : 'organization_self_hosted_runners'
    if (issued.permissions[permission] !== 'write') {
      return {
        status: 403,
        body: { message: 'Resource not accessible by integration', documentation_url: DOCS },
        headers: { 'x-accepted-github-permissions': `${permission}=write` },
      }
    }
    return undefined
  }

  /** The JWT's problem as GitHub words it, or undefined when it is good. */
  private checkJwt(authorization: string | undefined): string | undefined {
    const jwt = bearer(authorization)
    if (!jwt) return 'A JSON web token could not be decoded'
    this.secrets.push(jwt)
    const record: StandInApp['jwts'][number] = { jwt }
    this.jwts.push(record)
    const problem = (text: string) => (record.problem = text)
    const [header, payload, signature, ...rest] = jwt.split('.')
    let claims: JwtClaims
    try {
      if (rest.length || !signature) return problem('A JSON web token could not be decoded')
      if ((JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string }).alg !== 'RS256') {
        return problem('A JSON web token could not be decoded')
      }
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as JwtClaims
    } catch {
      return problem('A JSON web token could not be decoded')
    }
    record.claims = claims
    if (!verify('sha256', Buffer.from(`${header}.${payload}`), this.publicKey, Buffer.from(signature, 'base64url'))) {
      return problem('A JSON web token could not be decoded')
    }
    // GitHub's own clock, and its own words for each refusal.
    const now = Math.floor(this.now() / 1000)
    if (!Number.isInteger(claims.iat) || claims.iat > now) {
      return problem("'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued")
    }
    if (!Number.isInteger(claims.exp) || claims.exp <= now) {
      return problem("'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires")
    }
    if (claims.exp - now > 600) return problem("'Expiration time' claim ('exp') is too far in the future")
    if (String(claims.iss) !== String(this.id) && claims.iss !== this.clientId) return problem('Integration not found')
    if (typeof claims.jti !== 'string' || !claims.jti || this.jtis.has(claims.jti)) return problem('JWT ID (jti) missing or reused')
    this.jtis.add(claims.jti)
    return undefined
  }

  private createToken(installationId: number, text: string): Answer {
    const installation = this.installations.find((i) => i.id === installationId)
    if (!installation) return notFound()
    if (installation.suspended) return { status: 403, body: { message: 'This installation has been suspended', documentation_url: DOCS } }
    let body: { repositories?: string[]; permissions?: Record<string, string> } = {}
    try {
      if (text) body = JSON.parse(text) as typeof body
    } catch {
      return { status: 400, body: { message: 'Problems parsing JSON', documentation_url: DOCS } }
    }
    const levels = ['read', 'write']
    const requested = body.permissions ?? installation.permissions
    const granted = Object.entries(requested).every(
      ([name, level]) => levels.indexOf(installation.permissions[name] ?? '') >= levels.indexOf(level) && levels.includes(level),
    )
    if (!granted) {
      return { status: 422, body: { message: 'The permissions requested are not granted to this installation.', documentation_url: DOCS } }
    }
    const reachable = installation.repositories
    if (body.repositories && reachable && !body.repositories.every((r) => reachable.some((name) => same(name, r)))) {
      return {
        status: 422,
        body: {
          message: 'There is at least one repository that does not exist or is not accessible to the parent installation.',
          documentation_url: DOCS,
        },
      }
    }
    const token = `ghs_${this.id}_${longTokenBody()}`
    const expires = new Date(Date.now() + 3600_000)
    expires.setMilliseconds(0)
    const expiresAt = expires.toISOString().replace('.000Z', 'Z')
    const issued: IssuedToken = { token, installation, repositories: body.repositories, permissions: requested, expiresAt, revoked: false }
    this.tokens.push(issued)
    this.tokenByValue.set(token, issued)
    this.secrets.push(token)
    return {
      status: 201,
      body: {
        token,
        expires_at: expiresAt,
        permissions: requested,
        repository_selection: body.repositories || reachable ? 'selected' : 'all',
      },
    }
  }

  private installationBody(installation: StandInInstallation): Record<string, unknown> {
    const login = installation.account
    const api = 'https://api.github.com'
    return {
      id: installation.id,
      app_id: this.id,
      app_slug: 'runner-minter',
      client_id: this.clientId,
      target_id: installation.id * 10,
      target_type: 'Organization',
      single_file_name: null,
      repository_selection: installation.repositories ? 'selected' : 'all',
      access_tokens_url: `${api}/app/installations/${installation.id}/access_tokens`,
      html_url: `https://github.com/organizations/${login}/settings/installations/${installation.id}`,
      repositories_url: `${api}/installation/repositories`,
      events: [],
      account: {
        login,
        id: installation.id * 10,
        node_id: 'O_kgDOA',
        avatar_url: `https://avatars.githubusercontent.com/u/${installation.id * 10}?v=4`,
        gravatar_id: '',
        url: `${api}/users/${login}`,
        html_url: `https://github.com/${login}`,
        followers_url: `${api}/users/${login}/followers`,
        following_url: `${api}/users/${login}/following{/other_user}`,
        gists_url: `${api}/users/${login}/gists{/gist_id}`,
        starred_url: `${api}/users/${login}/starred{/owner}{/repo}`,
        subscriptions_url: `${api}/users/${login}/subscriptions`,
        organizations_url: `${api}/users/${login}/orgs`,
        repos_url: `${api}/users/${login}/repos`,
        events_url: `${api}/users/${login}/events{/privacy}`,
        received_events_url: `${api}/users/${login}/received_events`,
        type: 'Organization',
        site_admin: false,
      },
      permissions: installation.permissions,
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
      suspended_by: null,
      suspended_at: null,
    }
  }
}

/** Decodes a JWT's claims without checking anything (for tests that look at what was sent). */
export function jwtClaims(jwt: string): JwtClaims {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as JwtClaims
}

/** A key's lines worth sweeping for: not the armour, and long enough not to match by chance. */
export function keyLines(pem: string): string[] {
  return pem
    .replace(/\\n/g, '\n')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length >= 16 && !/^-----(BEGIN|END) /.test(line))
}

// GitHub's stateless installation tokens (since April 2026) carry a signed payload: ghs_APPID_JWT.
function longTokenBody(): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ sub: randomUUID(), n: randomBytes(24).toString('base64url') })}.${randomBytes(64).toString('base64url')}`
}

function bearer(authorization: string | undefined): string | undefined {
  return /^Bearer (.+)$/.exec(authorization ?? '')?.[1]
}

function same(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase()
}

function unauthorized(message: string): Answer {
  return { status: 401, body: { message, documentation_url: 'https://docs.github.com/rest', status: '401' } }
}

function notFound(): Answer {
  return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' } }
}

const everyApp = new Set<StandInApp>()

/** Every secret any stand-in App in this process saw or made: key lines, JWTs, installation tokens. */
export function everyAppSecret(): string[] {
  return [...everyApp].flatMap((app) => app.secrets)
}
