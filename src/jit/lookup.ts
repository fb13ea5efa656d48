// Finding a runner by name: `GET .../actions/runners?name=NAME&per_page=100&page=N`, read by the
// engine's pager until the name turns up or the pages end (a server that ignores `name` lists
// every runner). A name not listed is not proof the runner is gone: listings can lag behind a
// registration.
import type { Outcome } from '../policy.js'
import type { LastSeen } from '../engine/call.js'
import { Pager } from '../engine/pager.js'
import type { Deadline } from '../step.js'
import { type ListedRunner, parseRunnerPage } from './runners.js'
import type { Session } from './session.js'

const PER_PAGE = 100
/** 10,000 runners: far more than a scope holds; a guard against a server whose pages never end. */
const MAX_PAGES = 100

export type Found = { runner: ListedRunner } | { notListed: true } | { outcome: Outcome }

export async function findByName(session: Session, name: string, timeoutMs: number, deadline: Deadline, last: LastSeen): Promise<Found> {
  const named = (runner: ListedRunner): boolean => runner.name.toLowerCase() === name.toLowerCase()
  const pager = new Pager<ListedRunner>({
    perPage: PER_PAGE,
    maxPages: MAX_PAGES,
    parse: (body) => {
      const page = parseRunnerPage(body)
      return page && { totalCount: page.totalCount, items: page.runners }
    },
    enough: (runners) => runners.some(named),
  })
  const read = await pager.read((page) => {
    const url = `${session.base}?name=${encodeURIComponent(name)}&per_page=${PER_PAGE}&page=${page}`
    return session.exchange('GET', url, { timeoutMs, deadline }, last)
  })
  if (read.value === undefined) return { outcome: read.outcome }
  const runner = read.value.find(named)
  return runner ? { runner } : { notListed: true }
}
