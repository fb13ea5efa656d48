#!/usr/bin/env node
// The `mint-runner-token` command, bundled into dist/cli/index.js. All logic is in command.ts.
import { runCommand } from './command.js'

process.exitCode = await runCommand(process.argv.slice(2), process.env, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
})
