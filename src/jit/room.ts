// The room in a runner group. GitHub refuses a registration beyond 10,000 runners in one group
// (422 "Runner group N has reached max limit of 10000 runners"): a batch that runs into it half-way
// fails and deletes what it registered. So before a batch's first registration one request asks
// how many runners the group holds (the `total_count` of its runner listing, one runner a page),
// and a batch that cannot fit fails at once, having registered nothing. Advisory, like the rate
// budget: a check that cannot be made logs one line and the batch goes on (GitHub's 422 remains
// the last word, and register.ts words it).
//
// Repository scope is not checked: GitHub has no runner-group endpoint for a repository, and
// documents the limit per group only. Counting the repository's runners instead would refuse
// batches by a limit no one documents for repositories, so the 422, if it comes, decides there.
import { type Config, MintError } from '../types.js'
import { shown } from '../input-values.js'
import { scopePath } from '../scope.js'
import { describeScope, githubSaid } from '../explain.js'
import { exchange } from '../engine/call.js'
import { githubMessage } from '../engine/answer.js'
import { parseJson } from '../json.js'
import type { Clock } from '../retry.js'

/** GitHub's limit of runners in one runner group. */
export const GROUP_LIMIT = 10_000
/** One try, this long at most: a check that cannot judge must not hold the batch up. */
export const ROOM_CHECK_TIMEOUT_MS = 5000

export function groupRunnersUrl(config: Pick<Config, 'apiUrl' | 'scope'>, groupId: number): string {
  return `${config.apiUrl}${scopePath(config.scope)}/actions/runner-groups/${groupId}/runners?per_page=1`
}

/** `total_count` of a group's runner listing; undefined when the body is not that listing. */
export function parseRunnerCount(body: string): number | undefined {
  const parsed = parseJson(body) as { total_count?: unknown; runners?: unknown } | undefined
  const total = parsed?.total_count
  return Number.isSafeInteger(total) && (total as number) >= 0 && Array.isArray(parsed?.runners) ? (total as number) : undefined
}

/** How many more runners the group takes, and whether `count` of them fit. */
export function judgeRoom(held: number, count: number, limit = GROUP_LIMIT): { fits: boolean; room: number } {
  const room = Math.max(0, limit - held)
  return { fits: count <= room, room }
}

const figure = (n: number): string => n.toLocaleString('en-US')

/** "runner group "gpu" (id 3)", or "runner group 3" when it was given by id. */
export function describeGroup(jit: Pick<NonNullable<Config['jit']>, 'runnerGroup' | 'runnerGroupId'>): string {
  return jit.runnerGroup ? `runner group ${shown(jit.runnerGroup)} (id ${jit.runnerGroupId})` : `runner group ${jit.runnerGroupId}`
}

/** The refusal: the group, what it holds, the limit, the batch, and what to do. */
export function noRoomMessage(config: Pick<Config, 'scope' | 'jit'>, held: number, count: number): string {
  const { room } = judgeRoom(held, count)
  const group = `${describeGroup(config.jit!)} of ${describeScope(config.scope)}`
  const fewer = room > 0 ? `lower "count" to ${figure(room)} or less, ` : ''
  return (
    `The ${group} holds ${figure(held)} runners and GitHub allows at most ${figure(GROUP_LIMIT)} in one group: ` +
    `a batch of ${figure(count)} does not fit (room for ${figure(room)}). No runner was registered. ` +
    `Remove the group's offline runners ("type: prune"), ${fewer}or register into another runner group.`
  )
}

/**
 * GitHub's 422 for a full group ("Runner group 3 has reached max limit of 10000 runners"), worded:
 * a batch that fit when counted can still meet it, when others registered into the group since.
 * Undefined for any other 422.
 */
export function explainFullGroup(message: string | undefined, config: Pick<Config, 'scope' | 'jit'>): string | undefined {
  if (!message || !/reached max(imum)? limit of [\d,]+ runners/i.test(message)) return undefined
  const counted =
    config.scope.kind === 'repository' ? '' : ' (if this step counted room in it before its first registration, others filled it since)'
  return (
    `GitHub refused the runner (422): the ${describeGroup(config.jit!)} is full, at GitHub's limit of ${figure(GROUP_LIMIT)} runners in one group${counted}. ` +
    `Remove the group's offline runners ("type: prune"), or register into another runner group.${githubSaid(message)}`
  )
}

/**
 * Throws a MintError (before any registration) when a batch of `count` cannot fit in the group it
 * registers into. A check that cannot be made (a repository, an error, an unreadable answer) logs
 * one line at most and returns.
 */
export async function checkGroupRoom(
  config: Config,
  count: number,
  deadlineMs: number,
  deps: { clock: Clock; log: (line: string) => void; signal?: AbortSignal },
): Promise<void> {
  if (config.scope.kind === 'repository') return
  const jit = config.jit!
  const timeoutMs = Math.min(ROOM_CHECK_TIMEOUT_MS, config.attemptTimeoutMs, deadlineMs - deps.clock.now())
  const held = await countRunners(config, jit.runnerGroupId, timeoutMs, deps.signal)
  if (typeof held !== 'number') {
    // A cancellation is the step's to report, not this check's.
    if (!deps.signal?.aborted)
      deps.log(`Could not count the runners in the ${describeGroup(jit)} (${held.problem}); registering without the check.`)
    return
  }
  if (!judgeRoom(held, count).fits) throw new MintError(noRoomMessage(config, held, count), 0, 'rejected')
  deps.log(`The ${describeGroup(jit)} holds ${figure(held)} of at most ${figure(GROUP_LIMIT)} runners: a batch of ${figure(count)} fits.`)
}

/** One GET of the group's runners, one a page, never retried: its `total_count`, or why not. */
async function countRunners(
  config: Config,
  groupId: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<number | { problem: string }> {
  if (timeoutMs <= 0) return { problem: 'no time left before the deadline' }
  const url = groupRunnersUrl(config, groupId)
  const what = `GET ${scopePath(config.scope)}/actions/runner-groups/${groupId}/runners`
  const last: { requestId?: string; detail?: string } = {}
  const answer = await exchange({ method: 'GET', url, token: config.githubToken, timeoutMs, signal }, last)
  if ('outcome' in answer) return { problem: `${what} failed: ${last.detail}` }
  const id = last.requestId ? ` [request id ${last.requestId}]` : ''
  if (answer.status !== 200) {
    const said = githubMessage(answer.body)
    return { problem: `${what} answered ${answer.status}${said ? `: "${said}"` : ''}${id}` }
  }
  return parseRunnerCount(answer.body) ?? { problem: `${what} answered 200 without a readable total_count${id}` }
}
