/**
 * LWS killed (SIGKILL) in the middle of a slow `pct create`, then started
 * again on the same state_dir. The create runs detached on the host, so it
 * goes on; the new process follows it and completes the operation. When the
 * host task died too, the operation ends INTERRUPTED and the half-made
 * container is removed.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type TestHost, writeTestConfig } from '../../pvehost/host.ts'
import { sharedHosts } from '../../support/hosts.ts'
import { type RunningServer, startServer } from '../../support/serve.ts'
import { destroyOnHost, IMAGE, statusOnHost } from './support.ts'

const ROOT = join(import.meta.dir, '../../..')
const START = 16500
const KEY = 'restart-test-key-123'
let h1: TestHost
let dir: string
let cfg: string
const servers: RunningServer[] = []

beforeAll(async () => {
  h1 = (await sharedHosts())[0]!
  dir = mkdtempSync(join(tmpdir(), 'lws-restart-'))
  cfg = join(dir, 'lws.config.yaml')
  writeTestConfig(await sharedHosts(), cfg, {
    api_key: KEY,
    api: { host: '127.0.0.1', port: 0 },
    start_vmid: START,
    state_dir: join(dir, 'state'),
    plugins_dir: join(dir, 'none'),
    instance_sizes: { small: { memory: 256, cpulimit: 1, storage: 'local-lvm:1' } },
  })
})
afterAll(async () => {
  h1?.clearDelays()
  for (const s of servers) if (s.proc.exitCode === null) s.proc.kill('SIGKILL')
  await destroyOnHost(h1, String(START))
  rmSync(dir, { recursive: true, force: true })
})

const start = async () => {
  const s = await startServer([process.execPath, join(ROOT, 'src/main.ts'), 'serve', '--config', cfg], { cwd: ROOT, timeoutMs: 30_000 })
  servers.push(s)
  return s
}
const call = (s: RunningServer, path: string, init: RequestInit = {}) =>
  fetch(`${s.url}/api/v1${path}`, { ...init, headers: { 'x-api-key': KEY, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } })

const waitEnd = async (s: RunningServer, id: string) => {
  let op: any
  for (let i = 0; i < 600; i++) {
    op = await (await call(s, `/operations/${id}`)).json()
    if (op.status !== 'running' && op.status !== 'pending') break
    await Bun.sleep(100)
  }
  return op
}
const logText = async (s: RunningServer, id: string) => JSON.stringify(await (await call(s, `/operations/${id}/log`)).json())

/** Starts a slow create and returns once the host task is under way: its first line is in the operation log (live). */
async function slowCreate(s: RunningServer): Promise<string> {
  const accepted = await call(s, '/lxc/instances', {
    method: 'POST',
    headers: { prefer: 'respond-async' },
    body: JSON.stringify({ image_id: IMAGE, region: 'eu-south-1', az: 'az1', hostname: 'survivor' }),
  })
  expect(accepted.status).toBe(202)
  const { id } = (await accepted.json()) as { id: string }
  for (let i = 0; i < 200 && !(await logText(s, id)).includes('extracting archive'); i++) await Bun.sleep(50)
  expect(await logText(s, id)).toContain('extracting archive')
  return id
}

test('SIGKILL during a slow create: the host task goes on, and after the restart LWS follows it and completes the container', async () => {
  h1.setDelay('vzcreate', 4)
  const old = await start()
  const id = await slowCreate(old)
  // The PVE worker task it runs shows in the operation (looked up once the task prints).
  let running: any
  for (let i = 0; i < 100 && !running?.host_task; i++, await Bun.sleep(50)) running = await (await call(old, `/operations/${id}`)).json()
  expect(running.host_task).toEqual({ upid: expect.stringMatching(new RegExp(`^UPID:pve-test1:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:vzcreate:${START}:root@pam:$`)), node: 'pve-test1' })
  old.proc.kill('SIGKILL')
  await old.proc.exited

  const again = await start()
  const after = await waitEnd(again, id)
  expect(after.status).toBe('succeeded')
  expect(after.host_task).toEqual(running.host_task)
  expect(after.result.instances).toHaveLength(1)
  expect(after.result.instances[0]).toMatchObject({ instance_id: String(START), hostname: 'survivor', status: 'running' })
  expect(await statusOnHost(h1, String(START))).toBe('running')
  const log = await logText(again, id)
  expect(log).toContain('LWS restarted')
  expect(log).toContain('created and started')
  // Served as any operation: the instance filter finds it.
  const list = (await (await call(again, `/operations?instance_id=${START}`)).json()) as { operations: Array<{ id: string }> }
  expect(list.operations.map((o) => o.id)).toContain(id)
  again.proc.kill('SIGTERM')
  expect(await again.proc.exited).toBe(0)
  h1.clearDelays()
  await destroyOnHost(h1, String(START))
}, 90_000)

test('SIGKILL of LWS and of the host task: after the restart the operation is INTERRUPTED and no container is left', async () => {
  h1.setDelay('vzcreate', 30)
  const old = await start()
  const id = await slowCreate(old)
  old.proc.kill('SIGKILL')
  await old.proc.exited
  // The task dies hard too (OOM, kill -9): its config stays locked `create` (facts §22.9).
  await h1.exec(['pkill', '-KILL', '-f', `pct(\\.ts)? create ${START}( |$)`])

  const again = await start()
  const after = await waitEnd(again, id)
  expect(after.status).toBe('failed')
  expect(after.error.code).toBe('INTERRUPTED')
  expect(after.error.details).toContain(`CT ${START}`)
  expect(await statusOnHost(h1, String(START))).toBe('missing')
  console.log(`after the restart: ${after.error.details}`)
  again.proc.kill('SIGTERM')
  expect(await again.proc.exited).toBe(0)
}, 90_000)

test('SIGKILL during a slow template download: after the restart LWS follows pveam to its end and checks the file', async () => {
  // In the fixture's `pveam available` index, not shipped as a file.
  const template = 'debian-11-turnkey-nextcloud_17.2-1_amd64.tar.gz'
  const cache = '/var/lib/vz/template/cache'
  const offered = (await h1.exec(['pveam', 'available'])).stdout
  const name = offered.includes(template) ? template : offered.split('\n').map((l) => l.trim().split(/\s+/)[1] ?? '').find((t) => t.endsWith('.tar.gz') && !t.startsWith('debian-12-standard'))!
  await h1.exec(['rm', '-f', `${cache}/${name}`])
  h1.setDelay('pveam', 3, 'download')
  const old = await start()
  const accepted = await call(old, '/px/templates/download', { method: 'POST', headers: { prefer: 'respond-async' }, body: JSON.stringify({ region: 'eu-south-1', az: 'az1', storage: 'local', template: name }) })
  expect(accepted.status).toBe(202)
  const { id } = (await accepted.json()) as { id: string }
  for (let i = 0; i < 100 && (await h1.exec(['pgrep', '-f', `pveam download local ${name}`])).exitCode !== 0; i++) await Bun.sleep(50)
  old.proc.kill('SIGKILL')
  await old.proc.exited

  const again = await start()
  const after = await waitEnd(again, id)
  expect(after.status).toBe('succeeded')
  expect(after.result).toMatchObject({ storage: 'local', template: name, image_id: `local:vztmpl/${name}`, already_present: false })
  expect((await h1.exec(['test', '-s', `${cache}/${name}`])).exitCode).toBe(0)
  again.proc.kill('SIGTERM')
  expect(await again.proc.exited).toBe(0)
  h1.clearDelays()
  await h1.exec(['rm', '-f', `${cache}/${name}`])
}, 90_000)
