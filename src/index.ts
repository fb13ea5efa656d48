import * as core from '@actions/core'
import { run } from './main.js'
import { post } from './post.js'

// One bundle serves as main and post step: main saves the "isPost" state, which the runner hands
// to the post step only.
if (core.getState('isPost')) {
  // The post step never fails the job.
  post().catch((error: unknown) => core.warning(`Unexpected error in cleanup: ${error instanceof Error ? error.message : String(error)}`))
} else {
  // Anything run() did not turn into a clear failure is a bug; still fail the step, tokenless.
  run().catch((error: unknown) => core.setFailed(`Unexpected error: ${error instanceof Error ? error.message : String(error)}`))
}
