import * as core from '@actions/core'
import { run } from './main.js'
import { post } from './post.js'

// One bundle serves as main and post step: main saves the "isPost" state, which the runner hands
// to the post step only.
if (core.getState('isPost')) {
  // The post step never fails the job.
  post(core).catch((error: unknown) =>
    core.warning(`Unexpected error in cleanup: ${error instanceof Error ? error.message : String(error)}`),
  )
} else {
  // A cancelled job gets SIGINT, then SIGTERM ~7.5 s later, then a kill: the first signal stops
  // the step, which rolls back what it registered within that grace. Later signals change nothing.
  const cancel = new AbortController()
  for (const name of ['SIGINT', 'SIGTERM'] as const) process.on(name, () => cancel.abort(name))
  // Anything run() did not turn into a clear failure is a bug; still fail the step, tokenless.
  run(core, process.env, { signal: cancel.signal }).catch((error: unknown) =>
    core.setFailed(`Unexpected error: ${error instanceof Error ? error.message : String(error)}`),
  )
}
