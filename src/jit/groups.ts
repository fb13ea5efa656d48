// `runner-group`: a runner group by name. generate-jitconfig wants the group's id, so the name is
// looked up once per step, before any registration, in the scope's listing of runner groups
// (read whole by the engine's pager, 100 a page), through the retry loop and under the step's deadline. Names match as
// the runner's own config.sh --runnergroup matches them (ordinal, ignoring case); an exact match wins.
import { type Config, MintError } from '../types.js'
import { shown } from '../input-values.js'
import { type AttemptResult, type Clock, RetryError, retry } from '../retry.js'
import { describeScope, explainFailure, explainGiveUp } from '../explain.js'
import { type CallDeps, type LastSeen, exchange } from '../engine/call.js'
import { failureLine } from '../engine/answer.js'
import { Pager } from '../engine/pager.js'
import { scopePath } from '../scope.js'
import { parseJson } from '../json.js'

export const GROUPS_PER_PAGE = 100
/** Pages read at most (5,000 groups): a server that keeps sending full pages must not hold the step. */
export const MAX_GROUP_PAGES = 50
/** How many groups an unknown name's error lists; the rest are counted. */
export const LISTED_GROUPS = 20

export interface RunnerGroup {
  id: number
  name: string
}

export function groupsUrl(config: Pick<Config, 'apiUrl' | 'scope'>, page: number): string {
  return `${config.apiUrl}${scopePath(config.scope)}/actions/runner-groups?per_page=${GROUPS_PER_PAGE}&page=${page}`
}

/** One page of the listing: `{total_count, runner_groups: [{id, name, ...}]}`; undefined when it is not that. */
export function parseGroupPage(body: string): { totalCount: number; groups: RunnerGroup[] } | undefined {
  const parsed = (parseJson(body) ?? {}) as { total_count?: unknown; runner_groups?: unknown }
  const { total_count: totalCount, runner_groups: listed } = parsed
  if (!Number.isSafeInteger(totalCount) || (totalCount as number) < 0 || !Array.isArray(listed)) return undefined
  const groups: RunnerGroup[] = []
  for (const item of listed as { id?: unknown; name?: unknown }[]) {
    if (!Number.isSafeInteger(item?.id) || (item.id as number) < 1 || typeof item.name !== 'string' || !item.name) return undefined
    groups.push({ id: item.id as number, name: item.name })
  }
  return { totalCount: totalCount as number, groups }
}

export type GroupMatch = { group: RunnerGroup } | { ambiguous: RunnerGroup[] } | undefined

/**
 * The group called `name`: the one whose name is exactly `name`, else the one whose name equals it
 * ignoring case. Two candidates (an organization can still hold a group of the same name as one it
 * inherits from its enterprise) are ambiguous: only the id can tell them apart.
 */
export function matchGroup(groups: RunnerGroup[], name: string): GroupMatch {
  const exact = groups.filter((g) => g.name === name)
  const folded = exact.length ? exact : groups.filter((g) => g.name.toLowerCase() === name.toLowerCase())
  if (folded.length === 1) return { group: folded[0] }
  return folded.length ? { ambiguous: folded } : undefined
}

function listed(groups: RunnerGroup[]): string {
  return groups.map((g) => `${shown(g.name)} (id ${g.id})`).join(', ')
}

/** The error for a name no group has: the groups that exist, up to LISTED_GROUPS, and how many more. */
export function unknownGroupMessage(name: string, groups: RunnerGroup[], totalCount: number, config: Pick<Config, 'scope'>): string {
  const target = describeScope(config.scope)
  const total = Math.max(totalCount, groups.length)
  const head = `No runner group is named ${shown(name)} in ${target} (names are compared ignoring case).`
  const advice = 'Check "runner-group", or set "runner-group-id" instead.'
  if (total === 0) return `${head} GitHub lists no runner groups there. ${advice}`
  const more = total - Math.min(groups.length, LISTED_GROUPS)
  const rest = more > 0 ? `, and ${more} more` : ''
  return `${head} It has ${total}: ${listed(groups.slice(0, LISTED_GROUPS))}${rest}. ${advice}`
}

/**
 * The id of the runner group `config.jit.runnerGroup` names. Throws a MintError (no registration
 * has been sent) when no group or more than one has that name, or the listing cannot be read.
 */
export async function resolveRunnerGroup(
  config: Config,
  deadlineMs: number,
  deps: { clock: Clock; random: () => number; log: (line: string) => void; signal?: AbortSignal; onAttempt?: CallDeps['onAttempt'] },
): Promise<number> {
  const wanted = config.jit!.runnerGroup!
  const { clock, log } = deps
  // Pages already read stay read: a retry goes on from the page that failed.
  const pager = new Pager<RunnerGroup>({
    perPage: GROUPS_PER_PAGE,
    maxPages: MAX_GROUP_PAGES,
    // The whole listing, even after a match: a later page may hold a second group of that name.
    parse: (body) => {
      const page = parseGroupPage(body)
      return page && { totalCount: page.totalCount, items: page.groups }
    },
    onRestart: (why) => log(`Listing runner groups: the listing changed while it was read (${why}); reading it again from page 1.`),
  })
  let last: LastSeen = {}

  const attempt = async (_n: number, timeoutMs: number): Promise<AttemptResult<NonNullable<GroupMatch> | 'none'>> => {
    let first = true
    const read = await pager.read(async (page) => {
      // What this page's request showed: a failed page must not carry an earlier page's request id.
      last = {}
      // The attempt's first page gets the attempt's time; each later one what is left, up to attempt-timeout.
      const leftMs = first ? timeoutMs : Math.min(config.attemptTimeoutMs, deadlineMs - clock.now())
      first = false
      if (leftMs <= 0) {
        last.detail = 'the deadline passed between two pages of the listing'
        return { outcome: { kind: 'network', code: 'EDEADLINE' } }
      }
      const url = groupsUrl(config, page)
      return exchange({ method: 'GET', url, token: config.githubToken, timeoutMs: leftMs, signal: deps.signal }, last)
    })
    if (read.value === undefined) return read
    return { value: matchGroup(read.value, wanted) ?? 'none', outcome: read.outcome }
  }

  let match: NonNullable<GroupMatch> | 'none'
  try {
    ;({ value: match } = await retry(attempt, {
      ...config,
      deadlineMs,
      clock,
      random: deps.random,
      signal: deps.signal,
      onFailure: (failure) => log(`Listing runner groups: ${failureLine(failure, last.requestId, last.detail)}`),
      // Each attempt (all the pages it read) for the step summary, like every other call's.
      onAttempt: (record) => deps.onAttempt?.({ ...record, call: 'Listing runner groups', detail: last.detail }),
    }))
  } catch (error) {
    if (!(error instanceof RetryError)) throw error
    const why = explainFailure(error.failure.outcome, config.scope, last.detail)
    const stated = `Could not list the runner groups of ${describeScope(config.scope)} to find ${shown(wanted)}: `
    throw new MintError(`${stated}${explainGiveUp(error, why, config.timeoutMs, last.requestId)}`, 0)
  }
  const seen = pager.items
  const totalCount = pager.totalCount
  if (match === 'none') throw new MintError(unknownGroupMessage(wanted, seen, totalCount, config), 0)
  if ('ambiguous' in match) {
    throw new MintError(
      `${match.ambiguous.length} runner groups of ${describeScope(config.scope)} are named ${shown(wanted)} ignoring case: ` +
        `${listed(match.ambiguous)}. Set "runner-group-id" to the one you mean.`,
      0,
    )
  }
  log(`Runner group ${shown(match.group.name)} has id ${match.group.id}.`)
  return match.group.id
}
