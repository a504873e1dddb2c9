import { inlineRefs } from './openapi-support.ts'
import { beforeAll, describe, expect, test } from 'bun:test'
import { errorBody, KEY, startApp } from './harness.ts'

let s: Awaited<ReturnType<typeof startApp>>
beforeAll(async () => {
  s = await startApp()
})

const expectErrorShape = (body: Record<string, unknown>) => {
  expect(Object.keys(body).sort()).toEqual(['code', 'details', 'error', 'return_code'])
  expect(typeof body.error).toBe('string')
  expect(typeof body.details).toBe('string')
  expect(typeof body.return_code).toBe('number')
  expect(JSON.stringify(body)).not.toMatch(/\n\s+at |\.ts:\d+/) // no stack traces
}

describe('health and auth', () => {
  test('GET /api/v1/health needs no key', async () => {
    const res = await s.request('/api/v1/health', { key: null })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok' })
  })

  test('missing or wrong key → 401 in the error shape', async () => {
    for (const key of [null, 'wrong', '', KEY + 'x', KEY.slice(0, -1)]) {
      const res = await s.request('/api/v1/conf', { key })
      expect(res.status).toBe(401)
      const body = await errorBody(res)
      expectErrorShape(body)
      expect(body.error).toBe('Unauthorized')
    }
  })

  test('unknown /api/v1 routes are 401 without a key and 404 with one', async () => {
    expect((await s.request('/api/v1/nope', { key: null })).status).toBe(401)
    const res = await s.request('/api/v1/nope')
    expect(res.status).toBe(404)
    const body = await errorBody(res)
    expectErrorShape(body)
    expect(body.details).toContain('/api/v1/nope')
  })
})

describe('conf', () => {
  test('GET /conf masks every secret', async () => {
    const res = await s.request('/api/v1/conf')
    expect(res.status).toBe(200)
    const body = (await res.json()) as { config: Record<string, unknown> }
    expect(body.config.api_key).toBe('********')
    expect(JSON.stringify(body)).not.toContain(KEY)
    expect(body.config.regions).toBeDefined()
  })

  test('POST /conf/validate with no body checks the loaded config', async () => {
    const res = await s.request('/api/v1/conf/validate', { method: 'POST' })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ valid: true, source: '(inline)', problems: [] })
  })

  test('POST /conf/validate lists every problem of a given config as path: message', async () => {
    const res = await s.json('/api/v1/conf/validate', {
      config: 'start_vmid: 5\nregions:\n  r:\n    availability_zones:\n      a:\n        host: h\n',
    })
    const body = (await res.json()) as { valid: boolean; problems: string[] }
    expect(body.valid).toBe(false)
    expect(body.problems).toEqual([
      'start_vmid: Expected integer to be greater or equal to 100',
    ])
    const res2 = await s.json('/api/v1/conf/validate', { config: 'regions:\n  r:\n    availability_zones:\n      a:\n        host: h\n' })
    expect(((await res2.json()) as { problems: string[] }).problems).toEqual([
      'regions.r.availability_zones.a: needs ssh_password or ssh_key_file (or local: true)',
    ])
  })
})

describe('request errors', () => {
  test('malformed JSON → 400', async () => {
    const res = await s.request('/api/v1/probe/run', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"argv": [',
    })
    expect(res.status).toBe(400)
    expectErrorShape(await errorBody(res))
  })

  test('schema violation → 400 naming the field', async () => {
    const res = await s.json('/api/v1/probe/run', { argv: 'not-a-list' })
    expect(res.status).toBe(400)
    const body = await errorBody(res)
    expectErrorShape(body)
    expect(body.details).toContain('body.argv')
  })

  test('an out-of-range query number → 400 naming the query parameter', async () => {
    const res = await s.request('/api/v1/probe/echo?n=5')
    expect(res.status).toBe(400)
    expect((await errorBody(res)).details).toBe('query.n: Expected number to be greater or equal to 100')
    expect((await s.request('/api/v1/probe/echo?n=150')).status).toBe(200)
  })

  test('hostile region/az names → 400; unknown ones → 404 listing the known ones', async () => {
    const bad = await s.json('/api/v1/probe/run', { argv: ['true'], region: 'x; reboot' })
    expect(bad.status).toBe(400)
    const unknown = await s.json('/api/v1/probe/run', { argv: ['true'], region: 'mars' })
    expect(unknown.status).toBe(404)
    expect((await errorBody(unknown)).details).toBe("unknown region 'mars' (known: eu-south-1)")
    const unknownAz = await s.json('/api/v1/probe/run', { argv: ['true'], az: 'az9' })
    expect(unknownAz.status).toBe(404)
    expect((await errorBody(unknownAz)).details).toContain('known: az1')
  })

  test('body over 1 MiB → 413', async () => {
    const body = JSON.stringify({ argv: ['x'.repeat(1024 * 1024 + 10)] })
    const res = await s.request('/api/v1/probe/run', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
      body,
    })
    expect(res.status).toBe(413)
    expectErrorShape(await errorBody(res))
  })

  test('a failing local command → 500 with its stderr and exit code', async () => {
    const res = await s.json('/api/v1/probe/run', { argv: ['sh', '-c', 'echo boom >&2; exit 7'] })
    expect(res.status).toBe(500)
    expect(await errorBody(res)).toEqual({ error: 'Command failed', details: 'boom', return_code: 7, code: 'HOST_COMMAND_FAILED' })
  })

  test('a local command past its timeout → 504, its children killed too', async () => {
    const secs = `989.${Date.now() % 100000}`
    const t0 = performance.now()
    const res = await s.json('/api/v1/probe/run', { argv: ['sh', '-c', `sleep ${secs}; echo late`], timeout_ms: 200 })
    expect(res.status).toBe(504)
    expect(performance.now() - t0).toBeLessThan(2000)
    expectErrorShape(await errorBody(res))
    const left = Bun.spawnSync(['pgrep', '-f', `^sleep ${secs}`]).stdout.toString().trim()
    expect(left).toBe('')
  })
})

describe('CORS', () => {
  test('allowed origin is echoed, others are not', async () => {
    const ok = await s.request('/api/v1/health', { headers: { origin: 'http://allowed.example' } })
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://allowed.example')
    const no = await s.request('/api/v1/health', { headers: { origin: 'http://evil.example' } })
    expect(no.headers.get('access-control-allow-origin')).toBeNull()
  })

  test('preflight with X-API-Key works without a key', async () => {
    const res = await s.request('/api/v1/conf', {
      method: 'OPTIONS',
      key: null,
      headers: {
        origin: 'http://allowed.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'x-api-key',
      },
    })
    expect(res.status).toBeLessThan(300)
    expect(res.headers.get('access-control-allow-origin')).toBe('http://allowed.example')
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-api-key')
  })
})

describe('docs and UI', () => {
  test('Swagger UI loads only local assets', async () => {
    const res = await s.request('/api/v1/docs', { key: null })
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('/api/v1/docs/assets/swagger-ui-bundle.js')
    expect(html).not.toMatch(/https?:\/\/(?!localhost)/)
    for (const asset of ['swagger-ui-bundle.js', 'swagger-ui.css']) {
      const a = await s.request(`/api/v1/docs/assets/${asset}`, { key: null })
      expect(a.status).toBe(200)
      expect((await a.text()).length).toBeGreaterThan(10_000)
    }
  })

  test('OpenAPI document: security scheme, tags, summaries, typed bodies and errors', async () => {
    const res = await s.request('/api/v1/docs/json', { key: null })
    expect(res.status).toBe(200)
    const doc = (await res.json()) as any
    expect(doc.components.securitySchemes.ApiKeyAuth).toEqual({ type: 'apiKey', in: 'header', name: 'X-API-Key' })
    const paths = Object.keys(doc.paths)
    expect(paths).toEqual(expect.arrayContaining(['/api/v1/health', '/api/v1/conf', '/api/v1/conf/validate', '/api/v1/probe/run']))
    expect(paths.some((p) => p.includes('docs') || p.startsWith('/ui'))).toBe(false)
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        expect(op.tags?.length, `${method} ${path} tags`).toBeGreaterThan(0)
        expect(op.summary, `${method} ${path} summary`).toBeTruthy()
        expect(op.responses['200'], `${method} ${path} 200`).toBeDefined()
        if (path !== '/api/v1/health') expect(op.responses['401'], `${method} ${path} 401`).toBeDefined()
      }
    }
    const probe = doc.paths['/api/v1/probe/run'].post
    expect(probe.requestBody.content['application/json'].schema.properties.argv.type).toBe('array')
    expect(Object.keys(probe.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '500', '502', '504']))
    expect(inlineRefs(doc, probe.responses['500'].content['application/json'].schema).properties.return_code).toBeDefined()
  })

  test('web UI is served at /', async () => {
    const res = await s.request('/', { key: null })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/html')
    expect((await s.request('/ui/app.js', { key: null })).status).toBe(200)
  })
})

describe('plugins and logs', () => {
  test('broken plugins are reported with their path and skipped', () => {
    const reasons = s.failures.map((f) => `${f.path.split('plugins.d/')[1]}: ${f.reason}`)
    expect(reasons).toEqual([
      'broken/index.ts: import failed: this plugin is broken on purpose',
      'needs-missing.ts: missing dependencies: no-such-plugin',
    ])
    expect(s.mounted.map((m) => m.plugin.name)).toContain('probe')
  })

  test('one structured line per request and per host command, without secrets', async () => {
    s.log.lines.length = 0
    const res = await s.json('/api/v1/probe/run', { argv: ['echo', 'logged'] }, { headers: { 'x-request-id': 'req-42' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-request-id')).toBe('req-42')
    await Bun.sleep(5)
    const req = s.log.lines.find((l) => l.msg === 'request' && l.request_id === 'req-42')
    expect(req).toMatchObject({ method: 'POST', path: '/api/v1/probe/run', status: 200, request_id: 'req-42' })
    expect(typeof req!.duration_ms).toBe('number')
    const cmd = s.log.lines.find((l) => l.msg === 'host command' && (l.argv as string[])[1] === 'logged')
    expect(cmd).toMatchObject({ az: 'eu-south-1/az1', argv: ['echo', 'logged'], exit_code: 0 })
    expect(JSON.stringify(s.log.lines)).not.toContain(KEY)
  })
})
