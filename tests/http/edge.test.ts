/**
 * The HTTP edge over real sockets (Bun.serve with the options `lws serve`
 * uses) and in-process: auth cannot be bypassed, every refusal is JSON,
 * bodies are bounded in size, depth and time, the log tells the truth, key
 * guessing is braked. Host commands go to a recording fake, so "no effect"
 * is checked as "no command ran".
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { builtinPlugins } from '../../plugins/index.ts'
import { swaggerAssets, uiAssets } from '../../src/assets/bun-embedded.ts'
import { parseConfigText, resolveConfig } from '../../src/config/load.ts'
import { memoryLogger } from '../../src/log.ts'
import { FakeExecutor } from '../../src/proxmox/fake-executor.ts'
import { bunServeOptions } from '../../src/serve-bun.ts'
import { buildServer, type ServerParts } from '../../src/server.ts'
import { protectedRoutes, runBypassMatrix } from '../support/edge-matrix.ts'
import { rawRequest, requestHead } from '../support/raw-http.ts'
import { FIXTURE_PLUGINS, KEY } from './harness.ts'

const CONFIG = `
api_key: ${KEY}
api: { body_timeout: 1, max_body_bytes: 65536 }
regions:
  eu-south-1:
    availability_zones:
      az1: { host: localhost, local: true }
instance_sizes:
  small: { memory: 512, cpulimit: 1, storage: "local-lvm:4" }
`

let parts: ServerParts
let server: ReturnType<typeof Bun.serve>
let port: number
let log: ReturnType<typeof memoryLogger>
const fake = new FakeExecutor()

beforeAll(async () => {
  const raw = parseConfigText(CONFIG, '(inline)') as Record<string, unknown>
  raw.plugins_dir = FIXTURE_PLUGINS
  const config = resolveConfig(raw, '(inline)', { env: {} })
  log = memoryLogger()
  parts = await buildServer({ config, builtins: builtinPlugins, assets: { swagger: swaggerAssets, ui: uiAssets }, log, executorFactory: () => fake })
  server = Bun.serve(bunServeOptions(parts, { hostname: '127.0.0.1', port: 0 }))
  port = server.port!
})
afterAll(() => server?.stop(true))

const send = (method: string, path: string, headers: Record<string, string | null> = {}, body = '') =>
  rawRequest(port, requestHead(method, path, { host: 'localhost', ...headers }), body)

const errorOf = (body: string) => JSON.parse(body) as { error: string; details: string; return_code: number; code: string }

describe('no way around the key', () => {
  test('odd Host × path variants × every protected route: never a handler, never a host command', async () => {
    const doc = (await (await parts.fetch(new Request('http://localhost/api/v1/docs/json'))).json()) as any
    const routes = protectedRoutes(doc)
    expect(routes.length).toBeGreaterThan(20)
    expect(routes.some((r) => r.path === '/api/v1/lxc/instances/100/exec')).toBe(true)
    const before = fake.calls.length
    const result = await runBypassMatrix(port, routes)
    expect(result.violations).toEqual([])
    expect(result.sent).toBeGreaterThan(5000)
    expect(fake.calls.length).toBe(before)
  }, 120_000)

  test('the reported bypass: Host "x" and a short prefix → 401, nothing runs', async () => {
    for (const path of ['/ab/api/v1/conf', '/ab/api/v1/lxc/instances/100/exec']) {
      const res = await rawRequest(port, requestHead(path.endsWith('exec') ? 'POST' : 'GET', path, { host: 'x', 'content-type': 'application/json', 'content-length': '17' }), '{"command":"id"}\n')
      expect(res.status).toBe(401)
      expect(errorOf(res.body).code).toBe('UNAUTHORIZED')
    }
  })

  test('public routes stay public, also under odd hosts', async () => {
    for (const host of ['x', 'localhost', '[::1]:8080']) {
      expect((await rawRequest(port, requestHead('GET', '/api/v1/health', { host }))).status).toBe(200)
      expect((await rawRequest(port, requestHead('GET', '/api/v1/docs/json', { host }))).status).toBe(200)
      expect((await rawRequest(port, requestHead('GET', '/', { host }))).status).toBe(200)
    }
  })
})

describe('every answer is JSON', () => {
  test('malformed Host → 400 JSON, no HTML, no stack, no source', async () => {
    for (const host of ['', 'a#', 'x?', 'a/b', 'x@y', '[::1', 'h:99999', ':80', 'a b']) {
      const res = await rawRequest(port, requestHead('GET', '/api/v1/conf', { host }))
      expect(res.status, host).toBe(400)
      expect(res.headers['content-type']).toBe('application/json')
      expect(res.body.length).toBeLessThan(300)
      expect(errorOf(res.body).code).toMatch(/^MALFORMED_(HOST|URL)$/)
    }
  })

  test('long URL → 414, unknown or unusual method → 404, all JSON', async () => {
    const long = await send('GET', '/api/v1/health?x=' + 'a'.repeat(9000))
    expect(long.status).toBe(414)
    expect(errorOf(long.body).code).toBe('URI_TOO_LONG')
    for (const method of ['PATCH', 'PROPFIND']) {
      const res = await send(method, '/api/v1/conf', { 'x-api-key': KEY })
      expect(res.status, method).toBe(404)
      expect(errorOf(res.body).code).toBe('NOT_FOUND')
      expect((await send(method, '/api/v1/conf')).status).toBe(401)
    }
  })

  test('bodies over the limit → 413 JSON, declared or chunked', async () => {
    const declared = await send('POST', '/api/v1/probe/run', { 'x-api-key': KEY, 'content-type': 'application/json', 'content-length': String(10 * 1024 * 1024) })
    expect(declared.status).toBe(413)
    expect(errorOf(declared.body).code).toBe('PAYLOAD_TOO_LARGE')
    const chunk = 'a'.repeat(40_000)
    const chunked = `${chunk.length.toString(16)}\r\n${chunk}\r\n`.repeat(3) + '0\r\n\r\n'
    const res = await send('POST', '/api/v1/probe/run', { 'x-api-key': KEY, 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, chunked)
    expect(res.status).toBe(413)
    expect(errorOf(res.body).code).toBe('PAYLOAD_TOO_LARGE')
  })

  test('a body that never ends → 408 JSON after body_timeout, connection closed', async () => {
    const res = await send('POST', '/api/v1/probe/run', { 'x-api-key': KEY, 'content-type': 'application/json', 'content-length': '100' }, '{"argv":')
    expect(res.status).toBe(408)
    expect(errorOf(res.body).code).toBe('REQUEST_TIMEOUT')
    expect(res.ms).toBeGreaterThan(900)
    expect(res.ms).toBeLessThan(5000)
  })
})

describe('hostile bodies', () => {
  test('deep JSON → 400 BODY_TOO_DEEP before any validation; depth 32 still passes to validation', async () => {
    const deep = '['.repeat(60_000)
    const res = await send('POST', '/api/v1/probe/run', { 'x-api-key': KEY, 'content-type': 'application/json', 'content-length': String(deep.length) }, deep)
    expect(res.status).toBe(400)
    expect(errorOf(res.body).code).toBe('BODY_TOO_DEEP')
    const ok = JSON.stringify({ argv: 5, x: JSON.parse('['.repeat(30) + ']'.repeat(30)) })
    const res2 = await send('POST', '/api/v1/probe/run', { 'x-api-key': KEY, 'content-type': 'application/json', 'content-length': String(ok.length) }, ok)
    expect(res2.status).toBe(400)
    expect(errorOf(res2.body).code).toBe('VALIDATION_FAILED')
  })

  test('a validation error about a huge body stays small', async () => {
    const body = JSON.stringify({ argv: Array.from({ length: 15_000 }, () => 1) })
    const res = await send('POST', '/api/v1/probe/run', { 'x-api-key': KEY, 'content-type': 'application/json', 'content-length': String(body.length) }, body)
    expect(res.status).toBe(400)
    expect(res.body.length).toBeLessThan(2048)
    expect(errorOf(res.body).details).toContain('body.argv')
  })

  test('50 hostile bodies at once: each refused, /health keeps answering', async () => {
    const hostile = ['['.repeat(60_000), '{"a":'.repeat(12_000), JSON.stringify({ argv: Array.from({ length: 15_000 }, () => ({})) })]
    const attacks = Array.from({ length: 50 }, (_, i) => {
      const b = hostile[i % hostile.length]!
      return send('POST', '/api/v1/probe/run', { 'x-api-key': KEY, 'content-type': 'application/json', 'content-length': String(b.length) }, b)
    })
    const health: number[] = []
    const probe = (async () => {
      for (let i = 0; i < 20; i++) {
        const r = await send('GET', '/api/v1/health')
        expect(r.status).toBe(200)
        health.push(r.ms)
      }
    })()
    const results = await Promise.all(attacks)
    await probe
    for (const r of results) expect(r.status).toBe(400)
    // Generous bound for a loaded CI machine; bench/ measures the real figure.
    expect(Math.max(...health)).toBeLessThan(1000)
  })
})

describe('the log tells the truth', () => {
  test('the status sent is the status logged, for every kind of answer', async () => {
    const cases: Array<[string, () => Promise<{ status: number }>, number]> = [
      ['ok', () => send('GET', '/api/v1/conf', { 'x-api-key': KEY, 'x-request-id': 'log-200' }), 200],
      ['no key', () => send('GET', '/api/v1/conf', { 'x-request-id': 'log-401' }), 401],
      ['unknown', () => send('GET', '/api/v1/nope', { 'x-api-key': KEY, 'x-request-id': 'log-404' }), 404],
      ['too big', () => send('POST', '/api/v1/probe/run', { 'x-api-key': KEY, 'content-length': '99999999', 'x-request-id': 'log-413' }), 413],
      ['invalid', () => send('POST', '/api/v1/probe/run', { 'x-api-key': KEY, 'content-type': 'application/json', 'content-length': '2', 'x-request-id': 'log-400' }, '{}'), 400],
    ]
    for (const [label, call, status] of cases) {
      expect((await call()).status, label).toBe(status)
      const line = log.lines.find((l) => l.msg === 'request' && l.request_id === `log-${status}`)
      expect(line, label).toMatchObject({ status, client: '127.0.0.1' })
    }
  })

  test('failed authentications are logged with the client address, never the key sent', async () => {
    const guess = 'guessed-key-' + crypto.randomUUID()
    expect((await send('GET', '/api/v1/conf', { 'x-api-key': guess, 'x-request-id': 'log-guess' })).status).toBe(401)
    const line = log.lines.find((l) => l.msg === 'authentication failed' && l.request_id === 'log-guess')
    expect(line).toMatchObject({ level: 'warn', client: '127.0.0.1', reason: 'wrong key', path: '/api/v1/conf' })
    expect(JSON.stringify(log.lines)).not.toContain(guess)
    expect(JSON.stringify(log.lines)).not.toContain(KEY)
  })
})

describe('guessing brake', () => {
  const call = (address: string, key: string | null, path = '/api/v1/conf') =>
    parts.fetch(new Request(`http://localhost${path}`, { headers: key ? { 'x-api-key': key } : {} }), { address })

  test('20 wrong keys from one address → 429 with Retry-After, for that address only', async () => {
    for (let i = 0; i < 20; i++) expect((await call('10.9.9.9', `wrong-${i}`)).status).toBe(401)
    const braked = await call('10.9.9.9', 'wrong-21')
    expect(braked.status).toBe(429)
    expect(Number(braked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(Number(braked.headers.get('retry-after'))).toBeLessThanOrEqual(60)
    expect(((await braked.json()) as any).code).toBe('AUTH_RATE_LIMITED')
    // The right key is braked too: otherwise the brake would still confirm a guess.
    expect((await call('10.9.9.9', KEY)).status).toBe(429)
    expect((await call('10.9.9.9', null, '/api/v1/health')).status).toBe(200)
    expect((await call('10.9.9.10', KEY)).status).toBe(200)
  })
})

describe('headers', () => {
  test('API answers: nosniff, no framing, no referrer, no-store', async () => {
    for (const res of [await send('GET', '/api/v1/conf', { 'x-api-key': KEY }), await send('GET', '/api/v1/conf')]) {
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(res.headers['x-frame-options']).toBe('DENY')
      expect(res.headers['referrer-policy']).toBe('no-referrer')
      expect(res.headers['cache-control']).toBe('no-store')
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'")
    }
  })

  test('UI and docs pages carry a CSP without inline script', async () => {
    for (const path of ['/', '/api/v1/docs', '/api/v1/docs/']) {
      const res = await send('GET', path)
      expect(res.status, path).toBe(200)
      const csp = res.headers['content-security-policy']!
      expect(csp).toContain("script-src 'self'")
      expect(csp).not.toContain("'unsafe-eval'")
      expect(csp).toMatch(/script-src 'self'(;|$)/)
      expect(res.headers['x-frame-options']).toBe('DENY')
    }
  })
})
