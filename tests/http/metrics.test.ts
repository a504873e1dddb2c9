/**
 * GET /api/v1/metrics over HTTP: protected, Prometheus text format, request
 * counters labelled by the matched route pattern (never the raw path), host
 * command counters from real commands on the Proxmox test hosts.
 */
import { beforeAll, describe, expect, test } from 'bun:test'
import type { TestHost } from '../pvehost/host.ts'
import { sharedHosts } from '../support/hosts.ts'
import { KEY, startApp } from './harness.ts'

let s: Awaited<ReturnType<typeof startApp>>
let h1: TestHost
let h2: TestHost

beforeAll(async () => {
  ;[h1, h2] = await sharedHosts()
  s = await startApp(`
api_key: ${KEY}
regions:
  eu-south-1:
    availability_zones:
      az1: { host: ${h1.ip}, ssh_port: ${h1.port}, user: root, ssh_key_file: ${h1.keyFile}, ssh_host_fingerprint: "${h1.fingerprint}" }
      dead: { host: 127.0.0.9, ssh_port: 2299, user: root, ssh_password: nope }
  eu-central-1:
    availability_zones:
      az2: { host: ${h2.ip}, ssh_port: ${h2.port}, user: root, ssh_password: "${h2.password}" }
instance_sizes:
  small: { memory: 512, cpulimit: 1, storage: "local-lvm:4" }
`)
}, 60_000)

interface Exposition {
  types: Map<string, string>
  samples: Map<string, number>
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/

/** A strict reading of the text format 0.0.4: every line a HELP, a TYPE or a sample of a declared metric. */
function parse(text: string): Exposition {
  const types = new Map<string, string>()
  const samples = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line)
    if (type) {
      types.set(type[1]!, type[2]!)
      continue
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+$/.test(line)) continue
    const m = SAMPLE.exec(line)
    if (!m) throw new Error(`not a text-format line: ${JSON.stringify(line)}`)
    const name = m[1]!
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '')
    if (!types.has(family)) throw new Error(`sample of an undeclared metric: ${line}`)
    samples.set(`${name}${m[2] ?? ''}`, Number(m[3]))
  }
  return { types, samples }
}

async function scrape(): Promise<Exposition> {
  const res = await s.request('/api/v1/metrics')
  expect(res.status).toBe(200)
  return parse(await res.text())
}

const value = (e: Exposition, key: string) => e.samples.get(key) ?? 0
const series = (e: Exposition, prefix: string) => [...e.samples.keys()].filter((k) => k.startsWith(prefix + '{'))
const hostCommandLines = () => s.log.lines.filter((l) => l.msg === 'host command')

describe('GET /api/v1/metrics', () => {
  test('needs the API key (401 without it, or with a wrong one)', async () => {
    expect((await s.request('/api/v1/metrics', { key: null })).status).toBe(401)
    expect((await s.request('/api/v1/metrics', { key: 'wrong-key-000000' })).status).toBe(401)
  })

  test('Prometheus text format 0.0.4; every LWS metric declared', async () => {
    const res = await s.request('/api/v1/metrics')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toStartWith('text/plain; version=0.0.4')
    const { types } = parse(await res.text())
    expect(Object.fromEntries([...types].filter(([n]) => n.startsWith('lws_')))).toEqual({
      lws_http_requests_total: 'counter',
      lws_http_request_duration_seconds: 'histogram',
      lws_host_commands_total: 'counter',
      lws_host_command_duration_seconds: 'histogram',
      lws_single_flight_hits_total: 'counter',
      lws_host_channels_in_use: 'gauge',
      lws_host_channels_queued: 'gauge',
      lws_ssh_reconnects_total: 'counter',
    })
  })

  test('request counters move under the route pattern the router matched, never the raw path', async () => {
    const health = 'lws_http_requests_total{route="/api/v1/health",method="GET",status="200"}'
    const pattern = '/api/v1/lxc/instances/:instance_id'
    const before = await scrape()
    for (let i = 0; i < 3; i++) expect((await s.request('/api/v1/health', { key: null })).status).toBe(200)
    const described = await s.request('/api/v1/lxc/instances/100')
    const status = described.status
    expect((await s.request('/api/v1/lxc/instances/100', { key: null })).status).toBe(401)
    expect((await s.request('/api/v1/lxc/instances/abc')).status).toBe(400)
    const after = await scrape()
    expect(value(after, health) - value(before, health)).toBe(3)
    const key = (method: string, st: number) => `lws_http_requests_total{route="${pattern}",method="${method}",status="${st}"}`
    expect(value(after, key('GET', status)) - value(before, key('GET', status))).toBe(1)
    // The guard refuses on the matched route: the 401 is labelled with it too.
    expect(value(after, key('GET', 401)) - value(before, key('GET', 401))).toBe(1)
    expect(value(after, key('GET', 400)) - value(before, key('GET', 400))).toBe(1)
    const dur = `lws_http_request_duration_seconds_count{route="${pattern}",method="GET",status="${status}"}`
    expect(value(after, dur) - value(before, dur)).toBe(1)
    const text = [...after.samples.keys()].join('\n')
    expect(text).not.toContain('/instances/100')
    expect(text).not.toContain('/instances/abc')
    // The scrape itself is counted, under its own route.
    expect(value(after, 'lws_http_requests_total{route="/api/v1/metrics",method="GET",status="200"}')).toBeGreaterThan(0)
  })

  test('host commands are counted per az, tool and exit code after real calls on the test hosts', async () => {
    const run = (argv: string[], az: string) => s.json('/api/v1/probe/run', { argv, az })
    const before = await scrape()
    expect((await run(['hostname'], 'az1')).status).toBe(200)
    expect((await run(['hostname'], 'az1')).status).toBe(200)
    expect((await run(['hostname'], 'az2')).status).toBe(200)
    const lines = hostCommandLines().length
    expect((await run(['pct', 'status', '99999'], 'az1')).status).toBe(500)
    const failedExit = hostCommandLines()[lines]!.exit_code as number
    expect(failedExit).toBeGreaterThan(0)
    expect((await run(['sh', '-c', 'exit 3'], 'az2')).status).toBe(500)
    expect((await run(['true'], 'dead')).status).toBe(502)
    const after = await scrape()
    const delta = (labels: string) => value(after, `lws_host_commands_total{${labels}}`) - value(before, `lws_host_commands_total{${labels}}`)
    expect(delta('az="eu-south-1/az1",tool="hostname",exit_code="0"')).toBe(2)
    expect(delta('az="eu-central-1/az2",tool="hostname",exit_code="0"')).toBe(1)
    expect(delta(`az="eu-south-1/az1",tool="pct status",exit_code="${failedExit}"`)).toBe(1)
    expect(delta('az="eu-central-1/az2",tool="script",exit_code="3"')).toBe(1)
    // Unreachable: the command never produced an exit code.
    expect(delta('az="eu-south-1/dead",tool="true",exit_code="none"')).toBe(1)
    const dur = (labels: string) =>
      value(after, `lws_host_command_duration_seconds_count{${labels}}`) - value(before, `lws_host_command_duration_seconds_count{${labels}}`)
    expect(dur('az="eu-south-1/az1",tool="hostname"')).toBe(2)
    expect(dur('az="eu-south-1/dead",tool="true"')).toBe(1)
    // The routes that ran them, by pattern and status sent.
    const probe = (st: number) => `lws_http_requests_total{route="/api/v1/probe/run",method="POST",status="${st}"}`
    expect(value(after, probe(200)) - value(before, probe(200))).toBe(3)
    expect(value(after, probe(502)) - value(before, probe(502))).toBe(1)
  })

  test('a real plugin route counts its Proxmox commands (pct/pvesh with their subcommand)', async () => {
    const before = await scrape()
    expect((await s.request('/api/v1/lxc/instances?az=az1')).status).toBe(200)
    const after = await scrape()
    const moved = series(after, 'lws_host_commands_total').filter(
      (k) => k.includes('az="eu-south-1/az1"') && value(after, k) > value(before, k),
    )
    expect(moved.length).toBeGreaterThan(0)
    for (const k of moved) expect(k).toMatch(/tool="(pct|pvesh|pveam|pvesm) [a-z-]+"|tool="script"/)
  })

  test('unmatched paths share one label value: 50 random paths do not grow the series', async () => {
    const before = await scrape()
    const paths = Array.from({ length: 50 }, () => `/api/v1/${crypto.randomUUID()}/${Math.random().toString(36).slice(2)}`)
    for (const [i, p] of paths.entries()) {
      const res = await s.request(p, { key: i % 2 ? KEY : null })
      expect(res.status).toBe(i % 2 ? 404 : 401)
    }
    // Refused by the edge before any routing (URL over 8 KiB): unmatched as well.
    expect((await s.request(`/api/v1/${'x'.repeat(9000)}`)).status).toBe(414)
    const after = await scrape()
    const grown = series(after, 'lws_http_requests_total').filter((k) => !before.samples.has(k))
    // At most: unmatched GET 404, unmatched GET 401, unmatched GET 414.
    expect(grown.length).toBeLessThanOrEqual(3)
    const unmatched = (st: number) => `lws_http_requests_total{route="unmatched",method="GET",status="${st}"}`
    expect(value(after, unmatched(404)) - value(before, unmatched(404))).toBe(25)
    expect(value(after, unmatched(401)) - value(before, unmatched(401))).toBe(25)
    expect(value(after, unmatched(414)) - value(before, unmatched(414))).toBe(1)
    const text = [...after.samples.keys()].join('\n')
    for (const p of paths) expect(text).not.toContain(p.split('/')[3]!)
    // Each new label set is one counter sample and one histogram (17 buckets, sum, count): 3 sets at most, not 51.
    expect(after.samples.size - before.samples.size).toBeLessThanOrEqual(3 * 20)
  })

  test('listed in the OpenAPI document as getMetrics, text/plain, key required', async () => {
    const doc = (await (await s.request('/api/v1/docs/json', { key: null })).json()) as any
    const op = doc.paths['/api/v1/metrics'].get
    expect(op.operationId).toBe('getMetrics')
    expect(Object.keys(op.responses['200'].content)).toEqual(['text/plain'])
    expect(op.responses['401']).toBeDefined()
    expect(op.security).toBeUndefined()
  })
})
