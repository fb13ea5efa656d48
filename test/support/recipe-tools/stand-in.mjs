// Stand-ins for the outside tools the README's recipes call: aws, kubectl, ssh, sudo, setpriv,
// iptables, shutdown, pip, the runner's config.sh and run.sh, and a user's provision-host.sh.
// Each records how it was called (argv, working directory, environment, stdin when it reads it)
// in the world's log, and refuses what the real tool refuses, or would do wrong: above all a
// secret anywhere on its command line, where every user of the machine can read it.
//
// Usage (from the wrappers RecipeWorld writes): node stand-in.mjs WORLD TOOL [ARG...]
// The world is a directory: log.jsonl (one line per call), secrets.txt (one secret per line),
// state/ (what the tools remember), hosts/ (the homes of ssh hosts), bin/ (the wrappers).
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { join, resolve } from 'node:path'

const [world, tool, ...args] = process.argv.slice(2)
const env = process.env
const config = JSON.parse(readFileSync(join(world, 'config.json'), 'utf8'))

/**
 * Who and where this process runs, as the test set it (MRT_USER, MRT_HOST, MRT_INSTANCE,
 * MRT_AWS_ROLE) for the step, the boot script, the ssh session or the container. A process
 * inherits its user from its parent whatever environment it was given, so a variable the caller
 * dropped (sudo's env_reset, a script's own env) is read from the nearest ancestor that has it.
 */
function inherited(name) {
  if (env[name] !== undefined) return env[name]
  let pid = process.ppid
  for (let depth = 0; pid > 1 && depth < 64; depth++) {
    try {
      const hit = readFileSync(`/proc/${pid}/environ`, 'latin1')
        .split('\0')
        .find((entry) => entry.startsWith(`${name}=`))
      if (hit) return hit.slice(name.length + 1)
      pid = Number(
        readFileSync(`/proc/${pid}/stat`, 'utf8')
          .replace(/^.*\) /s, '')
          .split(' ')[1],
      )
    } catch {
      break
    }
  }
  return undefined
}
const user = inherited('MRT_USER') ?? 'runner'
const host = inherited('MRT_HOST') ?? 'provisioner'

function fail(message, status = 1) {
  process.stderr.write(`${message}\n`)
  process.exit(status)
}

function record(extra = {}) {
  const entry = { tool, argv: args, cwd: process.cwd(), user, host, env: { ...env }, at: Date.now(), ...extra }
  appendFileSync(join(world, 'log.jsonl'), `${JSON.stringify(entry)}\n`)
}

function readStdin() {
  try {
    return readFileSync(0, 'utf8')
  } catch {
    return ''
  }
}

function lines(path) {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []
}

// State that several calls share, read and written under a lock (calls may run concurrently).
function withState(name, change) {
  const path = join(world, 'state', `${name}.json`)
  const lock = `${path}.lock`
  mkdirSync(join(world, 'state'), { recursive: true })
  for (let tries = 0; ; tries++) {
    try {
      mkdirSync(lock)
      break
    } catch {
      if (tries > 2000) fail(`${tool} stand-in: state ${name} stayed locked`, 70)
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5)
    }
  }
  try {
    const state = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : {}
    const result = change(state)
    writeFileSync(path, JSON.stringify(state, null, 1))
    return result
  } finally {
    rmdirSync(lock)
  }
}

// Every tool: a secret on the command line is refused before anything else happens. The real
// tools would run, and every user of the machine could read the secret in /proc/PID/cmdline.
const secrets = lines(join(world, 'secrets.txt'))
const exposed = args.findIndex((arg) => secrets.some((secret) => arg.includes(secret)))
if (exposed >= 0) {
  record({ refused: 'secret on the command line' })
  fail(
    `${tool} (stand-in): refusing to run: argument ${exposed + 1} holds a secret, which every user of this machine can read on a command line`,
    97,
  )
}

/** Options as the tools take them: --name value, --name=value, and flags that take no value. */
function parseOptions(list, flags = []) {
  const options = {}
  const rest = []
  for (let i = 0; i < list.length; i++) {
    const arg = list[i]
    if (arg === '--') {
      rest.push(...list.slice(i + 1))
      break
    }
    const match = /^--([^=]+)(?:=(.*))?$/s.exec(arg)
    if (!match) {
      rest.push(arg)
      continue
    }
    const [, name, inline] = match
    if (inline !== undefined) options[name] = inline
    else if (flags.includes(name)) options[name] = true
    else if (i + 1 < list.length) options[name] = list[++i]
    else fail(`${tool}: option --${name} needs a value`, 2)
  }
  return { options, rest }
}

/** Runs a command as a child with stdio passed through, and exits with its status. */
function exec(command, commandArgs, childEnv) {
  const result = spawnSync(command, commandArgs, { stdio: 'inherit', env: childEnv })
  if (result.error) fail(`${tool}: ${command}: ${result.error.code === 'ENOENT' ? 'command not found' : result.error.message}`, 127)
  process.exit(result.status ?? 128)
}

// ---------------------------------------------------------------------------------------------
// aws: ssm put-parameter / get-parameter / delete-parameter, ec2 run-instances; and IAM, as far
// as the recipes' policies go: the identity (MRT_AWS_ROLE) may do only what its policy allows.

const ACCOUNT = '123456789012'
const AWS_FLAGS = ['with-decryption', 'no-with-decryption', 'overwrite', 'no-overwrite', 'no-cli-pager', 'debug', 'dry-run']

function aws() {
  const { options, rest } = parseOptions(args, AWS_FLAGS)
  const [service, operation] = rest
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION
  record()
  if (!region) fail('You must specify a region. You can also configure your region by running "aws configure".', 253)
  const role = inherited('MRT_AWS_ROLE')
  if (!role) fail('Unable to locate credentials. You can configure credentials by running "aws configure".', 253)
  if (role === 'instance' && imdsBlockedFor(inherited('MRT_INSTANCE'), user)) {
    // The instance role's credentials come from the metadata service, which this user cannot reach.
    fail('Unable to locate credentials. You can configure credentials by running "aws configure".', 253)
  }
  const api = `${service} ${operation}`
  const ops = {
    'ssm put-parameter': ssmPut,
    'ssm get-parameter': ssmGet,
    'ssm delete-parameter': ssmDelete,
    'ec2 run-instances': ec2RunInstances,
  }
  if (!ops[api]) fail(`aws (stand-in): ${api} is not something the recipes call`, 252)
  return ops[api](options, { region, role })
}

function paramfile(value) {
  if (!value?.startsWith('file://')) return value
  const path = value.slice('file://'.length)
  // AWS CLI v1 reads a paramfile twice, so a pipe gives it nothing the second time; a regular
  // file works with every CLI version.
  if (!statSync(path).isFile())
    fail(`Error parsing parameter 'cli-input-json': Invalid JSON: Expecting value: line 1 column 1 (char 0)`, 252)
  return readFileSync(path, 'utf8')
}

function authorize(role, action, resource, operation) {
  const policyFile = join(world, `aws-policy-${role}.json`)
  if (!existsSync(policyFile)) return
  const policy = JSON.parse(readFileSync(policyFile, 'utf8'))
  const glob = (pattern, text) =>
    new RegExp(
      `^${pattern
        .split('*')
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    ).test(text)
  const list = (value) => (Array.isArray(value) ? value : [value])
  const allowed = policy.Statement.some(
    (s) => s.Effect === 'Allow' && list(s.Action).some((a) => glob(a, action)) && list(s.Resource).some((r) => glob(r, resource)),
  )
  if (!allowed) {
    fail(
      `An error occurred (AccessDeniedException) when calling the ${operation} operation: User: arn:aws:sts::${ACCOUNT}:assumed-role/${role}/session ` +
        `is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
      254,
    )
  }
}

function parameterArn(region, name) {
  return `arn:aws:ssm:${region}:${ACCOUNT}:parameter${name.startsWith('/') ? '' : '/'}${name}`
}

function ssmPut(options, { region, role }) {
  const input = options['cli-input-json'] !== undefined ? JSON.parse(paramfile(options['cli-input-json'])) : {}
  const parameter = {
    Name: input.Name ?? options.name,
    Value: input.Value ?? paramfile(options.value),
    Type: input.Type ?? options.type ?? 'String',
    Tier: input.Tier ?? options.tier ?? 'Standard',
    Policies: input.Policies ?? options.policies,
    Overwrite: input.Overwrite ?? options.overwrite === true,
  }
  const invalid = (message) => fail(`An error occurred (ValidationException) when calling the PutParameter operation: ${message}`, 254)
  if (typeof parameter.Name !== 'string' || !/^[a-zA-Z0-9_.\-/]{1,1011}$/.test(parameter.Name) || /^\/?(aws|ssm)/i.test(parameter.Name))
    invalid(`Parameter name ${JSON.stringify(parameter.Name)} is not valid.`)
  if (typeof parameter.Value !== 'string' || !parameter.Value) invalid('Parameter value is required.')
  if (!['String', 'StringList', 'SecureString'].includes(parameter.Type)) invalid(`Invalid parameter type ${parameter.Type}.`)
  if (!['Standard', 'Advanced', 'Intelligent-Tiering'].includes(parameter.Tier)) invalid(`Invalid tier ${parameter.Tier}.`)
  let tier = parameter.Tier
  if (tier === 'Intelligent-Tiering') tier = parameter.Value.length > 4096 || parameter.Policies ? 'Advanced' : 'Standard'
  if (tier === 'Standard' && parameter.Value.length > 4096) {
    invalid(
      'Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier.',
    )
  }
  if (parameter.Value.length > 8192) invalid('Parameter value exceeds 8192 characters.')
  if (parameter.Policies !== undefined) {
    if (tier !== 'Advanced') invalid('Parameter policies are supported only for advanced parameters.')
    let policies
    try {
      policies = JSON.parse(parameter.Policies)
    } catch {
      fail('An error occurred (InvalidPolicyAttributeException) when calling the PutParameter operation: Policies is not valid JSON.', 254)
    }
    for (const policy of policies) {
      if (policy.Type !== 'Expiration') continue
      const at = policy.Attributes?.Timestamp
      if (
        policy.Version !== '1.0' ||
        typeof at !== 'string' ||
        !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/.test(at) ||
        Date.parse(at) <= Date.now()
      ) {
        fail(
          `An error occurred (InvalidPolicyAttributeException) when calling the PutParameter operation: Invalid Expiration policy ${JSON.stringify(policy)}.`,
          254,
        )
      }
    }
  }
  authorize(role, 'ssm:PutParameter', parameterArn(region, parameter.Name), 'PutParameter')
  const version = withState('ssm', (ssm) => {
    const existing = ssm[parameter.Name]
    if (existing && !parameter.Overwrite) return undefined
    ssm[parameter.Name] = { ...parameter, Tier: tier, Version: (existing?.Version ?? 0) + 1 }
    return ssm[parameter.Name].Version
  })
  if (version === undefined)
    fail('An error occurred (ParameterAlreadyExists) when calling the PutParameter operation: The parameter already exists.', 254)
  print({ Version: version, Tier: tier }, options)
}

function ssmGet(options, { region, role }) {
  const name = options.name
  authorize(role, 'ssm:GetParameter', parameterArn(region, name ?? ''), 'GetParameter')
  const parameter = withState('ssm', (ssm) => ssm[name])
  if (!parameter) fail('An error occurred (ParameterNotFound) when calling the GetParameter operation: ', 254)
  const decrypt = parameter.Type !== 'SecureString' || options['with-decryption'] === true
  // Without --with-decryption a SecureString comes back as its ciphertext.
  const value = decrypt ? parameter.Value : `AQICAH${Buffer.from(parameter.Value).toString('base64').slice(0, 40)}`
  print(
    { Parameter: { Name: name, Type: parameter.Type, Value: value, Version: parameter.Version, ARN: parameterArn(region, name) } },
    options,
  )
}

function ssmDelete(options, { region, role }) {
  const name = options.name
  authorize(role, 'ssm:DeleteParameter', parameterArn(region, name ?? ''), 'DeleteParameter')
  const existed = withState('ssm', (ssm) => {
    const had = name in ssm
    delete ssm[name]
    return had
  })
  if (!existed) fail('An error occurred (ParameterNotFound) when calling the DeleteParameter operation: ', 254)
}

function ec2RunInstances(options, { region, role }) {
  authorize(role, 'ec2:RunInstances', `arn:aws:ec2:${region}:${ACCOUNT}:instance/*`, 'RunInstances')
  authorize(role, 'iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/actions-runner-instance`, 'RunInstances')
  const template = /^LaunchTemplate(Name|Id)=(.+)$/.exec(options['launch-template'] ?? '')
  if (!template)
    fail(
      'An error occurred (MissingParameter) when calling the RunInstances operation: The request must contain the parameter ImageId',
      254,
    )
  const userData = paramfile(options['user-data']) ?? ''
  if (Buffer.byteLength(userData) > 16384)
    fail('An error occurred (InvalidParameterValue) when calling the RunInstances operation: User data is limited to 16384 bytes', 254)
  const instance = {
    InstanceId: `i-${randomBytes(8).toString('hex').slice(0, 17)}`,
    LaunchTemplate: template[2],
    ShutdownBehavior: options['instance-initiated-shutdown-behavior'] ?? 'stop',
    UserData: userData,
    Region: region,
  }
  withState('ec2', (ec2) => void (ec2[instance.InstanceId] = instance))
  print({ Instances: [{ InstanceId: instance.InstanceId }] }, options)
}

/** The CLI's output: --query (dotted paths and [n]) and --output json or text. */
function print(response, options) {
  let value = response
  if (options.query) {
    for (const part of options.query.replace(/^'|'$/g, '').match(/[^.[\]]+|\[\d+\]/g) ?? []) {
      value = value?.[part.startsWith('[') ? Number(part.slice(1, -1)) : part]
    }
  }
  const text = (options.output ?? 'json') === 'text' && (typeof value !== 'object' || value === null)
  process.stdout.write(text ? `${value ?? 'None'}\n` : `${JSON.stringify(value, null, 4)}\n`)
}

// ---------------------------------------------------------------------------------------------
// iptables: rules kept per instance; the aws stand-in asks whether the metadata service is
// blocked for a user.

function iptables() {
  record()
  if (user !== 'root') fail(`iptables v1.8.10 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)`, 4)
  const rule = {}
  // Options that take a value, and where each goes in the rule.
  const takes = {
    '-A': 'chain',
    '--append': 'chain',
    '-I': 'chain',
    '--insert': 'chain',
    '-d': 'destination',
    '--destination': 'destination',
  }
  Object.assign(takes, { '-m': 'module', '--uid-owner': 'uidOwner', '-j': 'target', '--jump': 'target' })
  for (let i = 0; i < args.length; i++) {
    const negated = args[i] === '!'
    const name = negated ? args[++i] : args[i]
    if (takes[name]) {
      rule[takes[name]] = args[++i]
      if (name === '--uid-owner') rule.uidNegated = negated
    } else if (name !== '-w' && name !== '--wait') {
      fail(`iptables (stand-in): unexpected argument ${JSON.stringify(name)}`, 2)
    }
  }
  rule.destination = rule.destination?.replace(/\/32$/, '')
  if (!rule.chain || !rule.target) fail('iptables v1.8.10 (nf_tables): no command specified', 2)
  if (rule.uidOwner !== undefined && rule.module !== 'owner') fail(`iptables v1.8.10 (nf_tables): unknown option "--uid-owner"`, 2)
  withState(`iptables-${inherited('MRT_INSTANCE') ?? 'host'}`, (state) => {
    state.rules = state.rules ?? []
    if (args.includes('-I') || args.includes('--insert')) state.rules.unshift(rule)
    else state.rules.push(rule)
  })
}

function imdsBlockedFor(instance, who) {
  const path = join(world, 'state', `iptables-${instance ?? 'host'}.json`)
  const rules = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')).rules : []
  const uid = (name) => (name === 'root' || name === '0' ? 'root' : name)
  for (const rule of rules) {
    if (rule.chain !== 'OUTPUT' || (rule.destination && rule.destination !== '169.254.169.254')) continue
    if (rule.uidOwner !== undefined && (uid(rule.uidOwner) === uid(who)) === rule.uidNegated) continue
    return ['REJECT', 'DROP'].includes(rule.target)
  }
  return false
}

// ---------------------------------------------------------------------------------------------
// sudo and setpriv: run a command as another user. sudo resets the environment (env_reset) and
// keeps only what --preserve-env names; setpriv keeps it all.

function sudo() {
  let target = 'root'
  let preserve = []
  let i = 0
  for (; i < args.length; i++) {
    const arg = args[i]
    if (arg === '-u' || arg === '--user') target = args[++i]
    else if (arg.startsWith('--user=')) target = arg.slice(7)
    else if (arg.startsWith('--preserve-env=')) preserve = preserve.concat(arg.slice(15).split(','))
    else if (arg === '-E' || arg === '--preserve-env') preserve = Object.keys(env)
    else if (arg === '-n' || arg === '-H') continue
    else if (arg === '--') {
      i++
      break
    } else if (arg.startsWith('-')) fail(`sudo (stand-in): option ${arg} is not something the recipes use`, 1)
    else break
  }
  record({ runAs: target })
  if (user !== 'root' && env.MRT_SUDOERS !== 'all') fail(`sudo: a password is required`, 1)
  const kept = Object.fromEntries(preserve.filter((name) => name in env).map((name) => [name, env[name]]))
  const childEnv = {
    ...kept,
    PATH: env.PATH,
    HOME: `/home/${target}`,
    USER: target,
    LOGNAME: target,
    SHELL: '/bin/bash',
    MRT_USER: target,
    ...Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith('MRT_') && name !== 'MRT_USER')),
  }
  exec(args[i], args.slice(i + 1), childEnv)
}

function setpriv() {
  let target
  let i = 0
  for (; i < args.length && args[i].startsWith('-'); i++) {
    const match = /^--(reuid|regid|init-groups|clear-groups|keep-groups)(?:=(.*))?$/.exec(args[i])
    if (!match) fail(`setpriv (stand-in): option ${args[i]} is not something the recipes use`, 1)
    if (match[1] === 'reuid') target = match[2]
  }
  record({ runAs: target })
  if (target && user !== 'root') fail('setpriv: setresuid failed: Operation not permitted', 1)
  exec(args[i], args.slice(i + 1), { ...env, MRT_USER: target ?? user })
}

// ---------------------------------------------------------------------------------------------
// The runner's config.sh and run.sh (as unpacked from its release archive into one directory).

const RUNNER_FILE = '.runner'

function configSh() {
  const { options, rest } = parseOptions(args, ['unattended', 'ephemeral', 'replace', 'disableupdate', 'no-default-labels', 'runasservice'])
  record()
  if (user === 'root' && !env.RUNNER_ALLOW_RUNASROOT) fail('Must not run with sudo', 1)
  if (rest.length) fail(`config.sh (stand-in): unexpected arguments ${rest.join(' ')}`, 1)
  if (!options.unattended)
    fail('config.sh (stand-in): without --unattended config.sh prompts, and a provisioning script has nobody to answer', 1)
  if (existsSync(RUNNER_FILE)) {
    fail(
      "Cannot configure the runner because it is already configured. To reconfigure the runner, run 'config.cmd remove' or './config.sh remove' first.",
      1,
    )
  }
  const token = (options.token ?? env.ACTIONS_RUNNER_INPUT_TOKEN ?? '').trim()
  const url = (options.url ?? env.ACTIONS_RUNNER_INPUT_URL ?? '').trim()
  if (!url) fail('Invalid configuration provided for url. Terminating unattended configuration.', 1)
  if (!token) fail('Invalid configuration provided for token. Terminating unattended configuration.', 1)
  const name = options.name ?? host
  const taken = withState('registered-runners', (state) => {
    const key = `${url} ${name.toLowerCase()}`
    if (state[key] && !options.replace) return true
    state[key] = true
    return false
  })
  if (taken) fail(`A runner exists with the same name ${name}.`, 1)
  writeFileSync(RUNNER_FILE, JSON.stringify({ name, url, ephemeral: options.ephemeral === true, labels: options.labels }))
  process.stdout.write(`\n√ Runner successfully added\n√ Runner connection is good\n`)
}

function runSh() {
  record()
  if (user === 'root' && !env.RUNNER_ALLOW_RUNASROOT) fail('Must not run interactively with sudo', 1)
  const { options } = parseOptions(args, ['once', 'startuptype'])
  const jitconfig = (options.jitconfig ?? env.ACTIONS_RUNNER_INPUT_JITCONFIG ?? '').trim()
  if (jitconfig) {
    let files
    try {
      files = JSON.parse(Buffer.from(jitconfig, 'base64').toString('utf8'))
    } catch {
      fail('Runner.Listener: the JIT config is not base64 of a JSON object', 1)
    }
    // The real runner writes the config's files into its directory, over another runner's: two
    // runners in one directory break each other. The stand-in says so instead.
    if (existsSync(RUNNER_FILE)) {
      const held = JSON.parse(readFileSync(RUNNER_FILE, 'utf8')).name
      if (held !== files.name) fail(`run.sh (stand-in): this directory already holds runner ${held}: one runner per directory`, 1)
    }
    writeFileSync(RUNNER_FILE, JSON.stringify({ name: files.name, jit: true }))
  } else if (!existsSync(RUNNER_FILE)) {
    fail('Runner is not configured.', 1)
  }
  process.stdout.write('√ Connected to GitHub\nListening for Jobs\nRunning job: build\nJob build completed with result: Succeeded\n')
}

// ---------------------------------------------------------------------------------------------
// kubectl: create (manifests, with generateName; secrets from files), apply, with the objects
// kept in the world's state as an API server would.

async function kubectl() {
  const long = { '-f': '--filename', '-o': '--output', '-n': '--namespace' }
  const { options, rest } = parseOptions(
    args.map((arg) => long[arg] ?? arg),
    [],
  )
  const [verb, ...what] = rest
  const stdin = options.filename === '-' || (options['from-file'] ?? '').endsWith('/dev/stdin') ? readStdin() : undefined
  record({ stdin })
  const kubeconfig = env.KUBECONFIG ?? join(env.HOME ?? '/', '.kube', 'config')
  if (!existsSync(kubeconfig)) {
    fail(
      'E1128 memcache.go:265] couldn\'t get current server API group list: Get "http://localhost:8080/api?timeout=32s": dial tcp 127.0.0.1:8080: connect: connection refused\nThe connection to the server localhost:8080 was refused - did you specify the right host or port?',
      1,
    )
  }
  const dryRun = options['dry-run'] === 'client'
  if (verb === 'create' && what[0] === 'secret' && what[1] === 'generic') {
    const name = what[2]
    if (!name) fail('error: NAME is required for generic', 1)
    const data = {}
    for (const spec of [].concat(options['from-file'] ?? [])) {
      const [key, path] = spec.includes('=') ? spec.split(/=(.*)/s) : [spec.split('/').pop(), spec]
      data[key] = Buffer.from(path === '/dev/stdin' ? stdin : readFileSync(path)).toString('base64')
    }
    if (options['from-literal']) fail('kubectl (stand-in): --from-literal is not something the recipes use', 1)
    const secret = { kind: 'Secret', apiVersion: 'v1', metadata: { name, creationTimestamp: null }, data }
    if (dryRun) return output(secret, options, 'secret')
    return output(store(secret), options, 'secret')
  }
  if (verb === 'create' || verb === 'apply') {
    if (!options.filename) fail(`error: must specify one of -f and -k`, 1)
    const text = options.filename === '-' ? stdin : readFileSync(options.filename, 'utf8')
    for (const object of await parseManifests(text)) {
      if (!object.metadata?.name && verb === 'apply' && object.metadata?.generateName) {
        fail(`error: from ${object.metadata.generateName}: cannot use generate name with apply`, 1)
      }
      if (!object.metadata?.name && !object.metadata?.generateName) fail('error: resource name may not be empty', 1)
      const created = dryRun ? object : store(object, verb === 'apply')
      output(created, options, object.kind.toLowerCase())
    }
    return
  }
  fail(`kubectl (stand-in): ${verb} is not something the recipes call`, 1)
}

async function parseManifests(text) {
  const trimmed = text.trim()
  if (trimmed.startsWith('{')) return [JSON.parse(trimmed)]
  // Loaded only here: it would double the start-up time of every other stand-in.
  const { parseAllDocuments } = await import('yaml')
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length) fail(`error: error parsing STDIN: ${doc.errors[0].message}`, 1)
      return doc.toJSON()
    })
    .filter(Boolean)
}

function store(object, replace = false) {
  return withState('kube', (kube) => {
    const kind = object.kind
    const metadata = { ...object.metadata }
    if (!metadata.name) metadata.name = `${metadata.generateName}${randomBytes(3).toString('hex').slice(0, 5)}`
    const key = `${kind}/${metadata.name}`
    if (kube[key] && !replace)
      return { error: `Error from server (AlreadyExists): ${kind.toLowerCase()}s "${metadata.name}" already exists` }
    metadata.uid = kube[key]?.metadata.uid ?? randomUUID()
    metadata.namespace = metadata.namespace ?? 'default'
    delete metadata.creationTimestamp
    kube[key] = { ...object, metadata }
    return kube[key]
  })
}

function output(object, options, kind) {
  if (object.error) fail(object.error, 1)
  const format = options.output
  if (!format) return process.stdout.write(`${kind}/${object.metadata.name} created\n`)
  if (format === 'json') return process.stdout.write(`${JSON.stringify(object, null, 4)}\n`)
  if (format === 'name') {
    const group = object.apiVersion.includes('/') ? `.${object.apiVersion.split('/')[0]}` : ''
    return process.stdout.write(`${kind}${group}/${object.metadata.name}\n`)
  }
  const jsonpath = /^jsonpath=(.*)$/s.exec(format)
  if (!jsonpath) fail(`error: unable to match a printer suitable for the output format "${format}"`, 1)
  process.stdout.write(jsonpath[1].replace(/\{\.([^}]+)\}/g, (_, path) => String(path.split('.').reduce((v, k) => v?.[k], object) ?? '')))
}

// ---------------------------------------------------------------------------------------------
// ssh: runs the remote command as the remote user would see it: in that user's home on the host,
// with the host's environment (not this one), reading this stdin. Refuses what ssh refuses
// without a person to answer: an unknown host key, a private key others can read.

function ssh() {
  const withValue = ['-o', '-i', '-p', '-l', '-F', '-J', '-E', '-c', '-m', '-b']
  let i = 0
  const opts = {}
  for (; i < args.length && args[i].startsWith('-'); i++) {
    if (withValue.includes(args[i])) opts[args[i]] = args[++i]
    else if (!/^-[TnqtvCNx46AaKkXYy]+$/.test(args[i])) fail(`ssh (stand-in): option ${args[i]} is not something the recipes use`, 255)
  }
  const destination = args[i]
  const command = args.slice(i + 1).join(' ')
  const stdin = readStdin()
  record({ stdin })
  if (!destination) fail('usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] destination [command [argument ...]]', 255)
  const [remoteUser, remoteHost] = destination.includes('@') ? destination.split('@') : [opts['-l'] ?? user, destination]
  const home = env.HOME ?? '/nonexistent'
  const key = opts['-i'] ?? join(home, '.ssh', 'id_ed25519')
  if (!existsSync(key)) fail(`${remoteUser}@${remoteHost}: Permission denied (publickey).`, 255)
  const mode = statSync(key).mode & 0o777
  if (mode & 0o077) {
    fail(
      `@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @\n` +
        `@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\nPermissions 0${mode.toString(8)} for '${key}' are too open.\n` +
        `${remoteUser}@${remoteHost}: Permission denied (publickey).`,
      255,
    )
  }
  const knownHosts = lines(join(home, '.ssh', 'known_hosts')).map((line) => line.split(/\s+/)[0].split(','))
  if (!knownHosts.some((names) => names.includes(remoteHost))) fail('Host key verification failed.', 255)
  if (!command) fail('ssh (stand-in): no remote command: the remote login shell would read its commands from stdin', 255)
  const remoteHome = resolve(world, 'hosts', remoteHost, 'home', remoteUser)
  if (!existsSync(remoteHome)) fail(`${remoteUser}@${remoteHost}: Permission denied (publickey).`, 255)
  // sshd runs the command with the user's login shell; its output arrives until every process
  // holding the session's stdout or stderr has closed it, not just until the shell exits.
  const result = spawnSync('/bin/bash', ['-c', command], {
    cwd: remoteHome,
    input: stdin,
    env: {
      HOME: remoteHome,
      USER: remoteUser,
      LOGNAME: remoteUser,
      SHELL: '/bin/bash',
      PATH: config.hostPath,
      MRT_USER: remoteUser,
      MRT_HOST: remoteHost,
    },
    maxBuffer: 64 * 1024 * 1024,
  })
  process.stdout.write(result.stdout)
  process.stderr.write(result.stderr)
  process.exit(result.status ?? 255)
}

// pip: records what was installed, for the modal stand-in to find (it is not importable before).
function pip() {
  record()
  const [command, ...packages] = args.filter((arg) => !arg.startsWith('-'))
  if (command !== 'install') fail(`pip (stand-in): pip ${command} is not something the recipes call`, 1)
  withState('pip', (state) => void (state.installed = [...(state.installed ?? []), ...packages]))
}

// ---------------------------------------------------------------------------------------------

const tools = {
  aws,
  iptables,
  sudo,
  setpriv,
  kubectl,
  ssh,
  'config.sh': configSh,
  'run.sh': runSh,
  shutdown: () => record(),
  pip,
  'provision-host.sh': () => record({ stdin: readStdin() }),
}
if (!tools[tool]) fail(`stand-in.mjs: no stand-in for ${tool}`, 70)
await tools[tool]()
