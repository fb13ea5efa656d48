// The action's side of the one redaction point (redaction.ts): the toolkit as run() uses it, with
// every secret it masks also registered, and every text it prints or writes (log lines, warnings,
// the failure, the step summary) redacted. Outputs are not: a minted token is handed over there,
// masked by the runner.
import type * as actionsCore from '@actions/core'
import { redact, registerSecret } from './redaction.js'

type Toolkit = Pick<typeof actionsCore, 'setSecret' | 'info' | 'warning' | 'setFailed' | 'summary'>

/** `core` with setSecret registering too, and info, warning, setFailed and the summary redacted. */
export function redactingCore<T extends Toolkit>(core: T): T {
  const text = (message: string | Error): string => redact(message instanceof Error ? message.message : message)
  // A copy, not a subclass: the toolkit's module namespace has getters only.
  return {
    ...core,
    setSecret: (secret: string) => {
      registerSecret(secret)
      core.setSecret(secret)
    },
    info: (message: string) => core.info(redact(message)),
    warning: (message: string | Error) => core.warning(text(message)),
    setFailed: (message: string | Error) => core.setFailed(text(message)),
    summary: redactingSummary(core.summary),
  }
}

/** The summary, its buffer redacted as a whole just before it is written. */
function redactingSummary(summary: Toolkit['summary']): Toolkit['summary'] {
  // Calls on the proxy keep it as `this`, so chained calls (addHeading().addTable()) stay on it.
  return new Proxy(summary, {
    get(target, property, receiver) {
      if (property !== 'write') return Reflect.get(target, property, receiver) as unknown
      return (options?: Parameters<Toolkit['summary']['write']>[0]) => {
        const redacted = redact(target.stringify())
        target.emptyBuffer().addRaw(redacted)
        return target.write(options)
      }
    },
  })
}
