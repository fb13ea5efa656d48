import * as core from '@actions/core'
import { run } from './main.js'

// Anything run() did not turn into a clear failure is a bug; still fail the step, tokenless.
run(core).catch((error: unknown) => core.setFailed(`Unexpected error: ${error instanceof Error ? error.message : String(error)}`))
