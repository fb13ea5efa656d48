// Preloaded (NODE_OPTIONS=--import) into each job of a gated benchmark row: the job stops at its
// first ::add-mask:: line (after start-up and reading its inputs, before its spread begins) and
// reads the FIFO named by BENCH_GATE_FIFO, which blocks until the benchmark opens the gate for all
// jobs at once. Stdout to a pipe is synchronous on Linux, so the line is out before the job blocks.
import { readFileSync } from 'node:fs'

const fifo = process.env.BENCH_GATE_FIFO
if (fifo) {
  delete process.env.BENCH_GATE_FIFO
  const write = process.stdout.write.bind(process.stdout)
  let held = false
  process.stdout.write = (chunk, ...rest) => {
    const written = write(chunk, ...rest)
    if (!held && String(chunk).includes('::add-mask::')) {
      held = true
      readFileSync(fifo)
    }
    return written
  }
}
