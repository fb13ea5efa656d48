// GitHub Enterprise Server: every answer names the server's version (X-GitHub-Enterprise-Version).
// JIT configs (generate-jitconfig) arrived in GHES 3.10; an older server answers that endpoint 404,
// which on its own reads like a missing permission. No request is spent on finding the version:
// it is read from the answers that arrive anyway.
import type { Outcome } from './policy.js'

export const ENTERPRISE_VERSION_HEADER = 'x-github-enterprise-version'

/** The first GHES release with generate-jitconfig. */
export const JIT_SINCE = { major: 3, minor: 10 } as const

/** The major and minor of a version such as "3.9.4"; undefined when it does not read as one. */
export function parseServerVersion(version: string): { major: number; minor: number } | undefined {
  const match = /^\s*(\d+)\.(\d+)(?:[.\-+\s]|$)/.exec(version)
  return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined
}

/** Whether a server of this version lacks generate-jitconfig; false when the version is unreadable. */
export function predatesJit(version: string): boolean {
  const parsed = parseServerVersion(version)
  if (!parsed) return false
  return parsed.major < JIT_SINCE.major || (parsed.major === JIT_SINCE.major && parsed.minor < JIT_SINCE.minor)
}

/**
 * The explanation of a generate-jitconfig answer from a GHES release without JIT configs: a 404
 * whose X-GitHub-Enterprise-Version is below 3.10. Undefined for any other answer.
 */
export function explainJitUnsupported(outcome: Outcome): string | undefined {
  if (outcome.kind !== 'response' || outcome.status !== 404) return undefined
  const version = outcome.headers[ENTERPRISE_VERSION_HEADER]?.trim()
  if (!version || !predatesJit(version)) return undefined
  return (
    `This GitHub Enterprise Server is version ${version.slice(0, 40)}, and just-in-time runners (generate-jitconfig) need GHES ` +
    `${JIT_SINCE.major}.${JIT_SINCE.minor} or newer (GitHub answered 404). Set "type" to "registration" to mint a registration ` +
    `token and register runners with config.sh, or upgrade the server.`
  )
}
