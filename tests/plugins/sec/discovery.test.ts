/**
 * GET /sec/discovery against a test host. Every sweep here targets only
 * 10.99.0.0/28 on the bridge that exists inside the test host's own network
 * namespace (tests/pvehost/ns-init.sh); assertPrivateNetwork stops the file
 * before any sweep if the host has any other address.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { assertPrivateNetwork, createCt, ctSh, LISTENER_SCRIPT, secEnv, TEST_SUBNET, type SecEnv } from './support.ts'

const A = '18101' // 10.99.0.2, listens on 4444
const B = '18102' // 10.99.0.3
const STOPPED = '18103'
const Q = { region: 'eu-central-1', az: 'az2' }
const FAST = { discovery_methods: ['ping'], proxmox_timeout: 1, lxc_timeout: 1, max_parallel_workers: 16 }

let env: SecEnv
const extra: SecEnv[] = []
/** Another app on the same hosts with other `security.discovery` settings. */
async function withSettings(discovery: Record<string, unknown>): Promise<SecEnv> {
  const e = await secEnv({ discovery })
  extra.push(e)
  return e
}

beforeAll(async () => {
  env = await secEnv({ discovery: FAST })
  await assertPrivateNetwork(env.h2)
  await Promise.all([
    createCt(env, 'az2', { vmid: A, hostname: 'disc-a', ip: 2 }),
    createCt(env, 'az2', { vmid: B, hostname: 'disc-b', ip: 3 }),
  ])
  await ctSh(env.h2, A, LISTENER_SCRIPT(4444))
})
afterAll(async () => {
  await Promise.all(extra.map((e) => e.close()))
  await env.close()
})

type Subnet = { interface: string; source_address: string; subnet: string; status: string; skipped: number; hosts: { address: string; method: string; rtt_ms: number | null }[] }
const addresses = (s: Subnet) => s.hosts.map((h) => h.address)

describe('sec discovery', () => {
  test('host level: the containers on the host bridge, by ping, with round-trip times; network, broadcast and own address left out', async () => {
    const t0 = performance.now()
    const res = await env.get('/sec/discovery', Q)
    console.log(`discovery of a /28 (ping, 16 workers, 1 s timeout): ${Math.round(performance.now() - t0)} ms`)
    expect(res.status).toBe(200)
    const b = res.body
    expect(b).toMatchObject({ region: 'eu-central-1', az: 'az2', lxc_id: null, methods: ['ping'], tcp_ports: [], partial: false, timed_out: [] })
    expect(b.levels).toHaveLength(1)
    const level = b.levels[0]
    expect(level).toMatchObject({ level: 'host', lxc_id: null, probe_timeout_s: 1 })
    expect(level.source).toContain('pve-test2')
    expect(level.subnets).toHaveLength(1)
    const s: Subnet = level.subnets[0]
    expect(s).toMatchObject({ interface: 'lwsbr0', source_address: '10.99.0.1', subnet: TEST_SUBNET, host_addresses: 14, status: 'complete', skipped: 0 })
    expect(addresses(s)).toEqual(['10.99.0.2', '10.99.0.3'])
    for (const h of s.hosts) {
      expect(h.method).toBe('ping')
      expect(typeof h.rtt_ms).toBe('number')
      expect(h.rtt_ms!).toBeLessThan(1000)
    }
    expect(b.hosts_found).toBe(2)
  })

  test('container level with lxc_id: the container’s own subnet, swept from inside it', async () => {
    const res = await env.get('/sec/discovery', { ...Q, lxc_id: A })
    expect(res.status).toBe(200)
    expect(res.body.lxc_id).toBe(A)
    expect(res.body.levels.map((l: { level: string }) => l.level)).toEqual(['host', 'container'])
    const ct = res.body.levels[1]
    expect(ct).toMatchObject({ level: 'container', lxc_id: A, source: `container ${A}` })
    expect(ct.subnets).toHaveLength(1)
    const s: Subnet = ct.subnets[0]
    expect(s).toMatchObject({ interface: 'eth0', source_address: '10.99.0.2', subnet: TEST_SUBNET, status: 'complete' })
    expect(addresses(s)).toEqual(['10.99.0.1', '10.99.0.3'])
    expect(res.body.hosts_found).toBe(3)
  })

  test('tcp method: an open port and a reset both show the host, with the port that answered', async () => {
    const tcp = await withSettings({ discovery_methods: ['tcp'], tcp_ports: [4444], proxmox_timeout: 1, lxc_timeout: 1, max_parallel_workers: 16 })
    const res = await tcp.get('/sec/discovery', Q)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ methods: ['tcp'], tcp_ports: [4444] })
    const s: Subnet = res.body.levels[0].subnets[0]
    expect(s.status).toBe('complete')
    expect(s.hosts.map((h) => `${h.address} ${h.method}`)).toEqual(['10.99.0.2 tcp:4444', '10.99.0.3 tcp-refused:4444'])
  })

  test('time limit: a sweep cut short reports what it found, how many addresses it skipped, and what timed out', async () => {
    // One worker, 1 s per silent address: the /28 needs about 12 s; the limit is 7 s.
    const slow = await withSettings({ discovery_methods: ['ping'], proxmox_timeout: 1, lxc_timeout: 1, max_parallel_workers: 1 })
    const t0 = performance.now()
    const res = await slow.get('/sec/discovery', { ...Q, lxc_id: B, timeout: '7' })
    const ms = performance.now() - t0
    expect(res.status).toBe(200)
    expect(ms).toBeLessThan(7500)
    expect(res.body.partial).toBe(true)
    const [host, ct] = res.body.levels
    const hs: Subnet = host.subnets[0]
    expect(hs.status).toBe('partial')
    expect(hs.skipped).toBeGreaterThan(0)
    // The first addresses are probed first: .2 and .3 answer at once.
    expect(addresses(hs)).toEqual(['10.99.0.2', '10.99.0.3'])
    expect(ct.subnets[0].status).toBe('timed_out')
    expect(res.body.timed_out).toEqual([`host ${TEST_SUBNET}`, `container ${TEST_SUBNET}`])
  })

  test('subnets larger than max_prefix are refused, not swept', async () => {
    const narrow = await withSettings({ ...FAST, max_prefix: 29 })
    const t0 = performance.now()
    const res = await narrow.get('/sec/discovery', Q)
    expect(res.status).toBe(200)
    expect(performance.now() - t0).toBeLessThan(1500)
    const s: Subnet & { detail: string } = res.body.levels[0].subnets[0]
    expect(s.status).toBe('refused')
    expect(s.detail).toContain('/29')
    expect(s.hosts).toEqual([])
    expect(res.body.max_prefix).toBe(29)
  })

  test('stopped container → 409, unknown container → 404, bad timeout → 400', async () => {
    await createCt(env, 'az2', { vmid: STOPPED, hostname: 'disc-stopped', ip: 5 })
    expect((await env.h2.exec(['pct', 'stop', STOPPED])).exitCode).toBe(0)
    expect((await env.get('/sec/discovery', { ...Q, lxc_id: STOPPED })).status).toBe(409)
    expect((await env.get('/sec/discovery', { ...Q, lxc_id: '18999' })).status).toBe(404)
    for (const bad of ['0', '4', '601', 'x']) expect((await env.get('/sec/discovery', { ...Q, timeout: bad })).status).toBe(400)
  })
})
