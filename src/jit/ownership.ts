// The ownership label every runner of a JIT step carries: "mrt-", the step's start in Unix
// seconds (base 36), "-", and 10 crypto-random base36 characters. The time is what a sweeper
// (`type: prune` with `older-than`) reads, since GitHub's runner listing gives no creation time.
// The old form ("mrt-" and 10 random characters) is still ours, with an unknown age. Pure.
import { randomInt as cryptoRandomInt } from 'node:crypto'

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'
export const LABEL_RANDOM_LENGTH = 10
/** Every ownership label starts so; no other label may be pruned. */
export const LABEL_PREFIX = 'mrt-'
// 1 to 11 base-36 digits of seconds (11 digits run past the year 100,000); 8 to 64 random characters.
const TIMED = /^mrt-([0-9a-z]{1,11})-([0-9a-z]{8,64})$/
const OLD = /^mrt-[0-9a-z]{10}$/

/** What an ownership label says: when its step began (epoch ms), or that it is of the old form (age unknown). */
export type OwnershipLabel = { form: 'timed'; createdAtMs: number } | { form: 'old' }

/** A new label for a step that starts at `nowMs`; `randomInt(n)` is uniform in [0, n) (crypto by default). */
export function newOwnershipLabel(nowMs: number = Date.now(), randomInt: (n: number) => number = cryptoRandomInt): string {
  let random = ''
  for (let i = 0; i < LABEL_RANDOM_LENGTH; i++) random += ALPHABET[randomInt(ALPHABET.length)]
  return `${LABEL_PREFIX}${Math.floor(nowMs / 1000).toString(36)}-${random}`
}

/** The label read as an ownership label (any case, as GitHub compares labels); undefined when it is not one. */
export function readOwnershipLabel(label: string): OwnershipLabel | undefined {
  const lower = label.toLowerCase()
  if (OLD.test(lower)) return { form: 'old' }
  const timed = TIMED.exec(lower)
  return timed ? { form: 'timed', createdAtMs: parseInt(timed[1], 36) * 1000 } : undefined
}

/** Whether `label` has either form of an ownership label. */
export function isOwnershipLabel(label: string): boolean {
  return readOwnershipLabel(label) !== undefined
}
