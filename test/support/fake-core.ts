// A stand-in for @actions/core that run() and post() take as their collaborator: inputs from a
// record, and each mask, output, failure and log line handed to `record` in order, as the runner
// would see the workflow commands. No summary file: writeSummary returns before touching it.
import type { Core } from '../../src/main.js'

export function fakeCore(inputs: Record<string, string>, record: (line: string) => void = () => {}): Core {
  return {
    getInput: (name: string) => inputs[name] ?? '',
    setSecret: (value: string) => record(`mask ${value}`),
    setOutput: (name: string, value: unknown) => record(`output ${name}=${String(value)}`),
    setFailed: (message: string | Error) => record(`failed ${String(message)}`),
    info: (message: string) => record(`info ${message}`),
    warning: (message: string | Error) => record(`warning ${String(message)}`),
    saveState: () => {},
    getState: () => '',
    summary: {},
  } as unknown as Core
}
