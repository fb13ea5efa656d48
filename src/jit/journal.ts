// The ledger as the action keeps it in GITHUB_STATE: a header (the ownership label) under one
// state name, then each change alone under the next numbered name (`ledger_1`, `ledger_2`, ...).
// GITHUB_STATE only appends, and the runner hands the post step the last value of each name, so
// saving the whole ledger at every change wrote N² bytes (about 32 MB for 1,000 runners); this
// writes each change once. The post step folds the changes back into the ledger's saved form.
// Each save is synchronous: a change is on disk before the request it precedes is sent.
import { parseJson } from '../json.js'
import type { Ledger, LedgerChange } from './ledger.js'

/** A change as written: ["+", name], ["=", name, id], ["-", name], ["h", [names]] (handed over), ["w", [names]] (withdrawn). */
type Written = ['+', string] | ['=', string, number] | ['-', string] | ['h', string[]] | ['w', string[]]

export class StateJournal {
  private count = 0

  constructor(
    private readonly save: (name: string, value: string) => void,
    private readonly name: string,
  ) {}

  /**
   * The header, before any change: the label, where the runners live, and no runner yet (the
   * whole-ledger saved form, so any reader of it finds an empty ledger in the right place).
   */
  start(ledger: Ledger): void {
    this.save(this.name, ledger.toState())
  }

  record(change: LedgerChange): void {
    this.save(`${this.name}_${++this.count}`, JSON.stringify(written(change)))
  }
}

function written(change: LedgerChange): Written {
  switch (change.op) {
    case 'sending':
      return ['+', change.name]
    case 'registered':
      return ['=', change.name, change.id]
    case 'gone':
      return ['-', change.name]
    case 'handedOver':
      return ['h', change.names]
    case 'withdrawn':
      return ['w', change.names]
  }
}

/**
 * The ledger's saved form (as Ledger.fromState reads it), folded from the header and the changes
 * after it, read in order until the first name that is not there (a killed step's last line may
 * be cut: the runner keeps every whole one). Undefined when there is no header.
 */
export function foldJournal(read: (name: string) => string, name: string): string | undefined {
  const header = read(name)
  if (!header) return undefined
  const saved = (parseJson(header) ?? {}) as Record<string, unknown> & { runners?: { name: string; id?: number; handed_over?: boolean }[] }
  if (!Array.isArray(saved.runners)) return header
  const runners = new Map(saved.runners.filter((r) => typeof r?.name === 'string').map((r) => [r.name, { ...r }]))
  for (let n = 1; ; n++) {
    const change = parseJson(read(`${name}_${n}`)) as Written | undefined
    if (!Array.isArray(change)) break
    const [op, target, id] = change
    if (op === '+' && typeof target === 'string' && !runners.has(target)) runners.set(target, { name: target })
    if (op === '=' && typeof target === 'string' && typeof id === 'number' && runners.has(target)) runners.get(target)!.id = id
    if (op === '-' && typeof target === 'string') runners.delete(target)
    if ((op === 'h' || op === 'w') && Array.isArray(target)) {
      for (const marked of target) {
        const runner = runners.get(marked)
        if (!runner) continue
        if (op === 'h') runner.handed_over = true
        else delete runner.handed_over
      }
    }
  }
  // The header's other fields (the label, the place) as they were; Ledger.fromState checks them.
  return JSON.stringify({ ...saved, runners: [...runners.values()] })
}
