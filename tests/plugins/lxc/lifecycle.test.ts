/**
 * The container lifecycle over HTTP against the Proxmox test hosts (real sshd,
 * real LXC): create → describe → list → stop/start → reboot → scale → resources
 * → terminate.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { cgroupMemoryLimit, configOnHost, IMAGE, lxcEnv, MEDIUM_MB, SMALL_MB, statusOnHost, type LxcEnv } from './support.ts'

let env: LxcEnv
let ids: string[] = []
const MiB = 1024 * 1024

beforeAll(async () => {
  env = await lxcEnv({ startVmid: 11000 })
})
afterAll(() => env.close())

describe('lxc lifecycle', () => {
  test('create count 2: both exist, run, and have the size’s memory', async () => {
    const t0 = performance.now()
    const res = await env.post('/lxc/instances', {
      image_id: IMAGE,
      size: 'medium',
      count: 2,
      hostname: 'web',
      password: 'hunter2-secret',
      ip: '10.20.30.40',
      netmask: '24',
      gateway: '10.20.30.1',
      dns: '1.1.1.1',
      region: 'eu-south-1',
      az: 'az1',
    })
    const ms = Math.round(performance.now() - t0)
    expect(res.body).toMatchObject({ errors: [] })
    expect(res.status).toBe(200)
    ids = res.body.instances.map((x: { instance_id: string }) => x.instance_id)
    env.track('az1', ...ids)
    console.log(`create count=2: ${ms} ms`)
    expect(res.body.errors).toEqual([])
    expect(res.body.instances).toHaveLength(2)
    expect(res.body.instances.map((x: any) => x.hostname)).toEqual(['web-1', 'web-2'])
    for (const x of res.body.instances) {
      expect(x).toMatchObject({ status: 'running', region: 'eu-south-1', az: 'az1', size: 'medium', image_id: IMAGE })
      expect(Number(x.instance_id)).toBeGreaterThanOrEqual(11000)
    }
    expect(new Set(ids).size).toBe(2)
    expect(res.body.instances.map((x: any) => x.ip)).toEqual(['10.20.30.40/24', '10.20.30.41/24'])
    // The password is never echoed or logged.
    expect(JSON.stringify(res.body)).not.toContain('hunter2-secret')
    expect(JSON.stringify(env.app.log.lines)).not.toContain('hunter2-secret')

    for (const [i, id] of ids.entries()) {
      expect(await statusOnHost(env.h1, id)).toBe('running')
      const cfg = await configOnHost(env.h1, id)
      expect(cfg.memory).toBe(String(MEDIUM_MB))
      expect(cfg.cpulimit).toBe('2')
      expect(cfg.hostname).toBe(`web-${i + 1}`)
      expect(cfg.unprivileged).toBe('1')
      expect(cfg.nameserver).toBe('1.1.1.1')
      expect(cfg.rootfs).toMatch(/^local-lvm:vm-\d+-disk-0,size=1G$/)
      expect(cfg.net0).toContain(`ip=10.20.30.4${i}/24`)
      expect(cfg.net0).toContain('gw=10.20.30.1')
      expect(cfg.net0).toContain('bridge=vmbr0')
      expect(await cgroupMemoryLimit(env.h1, id)).toBe(MEDIUM_MB * MiB)
    }
  })

  test('describe: status plus config; unknown id → 404', async () => {
    const res = await env.get(`/lxc/instances/${ids[0]}?region=eu-south-1&az=az1`)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      instance_id: ids[0],
      hostname: 'web-1',
      status: 'running',
      lock: null,
      region: 'eu-south-1',
      az: 'az1',
      size: 'medium',
      snapshots: 0,
      snapshot_parent: null,
      memory: { max_bytes: MEDIUM_MB * MiB },
      config: { memory_mb: MEDIUM_MB, cpulimit: 2, unprivileged: true, nameserver: ['1.1.1.1'] },
    })
    expect(res.body.config.rootfs).toMatchObject({ size: '1G', size_bytes: 1024 ** 3 })
    expect(res.body.config.net[0]).toMatchObject({ id: 'net0', name: 'eth0', bridge: 'vmbr0', ip: '10.20.30.40/24', gw: '10.20.30.1' })
    expect(res.body.uptime_seconds).toBeGreaterThanOrEqual(0)

    const missing = await env.get('/lxc/instances/99999?az=az1')
    expect(missing.status).toBe(404)
    expect(missing.body.details).toContain('99999')
  })

  test('list across AZs: every AZ tagged, the dead one reported in errors', async () => {
    const dead = await lxcEnv({ startVmid: 11000, deadAz: true })
    const t0 = performance.now()
    const res = await dead.get('/lxc/instances')
    const ms = Math.round(performance.now() - t0)
    console.log(`list across 3 AZs (one down): ${ms} ms`)
    expect(res.status).toBe(200)
    const mine = res.body.instances.filter((r: any) => ids.includes(r.instance_id))
    expect(mine).toHaveLength(2)
    for (const r of mine) {
      expect(r).toMatchObject({ region: 'eu-south-1', az: 'az1', status: 'running', lock: null, tags: [] })
      expect(r.memory.max_bytes).toBe(MEDIUM_MB * MiB)
      expect(r.disk.max_bytes).toBeGreaterThan(0)
      expect(typeof r.cpus).toBe('number')
      expect(typeof r.uptime_seconds).toBe('number')
    }
    expect(res.body.count).toBe(res.body.instances.length)
    expect(res.body.errors).toHaveLength(1)
    expect(res.body.errors[0]).toMatchObject({ region: 'eu-central-1', az: 'dead', status_code: 502 })
    expect(JSON.stringify(res.body)).not.toContain('nope-secret')
    expect(ms).toBeLessThan(5000)

    // One AZ only.
    const one = await env.get('/lxc/instances?region=eu-south-1&az=az1')
    expect(one.status).toBe(200)
    expect(one.body.instances.every((r: any) => r.az === 'az1')).toBe(true)
    expect(one.body.instances.map((r: any) => r.instance_id)).toEqual(expect.arrayContaining(ids))
    // A region: its AZs. The dead AZ named explicitly answers with its own error.
    const region = await dead.get('/lxc/instances?region=eu-central-1')
    expect(region.body.errors.map((e: any) => e.az)).toEqual(['dead'])
    expect((await dead.get('/lxc/instances?region=eu-central-1&az=dead')).status).toBe(502)
    expect((await env.get('/lxc/instances?region=nowhere')).status).toBe(404)
    await dead.close()
  })

  test('stop and start are idempotent and report each id', async () => {
    const stop = await env.post('/lxc/instances/stop', { instance_ids: ids, region: 'eu-south-1', az: 'az1' })
    expect(stop.status).toBe(200)
    expect(stop.body.results).toEqual(
      ids.map((id) => expect.objectContaining({ instance_id: id, success: true, previous_status: 'running', current_status: 'stopped', message: 'stopped' })),
    )
    expect(stop.body.output).toContain(`${ids[0]}: stopped`)
    for (const id of ids) expect(await statusOnHost(env.h1, id)).toBe('stopped')

    const again = await env.post('/lxc/instances/stop', { instance_ids: [Number(ids[0])], az: 'az1' })
    expect(again.status).toBe(200)
    expect(again.body.results[0]).toMatchObject({ success: true, current_status: 'stopped', message: 'already stopped' })

    const start = await env.post('/lxc/instances/start', { instance_ids: [ids[0], ids[0]], az: 'az1' })
    expect(start.status).toBe(200)
    expect(start.body.results).toHaveLength(1)
    expect(start.body.results[0]).toMatchObject({ success: true, previous_status: 'stopped', current_status: 'running', message: 'started' })
    const both = await env.post('/lxc/instances/start', { instance_ids: ids, az: 'az1' })
    expect(both.body.results.map((r: any) => r.message)).toEqual(['already running', 'started'])
    for (const id of ids) expect(await statusOnHost(env.h1, id)).toBe('running')
  })

  test('a mix of good and unknown ids → 200 with a failure for the unknown one; only unknown → 404', async () => {
    const res = await env.post('/lxc/instances/start', { instance_ids: [ids[0], '99998'], az: 'az1' })
    expect(res.status).toBe(200)
    expect(res.body.results[1]).toMatchObject({ instance_id: '99998', success: false, error: { status_code: 404 } })
    const only = await env.post('/lxc/instances/start', { instance_ids: ['99998'], az: 'az1' })
    expect(only.status).toBe(404)
    expect(only.body).toMatchObject({ error: 'Not Found' })
  })

  test('reboot: running container comes back with a new init; stopped one → 409', async () => {
    const pidOf = async () => (await env.h1.exec(['pct', 'status', ids[1]!, '--verbose'])).stdout.match(/^pid: (\d+)$/m)?.[1]
    const before = await pidOf()
    const res = await env.post('/lxc/instances/reboot', { instance_ids: [ids[1]], az: 'az1' })
    expect(res.status).toBe(200)
    expect(res.body.results[0]).toMatchObject({ success: true, previous_status: 'running', current_status: 'running', message: 'rebooted' })
    const after = await pidOf()
    expect(after).toBeDefined()
    expect(after).not.toBe(before)

    await env.post('/lxc/instances/stop', { instance_ids: [ids[1]], az: 'az1' })
    const stopped = await env.post('/lxc/instances/reboot', { instance_ids: [ids[1]], az: 'az1' })
    expect(stopped.status).toBe(409)
    expect(stopped.body.details).toContain('not running')
  })

  test('scale memory/cpu on a running container is live (cgroup) and read back', async () => {
    const id = ids[0]!
    const res = await env.post('/lxc/instances/scale', { instance_ids: [id], memory: 320, cpulimit: 1.5, swap: 64, region: 'eu-south-1', az: 'az1' })
    expect(res.status).toBe(200)
    expect(res.body.results[0]).toMatchObject({
      instance_id: id,
      success: true,
      current_status: 'running',
      applied: { memory_mb: 320, cpulimit: 1.5, swap_mb: 64 },
      pending: [],
    })
    expect(res.body.results[0].message).toContain('live')
    expect(await cgroupMemoryLimit(env.h1, id)).toBe(320 * MiB)
    const cfg = await configOnHost(env.h1, id)
    expect(cfg.memory).toBe('320')
    expect(cfg.cpulimit).toBe('1.5')
  })

  test('scale storage: grows absolute and relative, refuses shrinking, needs a field', async () => {
    const id = ids[0]!
    const grow = await env.post('/lxc/instances/scale', { instance_ids: [id], storage_size: '2G', az: 'az1' })
    expect(grow.status).toBe(200)
    expect(grow.body.results[0].applied).toMatchObject({ storage_size: '2G', storage_bytes: 2 * 1024 ** 3 })
    const rel = await env.post('/lxc/instances/scale', { instance_ids: [id], storage_size: '+512M', az: 'az1' })
    expect(rel.status).toBe(200)
    expect(rel.body.results[0].applied.storage_bytes).toBe(2.5 * 1024 ** 3)
    expect((await configOnHost(env.h1, id)).rootfs).toContain('size=2560M')

    const shrink = await env.post('/lxc/instances/scale', { instance_ids: [id], storage_size: '1G', memory: 300, az: 'az1' })
    expect(shrink.status).toBe(400)
    expect(shrink.body.details).toContain('only grow')
    // Refused before anything changed.
    expect((await configOnHost(env.h1, id)).memory).toBe('320')

    const same = await env.post('/lxc/instances/scale', { instance_ids: [id], storage_size: '2560M', az: 'az1' })
    expect(same.status).toBe(200)
    expect(same.body.results[0].message).toContain('already')

    const none = await env.post('/lxc/instances/scale', { instance_ids: [id], az: 'az1' })
    expect(none.status).toBe(400)
    expect(none.body.details).toContain('at least one')
  })

  test('resources: numbers with units, cpu from the cluster statistics', async () => {
    const id = ids[0]!
    await env.post(`/lxc/instances/${id}/exec`, { command: 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done', az: 'az1' })
    const res = await env.get(`/lxc/instances/${id}/resources?region=eu-south-1&az=az1`)
    expect(res.status).toBe(200)
    const b = res.body
    expect(b).toMatchObject({ instance_id: id, status: 'running', region: 'eu-south-1', az: 'az1' })
    expect(b.memory.max_bytes).toBe(320 * MiB)
    expect(b.memory.used_bytes).toBeGreaterThan(0)
    expect(b.memory.usage_percent).toBeGreaterThan(0)
    expect(b.memory.usage_percent).toBeLessThanOrEqual(100)
    expect(b.swap.max_bytes).toBe(64 * MiB)
    expect(typeof b.cpu.usage_percent).toBe('number')
    expect(b.cpu.cpus).toBeGreaterThan(0)
    expect(b.disk.max_bytes).toBeGreaterThan(0)
    for (const k of ['in_bytes', 'out_bytes']) expect(typeof b.network[k]).toBe('number')
    for (const k of ['read_bytes', 'write_bytes']) expect(typeof b.disk_io[k]).toBe('number')
    expect(b.uptime_seconds).toBeGreaterThanOrEqual(0)
    expect(Date.parse(b.sampled_at)).toBeGreaterThan(0)

    expect((await env.get('/lxc/instances/99999/resources?az=az1')).status).toBe(404)
  })

  test('terminate: stops a running container and purges it; a second terminate → 404', async () => {
    const res = await env.post('/lxc/instances/terminate', { instance_ids: ids, region: 'eu-south-1', az: 'az1' })
    expect(res.status).toBe(200)
    expect(res.body.results.map((r: any) => [r.success, r.current_status])).toEqual([
      [true, 'terminated'],
      [true, 'terminated'],
    ])
    expect(res.body.results[0].message).toBe('stopped and terminated')
    expect(res.body.results[1].message).toBe('terminated')
    for (const id of ids) expect(await statusOnHost(env.h1, id)).toBe('missing')
    const again = await env.post('/lxc/instances/terminate', { instance_ids: [ids[0]], az: 'az1' })
    expect(again.status).toBe(404)
  })
})
