// The names of the runners a step registers, and the body of the request that registers one.
import type { JitInputs } from '../types.js'

/** GitHub's limit on a runner's name. */
export const MAX_RUNNER_NAME = 64
/** With count > 1 each name is the prefix, a hyphen and this many characters. */
export const NAME_SUFFIX_LENGTH = 6
/** The longest prefix that leaves room for "-" and the suffix. */
export const MAX_NAME_PREFIX = MAX_RUNNER_NAME - 1 - NAME_SUFFIX_LENGTH

const SUFFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

/**
 * The names to register: `runner-name` itself for one runner; otherwise a prefix (`runner-name`,
 * or `jit-RUNID-ATTEMPT` in a workflow) plus "-" and a random suffix, distinct within the batch.
 */
export function runnerNames(
  jit: Pick<JitInputs, 'runnerName' | 'count'>,
  env: Record<string, string | undefined>,
  random: () => number,
): string[] {
  if (jit.count === 1 && jit.runnerName) return [jit.runnerName]
  const runId = /^\d+$/.test(env.GITHUB_RUN_ID ?? '') ? env.GITHUB_RUN_ID : undefined
  const attempt = /^\d+$/.test(env.GITHUB_RUN_ATTEMPT ?? '') ? env.GITHUB_RUN_ATTEMPT : undefined
  const generated = ['jit', runId, runId && attempt].filter(Boolean).join('-')
  const prefix = (jit.runnerName ?? generated).slice(0, MAX_NAME_PREFIX)
  const names = new Set<string>()
  while (names.size < jit.count) {
    let suffix = ''
    for (let i = 0; i < NAME_SUFFIX_LENGTH; i++) suffix += SUFFIX_ALPHABET[Math.floor(random() * SUFFIX_ALPHABET.length)]
    names.add(`${prefix}-${suffix}`)
  }
  return [...names]
}

/** The documented request body of generate-jitconfig: the user's labels and the step's ownership label. */
export function jitBody(
  name: string,
  jit: JitInputs,
  ownershipLabel: string,
): { name: string; runner_group_id: number; labels: string[]; work_folder: string } {
  return { name, runner_group_id: jit.runnerGroupId, labels: [...jit.labels, ownershipLabel], work_folder: jit.workFolder }
}
