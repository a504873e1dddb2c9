/**
 * GET /px/hosts over HTTP against the two Proxmox test hosts, a refused AZ
 * and two silent ones.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { errorBody } from '../../http/harness.ts'
import { DEAD_SECRET, onHost, pxFixture, type PxFixture } from './setup.ts'

interface Host {
  region: string
  az: string
  host: string
  ssh_port: number
  user: string
  auth: string
  host_key_pinned: boolean
  reachable: boolean
  proxmox: boolean | null
  node: string | null
  pve_version: string | null
  pveversion: string | null
  kernel: string | null
  rtt_ms: number | null
  error: string | null
  error_code: string | null
}
interface Hosts {
  hosts: Host[]
  total: number
  reachable: number
  timeout_ms: number
}

let f: PxFixture

beforeAll(async () => {
  f = await pxFixture()
})
afterAll(async () => {
  await f.close()
})

async function hosts(query = ''): Promise<{ body: Hosts; ms: number; status: number }> {
  const t0 = performance.now()
  const res = await f.s.request(`/api/v1/px/hosts${query}`)
  const ms = performance.now() - t0
  return { body: (await res.json()) as Hosts, ms, status: res.status }
}

describe('GET /px/hosts', () => {
  test('lists every AZ, the dead and silent ones too, in parallel and within the deadline', async () => {
    const { body, ms, status } = await hosts('?timeout_ms=1000')
    expect(status).toBe(200)
    // Two silent hosts checked one after the other would take 2 s.
    expect(ms).toBeLessThan(1000 + 600)
    expect(body.hosts.map((h) => `${h.region}/${h.az}`)).toEqual([
      'eu-south-1/az1',
      'eu-south-1/dead',
      'eu-central-1/az2',
      'eu-west-9/silent',
      'eu-west-9/silent2',
    ])
    expect(body).toMatchObject({ total: 5, reachable: 2, timeout_ms: 1000 })

    const [az1, dead, az2, silent, silent2] = body.hosts
    const version = (await onHost(f.h1, ['pveversion'])).trim()
    const m = /^pve-manager\/([^/]+)\/[0-9a-f]+ \(running kernel: (\S+)\)$/.exec(version)!
    expect(m).not.toBeNull()
    expect(az1).toMatchObject({
      host: f.h1.ip,
      ssh_port: f.h1.port,
      user: 'root',
      auth: 'key',
      host_key_pinned: true,
      reachable: true,
      proxmox: true,
      node: f.h1.name,
      pve_version: m[1],
      pveversion: version.replace(/ \(running kernel: .*\)$/, ''),
      kernel: (await onHost(f.h1, ['uname', '-r'])).trim(),
      error: null,
      error_code: null,
    })
    expect(az1!.rtt_ms).toBeGreaterThan(0)
    expect(az1!.rtt_ms).toBeLessThan(1000)
    expect(az2).toMatchObject({ host: f.h2.ip, auth: 'password', host_key_pinned: false, reachable: true, proxmox: true, node: f.h2.name, error: null })

    expect(dead).toMatchObject({
      host: '127.0.0.9',
      ssh_port: 2299,
      reachable: false,
      proxmox: null,
      node: null,
      pve_version: null,
      rtt_ms: null,
      error_code: 'HOST_UNREACHABLE',
    })
    expect(dead!.error).toContain('connection refused')
    for (const s of [silent!, silent2!]) {
      // Silent, so a timeout (as on every other route), and the message says at which step.
      expect(s).toMatchObject({ reachable: false, proxmox: null, error_code: 'HOST_TIMEOUT' })
      expect(s.error).toContain('but no SSH greeting within 1 s')
    }

    const text = JSON.stringify(body)
    expect(text).not.toContain(DEAD_SECRET)
    expect(text).not.toContain(f.h2.password!)
    expect(text).not.toContain(readFileSync(f.h1.keyFile!, 'utf8').split('\n')[1]!)
  })

  test('the default deadline is 3 s per host', async () => {
    const { body, ms } = await hosts('?region=eu-west-9')
    expect(body.timeout_ms).toBe(3000)
    expect(body.hosts.map((h) => h.reachable)).toEqual([false, false])
    expect(ms).toBeGreaterThan(2900)
    expect(ms).toBeLessThan(3000 + 600)
  })

  test('region filter: only that region, and a dead host does not delay it', async () => {
    const central = await hosts('?region=eu-central-1')
    expect(central.body.hosts.map((h) => h.az)).toEqual(['az2'])
    expect(central.body.hosts[0]!.node).toBe(f.h2.name)

    const south = await hosts('?region=eu-south-1&timeout_ms=30000')
    expect(south.body.hosts.map((h) => [h.az, h.reachable])).toEqual([
      ['az1', true],
      ['dead', false],
    ])
    expect(south.ms).toBeLessThan(1500)
  })

  test('unknown region → 404 naming the known ones', async () => {
    const res = await f.s.request('/api/v1/px/hosts?region=mars-1')
    expect(res.status).toBe(404)
    const body = await errorBody(res)
    expect(body.details).toContain("unknown region 'mars-1'")
    expect(body.details).toContain('eu-south-1')
    expect(body.details).toContain('eu-central-1')
  })

  test('bad query values → 400 naming the field or the bound', async () => {
    for (const q of ['region=a%3Bb', 'region=..%2Fetc', 'region=', 'timeout_ms=abc', 'timeout_ms=1.5']) {
      const res = await f.s.request(`/api/v1/px/hosts?${q}`)
      expect(res.status, q).toBe(400)
      expect((await errorBody(res)).details, q).toContain(q.split('=')[0]!)
    }
    // Elysia reports a converted query number out of range without its path;
    // the message still carries the bound.
    for (const q of ['timeout_ms=0', 'timeout_ms=99', 'timeout_ms=30001']) {
      const res = await f.s.request(`/api/v1/px/hosts?${q}`)
      expect(res.status, q).toBe(400)
      expect((await errorBody(res)).details, q).toMatch(/timeout_ms|100|30000/)
    }
  })

  test('needs the API key', async () => {
    const res = await f.s.request('/api/v1/px/hosts', { key: null })
    expect(res.status).toBe(401)
  })
})
