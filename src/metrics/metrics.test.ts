import { describe, expect, test } from 'bun:test'
import { Elysia } from 'elysia'
import { Registry } from 'prom-client'
import { meterRequests, routeNoter } from './http.ts'
import {
  commandTool,
  createMetrics,
  observeHostCommand,
  observeRequest,
  recordSingleFlightHit,
  registerPoolStats,
  renderMetrics,
  type PoolStats,
} from './metrics.ts'

/** `name{labels} value` lines of an exposition, comments dropped. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$/.exec(line)
    if (!m) throw new Error(`not an exposition line: ${line}`)
    out.set(m[1]!, Number(m[2]))
  }
  return out
}

const text = async (m: Parameters<typeof renderMetrics>[0]) => (await renderMetrics(m)).body

describe('commandTool', () => {
  test('Proxmox tools with their subcommand, sh -c as script, else the program', () => {
    expect(commandTool(['pct', 'exec', '101', '--', 'ls'])).toBe('pct exec')
    expect(commandTool(['pvesh', 'get', '/nodes'])).toBe('pvesh get')
    expect(commandTool(['pveam', 'available'])).toBe('pveam available')
    expect(commandTool(['pvesm', 'status'])).toBe('pvesm status')
    expect(commandTool(['/usr/sbin/pct', 'list'])).toBe('pct list')
    expect(commandTool(['pct'])).toBe('pct')
    expect(commandTool(['sh', '-c', 'echo $((1+1))', 'arg0'])).toBe('script')
    expect(commandTool(['/bin/bash', '-c', 'true'])).toBe('script')
    expect(commandTool(['sh', 'file.sh'])).toBe('sh')
    expect(commandTool(['hostname'])).toBe('hostname')
    expect(commandTool([])).toBe('(empty)')
  })

  test('never an argument: an odd "subcommand" is dropped, long programs are cut', () => {
    expect(commandTool(['pct', '/etc/passwd'])).toBe('pct')
    expect(commandTool(['pct', 'Exec'])).toBe('pct')
    expect(commandTool(['x'.repeat(500)])).toHaveLength(64)
  })
})

describe('registry per instance', () => {
  test('two metrics objects do not share series (nor the global default registry)', async () => {
    const a = createMetrics()
    const b = createMetrics()
    observeRequest(a, { route: '/api/v1/health', method: 'GET', status: 200, seconds: 0.001 })
    expect(samples(await text(a)).get('lws_http_requests_total{route="/api/v1/health",method="GET",status="200"}')).toBe(1)
    expect([...samples(await text(b)).keys()].some((k) => k.startsWith('lws_http_requests_total'))).toBe(false)
    const { register } = await import('prom-client')
    expect(register.getSingleMetric('lws_http_requests_total')).toBeUndefined()
  })

  test('text format 0.0.4, every metric declared with HELP and TYPE from the start', async () => {
    const m = createMetrics()
    const { body, contentType } = await renderMetrics(m)
    expect(contentType).toStartWith('text/plain; version=0.0.4')
    for (const [name, type] of [
      ['lws_http_requests_total', 'counter'],
      ['lws_http_request_duration_seconds', 'histogram'],
      ['lws_host_commands_total', 'counter'],
      ['lws_host_command_duration_seconds', 'histogram'],
      ['lws_single_flight_hits_total', 'counter'],
      ['lws_host_channels_in_use', 'gauge'],
      ['lws_host_channels_queued', 'gauge'],
      ['lws_ssh_reconnects_total', 'counter'],
    ]) {
      expect(body).toContain(`# TYPE ${name} ${type}\n`)
      expect(body).toContain(`# HELP ${name} `)
    }
    samples(body)
  })
})

describe('observations', () => {
  test('requests: no route → unmatched; odd methods → other; duration histogram by the same labels', async () => {
    const m = createMetrics()
    observeRequest(m, { route: undefined, method: 'GET', status: 401, seconds: 0.002 })
    observeRequest(m, { route: null, method: 'PROPFIND', status: 401, seconds: 0.002 })
    observeRequest(m, { route: '/api/v1/lxc/instances/:instance_id', method: 'get', status: 404, seconds: 0.3 })
    const s = samples(await text(m))
    expect(s.get('lws_http_requests_total{route="unmatched",method="GET",status="401"}')).toBe(1)
    expect(s.get('lws_http_requests_total{route="unmatched",method="other",status="401"}')).toBe(1)
    expect(s.get('lws_http_requests_total{route="/api/v1/lxc/instances/:instance_id",method="GET",status="404"}')).toBe(1)
    expect(s.get('lws_http_request_duration_seconds_bucket{le="0.25",route="/api/v1/lxc/instances/:instance_id",method="GET",status="404"}')).toBe(0)
    expect(s.get('lws_http_request_duration_seconds_bucket{le="0.5",route="/api/v1/lxc/instances/:instance_id",method="GET",status="404"}')).toBe(1)
    expect(s.get('lws_http_request_duration_seconds_sum{route="/api/v1/lxc/instances/:instance_id",method="GET",status="404"}')).toBeCloseTo(0.3)
  })

  test('host commands: by az, tool, exit code; none when it never produced one', async () => {
    const m = createMetrics()
    observeHostCommand(m, { az: 'r/a', argv: ['pct', 'status', '100'], exitCode: 0, seconds: 0.01 })
    observeHostCommand(m, { az: 'r/a', argv: ['pct', 'status', '101'], exitCode: 0, seconds: 0.02 })
    observeHostCommand(m, { az: 'r/a', argv: ['pct', 'status', '999'], exitCode: 2, seconds: 0.02 })
    observeHostCommand(m, { az: 'r/b', argv: ['sh', '-c', 'x'], exitCode: null, seconds: 3 })
    const s = samples(await text(m))
    expect(s.get('lws_host_commands_total{az="r/a",tool="pct status",exit_code="0"}')).toBe(2)
    expect(s.get('lws_host_commands_total{az="r/a",tool="pct status",exit_code="2"}')).toBe(1)
    expect(s.get('lws_host_commands_total{az="r/b",tool="script",exit_code="none"}')).toBe(1)
    expect(s.get('lws_host_command_duration_seconds_count{az="r/a",tool="pct status"}')).toBe(3)
    expect(s.get('lws_host_command_duration_seconds_sum{az="r/b",tool="script"}')).toBe(3)
  })

  test('no metrics (undefined) or a bare registry: the observers do nothing', () => {
    observeRequest(undefined, { route: '/x', method: 'GET', status: 200, seconds: 0 })
    observeHostCommand(undefined, { az: 'a', argv: ['true'], exitCode: 0, seconds: 0 })
    recordSingleFlightHit(undefined, 'a')
    expect(registerPoolStats(undefined, 'a', () => ({}) as PoolStats)).toBeInstanceOf(Function)
  })
})

describe('single-flight hits and pool stats', () => {
  test('recordSingleFlightHit counts per az, on the metrics object or a bare registry', async () => {
    const m = createMetrics()
    recordSingleFlightHit(m, 'r/a')
    recordSingleFlightHit(m, 'r/a')
    recordSingleFlightHit(m.registry, 'r/b')
    const s = samples(await text(m))
    expect(s.get('lws_single_flight_hits_total{az="r/a"}')).toBe(2)
    expect(s.get('lws_single_flight_hits_total{az="r/b"}')).toBe(1)
    const bare = new Registry()
    recordSingleFlightHit(bare, 'x')
    expect(samples(await text(bare)).get('lws_single_flight_hits_total{az="x"}')).toBe(1)
  })

  test('pool gauges are read at scrape time, per az and share; unregister removes the az', async () => {
    const m = createMetrics()
    const stats: PoolStats = { inUse: { short: 1, long: 2, stream: 0 }, queued: { short: 5, long: 0, stream: 0 }, reconnects: 0 }
    const off = registerPoolStats(m, 'r/a', () => stats)
    registerPoolStats(m, 'r/b', () => ({ inUse: { short: 0, long: 0, stream: 1 }, queued: { short: 0, long: 0, stream: 0 }, reconnects: 3 }))
    registerPoolStats(m, 'r/broken', () => {
      throw new Error('closed')
    })
    let s = samples(await text(m))
    expect(s.get('lws_host_channels_in_use{az="r/a",share="short"}')).toBe(1)
    expect(s.get('lws_host_channels_in_use{az="r/a",share="long"}')).toBe(2)
    expect(s.get('lws_host_channels_in_use{az="r/a",share="stream"}')).toBe(0)
    expect(s.get('lws_host_channels_queued{az="r/a",share="short"}')).toBe(5)
    expect(s.get('lws_host_channels_in_use{az="r/b",share="stream"}')).toBe(1)
    expect(s.get('lws_ssh_reconnects_total{az="r/a"}')).toBe(0)
    expect(s.get('lws_ssh_reconnects_total{az="r/b"}')).toBe(3)
    expect([...s.keys()].some((k) => k.includes('r/broken'))).toBe(false)

    stats.inUse.short = 7
    stats.reconnects = 2
    s = samples(await text(m))
    expect(s.get('lws_host_channels_in_use{az="r/a",share="short"}')).toBe(7)
    expect(s.get('lws_ssh_reconnects_total{az="r/a"}')).toBe(2)

    off()
    s = samples(await text(m))
    expect([...s.keys()].some((k) => k.includes('az="r/a"'))).toBe(false)
    expect(s.get('lws_ssh_reconnects_total{az="r/b"}')).toBe(3)
  })

  test('pool stats of one metrics object never show in another', async () => {
    const a = createMetrics()
    const b = createMetrics()
    registerPoolStats(a, 'r/a', () => ({ inUse: { short: 1, long: 0, stream: 0 }, queued: { short: 0, long: 0, stream: 0 }, reconnects: 0 }))
    expect(await text(b)).not.toContain('r/a')
  })
})

describe('request metering (route noted inside the app, status outside)', () => {
  const app = new Elysia()
    .use(routeNoter)
    .onError(({ code }) => new Response(String(code), { status: code === 'NOT_FOUND' ? 404 : 400 }))
    .get('/items/:id', ({ params }) => params.id)
    .post('/items', ({ body }) => body, { parse: 'json' })

  test('the matched pattern, the status actually sent; unmatched and parse errors', async () => {
    const m = createMetrics()
    const fetch = meterRequests(m, (req: Request) => app.handle(req))
    expect((await fetch(new Request('http://localhost.test/items/42'))).status).toBe(200)
    expect((await fetch(new Request('http://localhost.test/nowhere/1'))).status).toBe(404)
    const bad = new Request('http://localhost.test/items', { method: 'POST', body: '{nope', headers: { 'content-type': 'application/json' } })
    expect((await fetch(bad)).status).toBe(400)
    const s = samples(await text(m))
    expect(s.get('lws_http_requests_total{route="/items/:id",method="GET",status="200"}')).toBe(1)
    expect(s.get('lws_http_requests_total{route="unmatched",method="GET",status="404"}')).toBe(1)
    expect(s.get('lws_http_requests_total{route="/items",method="POST",status="400"}')).toBe(1)
    expect(await text(m)).not.toContain('/items/42')
  })

  test('concurrent requests each get their own route', async () => {
    const m = createMetrics()
    const fetch = meterRequests(m, (req: Request) => app.handle(req))
    await Promise.all(Array.from({ length: 20 }, (_, i) => fetch(new Request(`http://localhost.test/${i % 2 ? 'items' : 'nowhere'}/${i}`))))
    const s = samples(await text(m))
    expect(s.get('lws_http_requests_total{route="/items/:id",method="GET",status="200"}')).toBe(10)
    expect(s.get('lws_http_requests_total{route="unmatched",method="GET",status="404"}')).toBe(10)
  })

  test('a handler that throws past the app is counted as 500 and rethrown', async () => {
    const m = createMetrics()
    const fetch = meterRequests(m, async () => {
      throw new Error('boom')
    })
    await expect(fetch(new Request('http://localhost.test/x'))).rejects.toThrow('boom')
    expect(samples(await text(m)).get('lws_http_requests_total{route="unmatched",method="GET",status="500"}')).toBe(1)
  })
})
