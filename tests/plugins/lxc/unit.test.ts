/**
 * The lxc plugin through the real app without test hosts: the create route's
 * recovery paths (id taken by someone else, start failure, killed create,
 * fail-fast) with a FakeExecutor behind the AZ, and the routes' documentation.
 * The pure parts are tested beside their code (plugins/lxc/*.test.ts).
 */
import { describe, expect, test } from 'bun:test'
import { builtinPlugins } from '../../../plugins/index.ts'
import { swaggerAssets, uiAssets } from '../../../src/assets/bun-embedded.ts'
import { parseConfigText, resolveConfig } from '../../../src/config/load.ts'
import { HostTimeoutError } from '../../../src/errors/catalogue.ts'
import { memoryLogger } from '../../../src/log.ts'
import { FakeExecutor } from '../../../src/proxmox/fake-executor.ts'
import { buildServer } from '../../../src/server.ts'

const KEY = 'unit-key-0123456789'
const YAML = `
api_key: ${KEY}
start_vmid: 17000
regions:
  r1:
    availability_zones:
      a1: { host: 127.0.0.1, local: true, node: pve1 }
instance_sizes:
  small: { memory: 256, storage: "local-lvm:1" }
  big: { memory: 2048, cpulimit: 2, cores: 2, swap: 0, storage: 8 }
`

const IMAGE = 'local:vztmpl/ubuntu-22.04.tar.gz'
const TEMPLATES = JSON.stringify([{ volid: IMAGE, size: 1, format: 'tgz', content: 'vztmpl' }])
const status = (vmid: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ vmid, name: `CT${vmid}`, status: 'running', type: 'lxc', cpus: 1, maxmem: 268435456, mem: 1, ...extra })

/** The real app (all middleware, every built-in plugin) with `fake` behind the only AZ. */
async function appWith(fake: FakeExecutor) {
  fake.on(['pvesh', 'get', '/nodes/pve1/storage/local/content'], { stdout: TEMPLATES })
  const raw = parseConfigText(YAML, '(inline)') as Record<string, unknown>
  raw.plugins_dir = '/nonexistent'
  const cfg = resolveConfig(raw, '(inline)', { env: {} })
  const log = memoryLogger()
  const parts = await buildServer({ config: cfg, builtins: builtinPlugins, assets: { swagger: swaggerAssets, ui: uiAssets }, log, executorFactory: () => fake })
  const post = async (path: string, body: unknown) => {
    const res = await parts.fetch(
      new Request(`http://localhost/api/v1${path}`, { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    )
    return { status: res.status, body: (await res.json()) as any }
  }
  return { post, log }
}

const creates = (fake: FakeExecutor) => fake.argvs().filter((a) => a[0] === 'pct' && a[1] === 'create').map((a) => a[2])

describe('create recovery paths (fake host)', () => {
  test('an id taken behind our back ("already exists") is retried with the next one', async () => {
    const fake = new FakeExecutor()
      .on(['pvesh', 'get', '/cluster/resources'], { stdout: '[]' })
      .on(['pct', 'create', '17000'], { stderr: "CT 17000 already exists on node 'pve1'\n", exitCode: 255 })
      .on(['pct', 'create', '17001'], { stdout: '' })
      .on(['pct', 'start', '17001'], {})
      .on(['pvesh', 'get', '/nodes/pve1/lxc/17001/status/current'], { stdout: status(17001) })
    const { post } = await appWith(fake)
    const res = await post('/lxc/instances', { image_id: IMAGE })
    expect(res.status).toBe(200)
    expect(res.body.instances.map((x: any) => x.instance_id)).toEqual(['17001'])
    expect(creates(fake)).toEqual(['17000', '17001'])
    // Never cleaned up what is someone else's.
    expect(fake.argvs().some((a) => a[1] === 'destroy')).toBe(false)
  })

  test('created but not started → destroyed again, failure reported', async () => {
    const fake = new FakeExecutor()
      .on(['pvesh', 'get', '/cluster/resources'], { stdout: '[]' })
      .on(['pct', 'create', '17000'], {})
      .on(['pct', 'start', '17000'], { stderr: "startup for container '17000' failed\n", exitCode: 255 })
      .on(['pct', 'unlock', '17000'], { stderr: 'no lock found trying to remove any lock\n', exitCode: 255 })
      .on(['pct', 'destroy', '17000'], {})
    const { post } = await appWith(fake)
    const res = await post('/lxc/instances', { image_id: IMAGE, hostname: 'will-fail' })
    expect(res.status).toBe(500)
    expect(res.body.details).toContain('did not start')
    expect(res.body.details).toContain("startup for container '17000' failed")
    expect(fake.argvs().find((a) => a[1] === 'destroy')).toEqual(['pct', 'destroy', '17000', '--purge', '1', '--force', '1'])
  })

  test('a create killed by the timeout leaves lock: create → unlocked and destroyed', async () => {
    const fake = new FakeExecutor()
      .on(['pvesh', 'get', '/cluster/resources'], { stdout: '[]' })
      .on(['pct', 'create', '17000'], () => {
        throw new HostTimeoutError('r1/a1', 900_000)
      })
      .on(['pvesh', 'get', '/nodes/pve1/lxc/17000/status/current'], { stdout: status(17000, { status: 'stopped', lock: 'create' }) })
      .on(['pct', 'unlock', '17000'], {})
      .on(['pct', 'destroy', '17000'], {})
    const { post } = await appWith(fake)
    const res = await post('/lxc/instances', { image_id: IMAGE })
    expect(res.status).toBe(504)
    const tail = fake.argvs().slice(-2).map((a) => a.slice(0, 3))
    expect(tail).toEqual([
      ['pct', 'unlock', '17000'],
      ['pct', 'destroy', '17000'],
    ])
  })

  test('a 4xx refusal of create cleans up nothing', async () => {
    const fake = new FakeExecutor()
      .on(['pvesh', 'get', '/cluster/resources'], { stdout: '[]' })
      .on(['pct', 'create', '17000'], { stderr: "400 Parameter verification failed.\nstorage: storage 'local-lvm' does not support container directories\npct create <vmid> <ostemplate> [OPTIONS]\n", exitCode: 255 })
    const { post } = await appWith(fake)
    const res = await post('/lxc/instances', { image_id: IMAGE })
    expect(res.status).toBe(400)
    expect(fake.argvs().some((a) => a[1] === 'destroy' || a[1] === 'unlock' || a[2]?.includes('/status/'))).toBe(false)
  })

  test('partial success: 200 with the failures; a deterministic failure stops the containers not yet started', async () => {
    const fake = new FakeExecutor().on(['pvesh', 'get', '/cluster/resources'], { stdout: '[]' })
    for (let i = 0; i < 8; i++) {
      const id = String(17000 + i)
      if (i === 1) {
        fake.on(['pct', 'create', id], { stderr: 'unable to create CT 17001 - no space left on device\n', exitCode: 255 })
        continue
      }
      fake.on(['pct', 'create', id], {}).on(['pct', 'start', id], {})
      fake.on(['pvesh', 'get', `/nodes/pve1/lxc/${id}/status/current`], { stdout: status(17000 + i) })
    }
    fake.on(['pvesh', 'get', '/nodes/pve1/lxc/17001/status/current'], {
      stderr: "Configuration file 'nodes/pve1/lxc/17001.conf' does not exist\n",
      exitCode: 255,
    })
    const { post } = await appWith(fake)
    const res = await post('/lxc/instances', { image_id: IMAGE, count: 3, hostname: 'p' })
    expect(res.status).toBe(200)
    // The hostnames asked for (no status read after start: PVE names a container by its hostname).
    expect(res.body.instances.map((x: any) => [x.instance_id, x.hostname])).toEqual([
      ['17000', 'p-1'],
      ['17002', 'p-3'],
    ])
    expect(res.body.errors).toEqual([
      expect.objectContaining({ hostname: 'p-2', instance_id: '17001', status_code: 500, details: 'unable to create CT 17001 - no space left on device' }),
    ])
    expect(res.body.output).toContain('created 2 of 3')
    // PVE removed the failed one itself (its config is gone): nothing to destroy.
    expect(fake.argvs().some((a) => a[1] === 'destroy')).toBe(false)

    const stop = new FakeExecutor()
      .on(['pvesh', 'get', '/cluster/resources'], { stdout: '[]' })
      .on(['pct', 'create'], { stderr: "storage 'local-lvm' does not exist\n", exitCode: 255 }, 100)
    const app2 = await appWith(stop)
    const many = await app2.post('/lxc/instances', { image_id: IMAGE, count: 8 })
    expect(many.status).toBe(404)
    expect(many.body.details).toContain('none of 8 containers was created')
    // The first wave (4 slots) ran; the rest were not attempted.
    expect(creates(stop)).toHaveLength(4)
  })
})

describe('OpenAPI', () => {
  test('every lxc route is documented under the lxc tag with typed 200 and error responses', async () => {
    const { startApp } = await import('../../http/harness.ts')
    const s = await startApp()
    const doc = (await (await s.request('/api/v1/docs/json')).json()) as { paths: Record<string, Record<string, any>> }
    const expected: Array<[string, string]> = [
      ['/api/v1/lxc/instances', 'post'],
      ['/api/v1/lxc/instances', 'get'],
      ['/api/v1/lxc/instances/{instance_id}', 'get'],
      ['/api/v1/lxc/instances/start', 'post'],
      ['/api/v1/lxc/instances/stop', 'post'],
      ['/api/v1/lxc/instances/reboot', 'post'],
      ['/api/v1/lxc/instances/terminate', 'post'],
      ['/api/v1/lxc/instances/scale', 'post'],
      ['/api/v1/lxc/instances/{instance_id}/exec', 'post'],
      ['/api/v1/lxc/instances/{instance_id}/snapshots', 'get'],
      ['/api/v1/lxc/instances/{instance_id}/snapshots', 'post'],
      ['/api/v1/lxc/instances/{instance_id}/snapshots/{snapshot_name}', 'delete'],
      ['/api/v1/lxc/instances/{instance_id}/snapshots/{snapshot_name}/rollback', 'post'],
      ['/api/v1/lxc/instances/{instance_id}/resources', 'get'],
    ]
    for (const [path, method] of expected) {
      const op = doc.paths[path]?.[method]
      expect(op, `${method} ${path}`).toBeDefined()
      expect(op.tags).toEqual(['lxc'])
      expect(op.summary.length).toBeGreaterThan(5)
      const ok = op.responses['200'].content['application/json'].schema
      expect(ok.type === 'object' || ok.$ref !== undefined).toBe(true)
      for (const code of ['400', '401', '500']) expect(op.responses[code], `${method} ${path} ${code}`).toBeDefined()
    }
  })
})
