// The credentials every request carries: a `github-token`, or a GitHub App's `app-id` and
// `private-key` (with an optional `installation-id`), never both. Their values are never repeated
// in an error, except an `app-id`, which is no secret.
import type { Credentials } from './types.js'
import { readPrivateKey } from './app/key.js'
import { InputError, type InputReader, parseId, shown } from './input-values.js'

export type { Credentials } from './types.js'

/** Whether App credentials were given: either of the two is enough to mean it (the other is then missing). */
export function appGiven(appId: string, privateKey: string): boolean {
  return Boolean(appId.trim() || privateKey.trim())
}

// An App's ID (digits) or client ID ("Iv1.0123456789abcdef", "Iv23li..."): it becomes the JWT's issuer.
const APP_ID = /^(?:[1-9]\d{0,15}|Iv[A-Za-z0-9._-]{1,98})$/

/** Exactly one credential: a `github-token`, or a GitHub App's `app-id` and `private-key`. */
export function parseCredentials(read: InputReader): Credentials {
  const githubToken = read('github-token').trim()
  const appId = read('app-id').trim()
  const privateKey = read('private-key')
  const installationId = read('installation-id').trim()
  const app = appGiven(appId, privateKey)
  if (githubToken && app) {
    throw new InputError(
      'Set either input "github-token" or inputs "app-id" and "private-key" (a GitHub App), not both: they are two ways to authenticate, and the action will not guess which one you meant.',
    )
  }
  if (!app) {
    if (!githubToken) {
      throw new InputError(
        'Input "github-token" is required unless inputs "app-id" and "private-key" (a GitHub App) are set: credentials allowed to manage self-hosted runners for the target.',
      )
    }
    if (/\s/.test(githubToken))
      throw new InputError('Input "github-token" contains whitespace; it accepts a single token with no spaces or newlines.')
    if (installationId)
      throw new InputError('Input "installation-id" is for GitHub App credentials ("app-id" and "private-key"), not "github-token".')
    return { githubToken }
  }
  if (!appId) throw new InputError('Input "app-id" is required with "private-key": the GitHub App\'s ID or client ID.')
  if (!privateKey.trim()) throw new InputError('Input "private-key" is required with "app-id": the GitHub App\'s private key (PEM).')
  if (!APP_ID.test(appId)) {
    throw new InputError(
      `Input "app-id" must be the GitHub App's ID (a whole number, such as 123456) or its client ID (such as Iv23li...); got ${shown(appId)}.`,
    )
  }
  const key = readPrivateKey(privateKey)
  if ('problem' in key) throw new InputError(`Input "private-key" ${key.problem}.`)
  return {
    githubToken: '',
    app: {
      appId,
      privateKey: key.key,
      ...(installationId ? { installationId: parseId('installation-id', installationId) } : {}),
    },
  }
}
