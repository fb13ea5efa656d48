// `npm run test:recipe-mutations`: breaks the documented recipes (README.md, docs/) one way at a
// time, the ways a user or a later edit could, and checks that the recipe tests catch each one. A
// recipe test that passes a broken recipe proves nothing. Each mutation must find its text exactly
// once in those pages (so a mutation cannot silently stop applying), and runs only the test that
// should catch it, against a copy of the pages (MRT_DOCS_ROOT).
import { spawn } from 'node:child_process'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { docPages } from '../test/support/recipes.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

interface Mutation {
  /** What the break is, as a user would make it. */
  name: string
  /** The test that must catch it: a --test-name-pattern. */
  test: string
  from: string
  to: string
}

const EC2 = '20 instances'
const K8S = '20 Jobs'
const MODAL = 'a deployed app'
const SSH = '20 JIT runners over two hosts'
const SSH_TOKEN = 'one registration token for 20 runners'

export const MUTATIONS: Mutation[] = [
  // EC2
  {
    name: 'ec2: the JIT config on run.sh’s command line',
    test: EC2,
    from: 'runner ./run.sh\n',
    to: 'runner ./run.sh --jitconfig "$config"\n',
  },
  {
    name: 'ec2: sudo drops the config (no --preserve-env)',
    test: EC2,
    from: 'sudo --preserve-env=ACTIONS_RUNNER_INPUT_JITCONFIG -u',
    to: 'sudo -u',
  },
  {
    name: 'ec2: the runner runs as root',
    test: EC2,
    from: 'sudo --preserve-env=ACTIONS_RUNNER_INPUT_JITCONFIG -u runner',
    to: 'RUNNER_ALLOW_RUNASROOT=1 sudo --preserve-env=ACTIONS_RUNNER_INPUT_JITCONFIG,RUNNER_ALLOW_RUNASROOT -u root',
  },
  {
    name: 'ec2: the metadata service is left open to job code',
    test: EC2,
    from: 'iptables -I OUTPUT -d 169.254.169.254 -m owner ! --uid-owner root -j REJECT\n',
    to: '\n',
  },
  { name: 'ec2: the metadata service blocked for root too', test: EC2, from: '-m owner ! --uid-owner root -j REJECT', to: '-j REJECT' },
  {
    name: 'ec2: the parameter is never deleted',
    test: EC2,
    from: 'aws ssm delete-parameter --region "$REGION" --name "$PARAMETER"\n',
    to: '\n',
  },
  { name: 'ec2: the instance does not terminate after its runner', test: EC2, from: "trap 'shutdown -h now' EXIT", to: 'true' },
  { name: 'ec2: the standard tier (4 kB) for a 4.3 kB config', test: EC2, from: 'Tier: "Advanced"', to: 'Tier: "Standard"' },
  {
    name: 'ec2: no expiry for a parameter no instance reads',
    test: EC2,
    from: ' Tier: "Advanced",\n                Policies: ([{Type: "Expiration", Version: "1.0", Attributes: {Timestamp: (now + 3600 | floor | todate)}}] | tojson)',
    to: ' Tier: "Advanced"',
  },
  {
    name: 'ec2: the parameter JSON through a pipe (CLI v1 reads it twice)',
    test: EC2,
    from: `}' <<<"$runner" >"$RUNNER_TEMP/parameter.json"\n            aws ssm put-parameter --cli-input-json "file://$RUNNER_TEMP/parameter.json" >/dev/null`,
    to: `}' <<<"$runner" | aws ssm put-parameter --cli-input-json file:///dev/stdin >/dev/null`,
  },
  {
    name: 'ec2: the config as put-parameter --value',
    test: EC2,
    from: 'aws ssm put-parameter --cli-input-json "file://$RUNNER_TEMP/parameter.json" >/dev/null',
    to: 'aws ssm put-parameter --name "$parameter" --type SecureString --tier Advanced --value "$(jq -r .encoded_jit_config <<<"$runner")" >/dev/null',
  },
  { name: 'ec2: the parameter file left in RUNNER_TEMP', test: EC2, from: '            rm "$RUNNER_TEMP/parameter.json"\n', to: '' },
  {
    name: 'ec2: the instance role may not delete the parameter',
    test: EC2,
    from: '"Action": ["ssm:GetParameter", "ssm:DeleteParameter"]',
    to: '"Action": ["ssm:GetParameter"]',
  },
  {
    name: 'ec2: the config itself in the user data',
    test: EC2,
    from: `-e "s|^REGION=.*|REGION=$AWS_REGION|"`,
    to: `-e "s|^REGION=.*|REGION=$AWS_REGION\\nCONFIG=$(jq -r .encoded_jit_config <<<"$runner")|"`,
  },
  // Kubernetes
  {
    name: 'k8s: kubectl apply for a manifest with generateName',
    test: K8S,
    from: 'kubectl create -f - -o jsonpath',
    to: 'kubectl apply -f - -o jsonpath',
  },
  {
    name: 'k8s: the pod gets a service-account token',
    test: K8S,
    from: 'automountServiceAccountToken: false',
    to: 'automountServiceAccountToken: true',
  },
  {
    name: 'k8s: the Secret owned by nothing',
    test: K8S,
    from: '\'.metadata.ownerReferences = [{apiVersion: "batch/v1", kind: "Job", name: $job, uid: $uid}]\'',
    to: "'.'",
  },
  {
    name: 'k8s: the config as --from-literal',
    test: K8S,
    from: '--from-file=jitconfig=/dev/stdin',
    to: '--from-literal=jitconfig="$(jq -r .encoded_jit_config <<<"$runner")"',
  },
  {
    name: 'k8s: jq -r adds a newline to the Secret',
    test: K8S,
    from: 'jq -j .encoded_jit_config <<<"$runner" |\n',
    to: 'jq -r .encoded_jit_config <<<"$runner" |\n',
  },
  { name: 'k8s: a failed pod is retried with a spent config', test: K8S, from: '  backoffLimit: 0 #', to: '  backoffLimit: 6 #' },
  {
    name: 'k8s: finished Jobs, and so their Secrets, kept for ever',
    test: K8S,
    from: '  ttlSecondsAfterFinished: 300 # then Kubernetes deletes the Job, its pod and its Secret\n',
    to: '',
  },
  {
    name: 'k8s: a runner that never starts keeps its Secret for ever',
    test: K8S,
    from: '  activeDeadlineSeconds: 21600 #',
    to: '  # activeDeadlineSeconds: 21600 #',
  },
  // Modal
  { name: 'modal: containers reused across runners', test: MODAL, from: 'single_use_containers=True, ', to: '' },
  {
    name: 'modal: .remote() blocks the step until each job ends',
    test: MODAL,
    from: 'modal.Function.from_name("actions-runner", "runner").spawn_map(configs)',
    to: 'for config in configs:\n              modal.Function.from_name("actions-runner", "runner").remote(config)',
  },
  {
    name: 'modal: the container’s whole environment to the runner',
    test: MODAL,
    from: 'env = {"PATH": os.environ["PATH"], "HOME": "/home/runner", "ACTIONS_RUNNER_INPUT_JITCONFIG": jitconfig}',
    to: 'env = {**os.environ, "HOME": "/home/runner", "ACTIONS_RUNNER_INPUT_JITCONFIG": jitconfig}',
  },
  {
    name: 'modal: the config left in the function’s own environment',
    test: MODAL,
    from: 'env = {"PATH": os.environ["PATH"], "HOME": "/home/runner", "ACTIONS_RUNNER_INPUT_JITCONFIG": jitconfig}',
    to: 'os.environ["ACTIONS_RUNNER_INPUT_JITCONFIG"] = jitconfig\n    env = {"PATH": os.environ["PATH"], "HOME": "/home/runner", "ACTIONS_RUNNER_INPUT_JITCONFIG": jitconfig}',
  },
  {
    name: 'modal: the runner runs as root',
    test: MODAL,
    from: '["setpriv", "--reuid=runner", "--regid=runner", "--init-groups", "./run.sh"]',
    to: '["./run.sh"]',
  },
  { name: 'modal: modal is never installed', test: MODAL, from: "          pip install 'modal>=1.3,<2'\n", to: '' },
  // ssh
  {
    name: 'ssh: the config as an argument',
    test: SSH,
    from: `printf '%s\\n' "$config" | ssh -T "runner@$host" ./start-jit-runner.sh "$id"`,
    to: `ssh -T "runner@$host" ./start-jit-runner.sh "$id" "$config"`,
  },
  {
    name: 'ssh: the host index incremented in a subshell (every runner on one host)',
    test: SSH,
    from: `            host=\${hosts[i++ % \${#hosts[@]}]}\n            printf '%s\\n' "$config" | ssh -T "runner@$host"`,
    to: `            printf '%s\\n' "$config" | ssh -T "runner@\${hosts[i++ % \${#hosts[@]}]}"`,
  },
  {
    name: 'ssh: a private key others can read',
    test: SSH,
    from: '(umask 077 && printf \'%s\\n\' "$SSH_KEY" >~/.ssh/id_ed25519)',
    to: 'printf \'%s\\n\' "$SSH_KEY" >~/.ssh/id_ed25519',
  },
  {
    name: 'ssh: the runner directory outlives its runner',
    test: SSH,
    from: '(nohup ./run.sh; rm -rf "$dir") >"$dir.log"',
    to: '(nohup ./run.sh) >"$dir.log"',
  },
  {
    name: 'ssh: one directory for every runner',
    test: SSH,
    from: 'dir=~/runners/$1\nmkdir -p ~/runners\nmkdir "$dir"',
    to: 'dir=~/runners/shared\nmkdir -p "$dir"',
  },
  {
    name: 'ssh token: the token exported to the runners too',
    test: SSH_TOKEN,
    from: 'IFS= read -r token\n',
    to: 'IFS= read -r token\nexport ACTIONS_RUNNER_INPUT_TOKEN=$token\n',
  },
  {
    name: 'ssh token: one directory for every runner',
    test: SSH_TOKEN,
    from: '  dir=~/runners/$prefix-$i\n  mkdir "$dir"\n  tar',
    to: '  dir=~/runners/$prefix\n  mkdir -p "$dir"\n  tar',
  },
  {
    name: 'ssh token: a hard-coded runner URL',
    test: SSH_TOKEN,
    from: '    --url "$url" --name',
    to: '    --url "https://github.com/octo-org" --name',
  },
  {
    name: 'ssh token: runners started as they register',
    test: SSH_TOKEN,
    from: '    --url "$url" --name "$prefix-$i" --labels self-hosted,linux,build-host)\n',
    to: '    --url "$url" --name "$prefix-$i" --labels self-hosted,linux,build-host)\n  (cd "$dir" && nohup ./run.sh) >/dev/null 2>&1 </dev/null &\n',
  },
  // The command in start scripts and the autoscaler
  {
    name: 'start script: the admin token left for the runner’s jobs',
    test: 'start script, JIT',
    from: 'unset GITHUB_TOKEN GH_TOKEN # the runner',
    to: 'true # the runner',
  },
  {
    name: 'start script: the JIT config on run.sh’s command line',
    test: 'start script, JIT',
    from: 'exec ./run.sh\n```\n\nOr with',
    to: 'exec ./run.sh --jitconfig "$ACTIONS_RUNNER_INPUT_JITCONFIG"\n```\n\nOr with',
  },
  {
    name: 'start script: the registration token exported to run.sh',
    test: 'start script, registration token',
    from: 'ACTIONS_RUNNER_INPUT_TOKEN=$(jq -r .token <<<"$result") \\\n',
    to: 'export ACTIONS_RUNNER_INPUT_TOKEN=$(jq -r .token <<<"$result")\n',
  },
  {
    name: 'start script: a hard-coded runner URL',
    test: 'start script, registration token',
    from: '--url "$(jq -r .runner_url <<<"$result")"',
    to: '--url "https://github.com/$REPO"',
  },
  { name: 'autoscaler: no cache', test: 'mints once', from: 'if _cached and datetime', to: 'if False and datetime' },
  {
    name: 'autoscaler: the admin token in argv',
    test: 'mints once',
    from: '["mint-runner-token", "--organization", org, "--json", "--quiet"]',
    to: '["mint-runner-token", "--organization", org, "--json", "--quiet", "--github-token", admin_token]',
  },
  // Workflow examples and the README's own rules
  {
    name: 'usage: no runner URL for the host',
    test: 'usage:',
    from: '          RUNNER_URL: ${{ steps.mint.outputs.runner-url }} # for config.sh --url\n',
    to: '',
  },
  {
    name: 'jit-batch: the config with a newline (jq -r)',
    test: 'jit-batch:',
    from: 'jq -j .encoded_jit_config <<<"$runner" | ./provision-host.sh',
    to: 'jq -r .encoded_jit_config <<<"$runner" | ./provision-host.sh',
  },
  {
    name: 'readme: the runners output through env:',
    test: 'no block',
    from: 'RUNNERS_FILE: ${{ steps.jit.outputs.runners-file }}',
    to: 'RUNNERS: ${{ steps.jit.outputs.runners }}',
  },
  {
    name: 'readme: a counter-example no longer marked',
    test: 'no block',
    from: "<!-- counter-example: the incident's start script -->\n",
    to: '',
  },
  {
    name: 'readme: a recipe no longer marked',
    test: 'marks exactly',
    from: '<!-- recipe: k8s-job file=.github/runner-job.yaml -->\n',
    to: '',
  },
]

const TEST_FILES = ['test/scenario/recipes-cloud.test.ts', 'test/scenario/recipes-hosts.test.ts', 'test/unit/readme-recipes.test.ts']

function runTests(docsRoot: string, pattern: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const args = ['--import', 'tsx', '--test', '--test-reporter=dot', `--test-name-pattern=${pattern}`, ...TEST_FILES]
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, MRT_DOCS_ROOT: docsRoot } })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk))
    child.on('close', (code) => resolve({ code: code ?? 1, output }))
  })
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  const only = process.argv[2]
  const pages = await docPages(ROOT)
  const originals = new Map(await Promise.all(pages.map(async (page) => [page, await readFile(join(ROOT, page), 'utf8')] as const)))
  const dir = await mkdtemp(join(tmpdir(), 'recipe-mutations-'))
  let missed = 0
  try {
    for (const mutation of MUTATIONS.filter((m) => !only || m.name.includes(only))) {
      const found = pages.flatMap((page) => Array(originals.get(page)!.split(mutation.from).length - 1).fill(page) as string[])
      if (found.length !== 1) throw new Error(`mutation "${mutation.name}": its text is on the pages ${found.length} times, not once`)
      // A fresh copy of every page, with the one change.
      await rm(join(dir, 'docs'), { recursive: true, force: true })
      await cp(join(ROOT, 'docs'), join(dir, 'docs'), { recursive: true })
      await writeFile(join(dir, 'README.md'), originals.get('README.md')!)
      await writeFile(
        join(dir, found[0]),
        originals.get(found[0])!.replace(mutation.from, () => mutation.to),
      )
      const { code, output } = await runTests(dir, mutation.test)
      const caught = code !== 0
      if (!caught) missed++
      // The first assertion or error the failed run printed: which check caught it.
      const plain = output.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '')
      // A message that ends in ':' (a failed step, a boot) is followed by the tool's own words.
      const reason = /(?:AssertionError[^:]*|Error): ([^\n]{0,160}?:?)(?:\n\s*\n?\s*([^\n]{0,160}))?$/m.exec(plain)
      const why = reason ? (reason[1].endsWith(':') ? `${reason[1]} ${reason[2] ?? ''}` : reason[1]) : ''
      console.log(`${caught ? 'caught' : 'MISSED'}  ${mutation.name}${caught ? `  (${why.trim()})` : ''}`)
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  console.log(missed ? `${missed} mutation(s) passed the recipe tests` : 'every mutation was caught')
  process.exitCode = missed ? 1 : 0
}
