/**
 * LWS killed (SIGKILL) in the middle of a slow `pct create`, then started
 * again on the same state_dir: the create ends failed / INTERRUPTED, and
 * the container it was making is not left behind — not even one the host's
 * task finishes after the restart.
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

test('SIGKILL during a slow create: after the restart the operation is INTERRUPTED and no container is left', async () => {
  h1.setDelay('pct', 4, 'create')
  const old = await start()
  const accepted = await call(old, '/lxc/instances', {
    method: 'POST',
    headers: { prefer: 'respond-async' },
    body: JSON.stringify({ image_id: IMAGE, region: 'eu-south-1', az: 'az1' }),
  })
  expect(accepted.status).toBe(202)
  const op = (await accepted.json()) as { id: string }
  // The create is on the host now (the test host's tool is sleeping before it runs).
  for (let i = 0; i < 100 && (await h1.exec(['pgrep', '-f', `pct create ${START}( |$)`])).exitCode !== 0; i++) await Bun.sleep(50)
  old.proc.kill('SIGKILL')
  await old.proc.exited

  const again = await start()
  let after: any
  for (let i = 0; i < 300; i++) {
    after = await (await call(again, `/operations/${op.id}`)).json()
    if (after.status !== 'running' && after.status !== 'pending') break
    await Bun.sleep(100)
  }
  expect(after.status).toBe('failed')
  expect(after.error.code).toBe('INTERRUPTED')
  expect(after.error.details).toContain(`CT ${START}`)
  // Whatever the host's task did after LWS died, nothing of it is left.
  expect(await statusOnHost(h1, String(START))).toBe('missing')
  const log = (await (await call(again, `/operations/${op.id}/log`)).json()) as { lines: Array<{ text: string } | string> }
  console.log(`after the restart: ${after.error.details}`, JSON.stringify(log).slice(0, 300))
  again.proc.kill('SIGTERM')
  expect(await again.proc.exited).toBe(0)
}, 90_000)
