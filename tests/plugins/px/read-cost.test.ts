/**
 * What a read endpoint costs the host: at most ONE host command per AZ once
 * the AZ's node name is known (it is discovered once per AZ), counted below
 * the app's executor stack by a wrapping ExecutorFactory. And the batched
 * reads still fail the way the single commands do (a missing container is
 * 404 INSTANCE_NOT_FOUND, an unknown storage 404 STORAGE_NOT_FOUND).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { KEY } from '../../http/harness.ts'
import type { TestHost } from '../../pvehost/host.ts'
import { sharedHosts } from '../../support/hosts.ts'
import { regionsYaml } from '../../support/plugin-env.ts'
import { countingApp } from './counting.ts'
import { onHost } from './setup.ts'

// Containers of this file; far from the numbers other test files use.
const RUNNING = '9451'
const STOPPED = '9452'
const MISSING = '9459'
const TEMPLATE = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.gz'

let h1: TestHost
let h2: TestHost
let app: Awaited<ReturnType<typeof countingApp>>

beforeAll(async () => {
  ;[h1, h2] = (await sharedHosts()) as [TestHost, TestHost]
  for (const id of [RUNNING, STOPPED]) {
    await h1.exec(['sh', '-c', 'pct destroy "$1" --force 1 --purge 1 >/dev/null 2>&1; true', 'sh', id])
    await onHost(h1, ['pct', 'create', id, TEMPLATE, '--hostname', `read-cost-${id}`, '--rootfs', 'local-lvm:1'])
  }
  await onHost(h1, ['pct', 'start', RUNNING])
  await onHost(h1, ['pct', 'snapshot', STOPPED, 'first'])
  app = await countingApp(`
api_key: ${KEY}
${regionsYaml(h1, h2)}
`)
})

afterAll(async () => {
  await app?.zones.closeAll()
  await h1?.exec(['pct', 'stop', RUNNING])
  for (const id of [RUNNING, STOPPED]) await h1?.exec(['pct', 'destroy', id, '--purge', '1'])
})

const AZ1 = 'eu-south-1/az1'
const AZ2 = 'eu-central-1/az2'

describe('host commands per read endpoint', () => {
  test('the first call of an AZ also discovers its node name (one more command), then never again', async () => {
    const first = await app.measure('/px/status?az=az1')
    expect(first.status).toBe(200)
    expect(first.cost.get(AZ1)).toBe(2)
    expect(first.commands[0]!.argv[3]).toBe('lws-node-name')
    const again = await app.measure('/px/status?az=az1')
    expect(again.cost).toEqual(new Map([[AZ1, 1]]))
    // The AZ's node name is shared by every route: az2 is warmed by its own first call.
    expect((await app.measure('/px/storage?az=az2')).cost.get(AZ2)).toBe(2)
  })

  test.each([
    ['/px/status?az=az1', 'lws-host-status'],
    ['/px/storage?az=az1', 'pvesh'],
    ['/px/templates?az=az1', 'lws-templates'],
    ['/px/templates?az=az1&available=true', 'lws-templates-available'],
    ['/px/templates?az=az1&available=true&section=system', 'lws-templates-available-section'],
    ['/px/templates?az=az1&storage=local', 'pvesh'],
    ['/px/templates?az=az1&storage=local&available=true', 'lws-templates-storage-available'],
    ['/lxc/instances?az=az1', 'pvesh'],
    [`/lxc/instances/${RUNNING}?az=az1`, 'lws-ct-describe'],
    [`/lxc/instances/${STOPPED}?az=az1`, 'lws-ct-describe'],
    [`/lxc/instances/${RUNNING}/resources?az=az1`, 'lws-ct-usage'],
    [`/lxc/instances/${STOPPED}/snapshots?az=az1`, 'pvesh'],
  ])('%s → 200 in one host command', async (path, what) => {
    await app.get('/px/storage?az=az1') // the node name is known
    const r = await app.measure(path)
    expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(200)
    expect(r.cost).toEqual(new Map([[AZ1, 1]]))
    const argv = r.commands[0]!.argv
    expect(argv[0] === 'sh' ? argv[3] : argv[0]).toBe(what)
  })

  test('GET /lxc/instances over every AZ: one command per AZ', async () => {
    await app.get('/px/storage?az=az2')
    const r = await app.measure('/lxc/instances')
    expect(r.status).toBe(200)
    expect(r.cost).toEqual(new Map([[AZ1, 1], [AZ2, 1]]))
    expect(r.body.instances.map((x: { instance_id: string }) => x.instance_id)).toEqual(expect.arrayContaining([RUNNING, STOPPED]))
  })

  test('the batched answers hold what the single reads gave', async () => {
    const d = (await app.get(`/lxc/instances/${STOPPED}?az=az1`)).body
    expect(d).toMatchObject({ instance_id: STOPPED, hostname: `read-cost-${STOPPED}`, status: 'stopped', snapshots: 1, snapshot_parent: 'first' })
    expect(d.config.rootfs.volume).toBe(`local-lvm:vm-${STOPPED}-disk-0`)
    const u = (await app.get(`/lxc/instances/${RUNNING}/resources?az=az1`)).body
    expect(u).toMatchObject({ instance_id: RUNNING, status: 'running' })
    expect(u.cpu.usage_percent).not.toBeNull() // from /cluster/resources, in the same round trip
    const s = (await app.get('/px/status?az=az1')).body
    expect(s.cpu.usage_source).toBe('cluster_resources')
    expect(s.containers.running).toBeGreaterThanOrEqual(1)
    const t = (await app.get('/px/templates?az=az1&available=true')).body
    expect(t.templates.map((x: { image_id: string }) => x.image_id)).toContain(TEMPLATE)
    expect(t.available.length).toBeGreaterThan(0)
  })
})

describe('a batched read fails as the single command would', () => {
  test('a missing container → 404 INSTANCE_NOT_FOUND (describe, resources), in one command', async () => {
    await app.get('/px/storage?az=az1')
    for (const path of [`/lxc/instances/${MISSING}?az=az1`, `/lxc/instances/${MISSING}/resources?az=az1`]) {
      const r = await app.measure(path)
      expect(r.status, path).toBe(404)
      expect(r.body).toEqual({
        error: 'Not Found',
        details: `container ${MISSING} does not exist on node ${h1.name}`,
        return_code: 1,
        code: 'INSTANCE_NOT_FOUND',
      })
      expect(r.cost).toEqual(new Map([[AZ1, 1]]))
    }
    // The same answer as a route that runs the single command (snapshots list: one pvesh).
    const single = await app.get(`/lxc/instances/${MISSING}/snapshots?az=az1`)
    expect(single.status).toBe(404)
    expect(single.body.code).toBe('INSTANCE_NOT_FOUND')
  })

  test('an unknown storage → 404 STORAGE_NOT_FOUND, also with available=true (two parts)', async () => {
    for (const q of ['storage=nosuch', 'storage=nosuch&available=true']) {
      const r = await app.measure(`/px/templates?az=az1&${q}`)
      expect(r.status, q).toBe(404)
      expect(r.body.code).toBe('STORAGE_NOT_FOUND')
      expect(r.body.details).toContain("storage 'nosuch' does not exist")
      expect(r.cost).toEqual(new Map([[AZ1, 1]]))
    }
  })
})
