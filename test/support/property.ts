// Shared fast-check settings: quick by default, reproducible on failure. A failing property
// prints its seed and path; rerun it with FC_SEED=<seed> (and FC_PATH=<path> to skip shrinking).
// FC_NUM_RUNS raises the number of cases for a longer hunt.
import fc from 'fast-check'

export function propertyOptions(numRuns = 200): fc.Parameters<unknown> {
  const seed = process.env.FC_SEED
  return {
    numRuns: Number(process.env.FC_NUM_RUNS ?? numRuns),
    ...(seed ? { seed: Number(seed), path: process.env.FC_PATH } : {}),
  }
}
