import * as core from '@actions/core'
import { run } from './main.js'
import { post } from './post.js'

// A cancelled job gets SIGINT, then SIGTERM ~7.5 s later, then a kill; a runner shutting down may
// send SIGTERM alone. The first signal stops the step: main rolls back what it registered within
// that grace, post stops its cleanup and reports what is left. Later signals change nothing more.
const cancel = new AbortController()
for (const name of ['SIGINT', 'SIGTERM'] as const) process.on(name, () => cancel.abort(name))

// One bundle serves as main and post step: main saves the "isPost" state, which the runner hands
// to the post step only.
if (core.getState('isPost')) {
  // The post step never fails the job.
  post(core, process.env, { signal: cancel.signal }).catch((error: unknown) =>
    core.warning(`Unexpected error in cleanup: ${error instanceof Error ? error.message : String(error)}`),
  )
} else {
  // Anything run() did not turn into a clear failure is a bug; still fail the step, tokenless.
  run(core, process.env, { signal: cancel.signal }).catch((error: unknown) =>
    core.setFailed(`Unexpected error: ${error instanceof Error ? error.message : String(error)}`),
  )
}
