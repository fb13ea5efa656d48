// What the command accepts: one option per action input, with the input's name, the key file
// and the flags of the command itself; where secrets come from instead of argv; its exit statuses.
// The help text (command-help.ts) and the parsing (command-line.ts) both read these tables.
import { DEFAULTS } from './inputs.js'

export const PROGRAM = 'mint-runner-token'
export const EXIT = { minted: 0, failed: 1, usage: 2, interrupted: 130, terminated: 143 } as const

/** One command-line option per action input, with the input's name; parseInputs checks its value. */
export interface InputOption {
  name: string
  /** What the value is, for --help. */
  value: string
  help: string
  /** The default as --help shows it, when it is not the action's DEFAULTS entry. */
  shownDefault?: string
}

// Every action input except github-token and private-key (secrets never come from argv), in
// action.yml's order. A new input is one line here.
export const INPUT_OPTIONS: readonly InputOption[] = [
  {
    name: 'app-id',
    value: 'ID',
    help: "GitHub App: the App's ID or client ID, with its private key, instead of a token.",
    shownDefault: '$GITHUB_APP_ID',
  },
  { name: 'installation-id', value: 'ID', help: "GitHub App: the installation's id.", shownDefault: 'looked up for the target' },
  { name: 'repository', value: 'OWNER/NAME', help: 'Repository scope.', shownDefault: '$GITHUB_REPOSITORY' },
  { name: 'organization', value: 'LOGIN', help: 'Organization scope.' },
  { name: 'enterprise', value: 'SLUG', help: 'Enterprise scope. Set at most one of --organization and --enterprise.' },
  { name: 'type', value: 'TYPE', help: 'What to do: registration, remove or jit (just-in-time runners); wait and prune are subcommands.' },
  {
    name: 'api-url',
    value: 'URL',
    help: 'REST API base; on GHES https://HOST/api/v3.',
    shownDefault: '$GITHUB_API_URL, else https://api.github.com',
  },
  { name: 'max-attempts', value: 'N', help: 'Total tries including the first, 1 to 100.' },
  { name: 'initial-delay', value: 'DURATION', help: 'Ceiling of the first backoff wait.' },
  { name: 'max-delay', value: 'DURATION', help: 'Cap on any one backoff wait (a retry-after is honoured even when longer).' },
  { name: 'timeout', value: 'DURATION', help: 'Deadline for the whole run, waits included.' },
  { name: 'attempt-timeout', value: 'DURATION', help: 'Limit for one request, body included.' },
  { name: 'jitter', value: 'MODE', help: 'Shape of the backoff wait: full, equal, decorrelated or none.' },
  {
    name: 'spread',
    value: 'DURATION',
    help: 'A random wait before the first request, up to this long, inside --timeout: for many hosts that start at once.',
  },
  {
    name: 'labels',
    value: 'LIST',
    help: "For --type jit: the runners' labels, comma- or newline-separated, 1 to 99 (required for jit, unless --exclusive true); each runner also gets the run's ownership label.",
  },
  {
    name: 'runner-name',
    value: 'NAME',
    help: "For --type jit: the runner's name; with --count above 1 a prefix for unique names.",
    shownDefault: 'a generated unique name',
  },
  {
    name: 'runner-group',
    value: 'NAME',
    help: 'For --type jit, organization or enterprise scope: the runner group, by name (instead of --runner-group-id).',
  },
  { name: 'runner-group-id', value: 'ID', help: "For --type jit: the runner group's id." },
  { name: 'work-folder', value: 'PATH', help: "For --type jit: the runner's work folder." },
  {
    name: 'exclusive',
    value: 'BOOL',
    help: 'For --type jit: true registers the runners with the ownership label alone (no --labels), so only a job naming it can take them.',
  },
  { name: 'count', value: 'N', help: 'For --type jit: how many runners to register, 1 to 1000; all or none.' },
  {
    name: 'cleanup-on-failure',
    value: 'BOOL',
    help: 'Accepted for parity with the action, without effect: a failed or stopped run deletes what it registered, and runners it printed are yours.',
  },
  {
    name: 'ownership-label',
    value: 'LABEL',
    help: 'For wait and prune: the ownership label of a batch (mrt-..., as --type jit prints it).',
  },
  {
    name: 'older-than',
    value: 'DURATION',
    help: 'For prune, instead of --ownership-label: runners whose ownership label is older than this, at least 5m.',
  },
  {
    name: 'write-budget',
    value: 'N/DURATION',
    help: "For jit and prune: at most N writes (registrations, deletes) per API endpoint in any window of DURATION, or off. 180/1m is GitHub's secondary rate limit, 60/1m one write a second. A jit batch that cannot finish at this pace within --timeout is refused before it starts.",
  },
]

/** The option naming a file that holds a GitHub App's private key: the key itself never goes in argv. */
export const KEY_FILE_OPTION = {
  name: 'app-private-key-file',
  value: 'PATH',
  help: "GitHub App: a file holding the App's private key (PEM).",
  shownDefault: 'the PEM text in $GITHUB_APP_PRIVATE_KEY',
} as const satisfies InputOption

export const FLAGS = {
  json: { type: 'boolean', help: 'Print the whole result as one JSON object instead of the token alone.' },
  'dry-run': { type: 'boolean', help: 'For prune: print what would be deleted; delete nothing.' },
  quiet: { type: 'boolean', short: 'q', help: 'Print nothing on stderr but errors.' },
  help: { type: 'boolean', short: 'h', help: 'Show this help and exit.' },
  version: { type: 'boolean', help: 'Show the version and exit.' },
} as const

/** The default an option's help and its empty-value error name; undefined when it has none. */
export function optionDefault(option: InputOption): string | undefined {
  return option.shownDefault ?? (DEFAULTS as Record<string, string>)[option.name]
}

/** Where the secrets come from instead: the environment, or for a key a file. */
export const TOKEN_ENV = ['GITHUB_TOKEN', 'GH_TOKEN'] as const
export const APP_ENV = { id: 'GITHUB_APP_ID', key: 'GITHUB_APP_PRIVATE_KEY' } as const

/** Options that would put the caller's token or key in argv, where process lists and shell history show it. */
export const REFUSED_OPTIONS: readonly { names: readonly string[]; secret: string; instead: string }[] = [
  { names: ['github-token', 'token'], secret: 'a token', instead: `in the environment instead: ${TOKEN_ENV.join(' or ')}` },
  {
    names: ['private-key', 'app-private-key'],
    secret: 'a private key',
    instead: `in a file (--${KEY_FILE_OPTION.name} PATH) or in the environment (${APP_ENV.key}) instead`,
  },
]
