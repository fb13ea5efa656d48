// The fault-point simulation (issue 17): every flow of the bundled action and command, recorded
// clean, then interrupted at each of its points by each fault that can happen there, with the
// invariant checked after the step and after the post step the runner would run (see
// test/support/fault-points.ts). A main step that fails is checked before its post step too: under
// continue-on-error the job succeeds and the post step (post-if: failure() || cancelled()) does
// not run, so what the step leaves must already be named. The full product is too slow for `npm test` on two cores: a
// seeded sample runs, round-robin over the faults. FAULT_SEED=n replays a sample, FAULT_ALL=1
// runs every scenario, FAULT_SAMPLE=n sets the sample's size, FAULT_MATCH=regex narrows the
// scenarios by name ("flow | point | fault").
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  FLOWS,
  type Outcome,
  type Scenario,
  pointsAndFaults,
  pool,
  runScenario,
  sample,
  scenarioName,
  seededRandom,
} from '../support/fault-points.js'

const CONCURRENCY = 2
/** About 65 s on two cores: most of it is the stalled rollbacks waiting out their grace, and the paced flow's waits. */
const SAMPLE_SIZE = Number(process.env.FAULT_SAMPLE ?? 60)

/**
 * Holes the simulation shows and no change has closed yet. Each must still fail (so this list
 * stays true: a fix makes the test say which entry to remove), and is reported, not counted.
 */
const KNOWN_HOLES: { scenario: RegExp; why: string }[] = []

/**
 * Of a sample, the scenarios at a paced flow's waits for the pace: each takes seconds (its waits
 * are the point), so a sample runs one paced flow, chosen by the seed, and this many of its waits.
 */
const PACED_IN_SAMPLE = 4

test('fault-point simulation: at every point, under every fault, no runner is left unnamed, no false "deleted", no secret, no overrun', async (t) => {
  const began = Date.now()
  const full = process.env.FAULT_ALL === '1'
  const match = process.env.FAULT_MATCH ? new RegExp(process.env.FAULT_MATCH) : undefined
  const seed = Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31))
  const random = seededRandom(seed)
  const pacedFlows = FLOWS.filter((flow) => flow.pace)
  const pacedFlow = pacedFlows[Math.floor(random() * pacedFlows.length)]
  const flows = full || match ? FLOWS : FLOWS.filter((flow) => !flow.pace || flow === pacedFlow)
  // One clean run of each flow: its requests are the points.
  const clean = await pool(flows, CONCURRENCY, (flow) => runScenario({ flow, clean: true }))
  for (const run of clean) {
    assert.deepEqual(run.problems, [], `the clean run of ${run.scenario.flow.name} broke the invariant`)
    const paced = run.paced.map((index) => run.requests[index - 1])
    t.diagnostic(`${run.scenario.flow.name}: ${run.requests.join(', ')}${paced.length ? `; waited for the pace: ${paced.join(', ')}` : ''}`)
    if (run.scenario.flow.pace) assert.ok(paced.length, `the clean run of ${run.scenario.flow.name} never waited for the pace`)
  }
  const all: Scenario[] = clean.flatMap((run) => pointsAndFaults(run.scenario.flow, run.requests, run.paced))
  const eligible = match ? all.filter((s) => match.test(scenarioName(s))) : all
  const waits = eligible.filter((s) => s.flow.pace && s.point.at === 'pace')
  const chosen = full
    ? eligible
    : match
      ? sample(eligible, SAMPLE_SIZE, random)
      : [
          ...sample(waits, Math.min(PACED_IN_SAMPLE, SAMPLE_SIZE), random),
          ...sample(
            eligible.filter((s) => !s.flow.pace),
            Math.max(0, SAMPLE_SIZE - PACED_IN_SAMPLE),
            random,
          ),
        ]
  const faults = new Set(all.map((s) => s.fault)).size
  const points = new Set(all.map((s) => `${s.flow.name} | ${s.point.name}`)).size
  const header = `fault points: ${points} points × their faults = ${all.length} scenarios in ${flows.length} flows (of ${FLOWS.length}) and ${faults} faults; running ${chosen.length} (FAULT_SEED=${seed}${full ? ', FAULT_ALL=1' : ''})`
  t.diagnostic(header)
  console.log(header)

  const known = (o: Outcome) => KNOWN_HOLES.find((hole) => hole.scenario.test(scenarioName(o.scenario)))
  const outcomes: Outcome[] = await pool(chosen, CONCURRENCY, async (scenario) => {
    const outcome = await runScenario(scenario)
    const verdict = !outcome.problems.length ? 'ok  ' : known(outcome) ? 'hole' : 'FAIL'
    console.log(`${verdict} ${scenarioName(scenario)} (${outcome.ms} ms)`)
    for (const problem of outcome.problems) console.log(`       ${problem}`)
    return outcome
  })
  for (const o of outcomes.filter(known)) {
    const line = o.problems.length
      ? `known hole: ${scenarioName(o.scenario)} (${known(o)!.why})`
      : `known hole closed: ${scenarioName(o.scenario)} now holds; remove it from KNOWN_HOLES`
    t.diagnostic(line)
    console.log(line)
  }
  const failed = outcomes.filter((o) => (known(o) ? !o.problems.length : o.problems.length))
  const slowest = Math.max(0, ...outcomes.map((o) => o.afterSignalMs ?? 0))
  const took = `${chosen.length} scenarios in ${((Date.now() - began) / 1000).toFixed(1)} s (FAULT_SEED=${seed}); the slowest signalled step ended ${slowest} ms after its signal`
  t.diagnostic(took)
  console.log(took)
  assert.deepEqual(
    failed.map((o) => `${scenarioName(o.scenario)}: ${o.problems.join('; ')}`),
    [],
    `${failed.length} of ${outcomes.length} scenarios broke the invariant (replay with FAULT_SEED=${seed})`,
  )
})
