/**
 * Snapshots over HTTP against a real container: create, list (tree with
 * parents and times), rollback (state really goes back), delete; the seed's
 * paths, reserved and duplicate names.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { DEBIAN, lxcEnv, statusOnHost, type LxcEnv } from './support.ts'

let env: LxcEnv
let id: string

beforeAll(async () => {
  env = await lxcEnv({ startVmid: 13000 })
  const res = await env.post('/lxc/instances', { image_id: DEBIAN, hostname: 'snap-box', region: 'eu-south-1', az: 'az1' })
  if (res.status !== 200) throw new Error(`create failed: ${JSON.stringify(res.body)}`)
  id = res.body.instances[0].instance_id
  env.track('az1', id)
})
afterAll(() => env.close())

const q = '?region=eu-south-1&az=az1'
const run = (command: string) => env.post(`/lxc/instances/${id}/exec`, { command, region: 'eu-south-1', az: 'az1' })

describe('lxc snapshots', () => {
  test('create (the seed’s body), then list shows it with time and no parent', async () => {
    await run('echo one > /root/state')
    const t0 = Math.floor(Date.now() / 1000)
    const res = await env.post(`/lxc/instances/${id}/snapshots`, { snapshot_name: 'before-update', region: 'eu-south-1', az: 'az1' })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ instance_id: id, snapshot_name: 'before-update', region: 'eu-south-1', az: 'az1' })
    expect(res.body.snapshot).toMatchObject({ name: 'before-update', parent: null, current: true, description: '' })
    expect(res.body.output).toContain('before-update')

    const list = await env.get(`/lxc/instances/${id}/snapshots${q}`)
    expect(list.status).toBe(200)
    expect(list.body.current_parent).toBe('before-update')
    expect(list.body.snapshots).toHaveLength(1)
    const s = list.body.snapshots[0]
    expect(s.snaptime).toBeGreaterThanOrEqual(t0 - 2)
    expect(Date.parse(s.created_at)).toBe(s.snaptime * 1000)
  })

  test('a second snapshot with a description is a child of the first', async () => {
    await run('echo two > /root/state')
    const res = await env.post(`/lxc/instances/${id}/snapshots`, { snapshot_name: 'after_update', description: 'upgraded: yes', az: 'az1' })
    expect(res.status).toBe(200)
    const list = await env.get(`/lxc/instances/${id}/snapshots${q}`)
    expect(list.body.snapshots.map((x: any) => [x.name, x.parent, x.current, x.description])).toEqual([
      ['before-update', null, false, ''],
      ['after_update', 'before-update', true, 'upgraded: yes'],
    ])
    const described = await env.get(`/lxc/instances/${id}${q}`)
    expect(described.body).toMatchObject({ snapshots: 2, snapshot_parent: 'after_update' })
  })

  test('duplicate → 409; reserved or malformed names → 400; unknown container → 404', async () => {
    const dup = await env.post(`/lxc/instances/${id}/snapshots`, { snapshot_name: 'before-update', az: 'az1' })
    expect(dup.status).toBe(409)
    expect(dup.body.details).toContain('before-update')
    for (const name of ['current', 'vzdump', 'CURRENT', 'x', '1abc', 'a'.repeat(41), 'a b', '--force', 'a;reboot']) {
      const res = await env.post(`/lxc/instances/${id}/snapshots`, { snapshot_name: name, az: 'az1' })
      expect(res.status).toBe(400)
    }
    expect((await env.post('/lxc/instances/99996/snapshots', { snapshot_name: 'snap1', az: 'az1' })).status).toBe(404)
    expect((await env.get(`/lxc/instances/99996/snapshots${q}`)).status).toBe(404)
  })

  test('rollback restores the state; the container stays stopped unless start is set', async () => {
    const res = await env.post(`/lxc/instances/${id}/snapshots/before-update/rollback`, { region: 'eu-south-1', az: 'az1' })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ snapshot_name: 'before-update', status: 'stopped' })
    expect(await statusOnHost(env.h1, id)).toBe('stopped')
    const list = await env.get(`/lxc/instances/${id}/snapshots${q}`)
    expect(list.body.current_parent).toBe('before-update')

    const started = await env.post(`/lxc/instances/${id}/snapshots/before-update/rollback`, { start: true, az: 'az1' })
    expect(started.status).toBe(200)
    expect(started.body.status).toBe('running')
    expect((await run('cat /root/state')).body.output).toBe('one\n')

    expect((await env.post(`/lxc/instances/${id}/snapshots/nope/rollback`, { az: 'az1' })).status).toBe(404)
    expect((await env.post(`/lxc/instances/${id}/snapshots/current/rollback`, { az: 'az1' })).status).toBe(400)
  })

  test('delete (the seed’s DELETE with region/az in the query); children move up; unknown → 404', async () => {
    const res = await env.del(`/lxc/instances/${id}/snapshots/before-update${q}`)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ instance_id: id, snapshot_name: 'before-update' })
    const list = await env.get(`/lxc/instances/${id}/snapshots${q}`)
    expect(list.body.snapshots.map((x: any) => [x.name, x.parent])).toEqual([['after_update', null]])
    expect((await env.del(`/lxc/instances/${id}/snapshots/before-update${q}`)).status).toBe(404)
    expect((await env.del(`/lxc/instances/${id}/snapshots/after_update${q}`)).status).toBe(200)
    expect((await env.get(`/lxc/instances/${id}/snapshots${q}`)).body.snapshots).toEqual([])
  })
})
