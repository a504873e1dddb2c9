/**
 * What `app/setup` looks at and runs inside a container. All of it is
 * constant shell text: no request value ever enters these scripts.
 */

/** Reports docker/compose presence and versions, and the distribution (key=value lines). */
export const PROBE_SCRIPT = [
  'if command -v docker >/dev/null 2>&1; then',
  '  echo docker=1',
  `  echo "client=$(docker version --format '{{.Client.Version}}' 2>/dev/null | head -n 1)"`,
  `  echo "server=$(docker version --format '{{.Server.Version}}' 2>/dev/null | head -n 1)"`,
  '  if docker compose version >/dev/null 2>&1; then echo "compose=$(docker compose version --short 2>/dev/null | head -n 1)"',
  '  elif command -v docker-compose >/dev/null 2>&1; then echo "compose=$(docker-compose version --short 2>/dev/null | head -n 1)"; fi',
  'else echo docker=0; fi',
  '( if [ -r /etc/os-release ]; then . /etc/os-release; fi; echo "os_id=${ID:-}"; echo "os_like=${ID_LIKE:-}"; echo "os_version=${VERSION_ID:-}" )',
].join('\n')

export interface Probe {
  docker: boolean
  clientVersion: string | null
  serverVersion: string | null
  composeVersion: string | null
  os: { id: string; like: string; version: string }
}

export function parseProbe(stdout: string): Probe {
  const kv = new Map<string, string>()
  for (const line of stdout.split('\n')) {
    const i = line.indexOf('=')
    if (i > 0) kv.set(line.slice(0, i), line.slice(i + 1).trim())
  }
  const v = (k: string) => {
    const x = kv.get(k)
    return x ? x.slice(0, 100) : null
  }
  return {
    docker: kv.get('docker') === '1',
    clientVersion: v('client'),
    serverVersion: v('server'),
    composeVersion: v('compose'),
    os: { id: (kv.get('os_id') ?? '').slice(0, 50), like: (kv.get('os_like') ?? '').slice(0, 100), version: (kv.get('os_version') ?? '').slice(0, 50) },
  }
}

export type Family = 'debian' | 'alpine'

/** Debian, Ubuntu and their derivatives use apt; Alpine uses apk. */
export function familyOf(p: Probe): Family | undefined {
  const names = [p.os.id, ...p.os.like.split(/\s+/)].map((s) => s.toLowerCase())
  if (names.some((n) => n === 'debian' || n === 'ubuntu')) return 'debian'
  if (names.includes('alpine')) return 'alpine'
  return undefined
}

export interface Step {
  name: string
  /** Shell text run as `sh -c` inside the container. */
  command: string
  timeoutMs: number
  /** A failure stops the setup (500); otherwise it is logged and the final check decides. */
  fatal: boolean
}

const MIN = 60_000

const START_SERVICE = [
  'if [ -d /run/systemd/system ]; then systemctl enable --now docker',
  'elif command -v rc-update >/dev/null 2>&1; then rc-update add docker default && rc-service docker start',
  'elif [ -x /etc/init.d/docker ]; then /etc/init.d/docker start',
  'else echo "no init system found to start the docker service" >&2; exit 1; fi',
].join('\n')

const VERIFY = 'i=0; until docker version >/dev/null 2>&1; do i=$((i+1)); if [ "$i" -ge 30 ]; then break; fi; sleep 1; done; docker version'

export function installSteps(family: Family): Step[] {
  const service: Step = { name: 'enable and start the docker service', command: START_SERVICE, timeoutMs: 2 * MIN, fatal: false }
  const verify: Step = { name: 'verify: docker version', command: VERIFY, timeoutMs: 2 * MIN, fatal: true }
  if (family === 'alpine') {
    return [
      { name: 'update the package index', command: 'apk update', timeoutMs: 10 * MIN, fatal: true },
      { name: 'install docker and compose', command: 'apk add docker docker-cli-compose', timeoutMs: 20 * MIN, fatal: true },
      service,
      verify,
    ]
  }
  return [
    { name: 'update the package index', command: 'DEBIAN_FRONTEND=noninteractive apt-get update', timeoutMs: 10 * MIN, fatal: true },
    {
      name: 'install docker and compose',
      command:
        'if apt-cache show docker-compose-v2 >/dev/null 2>&1; then compose=docker-compose-v2; else compose=docker-compose; fi\n' +
        'DEBIAN_FRONTEND=noninteractive apt-get install -y docker.io "$compose"',
      timeoutMs: 20 * MIN,
      fatal: true,
    },
    service,
    verify,
  ]
}

/** A step as run: stdout and stderr merged, in order. */
export function stepScript(step: Step): string {
  return `{\n${step.command}\n} 2>&1`
}

/** Container features Docker needs: nesting and keyctl (the `features` property of pve-container `src/PVE/LXC/Config.pm`; `pct create` adds neither by itself). */
export const DOCKER_FEATURES = { nesting: '1', keyctl: '1' } as const
