#!/usr/bin/env node
// The `mint-runner-token` command, bundled into dist/cli/index.js. All logic is in command.ts and
// the command-*.ts modules it uses.
import { runCommand } from './command.js'

// SIGINT or SIGTERM stops the run: it deletes what it registered, reports on stderr, and exits
// 130 or 143. A second signal changes nothing.
const cancel = new AbortController()
for (const name of ['SIGINT', 'SIGTERM'] as const) process.on(name, () => cancel.abort(name))

process.exitCode = await runCommand(
  process.argv.slice(2),
  process.env,
  {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  },
  { signal: cancel.signal },
)
