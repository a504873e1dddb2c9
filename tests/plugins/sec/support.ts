/**
 * Shared setup of the sec plugin tests: the real app with AZs on the two
 * Proxmox test hosts, and containers on the test hosts' private bridge.
 *
 * NETWORK SAFETY: discovery may only ever sweep 10.99.0.0/28, the subnet
 * tests/pvehost/ns-init.sh puts on `lwsbr0` inside each test host's own
 * network namespace (the machine has no route to it). `assertPrivateNetwork`
 * checks that a host has no other IPv4 address before a test sweeps it, and
 * containers only get addresses in that subnet.
 */
import type { TestHost } from '../../pvehost/host.ts'
import { sharedHosts } from '../../support/hosts.ts'
import { KEY, startApp } from '../../http/harness.ts'
import { apiCaller, regionsYaml, containerTracker, destroyOnHost } from '../../support/plugin-env.ts'

export { destroyOnHost }

export const DEBIAN = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.gz'
/** The only subnet a test may sweep: it exists only inside a test host's network namespace. */
export const TEST_SUBNET = '10.99.0.0/28'
export const BRIDGE_ADDRESS = '10.99.0.1'
export const testAddress = (n: number) => {
  if (!Number.isInteger(n) || n < 2 || n > 14) throw new Error(`test address .${n} is outside ${TEST_SUBNET}`)
  return `10.99.0.${n}`
}

export type App = Awaited<ReturnType<typeof startApp>>

export interface SecEnv {
  app: App
  h1: TestHost
  h2: TestHost
  host(az: string): TestHost
  track(az: string, ...ids: string[]): void
  close(): Promise<void>
  get<T = any>(path: string, params?: Record<string, string>): Promise<{ status: number; body: T }>
}

/** `discovery` becomes `security.discovery` of the app config (written as inline JSON, which YAML reads). */
export async function secEnv(opts: { discovery?: Record<string, unknown> } = {}): Promise<SecEnv> {
  const [h1, h2] = await sharedHosts()
  const discovery = opts.discovery ? `security:\n  discovery: ${JSON.stringify(opts.discovery)}\n` : ''
  const app = await startApp(`
api_key: ${KEY}
default_storage: local-lvm
default_network: vmbr0
${regionsYaml(h1!, h2!)}
instance_sizes:
  small: { memory: 256, cpulimit: 1, storage: "local-lvm:1" }
${discovery}`)
  const tracker = containerTracker()
  const host = (az: string) => (az === 'az2' ? h2! : h1!)
  const call = apiCaller(app)
  const env: SecEnv = {
    app,
    h1: h1!,
    h2: h2!,
    host,
    track: (az, ...ids) => tracker.track(host(az), ...ids),
    async close() {
      await tracker.cleanup()
      await app.zones.closeAll()
    },
    get: (path, params) => call('GET', `${path}${params ? `?${new URLSearchParams(params)}` : ''}`),
  }
  return env
}

/**
 * Fails unless the host's only non-loopback IPv4 address is the fixture's
 * bridge address: a discovery against any other host setup could reach real
 * networks, so the test must stop before sweeping.
 */
export async function assertPrivateNetwork(h: TestHost): Promise<void> {
  const r = await h.exec(['ip', '-o', '-4', 'addr', 'show'])
  if (r.exitCode !== 0) throw new Error(`ip addr on ${h.name}: ${r.stderr}`)
  const addrs = r.stdout
    .split('\n')
    .map((l) => /^\d+:\s+(\S+)\s+inet\s+(\S+)/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]} ${m[2]}`)
    .filter((a) => !a.startsWith('lo '))
  if (addrs.length !== 1 || addrs[0] !== `lwsbr0 ${BRIDGE_ADDRESS}/28`) {
    throw new Error(`refusing to sweep: ${h.name} has IPv4 addresses ${JSON.stringify(addrs)}, expected only lwsbr0 ${BRIDGE_ADDRESS}/28`)
  }
  // The fixture's subnet must not exist in the machine's own namespace.
  const own = Bun.spawnSync(['ip', '-o', '-4', 'addr', 'show']).stdout.toString()
  if (/\binet 10\.99\.0\./.test(own)) throw new Error('the machine itself has an address in the test subnet; the fixture leaked out of its namespace')
}


export interface CtSpec {
  vmid: string
  hostname: string
  ip: number
  privileged?: boolean
  features?: { nesting?: boolean; keyctl?: boolean }
  onboot?: boolean
  firewall?: boolean
  memory?: number
}

/** Creates and starts a Debian test container on the fixture bridge, via the app's ProxmoxClient. */
export async function createCt(env: SecEnv, az: string, spec: CtSpec): Promise<void> {
  const region = az === 'az2' ? 'eu-central-1' : 'eu-south-1'
  const pve = env.app.zones.resolve(region, az).pve
  await destroyOnHost(env.host(az), spec.vmid)
  env.track(az, spec.vmid)
  const net0: Record<string, unknown> = { name: 'eth0', bridge: 'vmbr0', ip: `${testAddress(spec.ip)}/28` }
  if (spec.firewall !== undefined) net0.firewall = spec.firewall
  await pve.createContainer(spec.vmid, DEBIAN, {
    hostname: spec.hostname,
    storage: 'local-lvm',
    rootfs: 'local-lvm:1',
    net0,
    unprivileged: !spec.privileged,
    ...(spec.features ? { features: spec.features } : {}),
    ...(spec.onboot !== undefined ? { onboot: spec.onboot } : {}),
    ...(spec.memory !== undefined ? { memory: spec.memory } : {}),
  })
  await pve.start(spec.vmid)
}

/** Runs a shell script inside a container, straight on the host (test setup, not the API). */
export async function ctSh(h: TestHost, vmid: string, script: string): Promise<string> {
  const r = await h.exec(['pct', 'exec', vmid, '--', 'sh', '-c', script])
  if (r.exitCode !== 0) throw new Error(`in CT ${vmid}: ${script.slice(0, 80)}… → ${r.exitCode}: ${r.stderr}${r.stdout}`)
  return r.stdout
}

/** A TCP listener that accepts and closes connections, from the machine's perl (perl-base). */
export const LISTENER_SCRIPT = (port: number) =>
  `setsid perl -MIO::Socket::INET -e 'my $s = IO::Socket::INET->new(LocalAddr => "0.0.0.0", LocalPort => ${port}, Listen => 5, ReuseAddr => 1) or die "listen: $!"; while (my $c = $s->accept) { close $c }' </dev/null >/dev/null 2>&1 &
for i in $(seq 1 50); do ss -Htln | grep -q ':${port} ' && exit 0; sleep 0.1; done; echo "listener on ${port} did not start" >&2; exit 1`
