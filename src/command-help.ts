// The command's --help: the option table, where secrets come from, what it prints and how it exits.
import { DURATION_FORMS } from './duration.js'
import { APP_ENV, EXIT, FLAGS, INPUT_OPTIONS, KEY_FILE_OPTION, PROGRAM, TOKEN_ENV, optionDefault } from './command-options.js'

export function helpText(): string {
  const rows: [string, string][] = [
    ...[...INPUT_OPTIONS, KEY_FILE_OPTION].map((option): [string, string] => {
      const shown = optionDefault(option)
      return [`--${option.name} ${option.value}`, shown ? `${option.help} Default: ${shown}.` : option.help]
    }),
    ...Object.entries(FLAGS).map(([name, flag]): [string, string] => [
      'short' in flag ? `-${flag.short}, --${name}` : `--${name}`,
      flag.help,
    ]),
  ]
  const width = Math.max(...rows.map(([left]) => left.length)) + 2
  const table = rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`).join('\n')
  return `Usage: ${PROGRAM} [options]
       ${PROGRAM} wait --ownership-label LABEL [--timeout DURATION] [options]
       ${PROGRAM} prune (--ownership-label LABEL | --older-than DURATION) [--dry-run] [options]

Mints a GitHub self-hosted runner registration or remove token, or registers just-in-time
runners (repository, organization or enterprise scope), and prints the result on stdout,
retrying what can recover with bounded, jittered exponential backoff that follows GitHub's
rate-limit rules. The options are the inputs of the mint-runner-token action, with the same
names, defaults and checks.

The token used to call GitHub comes from the environment: ${TOKEN_ENV.join(', else ')}. Or, as a
GitHub App: its ID from --app-id or ${APP_ENV.id}, and its private key (PEM) from
--${KEY_FILE_OPTION.name} or ${APP_ENV.key}; the command then makes an installation token
narrowed to the target, uses it, and revokes it, and a token in the environment is not used.
Secrets are never taken from the command line, where process lists and shell history would show them.

Options:
${table}

Durations are ${DURATION_FORMS}; at most 6h.

Output: stdout carries only the result, the token and a newline, or with --json one object:
  {"token": "...", "expires_at": "...", "attempts": 1, "type": "registration", "scope": "repository",
   "target": "OWNER/NAME", "runner_url": "https://github.com/OWNER/NAME"}
runner_url is what config.sh --url takes for the scope, on the server the token was minted on.
With --type jit: each runner's encoded JIT config on its own line, or with --json
  {"runners": [{"id": 1, "name": "...", "encoded_jit_config": "..."}], "attempts": 1, "type": "jit", "ownership_label": "mrt-...", ...}
Hand a JIT config to the runner in ACTIONS_RUNNER_INPUT_JITCONFIG and a registration token to
config.sh in ACTIONS_RUNNER_INPUT_TOKEN: the runner reads both from its environment and removes
them, so neither shows on a command line.
Progress and each failed attempt (status, GitHub request id, wait) go to stderr; no token ever does.

wait watches the runners of an ownership label until each is online or busy (one listing per poll,
every 1 s growing toward 10 s), prints each runner's state and name, and exits 1 on timeout naming
each runner that never connected; it deletes nothing.
prune deletes the runners with an ownership label (mrt-...) that are offline and not busy: those
of one label, or whose label is older than --older-than (at least 5m). It reads every page of the
listing first, looks at each runner again right before its delete, and prints the names it deleted
(with --dry-run, would delete), one a line, or with --json the whole report.

Exit status: ${EXIT.minted} minted; ${EXIT.failed} minting failed (the reason is on stderr); ${EXIT.usage} usage error;
${EXIT.interrupted} stopped by SIGINT, ${EXIT.terminated} by SIGTERM. With --type jit a failed or stopped run first deletes
the runners it registered and lists on stderr, by name, what it deleted and what it could not.

Examples:
  TOKEN=$(${PROGRAM} --repository octo-org/octo-repo)
  ${PROGRAM} --organization octo-org --max-attempts 5 --json
  GH_TOKEN=$(gh auth token) ${PROGRAM} --enterprise octo-enterprise --type remove
  GITHUB_APP_ID=123456 ${PROGRAM} --organization octo-org --app-private-key-file runner-app.pem
  ACTIONS_RUNNER_INPUT_JITCONFIG=$(${PROGRAM} --organization octo-org --type jit --labels self-hosted,linux)
  export ACTIONS_RUNNER_INPUT_JITCONFIG; unset GITHUB_TOKEN GH_TOKEN; exec ./run.sh
`
}
