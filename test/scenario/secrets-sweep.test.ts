// The secrets sweep runAction applies to every run: it must catch each way a secret can reach
// a log, or its silence in the other scenarios would prove nothing. Each case runs a tiny script
// in place of the action that leaks on purpose.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GitHubStandIn } from '../support/github-stand-in.js'
import { runAction } from '../support/run-action.js'

const TOKEN = 'ghp_SweepCallerToken0123456789abcdef'
let dir: string
let minted: string

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'secrets-sweep-'))
  // A value minted by a stand-in anywhere in this process is a secret for every run.
  const github = new GitHubStandIn()
  minted = github.mint().token
  await github.close()
})
after(() => rm(dir, { recursive: true, force: true }))

/** Runs `body` (JavaScript) as if it were the action; `MINTED` in it stands for the minted value. */
async function runScript(name: string, body: string, token = TOKEN) {
  const script = join(dir, `${name}.mjs`)
  await writeFile(script, `import { appendFileSync } from 'node:fs'\nconst MINTED = ${JSON.stringify(minted)}\n${body}\n`)
  return runAction({ 'github-token': token }, {}, script)
}

describe('the sweep every runAction applies', () => {
  test('passes a run that only masks its secrets', async () => {
    const run = await runScript('clean', `console.log('::add-mask::${TOKEN}'); console.log('::add-mask::' + MINTED); console.log('ok')`)
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
