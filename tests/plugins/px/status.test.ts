/**
 * GET /px/status and GET /px/storage over HTTP: the figures are checked
 * against what the test host's own kernel says (/proc, statfs, uname), not
 * against the stand-ins' output.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { errorBody } from '../../http/harness.ts'
import type { TestHost } from '../../pvehost/host.ts'
import { DEAD_SECRET, onHost, pxFixture, type PxFixture } from './setup.ts'

interface StorageEntry {
  storage: string
  type: string
  content: string[]
  active: boolean
  enabled: boolean
  shared: boolean
  total_bytes: number
  used_bytes: number
  avail_bytes: number
  used_percent: number | null
}
interface Status {
  region: string
  az: string
  host: string
  node: string
  cpu: { model: string; cpus: number; cores: number; sockets: number; mhz: number | null; usage_percent: number; usage_source: string }
  load_average: { last_1m: number; last_5m: number; last_15m: number }
  memory: { total_bytes: number; used_bytes: number; free_bytes: number; available_bytes: number; used_percent: number }
  swap: { total_bytes: number; used_bytes: number; free_bytes: number; used_percent: number }
  rootfs: { total_bytes: number; used_bytes: number; free_bytes: number; avail_bytes: number; used_percent: number }
  uptime_seconds: number
  kernel: string
  kernel_version: string
  pve_version: string
  pveversion: string
  containers: { total: number; running: number; stopped: number }
  storage: StorageEntry[]
}

// Containers of this file; far from the numbers other test files use.
const RUNNING = '9411'
const STOPPED = '9412'
const TEMPLATE = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.gz'

let f: PxFixture

beforeAll(async () => {
  f = await pxFixture()
  for (const id of [RUNNING, STOPPED]) {
    await onHost(f.h1, ['pct', 'create', id, TEMPLATE, '--hostname', `px-status-${id}`, '--rootfs', 'local-lvm:1'])
  }
  await onHost(f.h1, ['pct', 'start', RUNNING])
})

afterAll(async () => {
  await f.h1.exec(['pct', 'stop', RUNNING])
  for (const id of [RUNNING, STOPPED]) await f.h1.exec(['pct', 'destroy', id])
  await f.close()
})

const meminfo = async (h: TestHost) =>
  Object.fromEntries(
    (await onHost(h, ['cat', '/proc/meminfo']))
      .split('\n')
      .map((l) => /^(\w+):\s+(\d+)/.exec(l))
      .filter((m) => m !== null)
      .map((m) => [m![1]!, Number(m![2]) * 1024]),
  ) as Record<string, number>

/** statfs of `path` inside the host: [total, free, avail] in bytes. */
async function statfs(h: TestHost, path: string): Promise<[number, number, number]> {
  const [bs, blocks, bfree, bavail] = (await onHost(h, ['stat', '-f', '-c', '%S %b %f %a', path])).trim().split(' ').map(Number)
  return [blocks! * bs!, bfree! * bs!, bavail! * bs!]
}

async function status(query: string): Promise<Status> {
  const res = await f.s.request(`/api/v1/px/status${query}`)
  expect(res.status).toBe(200)
  return (await res.json()) as Status
}

describe('GET /px/status', () => {
  test('the figures match the test host', async () => {
    const loadBefore = (await onHost(f.h1, ['cat', '/proc/loadavg'])).split(' ').slice(0, 3).map(Number)
    const uptimeBefore = Number((await onHost(f.h1, ['cat', '/proc/uptime'])).split(' ')[0])
    const s = await status('?region=eu-south-1&az=az1')
    const loadAfter = (await onHost(f.h1, ['cat', '/proc/loadavg'])).split(' ').slice(0, 3).map(Number)

    expect(s).toMatchObject({ region: 'eu-south-1', az: 'az1', host: f.h1.ip, node: f.h1.name })

    const cpuinfo = await onHost(f.h1, ['cat', '/proc/cpuinfo'])
    expect(s.cpu.cpus).toBe(Number((await onHost(f.h1, ['nproc', '--all'])).trim()))
    expect(s.cpu.model).toBe(/^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? '')
    expect(s.cpu.usage_source).toBe('cluster_resources')
    expect(s.cpu.usage_percent).toBeGreaterThanOrEqual(0)
    expect(s.cpu.usage_percent).toBeLessThanOrEqual(100)

    const load = [s.load_average.last_1m, s.load_average.last_5m, s.load_average.last_15m]
    load.forEach((v, i) => {
      expect(v).toBeGreaterThanOrEqual(Math.min(loadBefore[i]!, loadAfter[i]!) - 0.01)
      expect(v).toBeLessThanOrEqual(Math.max(loadBefore[i]!, loadAfter[i]!) + 0.01)
    })

    const mi = await meminfo(f.h1)
    expect(s.memory.total_bytes).toBe(mi.MemTotal!)
    expect(s.swap.total_bytes).toBe(mi.SwapTotal!)
    // used/free move between two reads; a 5% band of the total catches wrong fields or units.
    expect(Math.abs(s.memory.used_bytes - (mi.MemTotal! - mi.MemAvailable!))).toBeLessThan(mi.MemTotal! * 0.05)
    expect(s.memory.used_percent).toBeCloseTo((s.memory.used_bytes * 100) / s.memory.total_bytes, 1)

    const [rootTotal, , rootAvail] = await statfs(f.h1, '/')
    expect(s.rootfs.total_bytes).toBe(rootTotal)
    expect(Math.abs(s.rootfs.avail_bytes - rootAvail)).toBeLessThan(rootTotal * 0.01)
    expect(s.rootfs.used_percent).toBeCloseTo((s.rootfs.used_bytes * 100) / s.rootfs.total_bytes, 1)

    expect(s.uptime_seconds).toBeGreaterThanOrEqual(Math.floor(uptimeBefore) - 1)
    expect(s.uptime_seconds).toBeLessThanOrEqual(uptimeBefore + 5)
    expect(s.kernel).toBe((await onHost(f.h1, ['uname', '-r'])).trim())

    const version = /^pve-manager\/([^/]+)\//.exec(await onHost(f.h1, ['pveversion']))!
    expect(s.pve_version).toBe(version[1]!)
    expect(s.pveversion.startsWith(`pve-manager/${version[1]}/`)).toBe(true)
  })

  test('counts running and stopped containers as the host lists them', async () => {
    const rows = (await onHost(f.h1, ['pct', 'list']))
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((r) => /^\d+$/.test(r[0] ?? ''))
    const running = rows.filter((r) => r[1] === 'running').length
    const s = await status('?region=eu-south-1&az=az1')
    expect(s.containers).toEqual({ total: rows.length, running, stopped: rows.length - running })
    expect(s.containers.running).toBeGreaterThanOrEqual(1)
    expect(s.containers.stopped).toBeGreaterThanOrEqual(1)
  })

  test('lists every storage of storage.cfg with its usage', async () => {
    const cfg = await onHost(f.h1, ['cat', '/etc/pve/storage.cfg'])
    const ids = [...cfg.matchAll(/^\w+:\s*(\S+)\s*$/gm)].map((m) => m[1]!).sort()
    const s = await status('?region=eu-south-1&az=az1')
    expect(s.storage.map((x) => x.storage)).toEqual(ids)
    const local = s.storage.find((x) => x.storage === 'local')!
    expect(local).toMatchObject({ type: 'dir', active: true, enabled: true, shared: false })
    expect(local.content).toContain('vztmpl')
    const [total] = await statfs(f.h1, '/var/lib/vz')
    expect(local.total_bytes).toBe(total)
    expect(local.used_percent).toBeCloseTo((local.used_bytes * 100) / local.total_bytes, 1)
  })

  test('each AZ answers for its own host; no az means the default', async () => {
    const s2 = await status('?region=eu-central-1&az=az2')
    expect(s2).toMatchObject({ region: 'eu-central-1', az: 'az2', host: f.h2.ip, node: f.h2.name })
    expect(s2.containers.total).toBe(
      (await onHost(f.h2, ['pct', 'list'])).split('\n').filter((l) => /^\s*\d+\s/.test(l)).length,
    )
    const byAz = await status('?az=az2')
    expect(byAz.node).toBe(f.h2.name)
    const dflt = await status('')
    expect(dflt).toMatchObject({ region: 'eu-south-1', az: 'az1', node: f.h1.name })
  })

  test('unknown region or az → 404 naming the known ones; bad names → 400', async () => {
    const cases: [string, number, string][] = [
      ['?region=mars-1', 404, "unknown region 'mars-1'"],
      ['?region=eu-south-1&az=az9', 404, 'known: az1, dead'],
      ['?region=eu-central-1&az=az1', 404, "in region 'eu-central-1'"],
      ['?az=nope', 404, 'unknown availability zone'],
      ['?az=a%20b', 400, 'az'],
      ['?region=%24(reboot)', 400, 'region'],
    ]
    for (const [q, code, text] of cases) {
      const res = await f.s.request(`/api/v1/px/status${q}`)
      expect(res.status, q).toBe(code)
      expect((await errorBody(res)).details, q).toContain(text)
    }
  })

  test('an unreachable host → 502 in the error shape, quickly; a silent one → 504', async () => {
    let t0 = performance.now()
    const dead = await f.s.request('/api/v1/px/status?region=eu-south-1&az=dead')
    expect(dead.status).toBe(502)
    expect(performance.now() - t0).toBeLessThan(1000)
    const body = await errorBody(dead)
    expect(body).toEqual({ error: 'Host unreachable', details: 'eu-south-1/dead: connection refused (127.0.0.9:2299)', return_code: 1, code: 'HOST_UNREACHABLE' })

    t0 = performance.now()
    const silent = await f.s.request('/api/v1/px/status?region=eu-west-9&az=silent')
    expect(silent.status).toBe(504)
    expect(performance.now() - t0).toBeLessThan(3000 + 700)
    const silentBody = await errorBody(silent)
    expect(silentBody).toMatchObject({ error: 'Host timeout', code: 'HOST_TIMEOUT' })
    expect(silentBody.details).toContain('but no SSH greeting within 3 s; no command was sent')
    expect(JSON.stringify([body, silentBody])).not.toContain(DEAD_SECRET)
  })
})

describe('GET /px/storage', () => {
  test('storages with type, content and usage; content filter', async () => {
    const res = await f.s.request('/api/v1/px/storage?region=eu-central-1&az=az2')
    expect(res.status).toBe(200)
    const body = (await res.json()) as { node: string; storages: StorageEntry[] }
    expect(body.node).toBe(f.h2.name)
    const cfg = await onHost(f.h2, ['cat', '/etc/pve/storage.cfg'])
    const declared = [...cfg.matchAll(/^(\w+):\s*(\S+)\s*$/gm)].map((m) => [m[2]!, m[1]!]).sort()
    expect(body.storages.map((x) => [x.storage, x.type])).toEqual(declared)
    for (const x of body.storages) {
      expect(x.total_bytes).toBeGreaterThan(0)
      expect(x.used_bytes + x.avail_bytes).toBeLessThanOrEqual(x.total_bytes)
    }

    const tmpl = (await (await f.s.request('/api/v1/px/storage?az=az2&content=vztmpl')).json()) as { storages: StorageEntry[] }
    expect(tmpl.storages.map((x) => x.storage)).toEqual(body.storages.filter((x) => x.content.includes('vztmpl')).map((x) => x.storage))
    expect(tmpl.storages.length).toBeGreaterThan(0)
    const rootdir = (await (await f.s.request('/api/v1/px/storage?az=az2&content=rootdir')).json()) as { storages: StorageEntry[] }
    expect(rootdir.storages.map((x) => x.storage)).toEqual(['local-lvm'])

    expect((await f.s.request('/api/v1/px/storage?az=az2&content=etc')).status).toBe(400)
    expect((await f.s.request('/api/v1/px/storage?az=dead')).status).toBe(502)
  })
})
