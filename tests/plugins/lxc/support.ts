/**
 * Shared setup of the lxc plugin tests: the real app (startApp) with AZs on
 * the two Proxmox test hosts, light instance sizes, helpers to inspect and
 * clean up containers directly on a host. Each file calls `env.close()` in
 * its own afterAll (hooks registered from inside beforeAll would run at once).
 */
import type { TestHost } from '../../pvehost/host.ts'
import { sharedHosts } from '../../support/hosts.ts'
import { KEY, startApp } from '../../http/harness.ts'
import { apiCaller, configOnHost, containerTracker, destroyOnHost, regionsYaml } from '../../support/plugin-env.ts'

export { configOnHost, destroyOnHost }

export const IMAGE = 'local:vztmpl/ubuntu-22.04.tar.gz'
export const DEBIAN = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.gz'
export const SMALL_MB = 256
export const MEDIUM_MB = 384

export type App = Awaited<ReturnType<typeof startApp>>

export interface LxcEnv {
  app: App
  h1: TestHost
  h2: TestHost
  /** The test host behind an AZ name (az1 → h1, az2 → h2). */
  host(az: string): TestHost
  /** Remembers containers to destroy when the file ends (ids must be unique per host). */
  track(az: string, ...ids: string[]): void
  /** Destroys tracked containers now. */
  cleanup(): Promise<void>
  /** cleanup(), then closes the app's SSH connections. Call it in afterAll. */
  close(): Promise<void>
  post<T = any>(path: string, body: unknown): Promise<{ status: number; body: T }>
  get<T = any>(path: string): Promise<{ status: number; body: T }>
  del<T = any>(path: string): Promise<{ status: number; body: T }>
  /** Any call with headers (Prefer, Idempotency-Key): status, parsed body and the answer's headers. */
  send<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer<T>>
  /** Polls GET /operations/{id} until `pred` holds (or the time is up) and returns the last one seen. */
  untilOp(id: string, pred: (op: any) => boolean, timeoutMs?: number): Promise<any>
  /** The host commands (argv) that ran for the request with this X-Request-Id, in the order they ended. */
  commandsOf(requestId: string | null): string[][]
}

export interface Answer<T = any> {
  status: number
  body: T
  headers: Headers
}

/**
 * `startVmid` keeps each test file in its own id range, so a leftover of one
 * file never looks like a result of another. `deadAz` adds an AZ where
 * nothing listens.
 */
export async function lxcEnv(opts: { startVmid: number; deadAz?: boolean; extra?: string }): Promise<LxcEnv> {
  const [h1, h2] = await sharedHosts()
  const app = await startApp(`
api_key: ${KEY}
start_vmid: ${opts.startVmid}
default_storage: local-lvm
default_network: vmbr0
${regionsYaml(h1!, h2!, opts.deadAz ? { central: '      dead: { host: 127.0.0.9, ssh_port: 2299, user: root, ssh_password: nope-secret }' } : {})}
instance_sizes:
  small: { memory: ${SMALL_MB}, cpulimit: 1, storage: "local-lvm:1" }
  medium: { memory: ${MEDIUM_MB}, cpulimit: 2, storage: "local-lvm:1" }
${opts.extra ?? ''}
`)
  const tracker = containerTracker()
  const host = (az: string) => (az === 'az2' ? h2! : h1!)
  const call = apiCaller(app)
  const env: LxcEnv = {
    app,
    h1: h1!,
    h2: h2!,
    host,
    track: (az, ...ids) => tracker.track(host(az), ...ids),
    cleanup: () => tracker.cleanup(),
    async close() {
      await env.cleanup()
      await app.zones.closeAll()
    },
    post: (path, body) => call('POST', path, body),
    get: (path) => call('GET', path),
    del: (path) => call('DELETE', path),
    async send(method, path, body, headers = {}) {
      const res =
        body === undefined
          ? await app.request(`/api/v1${path}`, { method, headers })
          : await app.json(`/api/v1${path}`, body, { method, headers })
      const text = await res.text()
      let parsed: any = text
      try {
        parsed = JSON.parse(text)
      } catch {}
      return { status: res.status, body: parsed, headers: res.headers }
    },
    async untilOp(id, pred, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const { body } = await call('GET', `/operations/${id}`)
        if (pred(body) || Date.now() > deadline) return body
        await Bun.sleep(50)
      }
    },
    commandsOf(requestId) {
      return app.log.lines
        .filter((l: any) => (l.msg === 'host command' || l.msg === 'host command failed') && requestId !== null && l.request_id === requestId)
        .map((l: any) => l.argv as string[])
    },
  }
  return env
}

/** `pct status <id>` on the host: running | stopped | missing. */
export async function statusOnHost(h: TestHost, id: string): Promise<string> {
  const r = await h.exec(['pct', 'status', id])
  if (r.exitCode !== 0) return 'missing'
  return r.stdout.trim().replace(/^status: /, '')
}

/**
 * The memory limit the kernel enforces on a running container, in bytes, read
 * from its init process's cgroup on the host (cgroup v2 `memory.max`, or v1
 * `memory.limit_in_bytes`). The pid comes from `pct status --verbose`.
 */
export async function cgroupMemoryLimit(h: TestHost, id: string): Promise<number> {
  const script = `
pid=$(pct status "$1" --verbose | sed -n 's/^pid: //p')
[ -n "$pid" ] || { echo "no pid" >&2; exit 1; }
v1=$(sed -n 's/^[0-9]*:\\([^:]*,\\)\\{0,1\\}memory\\(,[^:]*\\)\\{0,1\\}:\\(.*\\)$/\\3/p' /proc/$pid/cgroup)
if [ -n "$v1" ]; then cat "/sys/fs/cgroup/memory$v1/memory.limit_in_bytes"; exit; fi
v2=$(sed -n 's/^0:://p' /proc/$pid/cgroup)
cat "/sys/fs/cgroup$v2/memory.max"
`
  const r = await h.exec(['sh', '-c', script, 'sh', id])
  if (r.exitCode !== 0) throw new Error(`cgroup of ${id}: ${r.stderr}`)
  return Number(r.stdout.trim())
}
