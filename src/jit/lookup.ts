// Finding a runner by name: `GET .../actions/runners?name=NAME&per_page=100&page=N`, page after
// page until the name turns up or the pages end (a server that ignores `name` lists every runner).
// A name not listed is not proof the runner is gone: listings can lag behind a registration.
import type { Outcome } from '../policy.js'
import { responseOutcome } from '../mint.js'
import type { Deadline } from './deadline.js'
import { type ListedRunner, parseRunnerPage } from './runners.js'
import type { LastSeen, Session } from './session.js'

const PER_PAGE = 100
/** 10,000 runners: far more than a scope holds; a guard against a server whose pages never end. */
const MAX_PAGES = 100

export type Found = { runner: ListedRunner } | { notListed: true } | { outcome: Outcome }

export async function findByName(session: Session, name: string, timeoutMs: number, deadline: Deadline, last: LastSeen): Promise<Found> {
  for (let page = 1; page <= MAX_PAGES; page++) {
    const url = `${session.base}?name=${encodeURIComponent(name)}&per_page=${PER_PAGE}&page=${page}`
    const response = await session.exchange('GET', url, { timeoutMs, deadline }, last)
    if ('outcome' in response) return response
    if (response.status !== 200) return { outcome: responseOutcome(response) }
    const listed = parseRunnerPage(response.body)
    if (!listed) return { outcome: responseOutcome(response, false) }
    const runner = listed.runners.find((r) => r.name.toLowerCase() === name.toLowerCase())
    if (runner) return { runner }
    if (!hasNextPage(response.headers.link, page, listed.totalCount, listed.runners.length)) break
  }
  return { notListed: true }
}

/** GitHub's Link header names the next page; without one, total_count tells. */
function hasNextPage(link: string | undefined, page: number, totalCount: number, onPage: number): boolean {
  if (link !== undefined) return /rel="next"/.test(link)
  return onPage > 0 && page * PER_PAGE < totalCount
}
