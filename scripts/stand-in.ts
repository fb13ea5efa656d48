// `npm run stand-in -- [options]`: the loopback stand-in for GitHub's API (the one the tests use)
// as a process of its own, for trying the action or the command by hand and for the end-to-end
// workflow. Once it listens it prints its URL, then its PID, one a line on stdout; it runs until
// SIGINT or SIGTERM, until the process that started it exits (through npm: the one that ran npm),
// or until --for runs out. Every failure is one line on stderr and a non-zero exit: 2 for a usage
// error, 1 for anything else.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { type Fault, GitHubStandIn } from '../test/support/github-stand-in.js'
import { formatMs, parseDuration } from '../src/duration.js'

const USAGE = `Usage: npm run stand-in -- [options]

  --port N             Port to listen on (default: 0, any free port).
  --host ADDRESS       Loopback address to listen on: 127.0.0.1 (default), another 127.x.x.x,
                       ::1 or localhost. Nothing else: the stand-in accepts any token.
  --prefix PATH        API path prefix, as on GHES: /api/v3 (default: none).
  --accept-token TOKEN The only token accepted; others get 401 (default: any token).
  --fault SPEC         A fault for the next request, in order; repeatable. SPEC is a status with
                       optional headers (502, 429:retry-after=2, 403:x-ratelimit-remaining=0),
                       or reset (drop the connection) or hang (never answer).
  --max-in-flight N    Capacity: requests beyond N in flight get an immediate 502.
  --latency MS         Time each admitted request takes (default: 0).
  --for DURATION       Stop after this long (30s, 5m, 1h; default: no limit).
  --stay               Keep running after the process that started it exits (a CI job whose steps
                       are separate shells); pair it with --for. Default: stop when it exits.

Once it listens it prints its URL, then its PID, one a line on stdout. It stops on SIGINT or
SIGTERM, when the process that started it (through npm: the one that ran npm) exits, or when
--for runs out, and then lists the requests it saw on stderr.
`

/** Reads one --fault SPEC; undefined when it is not one. */
export function parseFault(spec: string): Fault | undefined {
  if (spec === 'reset') return { reset: true }
  if (spec === 'hang') return { hang: true }
  const match = /^([1-5]\d\d)(?::(.+))?$/.exec(spec)
  if (!match) return undefined
  const headers: Record<string, string> = {}
  for (const pair of match[2]?.split(',') ?? []) {
    const [name, value] = pair.split('=')
    if (!name || value === undefined) return undefined
    headers[name.trim().toLowerCase()] = value.trim()
  }
  return { status: Number(match[1]), headers }
}

/** A mistake on the command line: one line, exit 2. */
class UsageError extends Error {}

function wholeNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number; got ${JSON.stringify(value)}`)
  return Number(value)
}

/** Loopback only: the stand-in mints for any token, so it must not be reachable from elsewhere. */
function loopbackHost(value: string | undefined): string | undefined {
  if (value === undefined || value === 'localhost' || value === '::1' || /^127(\.\d{1,3}){3}$/.test(value)) return value
  throw new UsageError(`--host must be a loopback address (127.0.0.1, ::1 or localhost); got ${JSON.stringify(value)}`)
}

function parseCommandLine() {
  try {
    return parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        prefix: { type: 'string' },
        'accept-token': { type: 'string' },
        fault: { type: 'string', multiple: true },
        'max-in-flight': { type: 'string' },
        latency: { type: 'string' },
        for: { type: 'string' },
        stay: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

/** The parent of a process, or undefined when it cannot be read (gone, or no /proc and no ps). */
function parentOf(pid: number): number | undefined {
  try {
    // /proc/PID/stat: "PID (COMMAND) STATE PPID ...", and COMMAND may hold spaces and parentheses.
    const [state, ppid] = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /s, '')
      .split(' ')
    return state === 'Z' ? undefined : Number(ppid)
  } catch {
    try {
      const ppid = Number(execFileSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))
      return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined
    } catch {
      return undefined
    }
  }
}

/** Whether a process still runs: a zombie (exited, not yet reaped) does not. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  try {
    return !/^\S+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return true // no /proc: kill(0) has answered
  }
}

/**
 * The processes whose exit stops the stand-in: every ancestor below init. Through `npm run` the
 * parent is npm (or its sh), which outlives a script that ran it in the background, and a
 * script's `kill` of npm leaves the stand-in behind: so the whole line up is watched.
 */
function ancestors(): number[] {
  const line: number[] = []
  for (let pid: number | undefined = process.ppid; pid && pid > 1 && line.length < 64; pid = parentOf(pid)) line.push(pid)
  return line
}

async function main(): Promise<void> {
  const values = parseCommandLine()
  if (values.help) return void process.stdout.write(USAGE)
  const forMs = values.for === undefined ? undefined : parseDuration(values.for)
  if (forMs === undefined && values.for !== undefined) {
    throw new UsageError(`--for must be a duration such as 30s, 5m or 1h; got ${JSON.stringify(values.for)}`)
  }
  const faults = (values.fault ?? []).map((spec): Fault => {
    const fault = parseFault(spec)
    if (!fault) throw new UsageError(`--fault must be a status (502, 429:retry-after=2), reset or hang; got ${JSON.stringify(spec)}`)
    // Asked for on purpose: not GitHub's documented answer (a 201 without a token), so no
    // contract violation either.
    return { ...fault, offContract: `--fault ${spec}` }
  })
  const host = loopbackHost(values.host)
  const port = wholeNumber('port', values.port) ?? 0
  const github = new GitHubStandIn({
    acceptToken: values['accept-token'],
    prefix: values.prefix,
    host,
    maxInFlight: wholeNumber('max-in-flight', values['max-in-flight']),
    latencyMs: wholeNumber('latency', values.latency),
  })
  github.faults.push(...faults)
  let url: string
  try {
    url = await github.start(port)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE') throw new Error(`port ${port} on ${host ?? '127.0.0.1'} is already in use`, { cause: error })
    if (code === 'EADDRNOTAVAIL') throw new Error(`${host} is not an address of this machine`, { cause: error })
    throw error
  }
  process.stdout.write(`${url}\n${process.pid}\n`)
  const until = [
    forMs === undefined ? undefined : `after ${formatMs(forMs)}`,
    values.stay ? undefined : 'when the process that started it exits',
  ]
    .filter(Boolean)
    .join(', ')
  process.stderr.write(
    `Stand-in GitHub API at ${url} (pid ${process.pid}); ${faults.length} fault(s) queued. It stops on SIGINT or SIGTERM${until ? `, ${until}` : ''}.\n`,
  )

  let stopping = false
  const stop = async (why: string): Promise<void> => {
    if (stopping) return
    stopping = true
    // A request that GitHub's API description does not allow is worth knowing, not a crash.
    const violations = await github.close().then(
      () => undefined,
      (error: Error) => error.message.replace(/\n- /g, ' ').replace(/\n/g, ' '),
    )
    const paths = github.requests.map((request) => `  ${request.method} ${request.path}`).join('\n')
    // A runner token is 29 upper-case letters and digits; the rest it minted are JIT configs.
    const tokens = github.minted.filter((value) => /^[A-Z0-9]{29}$/.test(value)).length
    const minted = `${tokens} token(s) and ${github.minted.length - tokens} JIT config(s) minted`
    process.stderr.write(`Stand-in stopped (${why}): ${github.requests.length} request(s), ${minted}.\n${paths}\n`)
    if (violations) process.stderr.write(`stand-in: ${violations}\n`)
    process.exit(violations ? 1 : 0)
  }
  process.once('SIGINT', () => void stop('SIGINT'))
  process.once('SIGTERM', () => void stop('SIGTERM'))
  if (forMs !== undefined) setTimeout(() => void stop(`its --for ${formatMs(forMs)} ran out`), forMs).unref()
  if (!values.stay) {
    const watched = ancestors()
    setInterval(() => {
      const gone = watched.find((pid) => !running(pid))
      if (gone !== undefined) void stop(gone === watched[0] ? 'its parent exited' : `process ${gone} (which started it) exited`)
    }, 250).unref()
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    const message = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ')
    const usage = error instanceof UsageError
    process.stderr.write(`stand-in: ${message}${usage ? ' (see --help)' : ''}\n`)
    process.exit(usage ? 2 : 1)
  })
}
