// The ledger: every runner name this step may have registered, written down before the request
// that could register it is sent, and crossed out only when GitHub has confirmed the runner does
// not exist. The action persists it as state at every change (core.saveState appends to the
// GITHUB_STATE file synchronously), so a step killed at any moment leaves the post step a list.
// It also records where the runners live (the scope and the API), because the runner evaluates
// `with:` again for the post step and the inputs may then name another place.
import { randomInt } from 'node:crypto'
import { parseJson } from '../json.js'
import { InputError, parseApiUrl } from '../input-values.js'
import { type Scope, parseScope } from '../scope.js'

export interface LedgerEntry {
  name: string
  /** The runner's id, once GitHub told us. */
  id?: number
  /** An attempt for this name had an outcome we did not see: the runner may exist. In memory only. */
  maybe: boolean
  /** The runner was handed over (set as an output, printed): a host may be using it. */
  handedOver: boolean
}

/** Where a step registered its runners: the scope and the API it sent the registrations to. */
export interface LedgerPlace {
  scope: Scope
  apiUrl: string
}

/**
 * The persisted form: the label, where the runners live, and each entry's name, id and hand-over;
 * never a config or a token. A ledger saved before the place was recorded has no scope or api_url.
 */
interface SavedLedger {
  label: string
  scope?: Scope
  api_url?: string
  runners: { name: string; id?: number; handed_over?: boolean }[]
}

const LABEL_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'
const LABEL_RANDOM_LENGTH = 10
const LABEL = /^mrt-[a-z0-9]{10}$/

/**
 * A label unique to one step: "mrt-" and 10 crypto-random base36 characters (about 52 bits).
 * Every runner the step registers carries it, so a runner without it is provably not the step's.
 */
export function newOwnershipLabel(): string {
  let random = ''
  for (let i = 0; i < LABEL_RANDOM_LENGTH; i++) random += LABEL_ALPHABET[randomInt(LABEL_ALPHABET.length)]
  return `mrt-${random}`
}

export class Ledger {
  private readonly byName = new Map<string, LedgerEntry>()

  constructor(
    /** The ownership label every runner of this step carries. */
    readonly label: string,
    /** Called with the saved form at every change; the action writes it to GITHUB_STATE. */
    private readonly persist: (saved: string) => void = () => {},
    /** Where the runners are registered; undefined only in a ledger saved before it was recorded. */
    readonly place?: LedgerPlace,
  ) {}

  /** Every entry, in the order first recorded. */
  get entries(): LedgerEntry[] {
    return [...this.byName.values()]
  }

  /** Entries not handed over: the runners a failed or cancelled step must remove. */
  get notHandedOver(): LedgerEntry[] {
    return this.entries.filter((entry) => !entry.handedOver)
  }

  get(name: string): LedgerEntry | undefined {
    return this.byName.get(name)
  }

  /** Before a request that may register `name` is sent. */
  sending(name: string): void {
    if (this.byName.has(name)) return
    this.byName.set(name, { name, maybe: false, handedOver: false })
    this.save()
  }

  /** GitHub answered with the runner's id. */
  registered(name: string, id: number): void {
    const entry = this.byName.get(name)
    if (!entry || entry.id === id) return
    entry.id = id
    this.save()
  }

  /** An attempt's outcome was not seen (a reset, a timeout, a 5xx): the runner may exist. */
  outcomeUnknown(name: string): void {
    const entry = this.byName.get(name)
    if (entry) entry.maybe = true
  }

  /**
   * GitHub answered our own request with a definite error: that request registered nothing. The
   * entry leaves only if no earlier attempt for the name may have registered the runner.
   */
  refused(name: string): void {
    const entry = this.byName.get(name)
    if (entry && !entry.maybe && entry.id === undefined) this.remove(name)
  }

  /** GitHub confirmed the runner does not exist (a DELETE answered 204 or 404, a GET by id 404). */
  gone(name: string): void {
    this.remove(name)
  }

  /** The runners were handed over (outputs set, configs printed). */
  handOver(names: string[]): void {
    this.markHandedOver(names, true)
  }

  /**
   * The hand-over is taken back: the step was cancelled before it ended, so nothing after it runs
   * to use them, and the post step must remove them whatever "cleanup-on-failure" says.
   */
  withdraw(names: string[]): void {
    this.markHandedOver(names, false)
  }

  private markHandedOver(names: string[], handedOver: boolean): void {
    for (const name of names) {
      const entry = this.byName.get(name)
      if (entry) entry.handedOver = handedOver
    }
    this.save()
  }

  private remove(name: string): void {
    if (!this.byName.delete(name)) return
    try {
      this.save()
    } catch {
      // A removal that cannot be saved leaves the name on disk: the post step looks, finds it
      // gone, and says so. Failing here would stop a rollback whose deletes are what matters.
    }
  }

  private save(): void {
    this.persist(this.toState())
  }

  toState(): string {
    const saved: SavedLedger = {
      label: this.label,
      ...(this.place ? { scope: this.place.scope, api_url: this.place.apiUrl } : {}),
      runners: this.entries.map(({ name, id, handedOver }) => ({
        name,
        ...(id === undefined ? {} : { id }),
        ...(handedOver ? { handed_over: true } : {}),
      })),
    }
    return JSON.stringify(saved)
  }

  /**
   * The ledger a main step saved, for its post step. Undefined when there is none or it is not
   * ours to trust (no valid label): then nothing can be proven ours and nothing is deleted.
   */
  static fromState(text: string): Ledger | undefined {
    const saved = (parseJson(text) ?? {}) as Partial<SavedLedger>
    if (typeof saved.label !== 'string' || !LABEL.test(saved.label) || !Array.isArray(saved.runners)) return undefined
    const ledger = new Ledger(saved.label, () => {}, savedPlace(saved))
    for (const runner of saved.runners) {
      if (typeof runner?.name !== 'string' || !runner.name) continue
      const id = Number.isSafeInteger(runner.id) && (runner.id as number) > 0 ? runner.id : undefined
      // Whatever happened before, the runner may exist: the post step looks.
      ledger.byName.set(runner.name, { name: runner.name, id, maybe: true, handedOver: runner.handed_over === true })
    }
    return ledger
  }
}

/**
 * The place a ledger saved, checked as the inputs are (a scope's names, an API URL that is https
 * or loopback http); undefined when it has none (an older ledger) or it does not pass.
 */
function savedPlace(saved: Partial<SavedLedger>): LedgerPlace | undefined {
  const scope = saved.scope as Partial<Record<string, unknown>> | undefined
  if (!scope || typeof saved.api_url !== 'string') return undefined
  const text = (value: unknown): string => (typeof value === 'string' ? value : '')
  try {
    const parsed =
      scope.kind === 'repository'
        ? parseScope(`${text(scope.owner)}/${text(scope.repo)}`, '', '')
        : scope.kind === 'organization'
          ? parseScope('', text(scope.name) || '-', '')
          : scope.kind === 'enterprise'
            ? parseScope('', '', text(scope.name) || '-')
            : undefined
    return parsed && { scope: parsed, apiUrl: parseApiUrl(saved.api_url) }
  } catch (error) {
    if (error instanceof InputError) return undefined
    throw error
  }
}
