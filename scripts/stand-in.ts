// `npm run stand-in -- [options]`: the loopback stand-in for GitHub's API (the one the tests use)
// as a process of its own, for trying the action or the command by hand and for the end-to-end
// workflow. Prints its URL as the first line on stdout; runs until SIGINT or SIGTERM.
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { type Fault, GitHubStandIn } from '../test/support/github-stand-in.js'

const USAGE = `Usage: npm run stand-in -- [options]

  --port N             Port to listen on (default: 0, any free port).
  --host ADDRESS       Loopback address to listen on (default: 127.0.0.1).
  --prefix PATH        API path prefix, as on GHES: /api/v3 (default: none).
  --accept-token TOKEN The only token accepted; others get 401 (default: any token).
  --fault SPEC         A fault for the next request, in order; repeatable. SPEC is a status with
                       optional headers (502, 429:retry-after=2, 403:x-ratelimit-remaining=0),
                       or reset (drop the connection) or hang (never answer).
  --max-in-flight N    Capacity: requests beyond N in flight get an immediate 502.
  --latency MS         Time each admitted request takes (default: 0).
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

function wholeNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw new Error(`--${name} must be a whole number; got ${JSON.stringify(value)}`)
  return Number(value)
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      prefix: { type: 'string' },
      'accept-token': { type: 'string' },
      fault: { type: 'string', multiple: true },
      'max-in-flight': { type: 'string' },
      latency: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help) return void process.stdout.write(USAGE)
  const faults = (values.fault ?? []).map((spec) => {
    const fault = parseFault(spec)
    if (!fault) throw new Error(`--fault must be a status (502, 429:retry-after=2), reset or hang; got ${JSON.stringify(spec)}`)
    return fault
  })
  const github = new GitHubStandIn({
    acceptToken: values['accept-token'],
    prefix: values.prefix,
    host: values.host,
    maxInFlight: wholeNumber('max-in-flight', values['max-in-flight']),
    latencyMs: wholeNumber('latency', values.latency),
  })
  github.faults.push(...faults)
  const url = await github.start(wholeNumber('port', values.port) ?? 0)
  process.stdout.write(`${url}\n`)
  process.stderr.write(`Stand-in GitHub API at ${url}; ${faults.length} fault(s) queued. Stop it with SIGINT or SIGTERM.\n`)

  const stop = async (): Promise<void> => {
    await github.close()
    const paths = github.requests.map((request) => `  ${request.method} ${request.path}`).join('\n')
    process.stderr.write(`Stand-in stopped: ${github.requests.length} request(s), ${github.minted.length} token(s) minted.\n${paths}\n`)
    process.exit(0)
  }
  process.once('SIGINT', () => void stop())
  process.once('SIGTERM', () => void stop())
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`stand-in: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`)
    process.exit(2)
  })
}
