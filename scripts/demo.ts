// `npm run demo`: the bundled action against a local stand-in for GitHub that fails a few times
// first (two 502s, then a 429 with retry-after), as the real API does under a burst. No
// credentials and no network needed.
// `npm run demo -- --app`: the same as a GitHub App, with a key generated for the demo: the
// installation lookup answers 502, the installation token 503, the mint 429, and every call is
// retried, then the installation token is revoked.
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { type Fault, GitHubStandIn } from '../test/support/github-stand-in.js'
import { StandInApp } from '../test/support/github-app.js'
import { parseOutputFile } from '../test/support/run-action.js'

const asApp = process.argv.includes('--app')
const callerToken = 'ghp_DemoCallerToken_not_a_real_one'
const app = asApp ? new StandInApp() : undefined
const github = new GitHubStandIn(app ? { app } : { acceptToken: callerToken })
const apiUrl = await github.start()
const gateway: Fault = { status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>', offContract: 'a gateway page' }
if (app) {
  github.faults.push(gateway, { pass: true }, { status: 503 }, { pass: true }, { status: 429, headers: { 'retry-after': '1' } })
  console.log(
    `Stand-in GitHub API at ${apiUrl}, with GitHub App ${app.id} installed on octo-org (a key made for this demo).\n` +
      'It answers the installation lookup 502, the installation token 503, the mint 429 (retry-after: 1), and then each as GitHub does.\n',
  )
  console.log('$ node dist/index.js   # with INPUT_APP-ID, INPUT_PRIVATE-KEY, INPUT_ORGANIZATION=octo-org, INPUT_API-URL\n')
} else {
  github.faults.push(gateway, gateway, { status: 429, headers: { 'retry-after': '2' }, body: { message: 'API rate limit exceeded' } })
  console.log(`Stand-in GitHub API at ${apiUrl}: it answers 502, 502, 429 (retry-after: 2), then mints.\n`)
  console.log('$ node dist/index.js   # with INPUT_REPOSITORY=octo-org/octo-repo, INPUT_API-URL, INPUT_GITHUB-TOKEN\n')
}
const dir = await mkdtemp(join(tmpdir(), 'mint-runner-token-demo-'))
const outputFile = join(dir, 'output')
await writeFile(outputFile, '')
const stateFile = join(dir, 'state')
await writeFile(stateFile, '')
const inputs = app
  ? {
      'INPUT_APP-ID': String(app.id),
      'INPUT_PRIVATE-KEY': app.privateKeyPem,
      INPUT_ORGANIZATION: 'octo-org',
      'INPUT_INITIAL-DELAY': '500ms',
    }
  : { 'INPUT_GITHUB-TOKEN': callerToken, INPUT_REPOSITORY: 'octo-org/octo-repo' }
const action = spawn(process.execPath, ['dist/index.js'], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { PATH: process.env.PATH, ...inputs, 'INPUT_API-URL': apiUrl, GITHUB_OUTPUT: outputFile, GITHUB_STATE: stateFile },
})
// A runner never shows a masked value; neither does the demo (the App's key lines alone are 25).
let masks = 0
for await (const line of createInterface({ input: action.stdout })) {
  if (!line.startsWith('::add-mask::')) console.log(line)
  else if (masks++ === 0) console.log('::add-mask::***   (the values to mask, one command each; shown here only as a count below)')
}
const code = await new Promise<number>((resolve) =>
  action.exitCode !== null ? resolve(action.exitCode) : action.on('exit', (exit) => resolve(exit ?? 1)),
)
await github.close()
const outputs = parseOutputFile(await readFile(outputFile, 'utf8'))
await rm(dir, { recursive: true, force: true })
console.log(`\nThe action exited ${code} after ${github.requests.length} requests, and asked the runner to mask ${masks} values:`)
for (const request of github.requests) console.log(`  ${request.status ?? '   '} ${request.method} ${request.path}`)
if (app) {
  const revoked = app.tokens.every((token) => token.revoked)
  console.log(`Installation tokens made: ${app.tokens.length}, all revoked: ${revoked ? 'yes' : 'no'}.`)
}
console.log('Its outputs (GITHUB_OUTPUT):')
for (const [name, value] of Object.entries(outputs)) {
  // A runner shows a masked value as ***; the demo does the same for the token.
  console.log(`  ${name}: ${name === 'token' ? `*** (${value.length} characters)` : value}`)
}
console.log('The ::add-mask:: commands tell the runner to hide those values in every later log line.')
process.exit(code)
