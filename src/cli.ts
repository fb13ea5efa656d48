#!/usr/bin/env node
// The `mint-runner-token` command, bundled into dist/cli/index.js. All logic is in command.ts and
// the command-*.ts modules it uses.
import { runCommand } from './command.js'

// SIGINT or SIGTERM stops the run: it deletes what it registered, reports on stderr, and exits
// 130 or 143. A second signal changes nothing.
const cancel = new AbortController()
for (const name of ['SIGINT', 'SIGTERM'] as const) process.on(name, () => cancel.abort(name))

// A closed pipe (the reader gone) is an 'error' event on the stream: without a listener it would
// crash the process with a stack trace. stdout's errors reach runCommand through each write's
// callback (a result not written was not handed over); stderr's have nowhere left to go.
process.stdout.on('error', () => {})
process.stderr.on('error', () => {})

process.exitCode = await runCommand(
  process.argv.slice(2),
  process.env,
  {
    stdout: (text) =>
      new Promise<void>((resolve, reject) => {
        process.stdout.write(text, (error) => (error ? reject(error) : resolve()))
      }),
    stderr: (text) => void process.stderr.write(text),
  },
  { signal: cancel.signal },
)
