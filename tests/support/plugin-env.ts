/**
 * What the plugin test suites share: the AZ entries of the two Proxmox test
 * hosts, JSON calls into the app, and removing containers on a host.
 */
import type { startApp } from '../http/harness.ts'
import type { TestHost } from '../pvehost/host.ts'

type App = Awaited<ReturnType<typeof startApp>>

/** One AZ entry (inline YAML) for a test host: key auth with a pinned host key, or password auth. */
export function azEntry(h: TestHost): string {
  const auth = h.keyFile ? `ssh_key_file: ${h.keyFile}, ssh_host_fingerprint: "${h.fingerprint}"` : `ssh_password: "${h.password}"`
  return `{ host: ${h.ip}, ssh_port: ${h.port}, user: root, ${auth} }`
}

/**
 * The `regions:` block the plugin suites share: h1 as eu-south-1/az1, h2 as
 * eu-central-1/az2, plus optional extra AZ lines (already indented) per region.
 */
export function regionsYaml(h1: TestHost, h2: TestHost, extra: { south?: string; central?: string } = {}): string {
  return [
    'regions:',
    '  eu-south-1:',
    '    availability_zones:',
    `      az1: ${azEntry(h1)}`,
    ...(extra.south ? [extra.south.trimEnd()] : []),
    '  eu-central-1:',
    '    availability_zones:',
    `      az2: ${azEntry(h2)}`,
    ...(extra.central ? [extra.central.trimEnd()] : []),
  ].join('\n')
}

export interface ApiResult<T = any> {
  status: number
  body: T
}

/** `(method, path below /api/v1, body?, headers?)` → status and parsed JSON (or the raw text). */
export function apiCaller(app: App) {
  return async function call<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResult<T>> {
    const res =
      body === undefined
        ? await app.request(`/api/v1${path}`, { method, headers })
        : await app.json(`/api/v1${path}`, body, { method, headers })
    const text = await res.text()
    try {
      return { status: res.status, body: JSON.parse(text) }
    } catch {
      return { status: res.status, body: text as T }
    }
  }
}

/** Removes a container on a host whatever its state (unlocked, stopped, purged). */
export async function destroyOnHost(h: TestHost, id: string): Promise<void> {
  await h.exec(['sh', '-c', 'pct unlock "$1" 2>/dev/null; pct destroy "$1" --force 1 --purge 1 >/dev/null 2>&1; true', 'sh', id])
}

/** `pct config <id> [--current]` on the host as key → value. */
export async function configOnHost(h: TestHost, id: string, current = false): Promise<Record<string, string>> {
  const r = await h.exec(['pct', 'config', id, ...(current ? ['--current'] : [])])
  if (r.exitCode !== 0) throw new Error(`pct config ${id}: ${r.stderr}`)
  return Object.fromEntries(
    r.stdout
      .split('\n')
      .filter((l) => l.includes(': '))
      .map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]),
  )
}

/** Containers to remove when a test file ends, per host. */
export function containerTracker() {
  const tracked = new Map<TestHost, Set<string>>()
  return {
    track(h: TestHost, ...ids: string[]) {
      let s = tracked.get(h)
      if (!s) tracked.set(h, (s = new Set()))
      for (const id of ids) s.add(id)
    },
    async cleanup() {
      await Promise.all([...tracked].flatMap(([h, ids]) => [...ids].map((id) => destroyOnHost(h, id))))
      tracked.clear()
    },
  }
}
