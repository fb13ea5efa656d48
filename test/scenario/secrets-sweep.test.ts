// The secrets sweep runAction applies to every run: it must catch each way a secret can reach
// a log, or its silence in the other scenarios would prove nothing. Each case runs a tiny script
// in place of the action that leaks on purpose.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { StandInApp } from '../support/github-app.js'
import { runAction } from '../support/run-action.js'
import { readPrivateKey } from '../../src/app.js'
import { appJwt } from '../../src/app/jwt.js'

const TOKEN = 'ghp_SweepCallerToken0123456789abcdef'
let dir: string
let minted: string
const app = new StandInApp()
let jwt: string
let installationToken: string

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'secrets-sweep-'))
  // A value minted by a stand-in anywhere in this process is a secret for every run.
  const github = new GitHubStandIn()
  minted = github.mint().token
  await github.close()
  // A JWT an App was shown and the installation token it issued are secrets for every run too.
  const key = readPrivateKey(app.privateKeyPem)
  if (!('key' in key)) throw new Error(key.problem)
  jwt = appJwt(String(app.id), key.key, Date.now())
  const answer = app.route('POST', '/app/installations/4242/access_tokens', `Bearer ${jwt}`, '')
  installationToken = (answer?.body as { token: string }).token
})
after(() => rm(dir, { recursive: true, force: true }))

/**
 * Runs `body` (JavaScript) as if it were the action; in it `MINTED` stands for the minted value,
 * `KEY_LINE` for a line of the App's private key (given as the private-key input), `JWT` and
 * `INSTALLATION_TOKEN` for what the App saw and issued.
 */
async function runScript(name: string, body: string, token = TOKEN) {
  const script = join(dir, `${name}.mjs`)
  const constants = { MINTED: minted, KEY_LINE: app.privateKeyPem.split('\n')[5], JWT: jwt, INSTALLATION_TOKEN: installationToken }
  const declarations = Object.entries(constants).map(([name, value]) => `const ${name} = ${JSON.stringify(value)}`)
  await writeFile(script, `import { appendFileSync } from 'node:fs'\n${declarations.join('\n')}\n${body}\n`)
  return runAction({ 'github-token': token, 'private-key': app.privateKeyPem }, {}, script)
}

describe('the sweep every runAction applies', () => {
  test('passes a run that only masks its secrets, one mask holding another (a key pasted on one line)', async () => {
    const run = await runScript(
      'clean',
      `console.log('::add-mask::${TOKEN}'); console.log('::add-mask::' + MINTED); console.log('::add-mask::x' + KEY_LINE + JWT); console.log('ok')`,
    )
    assert.equal(run.exitCode, 0)
  })

  const leaks: { name: string; body: string; expect: RegExp }[] = [
    { name: 'stdout', body: `console.log('token is ${TOKEN}')`, expect: /secret printed on stdout line 0: token is <SECRET>/ },
    { name: 'minted-stdout', body: `console.log('::add-mask::' + MINTED); console.log('minted ' + MINTED)`, expect: /stdout line 1/ },
    { name: 'stderr', body: 'console.error(MINTED)', expect: /secret printed on stderr/ },
    {
      name: 'error',
      body: `console.log('::error::bad token ${TOKEN}'); process.exitCode = 1`,
      expect: /stdout line 0: ::error::bad token <SECRET>/,
    },
    {
      name: 'summary',
      body: 'appendFileSync(process.env.GITHUB_STEP_SUMMARY, MINTED)',
      expect: /secret written to the step summary/,
    },
    {
      name: 'output-unmasked',
      body: 'appendFileSync(process.env.GITHUB_OUTPUT, `token<<EOF\\n${MINTED}\\nEOF\\n`)',
      expect: /set as an output without ::add-mask:: first/,
    },
    { name: 'a private key line', body: 'console.log(`key: ${KEY_LINE}`)', expect: /secret printed on stdout line 0: key: <SECRET>/ },
    { name: 'a JWT', body: 'console.error(`Bearer ${JWT}`)', expect: /secret printed on stderr/ },
    {
      name: 'an installation token',
      body: "console.log('::add-mask::' + INSTALLATION_TOKEN); console.log('::debug::' + INSTALLATION_TOKEN)",
      expect: /stdout line 1: ::debug::<SECRET>/,
    },
    {
      name: 'an installation token as an output, masked or not',
      body: "console.log('::add-mask::' + INSTALLATION_TOKEN); appendFileSync(process.env.GITHUB_OUTPUT, `token<<EOF\\n${INSTALLATION_TOKEN}\\nEOF\\n`)",
      expect: /a private key line, a JWT or an installation token was set as an output/,
    },
    {
      name: 'output-caller-token',
      body: `console.log('::add-mask::${TOKEN}'); appendFileSync(process.env.GITHUB_OUTPUT, 'token<<EOF\\n${TOKEN}\\nEOF\\n')`,
      expect: /the github-token was set as an output/,
    },
  ]
  for (const { name, body, expect } of leaks) {
    test(`catches a secret in ${name}`, async () => {
      await assert.rejects(runScript(name, body), expect)
    })
  }

  test('refuses a github-token too short to sweep for', async () => {
    await assert.rejects(runScript('short', '', 'abc'), /cannot be swept for/)
  })
})
