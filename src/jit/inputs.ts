// The inputs of `type: jit`: what each runner is registered with. inputs.ts reads them, with
// their defaults, and only for that type.
import { InputError, shown } from '../input-values.js'
import { type Scope, scopeName } from '../scope.js'
import { hasControlCharacter } from '../server-text.js'
import { MAX_NAME_PREFIX, MAX_RUNNER_NAME, NAME_SUFFIX_LENGTH } from './names.js'

export type { JitInputs } from '../types.js'

/** GitHub allows 100 labels per runner; the action adds its ownership label to the user's. */
export const MAX_LABELS = 99
export const MAX_RUNNERS = 1000

/**
 * Labels as a list: comma- or newline-separated, blanks dropped, repeats (in any case) dropped,
 * 1 to 99 of them.
 */
export function parseLabels(text: string): string[] {
  const labels: string[] = []
  for (const label of text.split(/[,\n]/).map((part) => part.trim())) {
    if (label && !labels.some((seen) => seen.toLowerCase() === label.toLowerCase())) labels.push(label)
  }
  const unprintable = labels.find(hasControlCharacter)
  if (unprintable !== undefined) throw new InputError(`Input "labels" must not contain control characters; got ${shown(unprintable)}.`)
  if (labels.length === 0) {
    throw new InputError(
      `Input "labels" is required for type "jit": 1 to ${MAX_LABELS} labels, comma- or newline-separated; got ${shown(text)}.`,
    )
  }
  if (labels.length > MAX_LABELS) {
    throw new InputError(
      `Input "labels" accepts at most ${MAX_LABELS} labels (GitHub allows 100 and each runner also gets this step's ownership label); got ${labels.length}.`,
    )
  }
  return labels
}

/** With `exclusive: true` the runners carry the ownership label alone: `labels` must be empty. */
export function parseExclusiveLabels(text: string): string[] {
  if (!text.trim()) return []
  throw new InputError(
    `Input "labels" cannot be given with "exclusive" true: exclusive runners carry this step's ownership label alone, so that only a job whose runs-on names it can take them; got ${shown(text)}. Remove "labels", or set "exclusive" to false.`,
  )
}

export function parseRunnerName(value: string, count: number): string {
  // Room for "-" and the unique suffix when the name is a prefix.
  const max = count > 1 ? MAX_NAME_PREFIX : MAX_RUNNER_NAME
  // Printable ASCII without spaces: the name goes into a URL query and a host's command line.
  if (value.length <= max && /^[\x21-\x7e]+$/.test(value)) return value
  const what =
    count > 1
      ? `a name prefix of 1 to ${max} characters (each runner adds "-" and ${NAME_SUFFIX_LENGTH} characters)`
      : `1 to ${max} characters`
  throw new InputError(`Input "runner-name" must be ${what}, printable and without spaces; got ${shown(value)}.`)
}

/** `runner-group`: a group's name, for organization or enterprise scope, instead of `runner-group-id`. */
export function parseRunnerGroup(name: string, id: string, scope: Scope): string | undefined {
  if (!name) return undefined
  if (id) {
    throw new InputError(
      `Set at most one of inputs "runner-group" and "runner-group-id"; got runner-group ${shown(name)} and runner-group-id ${shown(id)}.`,
    )
  }
  if (scope.kind === 'repository') {
    throw new InputError(
      `Input "runner-group" needs organization or enterprise scope: a repository has no runner groups (its runners join the default group); got ${shown(name)} for repository ${scopeName(scope)}.`,
    )
  }
  if (hasControlCharacter(name)) {
    throw new InputError(`Input "runner-group" must be a runner group's name, without control characters; got ${shown(name)}.`)
  }
  return name
}

export function parseWorkFolder(value: string): string {
  if (!hasControlCharacter(value)) return value
  throw new InputError(`Input "work-folder" must be a folder path without control characters; got ${shown(value)}.`)
}
