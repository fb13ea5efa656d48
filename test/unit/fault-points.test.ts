// The fault-point simulation's own reading of a step (test/support/fault-points.ts): what the
// command handed over is what was on its stdout before the signal, by the order of events. Both
// stamps are milliseconds, and a result printed just before the request that carries the point
// is often read in the same millisecond as the signal is sent: the clock is frozen here so that
// every stamp ties, as it did in the two unreproduced failures of `command app jit×3 | revoke 1`.
import { test, mock } from 'node:test'
import assert from 'node:assert/strict'
import { FLOWS, handedOver, startProcess } from '../support/fault-points.js'

const flow = FLOWS.find((f) => f.name === 'command app jit×3')!
const config = Buffer.from(JSON.stringify({ name: 'runner-1' })).toString('base64')

/** A command that prints its result, says "go" on stderr, and ends with 0 at SIGTERM; or prints it only at SIGTERM. */
function fakeCommand(printAt: 'start' | 'sigterm'): string {
  const print = `process.stdout.write(${JSON.stringify(`${config}\n`)}, cb)`
  return printAt === 'start'
    ? `const cb = () => process.stderr.write('go\\n'); process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1000); ${print}`
    : `const cb = () => process.exit(0); process.on('SIGTERM', () => { ${print} }); setInterval(() => {}, 1000); process.stderr.write('go\\n')`
}

async function runSignalledAtGo(printAt: 'start' | 'sigterm') {
  mock.timers.enable({ apis: ['Date'], now: 1_000_000 })
  try {
    const step = startProcess(['-e', fakeCommand(printAt)], {})
    step.child.stderr!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('go')) step.signal('SIGTERM')
    })
    return await step.finished
  } finally {
    mock.timers.reset()
  }
}

test('a result printed before the signal is handed over, though the signal is sent in the same millisecond as it is read', async () => {
  const run = await runSignalledAtGo('start')
  assert.equal(run.exitCode, 0)
  assert.equal(run.signalledAt, run.firstStdoutAt, 'the frozen clock ties the stamps')
  assert.deepEqual([...handedOver(flow, run, false)], ['runner-1'])
})

test('a result printed after the signal is not handed over', async () => {
  const run = await runSignalledAtGo('sigterm')
  assert.equal(run.exitCode, 0)
  assert.ok(run.stdout.includes(config))
  assert.deepEqual([...handedOver(flow, run, false)], [])
})
