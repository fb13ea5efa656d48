import * as core from '@actions/core'
import { run } from './main.js'
import { post } from './post.js'
import { StepContext } from './step.js'
import { isPostStep } from './post-entry.js'

// A cancelled job gets SIGINT, then SIGTERM ~7.5 s later, then a kill; a runner shutting down may
// send SIGTERM alone. The step's one context (step.ts), made here at its entry, hears them: the
// first signal stops the step and starts its cleanup phase (main rolls back what it registered,
// post stops its cleanup and reports what is left). Later signals change nothing more.
const step = new StepContext()
step.listen(process)

// One bundle serves as main and post step; the post step's own entry file marks it (post-entry.ts).
if (isPostStep()) {
  // The post step never fails the job.
  post(core, process.env, { signal: step.signal }).catch((error: unknown) =>
    core.warning(`Unexpected error in cleanup: ${error instanceof Error ? error.message : String(error)}`),
  )
} else {
  // Anything run() did not turn into a clear failure is a bug; still fail the step, tokenless.
  run(core, process.env, { signal: step.signal }).catch((error: unknown) =>
    core.setFailed(`Unexpected error: ${error instanceof Error ? error.message : String(error)}`),
  )
}
