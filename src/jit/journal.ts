// The ledger as the action keeps it in GITHUB_STATE: a header (the ownership label) under one
// state name, then each change alone under the next numbered name (`ledger_1`, `ledger_2`, ...).
// GITHUB_STATE only appends, and the runner hands the post step the last value of each name, so
// saving the whole ledger at every change wrote N² bytes (about 32 MB for 1,000 runners); this
// writes each change once. The post step folds the changes back into the ledger's saved form.
// Each save is synchronous: a change is on disk before the request it precedes is sent.
import { parseJson } from '../json.js'
import type { LedgerChange } from './ledger.js'

/** A change as written: ["+", name], ["=", name, id], ["-", name], ["h", [names]]. */
type Written = ['+', string] | ['=', string, number] | ['-', string] | ['h', string[]]

export class StateJournal {
  private count = 0

  constructor(
    private readonly save: (name: string, value: string) => void,
    private readonly name: string,
  ) {}

  /** The header, before any change: the label, and no runner yet (the old saved form, so any reader of it finds an empty ledger). */
  start(label: string): void {
    this.save(this.name, JSON.stringify({ label, runners: [] }))
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
  const saved = (parseJson(header) ?? {}) as { label?: unknown; runners?: { name: string; id?: number; handed_over?: boolean }[] }
  if (!Array.isArray(saved.runners)) return header
  const runners = new Map(saved.runners.filter((r) => typeof r?.name === 'string').map((r) => [r.name, { ...r }]))
  for (let n = 1; ; n++) {
    const change = parseJson(read(`${name}_${n}`)) as Written | undefined
    if (!Array.isArray(change)) break
    const [op, target, id] = change
    if (op === '+' && typeof target === 'string' && !runners.has(target)) runners.set(target, { name: target })
    if (op === '=' && typeof target === 'string' && typeof id === 'number' && runners.has(target)) runners.get(target)!.id = id
    if (op === '-' && typeof target === 'string') runners.delete(target)
    if (op === 'h' && Array.isArray(target)) {
      for (const handed of target) if (runners.has(handed)) runners.get(handed)!.handed_over = true
    }
  }
  return JSON.stringify({ label: saved.label, runners: [...runners.values()] })
}
