/**
 * Concurrent creates never collide on a VMID, and a locked container is a 409
 * naming the lock for every action that Proxmox refuses on it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { configOnHost, IMAGE, lxcEnv, statusOnHost, type LxcEnv } from './support.ts'

let env: LxcEnv
const START = 14000

beforeAll(async () => {
  env = await lxcEnv({ startVmid: START })
})
afterAll(() => env.close())

describe('lxc concurrency', () => {
  test('5 parallel create requests get 5 distinct, lowest free ids', async () => {
    const t0 = performance.now()
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) => env.post('/lxc/instances', { image_id: IMAGE, hostname: `par-${i}`, region: 'eu-south-1', az: 'az1' })),
    )
    console.log(`5 parallel creates: ${Math.round(performance.now() - t0)} ms`)
    const ids = answers.flatMap((a) => (a.body.instances ?? []).map((x: { instance_id: string }) => x.instance_id))
    env.track('az1', ...ids)
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200])
    expect(ids).toHaveLength(5)
    expect(new Set(ids).size).toBe(5)
    expect(ids.map(Number).sort((a, b) => a - b)).toEqual([START, START + 1, START + 2, START + 3, START + 4])
    // Allocation itself kept them apart: no create had to be retried after "already exists".
    const creates = env.app.log.lines.filter((l: any) => l.msg === 'host command' && l.argv?.[0] === 'pct' && l.argv?.[1] === 'create')
    expect(creates.map((l: any) => l.exit_code)).toEqual([0, 0, 0, 0, 0])
    // Each request got its own container: the hostname it asked for, on the id it was told.
    for (const [i, a] of answers.entries()) {
      const x = a.body.instances[0]
      expect(x.hostname).toBe(`par-${i}`)
      expect((await configOnHost(env.h1, x.instance_id)).hostname).toBe(`par-${i}`)
      expect(await statusOnHost(env.h1, x.instance_id)).toBe('running')
    }
  })

  test('a gap left by a terminated container is reused; ids in use are skipped', async () => {
    const del = await env.post('/lxc/instances/terminate', { instance_ids: [String(START + 1)], az: 'az1' })
    expect(del.status).toBe(200)
    const res = await env.post('/lxc/instances', { image_id: IMAGE, count: 2, az: 'az1' })
    expect(res.status).toBe(200)
    const ids = res.body.instances.map((x: { instance_id: string }) => x.instance_id)
    env.track('az1', ...ids)
    expect(ids).toEqual([String(START + 1), String(START + 5)])
  })
})

describe('locked container', () => {
  let id: string
  const lockFile = () => `/etc/pve/nodes/${env.h1.name}/lxc/${id}.conf`

  test('every refused action → 409 with the lock name; the lock shows in describe and list', async () => {
    const made = await env.post('/lxc/instances', { image_id: IMAGE, hostname: 'locked', az: 'az1' })
    expect(made.status).toBe(200)
    id = made.body.instances[0].instance_id
    env.track('az1', id)
    // What a running vzdump leaves in the config: lock 'backup' (pve-container src/PVE/VZDump/LXC.pm; lock names in src/PVE/LXC/Config.pm).
    const r = await env.h1.exec(['sed', '-i', '1i lock: backup', lockFile()])
    expect(r.exitCode).toBe(0)

    const described = await env.get(`/lxc/instances/${id}?az=az1`)
    expect(described.body.lock).toBe('backup')
    const listed = await env.get('/lxc/instances?az=az1')
    expect(listed.body.instances.find((x: any) => x.instance_id === id).lock).toBe('backup')

    const attempts = [
      env.post('/lxc/instances/stop', { instance_ids: [id], az: 'az1' }),
      env.post('/lxc/instances/terminate', { instance_ids: [id], az: 'az1' }),
      env.post('/lxc/instances/scale', { instance_ids: [id], memory: 300, az: 'az1' }),
      env.post(`/lxc/instances/${id}/snapshots`, { snapshot_name: 'locked-snap', az: 'az1' }),
    ]
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(409)
      expect(res.body.error).toBe('Conflict')
      expect(res.body.details).toContain('locked (backup)')
    }
    expect(await statusOnHost(env.h1, id)).toBe('running')
    expect((await configOnHost(env.h1, id)).memory).toBe('256')
  })

  test('start of a stopped locked container → 409; after unlock it works', async () => {
    await env.h1.exec(['sh', '-c', 'sed -i "/^lock:/d" "$1" && pct stop "$2" && sed -i "1i lock: backup" "$1"', 'sh', lockFile(), id])
    expect(await statusOnHost(env.h1, id)).toBe('stopped')
    const res = await env.post('/lxc/instances/start', { instance_ids: [id], az: 'az1' })
    expect(res.status).toBe(409)
    expect(res.body.details).toContain('locked (backup)')
    await env.h1.exec(['pct', 'unlock', id])
    expect((await env.post('/lxc/instances/start', { instance_ids: [id], az: 'az1' })).status).toBe(200)
    expect(await statusOnHost(env.h1, id)).toBe('running')
  })
})
