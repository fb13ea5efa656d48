// One pager for every listing (runner groups, runners by name): it reads page after page
// (`per_page` as the caller sets it), keeps each item once by id, and starts over from page 1
// (a bounded number of times) when the listing moved under it: the total changed between two
// pages, or an item of an earlier page turned up again (something was inserted before it). A
// listing read by offset while it changes would otherwise skip an item or show one twice.
import type { Outcome } from '../policy.js'
import type { AttemptResult } from '../retry.js'
import type { Answer } from './call.js'
import { responseOutcome } from './answer.js'

/** One page as the endpoint gives it. */
export interface Page<T> {
  totalCount: number
  items: T[]
}

export interface PagerOptions<T> {
  perPage: number
  /** Pages read at most in one pass: a server whose pages never end must not hold the step. */
  maxPages: number
  /** Passes started over at most, after the first: a listing that never holds still is read as it is. */
  maxRestarts?: number
  /** The page in a 200 answer's body; undefined when the body is not one (that is retried). */
  parse: (body: string) => Page<T> | undefined
  /** True when what was read is enough (the item looked for is there): no further page is read. */
  enough?: (items: T[]) => boolean
  /** Told each time the pager starts over, and why. */
  onRestart?: (why: string) => void
}

export const MAX_RESTARTS = 3

export class Pager<T extends { id: number }> {
  private readonly seen = new Map<number, T>()
  private page = 1
  /** The total the latest page gave. */
  totalCount = 0
  /** Passes started over so far. */
  restarts = 0

  constructor(private readonly options: PagerOptions<T>) {}

  /** Every item read in this pass, each once, in listing order. */
  get items(): T[] {
    return [...this.seen.values()]
  }

  /**
   * Reads pages from where it stands until the listing ends (or `enough`). `fetch` gets one page.
   * A page that fails ends the call with its outcome; the next call goes on from that page.
   */
  async read(fetch: (page: number) => Promise<Answer>): Promise<AttemptResult<T[]>> {
    const { perPage, maxPages, parse, enough } = this.options
    for (;;) {
      const answer = await fetch(this.page)
      if ('outcome' in answer) return answer
      if (answer.status !== 200) return { outcome: responseOutcome(answer) }
      const parsed = parse(answer.body)
      if (!parsed) return { outcome: responseOutcome(answer, false) }
      const moved = this.moved(parsed)
      if (moved && this.restarts < (this.options.maxRestarts ?? MAX_RESTARTS)) {
        this.restarts++
        this.options.onRestart?.(moved)
        this.seen.clear()
        this.page = 1
        continue
      }
      this.totalCount = parsed.totalCount
      for (const item of parsed.items) this.seen.set(item.id, item)
      const success: Outcome = responseOutcome(answer, true)
      if (
        enough?.(this.items) ||
        this.page >= maxPages ||
        !hasNextPage(answer.headers.link, this.page, parsed.items.length, perPage, parsed.totalCount)
      ) {
        return { value: this.items, outcome: success }
      }
      this.page++
    }
  }

  /** Why this page shows the listing moved since the pass began; undefined when it did not. */
  private moved(page: Page<T>): string | undefined {
    if (this.page === 1) return undefined
    if (page.totalCount !== this.totalCount) return `the total went from ${this.totalCount} to ${page.totalCount} between pages`
    if (page.items.some((item) => this.seen.has(item.id))) return `page ${this.page} repeated an item of an earlier page`
    return undefined
  }
}

/** GitHub's Link header names the next page; without one, the total tells (an empty page ends it). */
function hasNextPage(link: string | undefined, page: number, onPage: number, perPage: number, totalCount: number): boolean {
  if (link !== undefined) return /rel="next"/.test(link)
  return onPage > 0 && page * perPage < totalCount
}
