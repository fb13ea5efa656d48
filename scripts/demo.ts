// `npm run demo`: the bundled action against a local stand-in for GitHub that fails a few times
// first (two 502s, then a 429 with retry-after), as the real API does under a burst. No
// credentials and no network needed.
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GitHubStandIn } from '../test/support/github-stand-in.js'
import { parseOutputFile } from '../test/support/run-action.js'

const callerToken = 'ghp_DemoCallerToken_not_a_real_one'
const github = new GitHubStandIn({ acceptToken: callerToken })
const apiUrl = await github.start()
github.faults.push(
  { status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>', offContract: 'a gateway page' },
  { status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>', offContract: 'a gateway page' },
  { status: 429, headers: { 'retry-after': '2' }, body: { message: 'API rate limit exceeded' } },
)

console.log(`Stand-in GitHub API at ${apiUrl}: it answers 502, 502, 429 (retry-after: 2), then mints.\n`)
console.log('$ node dist/index.js   # with INPUT_REPOSITORY=octo-org/octo-repo, INPUT_API-URL, INPUT_GITHUB-TOKEN\n')
const dir = await mkdtemp(join(tmpdir(), 'mint-runner-token-demo-'))
const outputFile = join(dir, 'output')
await writeFile(outputFile, '')
const stateFile = join(dir, 'state')
await writeFile(stateFile, '')
const action = spawn(process.execPath, ['dist/index.js'], {
  stdio: 'inherit',
  env: {
    PATH: process.env.PATH,
    'INPUT_GITHUB-TOKEN': callerToken,
    INPUT_REPOSITORY: 'octo-org/octo-repo',
    'INPUT_API-URL': apiUrl,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STATE: stateFile,
  },
})
const code = await new Promise<number>((resolve) => action.on('exit', (exit) => resolve(exit ?? 1)))
await github.close()
const outputs = parseOutputFile(await readFile(outputFile, 'utf8'))
await rm(dir, { recursive: true, force: true })
console.log(`\nThe action exited ${code} after ${github.requests.length} requests. Its outputs (GITHUB_OUTPUT):`)
for (const [name, value] of Object.entries(outputs)) {
  // A runner shows a masked value as ***; the demo does the same for the token.
  console.log(`  ${name}: ${name === 'token' ? `*** (${value.length} characters)` : value}`)
}
console.log('The ::add-mask:: lines tell the runner to hide those values in every later log line.')
process.exit(code)
