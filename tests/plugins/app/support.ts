/**
 * Shared setup of the app plugin tests: the real app with AZs on the two
 * Proxmox test hosts, the private Docker engine (tests/fixtures/docker) exposed
 * to the containers those hosts start, a compose_dir, and helpers to create,
 * inspect and clean up LXC containers directly on a host. Each file calls
 * `env.close()` in its own afterAll.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { dockerEngine, exposeEngine, hideEngine, type DockerEngine } from '../../fixtures/docker/engine.ts'
import { KEY, startApp } from '../../http/harness.ts'
import { REPO_ROOT, type TestHost } from '../../pvehost/host.ts'
import { sharedHosts } from '../../support/hosts.ts'
import { apiCaller, regionsYaml, configOnHost, destroyOnHost } from '../../support/plugin-env.ts'

export { configOnHost, destroyOnHost }

export const DEBIAN = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.gz'
export const UBUNTU = 'local:vztmpl/ubuntu-22.04.tar.gz'

export type App = Awaited<ReturnType<typeof startApp>>

export interface AppEnv {
  app: App
  h1: TestHost
  h2: TestHost
  engine: DockerEngine
  /** The configured app.compose_dir (a fresh folder per file). */
  composeDir: string
  /** Creates and starts an LXC container on a host (az1 → h1, az2 → h2); destroyed by close(). */
  createCt(vmid: number, opts?: { az?: 'az1' | 'az2'; template?: string; features?: string; lxc?: string[]; start?: boolean }): Promise<string>
  host(az: string): TestHost
  /** Docker containers (names) and compose projects to remove from the engine at close(). */
  trackDocker(...names: string[]): void
  trackProject(...projects: string[]): void
  /** Number of commands the app has run on hosts so far (from its log). */
  hostCommands(): number
  post<T = any>(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>
  get<T = any>(path: string, headers?: Record<string, string>): Promise<{ status: number; body: T }>
  close(): Promise<void>
}

/** Runs a shell script inside the test host (argv after the script are $1...). */
export async function onHost(h: TestHost, script: string, ...args: string[]) {
  return h.exec(['sh', '-c', script, 'sh', ...args])
}

/** Runs a shell script inside an LXC container of a host (through the stand-in pct exec). */
export async function inCt(h: TestHost, vmid: string, script: string) {
  return h.exec(['pct', 'exec', vmid, '--', 'sh', '-c', script])
}

/** Command lines of processes in the host (containers included) that contain `needle`. */
export async function processesOnHost(h: TestHost, needle: string): Promise<string[]> {
  const r = await h.exec(['ps', '-eo', 'pid=,args='])
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.includes(needle) && !l.includes('ps -eo'))
}

export async function appEnv(opts: { extra?: string } = {}): Promise<AppEnv> {
  const [h1, h2] = await sharedHosts()
  const engine = await dockerEngine()
  exposeEngine(h1!, engine)
  exposeEngine(h2!, engine)
  mkdirSync(join(REPO_ROOT, '.tmp'), { recursive: true })
  const composeDir = mkdtempSync(join(REPO_ROOT, '.tmp/app-compose-'))
  const app = await startApp(`
api_key: ${KEY}
${regionsYaml(h1!, h2!)}
app:
  compose_dir: ${composeDir}
${opts.extra ?? ''}
`)
  const cts: Array<[TestHost, string]> = []
  const dockerNames = new Set<string>()
  const projects = new Set<string>()
  const host = (az: string) => (az === 'az2' ? h2! : h1!)
  const call = apiCaller(app)
  return {
    app,
    h1: h1!,
    h2: h2!,
    engine,
    composeDir,
    host,
    async createCt(vmid, o = {}) {
      const h = host(o.az ?? 'az1')
      const id = String(vmid)
      await destroyOnHost(h, id)
      cts.push([h, id])
      const args = ['pct', 'create', id, o.template ?? DEBIAN, '--hostname', `app-${id}`, '--memory', '256', '--rootfs', 'local-lvm:1']
      if (o.features) args.push('--features', o.features)
      const r = await h.exec(args)
      if (r.exitCode !== 0) throw new Error(`pct create ${id}: ${r.stderr}`)
      if (o.lxc?.length) {
        const conf = `/etc/pve/nodes/${h.name}/lxc/${id}.conf`
        const add = await onHost(h, 'f=$1; shift; for l in "$@"; do printf "%s\\n" "$l" >> "$f"; done', conf, ...o.lxc)
        if (add.exitCode !== 0) throw new Error(`lxc lines for ${id}: ${add.stderr}`)
      }
      if (o.start !== false) {
        const s = await h.exec(['pct', 'start', id])
        if (s.exitCode !== 0) throw new Error(`pct start ${id}: ${s.stderr}`)
      }
      return id
    },
    trackDocker: (...names) => names.forEach((n) => dockerNames.add(n)),
    trackProject: (...ps) => ps.forEach((p) => projects.add(p)),
    hostCommands: () => app.log.lines.filter((l: any) => l.msg === 'host command' || l.msg === 'host command failed').length,
    post: (path, body, headers) => call('POST', path, body, headers),
    get: (path, headers) => call('GET', path, undefined, headers),
    async close() {
      const ids = new Set<string>(dockerNames)
      for (const p of projects) {
        const r = await engine.docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${p}`])
        r.stdout.split('\n').filter(Boolean).forEach((x) => ids.add(x))
      }
      if (ids.size) await engine.docker(['rm', '-f', ...ids])
      for (const p of projects) await engine.docker(['network', 'rm', `${p}_default`])
      await Promise.all(cts.map(([h, id]) => destroyOnHost(h, id)))
      hideEngine(h1!)
      hideEngine(h2!)
      rmSync(composeDir, { recursive: true, force: true })
      await app.zones.closeAll()
    },
  }
}

/** Writes a compose file below compose_dir and returns its absolute path. */
export function composeFile(env: AppEnv, rel: string, yaml: string): string {
  const p = join(env.composeDir, rel)
  mkdirSync(join(p, '..'), { recursive: true })
  writeFileSync(p, yaml)
  return p
}

/** Parses a text/event-stream body into events. */
export function parseSse(text: string): Array<{ event: string; data: string }> {
  return text
    .split('\n\n')
    .filter((b) => b.trim() !== '')
    .map((block) => {
      let event = 'message'
      const data: string[] = []
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7)
        else if (line.startsWith('data: ')) data.push(line.slice(6))
        else if (line === 'data:') data.push('')
      }
      return { event, data: data.join('\n') }
    })
}

export const rand = () => Math.random().toString(36).slice(2, 8)
