/**
 * Hostile strings in every field the lxc routes accept. Each one is either
 * refused with 400 before any command reaches a host, or passed as inert data
 * (a password, a description, a command run inside the container).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { configOnHost, IMAGE, lxcEnv, statusOnHost, type LxcEnv } from './support.ts'

let env: LxcEnv
let id: string
const MARKER = '/tmp/lws-lxc-pwned'
const INJECT = `$(touch ${MARKER})`

beforeAll(async () => {
  env = await lxcEnv({ startVmid: 15000 })
  const res = await env.post('/lxc/instances', { image_id: IMAGE, az: 'az1' })
  if (res.status !== 200) throw new Error(`create failed: ${JSON.stringify(res.body)}`)
  id = res.body.instances[0].instance_id
  env.track('az1', id)
})
afterAll(() => env.close())

const hostCommands = () => env.app.log.lines.filter((l: any) => l.msg === 'host command' || l.msg === 'host command failed').length

/** Sends each request and expects a 400 (or 404 for paths no route matches) with no host command run. */
async function refused(requests: Array<() => Promise<{ status: number; body: any }>>, allowed = [400]) {
  for (const [i, send] of requests.entries()) {
    const before = hostCommands()
    const res = await send()
    if (!allowed.includes(res.status)) throw new Error(`request #${i}: status ${res.status} ${JSON.stringify(res.body)}`)
    expect(res.body).toHaveProperty('error')
    expect(hostCommands()).toBe(before)
  }
}

const BAD_IDS = ['100;reboot', '$(reboot)', '`id`', '0100', '99', '1e3', '-1', '100 ', ' 100', '100\n', 'abc', '1000000000', '--force']

describe('hostile input', () => {
  test('instance ids in paths', async () => {
    const reqs = BAD_IDS.flatMap((bad) => {
      const p = encodeURIComponent(bad)
      return [
        () => env.get(`/lxc/instances/${p}?az=az1`),
        () => env.get(`/lxc/instances/${p}/resources?az=az1`),
        () => env.get(`/lxc/instances/${p}/snapshots?az=az1`),
        () => env.post(`/lxc/instances/${p}/exec`, { command: 'true', az: 'az1' }),
        () => env.post(`/lxc/instances/${p}/snapshots`, { snapshot_name: 'ok-name', az: 'az1' }),
        () => env.del(`/lxc/instances/${p}/snapshots/ok-name?az=az1`),
      ]
    })
    await refused(reqs, [400, 404])
    await refused([() => env.get('/lxc/instances/..%2F..%2Fetc%2Fpasswd?az=az1'), () => env.get('/lxc/instances/100/..%2F..?az=az1')], [400, 404])
  })

  test('instance_ids in bulk bodies', async () => {
    const values: unknown[] = [...BAD_IDS, 100.5, 99, true, null, { id: 100 }, ['100']]
    const reqs = values.flatMap((bad) =>
      ['start', 'stop', 'reboot', 'terminate', 'scale'].map((action) => () =>
        env.post(`/lxc/instances/${action}`, { instance_ids: [id, bad], memory: 300, az: 'az1' }),
      ),
    )
    await refused([
      ...reqs,
      () => env.post('/lxc/instances/start', { instance_ids: [], az: 'az1' }),
      () => env.post('/lxc/instances/start', { instance_ids: id, az: 'az1' }),
      () => env.post('/lxc/instances/start', { instance_ids: Array.from({ length: 101 }, (_, i) => String(100 + i)), az: 'az1' }),
    ])
  })

  test('snapshot names in paths and bodies', async () => {
    const names = ['--force', 'a;reboot', INJECT, '../x', 'a b', 'current', 'vzdump', 'x', '9lives', 'a'.repeat(41), 'é-accent']
    await refused(
      names.flatMap((n) => [
        () => env.post(`/lxc/instances/${id}/snapshots`, { snapshot_name: n, az: 'az1' }),
        () => env.del(`/lxc/instances/${id}/snapshots/${encodeURIComponent(n)}?az=az1`),
        () => env.post(`/lxc/instances/${id}/snapshots/${encodeURIComponent(n)}/rollback`, { az: 'az1' }),
      ]),
      [400, 404],
    )
    await refused([() => env.post(`/lxc/instances/${id}/snapshots`, { snapshot_name: 'okay', description: 'nul\u0000byte', az: 'az1' })])
  })

  test('create fields', async () => {
    const base = { image_id: IMAGE, az: 'az1' }
    const bad: Array<Record<string, unknown>> = [
      { hostname: 'a;reboot' },
      { hostname: '-rf' },
      { hostname: 'a b' },
      { hostname: 'under_score' },
      { hostname: INJECT },
      { hostname: 'a\nb' },
      { hostname: 'x'.repeat(251) },
      { image_id: 'local:vztmpl/x.tar.gz;reboot' },
      { image_id: '--help' },
      { image_id: '/etc/passwd' },
      { image_id: 'local:vztmpl/../../../etc/shadow.tar.gz' },
      { image_id: 'local:iso/x.tar.gz' },
      { image_id: `local:vztmpl/${INJECT}.tar.gz` },
      { size: 'small;reboot' },
      { size: '../../x' },
      { size: 'huge' },
      { ip: '1.2.3.4,gw=5.6.7.8' },
      { ip: '1.2.3.4/24' },
      { ip: '256.1.1.1' },
      { ip: '10.0.0.1', netmask: '24,bridge=evil' },
      { ip: '10.0.0.1', netmask: '255.0.255.0' },
      { ip: '10.0.0.1', netmask: 4 },
      { ip: '10.0.0.1', gateway: '10.0.0.1;reboot' },
      { gateway: '10.0.0.1' },
      { ip: '10.0.0.1', dhcp: true },
      { ip: '10.0.0.250', netmask: 24, count: 10 },
      { dns: '1.1.1.1;reboot' },
      { dns: '1.1.1.1 --help' },
      { dns: INJECT },
      { password: 'abc' },
      { password: 'line\nbreak' },
      { count: 0 },
      { count: 51 },
      { count: '2; reboot' },
      { region: '../x' },
      { az: 'az1;reboot' },
      { dhcp: 'yes' },
    ]
    await refused(bad.map((b) => () => env.post('/lxc/instances', { ...base, ...b })))
    const unknown = await env.post('/lxc/instances', { ...base, size: 'huge' })
    expect(unknown.body.details).toContain('small, medium')
    // A short password is refused without echoing it.
    const pw = await env.post('/lxc/instances', { ...base, password: 'abc' })
    expect(JSON.stringify(pw.body)).not.toContain('"abc"')
  })

  test('scale, exec, zone and timeout fields', async () => {
    await refused([
      () => env.post('/lxc/instances/scale', { instance_ids: [id], storage_size: '64G;reboot', az: 'az1' }),
      () => env.post('/lxc/instances/scale', { instance_ids: [id], storage_size: '+8G --force', az: 'az1' }),
      () => env.post('/lxc/instances/scale', { instance_ids: [id], storage_size: '64GB', az: 'az1' }),
      () => env.post('/lxc/instances/scale', { instance_ids: [id], storage_size: '-8G', az: 'az1' }),
      () => env.post('/lxc/instances/scale', { instance_ids: [id], memory: '1024; reboot', az: 'az1' }),
      () => env.post('/lxc/instances/scale', { instance_ids: [id], memory: 8, az: 'az1' }),
      () => env.post('/lxc/instances/scale', { instance_ids: [id], cpulimit: -1, az: 'az1' }),
      () => env.post('/lxc/instances/scale', { instance_ids: [id], cpucores: 1.5, az: 'az1' }),
      () => env.post(`/lxc/instances/${id}/exec`, { command: 'true', timeout: 0, az: 'az1' }),
      () => env.post(`/lxc/instances/${id}/exec`, { command: 'true', timeout: 'x', az: 'az1' }),
      () => env.post(`/lxc/instances/${id}/exec`, { command: ['rm', '-rf'], az: 'az1' }),
      () => env.post(`/lxc/instances/${id}/exec`, { command: 'x'.repeat(100_001), az: 'az1' }),
      () => env.get(`/lxc/instances?region=${encodeURIComponent('eu;reboot')}`),
      () => env.get(`/lxc/instances/${id}?az=${encodeURIComponent(INJECT)}`),
      () => env.post('/lxc/instances/start', { instance_ids: [id], region: '$(reboot)' }),
    ])
  })

  test('inert data: a hostile password and description are stored as given, nothing runs on the host', async () => {
    // Other test files may power-cycle the shared hosts: compare, don't expect empty.
    const recordedBefore = await Promise.all([env.h1.recorded(), env.h2.recorded()])
    const password = `'; touch ${MARKER}; echo '--help=${INJECT}`
    const res = await env.post('/lxc/instances', { image_id: IMAGE, hostname: 'inert', password, az: 'az1' })
    expect(res.status).toBe(200)
    const made = res.body.instances[0].instance_id
    env.track('az1', made)
    expect(await statusOnHost(env.h1, made)).toBe('running')
    expect(JSON.stringify([res.body, env.app.log.lines])).not.toContain(password)

    const description = `x'; ${INJECT}; \`reboot\` "quoted"\nsecond line`
    const snap = await env.post(`/lxc/instances/${made}/snapshots`, { snapshot_name: 'inert', description, az: 'az1' })
    expect(snap.status).toBe(200)
    expect(snap.body.snapshot.description).toBe(description)
    expect((await configOnHost(env.h1, made)).hostname).toBe('inert')

    for (const [i, h] of [env.h1, env.h2].entries()) {
      expect((await h.exec(['test', '-e', MARKER])).exitCode).not.toBe(0)
      expect(await h.recorded()).toEqual(recordedBefore[i]!)
    }
  })
})
