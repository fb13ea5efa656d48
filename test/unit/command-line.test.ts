// command-line.ts: argv to options (refusals first, Node's own errors reworded), the environment
// and a key file to what parseInputs reads, and the messages of parseInputs and the mint in the
// command line's words. Each case checks exactly what is said.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UsageError, commandInputs, forCommandLine, parseCommandLine } from '../../src/command-line.js'

const TOKEN = 'ghp_CommandLineToken0123456789abc'

/** The UsageError `run` throws, by its exact message. */
function usage(run: () => unknown, message: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof UsageError, String(error))
    assert.equal(error.message, message)
    return true
  })
}

describe('parseCommandLine', () => {
  test('every input option as a string, flags as booleans, short flags too', () => {
    assert.deepEqual(
      { ...parseCommandLine(['--repository', 'o/r', '--count=3', '--json', '-q']) },
      {
        repository: 'o/r',
        count: '3',
        json: true,
        quiet: true,
      },
    )
    assert.deepEqual({ ...parseCommandLine(['-h']) }, { help: true })
    assert.deepEqual(
      { ...parseCommandLine(['--app-private-key-file', '/k.pem', '--version']) },
      {
        'app-private-key-file': '/k.pem',
        version: true,
      },
    )
    assert.deepEqual({ ...parseCommandLine([]) }, {})
  })

  for (const [arg, secret, instead] of [
    ['--github-token', 'a token', 'in the environment instead: GITHUB_TOKEN or GH_TOKEN'],
    ['--token=ghp_x', 'a token', 'in the environment instead: GITHUB_TOKEN or GH_TOKEN'],
    ['--private-key', 'a private key', 'in a file (--app-private-key-file PATH) or in the environment (GITHUB_APP_PRIVATE_KEY) instead'],
    [
      '--app-private-key=abc',
      'a private key',
      'in a file (--app-private-key-file PATH) or in the environment (GITHUB_APP_PRIVATE_KEY) instead',
    ],
  ]) {
    test(`${arg.split('=')[0]} is refused by name, before any other complaint, and its value is not repeated`, () => {
      const name = arg.slice(2).split('=')[0]
      usage(
        () => parseCommandLine(['--nonsense', arg, 'value']),
        `option --${name} is not accepted: ${secret} on the command line shows up in process lists, shell history and logs. Put it ${instead}.`,
      )
    })
  }

  test('a value that merely contains "--token" is a value, not the refused option', () => {
    assert.deepEqual({ ...parseCommandLine(['--runner-name', 'ci--token']) }, { 'runner-name': 'ci--token' })
  })

  test('after "--" nothing is an option: a refused name there is a stray argument', () => {
    usage(() => parseCommandLine(['--', '--github-token']), 'this command takes no arguments, only options.')
  })

  test('a stray argument is refused without repeating it', () => {
    usage(() => parseCommandLine(['ghp_pastedHere']), 'this command takes no arguments, only options.')
  })

  test("Node's other parse errors are usage errors with Node's message", () => {
    assert.throws(
      () => parseCommandLine(['--bogus']),
      (error: unknown) => error instanceof UsageError && /Unknown option '--bogus'/.test(error.message),
    )
    assert.throws(
      () => parseCommandLine(['--count']),
      (error: unknown) => error instanceof UsageError && /Option '--count <value>' argument missing/.test(error.message),
    )
  })

  test('an option followed by another option has no value: refused', () => {
    assert.throws(() => parseCommandLine(['--count', '--json']), UsageError)
  })
})

describe('commandInputs', () => {
  let dir: string
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'command-line-'))))
  after(() => rm(dir, { recursive: true, force: true }))

  const inputsOf = (values: Record<string, string | boolean>, env: NodeJS.ProcessEnv) => {
    const lines: string[] = []
    const result = commandInputs(values, env, (line) => lines.push(line))
    return { ...result, lines }
  }

  test('a token: GITHUB_TOKEN first, named by its variable; options read as given, unknown ones empty', () => {
    const { read, names, lines } = inputsOf({ repository: 'o/r' }, { GITHUB_TOKEN: TOKEN, GH_TOKEN: 'ghp_other0123456789' })
    assert.equal(read('github-token'), TOKEN)
    assert.equal(read('repository'), 'o/r')
    assert.equal(read('organization'), '')
    assert.equal(read('app-id'), '')
    assert.equal(read('private-key'), '')
    assert.deepEqual(names, {
      'app-id': 'GITHUB_APP_ID (or --app-id)',
      'private-key': 'GITHUB_APP_PRIVATE_KEY',
      'github-token': 'GITHUB_TOKEN',
    })
    assert.deepEqual(lines, [])
  })

  test('GH_TOKEN when GITHUB_TOKEN is empty or blank', () => {
    const { read, names } = inputsOf({}, { GITHUB_TOKEN: '  ', GH_TOKEN: TOKEN })
    assert.equal(read('github-token'), TOKEN)
    assert.equal(names['github-token'], 'GH_TOKEN')
  })

  test('neither a token nor App credentials: a usage error naming every way to give them', () => {
    usage(
      () => inputsOf({}, {}),
      'set GITHUB_TOKEN or GH_TOKEN to a token allowed to manage self-hosted runners for the target, or GITHUB_APP_ID and ' +
        'GITHUB_APP_PRIVATE_KEY (or --app-private-key-file) for a GitHub App; secrets are read only from the environment or a file, never from the command line.',
    )
  })

  test('App credentials from the environment: the token variables are said to be unused, and read as empty', () => {
    const env = { GITHUB_APP_ID: ' 123 ', GITHUB_APP_PRIVATE_KEY: 'KEY', GITHUB_TOKEN: TOKEN, GH_TOKEN: TOKEN }
    const { read, names, lines } = inputsOf({}, env)
    assert.equal(read('app-id'), '123')
    assert.equal(read('private-key'), 'KEY')
    assert.equal(read('github-token'), '')
    assert.deepEqual(names, { 'app-id': 'GITHUB_APP_ID', 'private-key': 'GITHUB_APP_PRIVATE_KEY' })
    assert.deepEqual(lines, ['Authenticating as the GitHub App; GITHUB_TOKEN and GH_TOKEN in the environment are not used.'])
    const one = inputsOf({}, { ...env, GH_TOKEN: '' })
    assert.deepEqual(one.lines, ['Authenticating as the GitHub App; GITHUB_TOKEN in the environment is not used.'])
    assert.deepEqual(inputsOf({}, { GITHUB_APP_ID: '1', GITHUB_APP_PRIVATE_KEY: 'KEY' }).lines, [])
  })

  test('--app-id over GITHUB_APP_ID, and the key from --app-private-key-file, named as such', async () => {
    const file = join(dir, 'key.pem')
    await writeFile(file, 'PEM TEXT\n')
    const { read, names } = inputsOf(
      { 'app-id': ' 77 ', 'app-private-key-file': file },
      { GITHUB_APP_ID: '1', GITHUB_APP_PRIVATE_KEY: 'ENV' },
    )
    assert.equal(read('app-id'), '77')
    assert.equal(read('private-key'), 'PEM TEXT\n')
    assert.deepEqual(names, { 'app-id': '--app-id', 'private-key': 'the key in --app-private-key-file' })
  })

  test('a key file that cannot be opened, read, or is too large: usage errors naming the file and the code, never its text', async () => {
    const missing = join(dir, 'missing.pem')
    usage(
      () => inputsOf({ 'app-private-key-file': missing }, { GITHUB_APP_ID: '1' }),
      `cannot open --app-private-key-file ${JSON.stringify(missing)}: ENOENT.`,
    )
    const folder = join(dir, 'folder')
    await mkdir(folder)
    usage(
      () => inputsOf({ 'app-private-key-file': folder }, { GITHUB_APP_ID: '1' }),
      `cannot read --app-private-key-file ${JSON.stringify(folder)}: EISDIR.`,
    )
    const big = join(dir, 'big.pem')
    await writeFile(big, 'x'.repeat(64 * 1024 + 1))
    usage(
      () => inputsOf({ 'app-private-key-file': big }, { GITHUB_APP_ID: '1' }),
      `--app-private-key-file ${JSON.stringify(big)} is larger than 64 KiB: not a private key.`,
    )
    const limit = join(dir, 'limit.pem')
    await writeFile(limit, 'y'.repeat(64 * 1024))
    assert.equal(inputsOf({ 'app-private-key-file': limit }, { GITHUB_APP_ID: '1' }).read('private-key').length, 64 * 1024)
  })

  test('an option given an empty value is refused, naming its default when it has one', () => {
    usage(
      () => inputsOf({ timeout: ' ' }, { GITHUB_TOKEN: TOKEN }),
      'Option --timeout was given an empty value; leave it out to use its default (5m).',
    )
    usage(
      () => inputsOf({ organization: '' }, { GITHUB_TOKEN: TOKEN }),
      'Option --organization was given an empty value; leave it out to use its default.',
    )
    // Flags are booleans: not values to refuse.
    assert.doesNotThrow(() => inputsOf({ json: true }, { GITHUB_TOKEN: TOKEN }))
  })
})

describe('forCommandLine', () => {
  const names = { 'github-token': 'GITHUB_TOKEN', 'app-id': '--app-id', 'private-key': 'GITHUB_APP_PRIVATE_KEY' }

  test('inputs become options, credentials become what names them, the step becomes the run', () => {
    assert.equal(
      forCommandLine('Input "max-delay" must be at least "initial-delay" in this step.', names),
      'Option --max-delay must be at least --initial-delay in this run.',
    )
    assert.equal(
      forCommandLine('Inputs "organization" and "enterprise" conflict.', names),
      'Options --organization and --enterprise conflict.',
    )
    assert.equal(forCommandLine('Set inputs "timeout" or "spread".', names), 'Set options --timeout or --spread.')
    assert.equal(forCommandLine('Input "github-token" was refused.', names), 'GITHUB_TOKEN was refused.')
    assert.equal(
      forCommandLine('The "github-token" lacks a permission; input "app-id" too.', names),
      'The GITHUB_TOKEN lacks a permission; --app-id too.',
    )
    assert.equal(forCommandLine('inputs "private-key" is unreadable', names), 'GITHUB_APP_PRIVATE_KEY is unreadable')
  })

  test('the user\'s value after "got " and GitHub\'s own words are left as they were', () => {
    assert.equal(
      forCommandLine('Input "count" must be 1 to 100; got "timeout" in this step.', names),
      'Option --count must be 1 to 100; got "timeout" in this step.',
    )
    assert.equal(
      forCommandLine('Refused in this step. GitHub said: "Input "labels" is invalid".', names),
      'Refused in this run. GitHub said: "Input "labels" is invalid".',
    )
  })

  test("every mention is reworded, and a message that opens with GitHub's words is left whole", () => {
    assert.equal(forCommandLine('Input "github-token" expired; renew "github-token".', names), 'GITHUB_TOKEN expired; renew GITHUB_TOKEN.')
    assert.equal(forCommandLine('GitHub said: "Input "labels" is invalid"', names), 'GitHub said: "Input "labels" is invalid"')
    assert.equal(forCommandLine('got "timeout" in this step', names), 'got "timeout" in this step')
  })

  test('a quoted word that is no option stays quoted; "this steps" is not "this step"', () => {
    assert.equal(forCommandLine('Runner "ci" failed in this stepper.', {}), 'Runner "ci" failed in this stepper.')
    // Secrets are never options: without a name for it, "github-token" stays as it was; "app-id" is an option.
    assert.equal(forCommandLine('"github-token" and "app-id"', {}), '"github-token" and --app-id')
  })
})
