// The test-file life of a stand-in: started before the file's tests, reset before each test,
// closed after them (close() also fails the file on any contract violation).
import { after, before, beforeEach } from 'node:test'
import type { GitHubStandIn } from './github-stand-in.js'

export function useStandIn(github: GitHubStandIn, started: (url: string) => void): void {
  before(async () => started(await github.start()))
  after(() => github.close())
  beforeEach(() => {
    github.requests.length = 0
    github.faults.length = 0
    github.registry.clear()
    github.options.app?.reset()
    github.listingLagMs = 0
    github.ignoresNameFilter = false
    github.resetListings()
    github.runnerGroups.clear()
    github.rateLimit = undefined
    github.resetSecondaryLimit()
  })
}
