/**
 * The OpenAPI document as a contract clients are generated from: built once
 * and byte-stable, lint-clean, every operation named, shared shapes as
 * components, closed sets as enums, integers as integers, streams declared,
 * and the server holding requests to it (unknown fields → 400).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Elysia, t } from 'elysia'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ERROR_CODES } from '../../src/errors/catalogue.ts'
import { documentOptions } from '../../src/http/docs.ts'
import { CLOSED_SETS, SCHEMA_NAMES } from '../../src/http/openapi/components.ts'
import { buildDocument } from '../../src/http/openapi/document.ts'
import { OPERATION_IDS } from '../../src/http/openapi/operation-ids.ts'
import { unknownFields } from '../../src/http/openapi/request-contract.ts'
import { STREAMS } from '../../src/http/openapi/streams.ts'
import { BASE_CONFIG, errorBody, startApp } from './harness.ts'
import { allSchemas, inlineRefs, lint, operations, pointer, refsIn } from './openapi-support.ts'

const ROOT = join(import.meta.dir, '../..')
const DOC = '/api/v1/docs/json'

type App = Awaited<ReturnType<typeof startApp>>
let s: App
/** Built-in plugins only: no fixture plugin from plugins_dir. */
let builtin: App
let doc: any
const noPlugins = mkdtempSync(join(tmpdir(), 'lws-no-plugins-'))

beforeAll(async () => {
  mkdirSync(noPlugins, { recursive: true })
  s = await startApp()
  builtin = await startApp(BASE_CONFIG, noPlugins)
  doc = await (await s.request(DOC, { key: null })).json()
})
afterAll(async () => {
  await Promise.all([s.zones.closeAll(), builtin.zones.closeAll()])
  rmSync(noPlugins, { recursive: true, force: true })
})

const text = async (app: App) => {
  const res = await app.request(DOC, { key: null })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toContain('application/json')
  return res.text()
}

describe('built once, the same bytes on every fetch', () => {
  test('fetch, call routes (valid, invalid, unknown fields, streams refused), fetch again: identical', async () => {
    const before = await text(s)
    const calls: [string, string, unknown?][] = [
      ['GET', '/api/v1/health'],
      ['GET', '/api/v1/conf'],
      ['POST', '/api/v1/conf/validate', {}],
      ['GET', '/api/v1/probe/echo?n=150'],
      ['POST', '/api/v1/probe/run', { argv: ['true'] }],
      ['POST', '/api/v1/probe/run', { argv: 'x', extra: 1 }],
      ['POST', '/api/v1/lxc/instances', { image_id: 'nope' }],
      ['POST', '/api/v1/lxc/instances/start', { instance_ids: [] }],
      ['POST', '/api/v1/lxc/instances/stop', { instance_ids: ['1'], timeout: 'x' }],
      ['GET', '/api/v1/lxc/instances/abc'],
      ['GET', '/api/v1/lxc/instances/100/app/logs/x?lines=0'],
      ['POST', '/api/v1/lxc/instances/100/app/setup', { stream: 'yes' }],
      ['GET', '/api/v1/px/templates?section=nope'],
      ['GET', '/api/v1/sec/discovery?lxc_id=x'],
    ]
    for (const [method, path, body] of calls) {
      const res = body === undefined ? await s.request(path, { method }) : await s.json(path, body, { method })
      await res.arrayBuffer()
    }
    const after = await text(s)
    expect(after).toBe(before)
    // And no different from an app that answered nothing before.
    const fresh = await startApp()
    try {
      expect(await text(fresh)).toBe(before)
    } finally {
      await fresh.zones.closeAll()
    }
  })
})

describe('document', () => {
  test('OpenAPI 3.1 with relative servers, license and info', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/)
    expect(doc.servers).toEqual([{ url: '/', description: expect.any(String) }])
    expect(doc.info.license.name).toBeTruthy()
    expect(doc.info.license.identifier ?? doc.info.license.url).toBeTruthy()
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/)
  })

  test('redocly lint (recommended rules): 0 errors, 0 warnings', () => {
    const r = lint(doc, ROOT)
    const problems = r.problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer ?? '?'}`)
    expect(problems).toEqual([])
    expect(r.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 })
  }, 120_000)
})

describe('operationIds', () => {
  test('every operation has one: unique, lowerCamelCase, verb first', () => {
    const ops = operations(doc)
    expect(ops.length).toBeGreaterThan(30)
    const ids = ops.map((o) => o.op.operationId)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(id).toMatch(/^(get|list|describe|create|delete|start|stop|reboot|terminate|scale|exec|rollback|validate|download|setup|run|deploy|discover|scan|wait|cancel|stream|post|put|patch)[A-Z][A-Za-z0-9]*$/)
  })

  test('every built-in operation is in the table, and every table entry is a built-in operation', async () => {
    const builtinDoc = JSON.parse(await text(builtin))
    const keys = operations(builtinDoc).map((o) => o.key)
    expect(keys.filter((k) => !(k in OPERATION_IDS))).toEqual([])
    expect(Object.keys(OPERATION_IDS).filter((k) => !keys.includes(k))).toEqual([])
    for (const o of operations(builtinDoc)) expect(o.op.operationId).toBe(OPERATION_IDS[o.key]!)
    const values = Object.values(OPERATION_IDS)
    expect(new Set(values).size).toBe(values.length)
  })

  test('the names the seed’s workflow uses', () => {
    const byKey = Object.fromEntries(operations(doc).map((o) => [o.key, o.op.operationId]))
    expect(byKey['GET /api/v1/lxc/instances']).toBe('listInstances')
    expect(byKey['POST /api/v1/lxc/instances']).toBe('createInstances')
    expect(byKey['GET /api/v1/lxc/instances/{instance_id}']).toBe('describeInstance')
    expect(byKey['POST /api/v1/lxc/instances/{instance_id}/exec']).toBe('execCommand')
    expect(byKey['GET /api/v1/health']).toBe('getHealth')
  })

  test('a third-party plugin’s routes get a derived verb-first name', () => {
    const byKey = Object.fromEntries(operations(doc).map((o) => [o.key, o.op.operationId]))
    expect(byKey['GET /api/v1/probe/echo']).toBe('getProbeEcho')
    expect(byKey['POST /api/v1/probe/run']).toBe('postProbeRun')
  })
})

describe('components', () => {
  test('the main shapes are named components, used by $ref; every $ref resolves; no title is left inline', () => {
    const schemas = doc.components.schemas
    for (const name of ['Instance', 'InstanceSummary', 'Error', 'Snapshot', 'Host', 'HostStatus', 'Template', 'Storage']) expect(schemas[name], name).toBeDefined()
    const refs = refsIn(doc)
    for (const ref of new Set(refs)) expect(pointer(doc, ref), ref).toBeDefined()
    for (const name of Object.keys(schemas)) expect(refs, name).toContain(`#/components/schemas/${name}`)
    expect(doc.paths['/api/v1/lxc/instances/{instance_id}'].get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Instance' })
    expect(doc.paths['/api/v1/px/status'].get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/HostStatus' })
    const titled: string[] = []
    allSchemas({ ...doc, components: {} }, (x, where) => typeof x.title === 'string' && titled.push(where))
    expect(titled).toEqual([])
  })

  test('no two titles collide, and every closed set and stream finds its target', () => {
    const built = buildDocument(s.app, documentOptions('0.0.0', []))
    expect(built.collisions).toEqual([])
    expect(built.unmatched).toEqual([])
    for (const name of Object.values(SCHEMA_NAMES)) expect(doc.components.schemas[name], name).toBeDefined()
  })

  test('same title, different shapes: distinct names, reported', () => {
    const a = t.Object({ x: t.String() }, { title: 'Thing' })
    const b = t.Object({ y: t.Number() }, { title: 'Thing' })
    const app = new Elysia().get('/a', () => ({ x: '' }), { response: a }).get('/b', () => ({ y: 1 }), { response: b })
    const built = buildDocument(app, documentOptions('0.0.0', []))
    expect(built.collisions).toEqual(['Thing'])
    expect(Object.keys(built.document.components.schemas).filter((n) => n.startsWith('Thing'))).toEqual(['Thing', 'Thing2'])
    expect(built.document.paths['/b'].get.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/Thing2')
  })

  test('Error: {error, details, return_code, code}, code one of ERROR_CODES; every operation documents 400', () => {
    const error = doc.components.schemas.Error
    expect(Object.keys(error.properties).sort()).toEqual(['code', 'details', 'error', 'return_code'])
    expect([...error.required].sort()).toEqual(['code', 'details', 'error', 'return_code'])
    expect(error.additionalProperties).toBe(false)
    expect(error.properties.code).toMatchObject({ type: 'string', enum: ERROR_CODES })
    expect(error.properties.return_code.type).toBe('integer')
    for (const { key, op } of operations(doc)) {
      expect(op.responses['400']?.content['application/json'].schema, key).toEqual({ $ref: '#/components/schemas/Error' })
    }
  })

  test('error-shaped failures (inside bulk answers, say) carry codes from the same catalogue', () => {
    const shapes: string[] = []
    allSchemas(doc, (x, where) => {
      if (x.type !== 'object' || !x.properties?.error || !x.properties?.details || !x.properties?.code) return
      shapes.push(where)
      if (!x.properties.code.$ref) expect(x.properties.code.enum, where).toEqual(ERROR_CODES)
    })
    expect(shapes.length).toBeGreaterThan(3)
  })

  test('closed sets are enums', () => {
    const schemas = doc.components.schemas
    for (const [target, values] of Object.entries(CLOSED_SETS)) {
      const [name, ...props] = target.split('.')
      const node = props.reduce((n, p) => n.properties[p], schemas[name!])
      expect(node.enum, target).toEqual(expect.arrayContaining([...values]))
    }
    expect(schemas.Instance.properties.status.enum).toEqual(['running', 'stopped'])
    const query = (path: string, name: string) => doc.paths[path].get.parameters.find((p: any) => p.name === name).schema
    expect(query('/api/v1/px/templates', 'section').enum).toEqual(['system', 'mail', 'turnkeylinux'])
    expect(query('/api/v1/lxc/instances/{instance_id}/sec/scan', 'scan_type').enum).toEqual(['quick', 'full'])
  })
})

describe('types', () => {
  test('integers are integers: no string-or-number transforms anywhere', () => {
    const textual: string[] = []
    allSchemas(doc, (x, where) => {
      if (x.type === 'string' && (x.format === 'integer' || x.format === 'numeric')) textual.push(where)
    })
    expect(textual).toEqual([])
    const body = doc.paths['/api/v1/lxc/instances'].post.requestBody.content['application/json'].schema
    expect(body.properties.count).toMatchObject({ type: 'integer', minimum: 1, maximum: 50 })
    expect(body.properties.netmask.anyOf.map((m: any) => m.type)).toEqual(['string', 'integer'])
    expect(doc.paths['/api/v1/px/hosts'].get.parameters.find((p: any) => p.name === 'timeout_ms').schema.type).toBe('integer')
    expect(doc.components.schemas.InstanceSummary ?? doc.components.schemas.LxcListResponse).toBeDefined()
    expect(doc.components.schemas.LxcListResponse.properties.count.type).toBe('integer')
  })

  test('every object with declared properties is closed (additionalProperties: false); records say what they hold', () => {
    const open: string[] = []
    allSchemas(doc, (x, where) => {
      if (x.type === 'object' && x.properties && x.additionalProperties !== false) open.push(where)
      if (x.type === 'object' && !x.properties && x.additionalProperties === undefined) open.push(where)
    })
    expect(open).toEqual([])
    const features = doc.components.schemas.Instance.properties.config.properties.features
    expect(features).toMatchObject({ type: 'object', additionalProperties: { type: 'string' } })
  })

  test('request bodies are JSON; optional bodies are not required', () => {
    for (const { key, op } of operations(doc)) if (op.requestBody) expect(Object.keys(op.requestBody.content), key).toEqual(['application/json'])
    expect(doc.paths['/api/v1/conf/validate'].post.requestBody.required).toBe(false)
    expect(doc.paths['/api/v1/lxc/instances'].post.requestBody.required).toBe(true)
  })
})

describe('streams', () => {
  const eventsInCode = (file: string) => {
    const src = readFileSync(join(ROOT, file), 'utf8')
    const named = [...src.matchAll(/sseEvent\([^;]*?,\s*'([a-z_]+)'\)/g)].map((m) => m[1]!)
    const unnamed = [...src.matchAll(/sseEvent\(([^(),]|\([^()]*\))*\)/g)].filter((m) => !/,\s*'[a-z_]+'\)$/.test(m[0])).length
    return [...new Set([...named, ...(unnamed ? ['message'] : [])])].sort()
  }
  const sse = (path: string, method: string) => doc.paths[path][method].responses['200'].content['text/event-stream']

  test('app setup streams step, log, result, error (as plugins/app/routes/setup.ts sends them)', () => {
    const media = sse('/api/v1/lxc/instances/{instance_id}/app/setup', 'post')
    expect(media.schema.type).toBe('string')
    expect(Object.keys(media['x-sse-events']).sort()).toEqual(eventsInCode('plugins/app/routes/setup.ts'))
    expect(media['x-sse-events'].result.data.contentSchema).toEqual({ $ref: '#/components/schemas/AppSetupResult' })
  })

  test('app logs with follow=true streams lines and end (plugins/app/stream.ts), or plain text', () => {
    const path = '/api/v1/lxc/instances/{instance_id}/app/logs/{container_name}'
    const media = sse(path, 'get')
    expect(Object.keys(media['x-sse-events']).sort()).toEqual(eventsInCode('plugins/app/stream.ts'))
    expect(doc.paths[path].get.responses['200'].content['text/plain'].schema.type).toBe('string')
  })

  test('every streaming route of the code is declared (grep for event-stream answers)', () => {
    const streamingIds = Object.keys(STREAMS).sort()
    const declared = operations(doc).filter((o) => o.op.responses['200']?.content['text/event-stream']).map((o) => o.op.operationId).sort()
    expect(declared).toEqual(streamingIds)
    const files = ['plugins/app/routes/setup.ts', 'plugins/app/routes/logs.ts']
    for (const f of files) expect(readFileSync(join(ROOT, f), 'utf8')).toMatch(/SSE_HEADERS/)
    const grep = Bun.spawnSync(['grep', '-rlE', 'SSE_HEADERS|text/event-stream', join(ROOT, 'plugins'), join(ROOT, 'src/routes')]).stdout.toString()
    const users = grep.split('\n').filter((l) => l && !l.endsWith('/stream.ts')).map((l) => l.slice(ROOT.length + 1)).sort()
    expect(users).toEqual(files.sort())
  })
})

describe('unknown fields → 400 UNKNOWN_FIELD naming them, on every route', () => {
  test('a misspelt body field is refused, not dropped', async () => {
    const res = await s.json('/api/v1/lxc/instances', { image_id: 'local:vztmpl/ubuntu-22.04.tar.gz', hostnme: 'web' })
    expect(res.status).toBe(400)
    expect(await errorBody(res)).toEqual({ error: 'Bad Request', details: 'body.hostnme: unknown field', return_code: 1, code: 'UNKNOWN_FIELD' })
  })

  test('nested and several: each named', async () => {
    const res = await s.json('/api/v1/probe/run', { argv: ['true'], a: 1, b: { c: 2 } })
    expect(res.status).toBe(400)
    const body = await errorBody(res)
    expect(body.code).toBe('UNKNOWN_FIELD')
    expect(body.details).toBe('body.a: unknown field; body.b: unknown field')
  })

  test('an unknown field next to an invalid one: one answer names both', async () => {
    const res = await s.json('/api/v1/lxc/instances', { image_id: 'local:vztmpl/ubuntu-22.04.tar.gz', count: '5', hostnme: 'web' })
    expect(res.status).toBe(400)
    const body = await errorBody(res)
    expect(body.code).toBe('VALIDATION_FAILED')
    expect(body.details).toContain('body.count: Expected integer')
    expect(body.details).toContain('body.hostnme: unknown field')
  })

  test('query: unknown parameters are refused, also where a route takes none', async () => {
    for (const path of ['/api/v1/health?verbose=1', '/api/v1/conf?x=1', '/api/v1/lxc/instances?regoin=eu-south-1']) {
      const res = await s.request(path, { key: path.includes('health') ? null : undefined })
      expect(res.status, path).toBe(400)
      const body = await errorBody(res)
      expect(body.code).toBe('UNKNOWN_FIELD')
      expect(body.details).toMatch(/^query\.(verbose|x|regoin): unknown field$/)
    }
  })

  test('a route that takes no body refuses one with fields', async () => {
    const res = await s.json('/api/v1/lxc/instances/100/snapshots/before', { region: 'eu-south-1' }, { method: 'DELETE' })
    expect(res.status).toBe(400)
    expect(await errorBody(res)).toMatchObject({ code: 'UNKNOWN_FIELD', details: 'body.region: unknown field' })
  })

  test('records and optional bodies keep accepting what they declare', async () => {
    const ok = await s.json('/api/v1/conf/validate', { config: { api_key: 'x', anything: { nested: true } } })
    expect(ok.status).toBe(200)
    const unknown = await s.json('/api/v1/conf/validate', { config: 'api_key: x', cofig: 1 })
    expect(unknown.status).toBe(400)
    expect((await errorBody(unknown)).details).toBe('body.cofig: unknown field')
  })

  test('without the key: 401 before any field is looked at', async () => {
    const res = await s.json('/api/v1/lxc/instances', { hostnme: 'x' }, { key: null })
    expect(res.status).toBe(401)
  })
})

describe('what counts as unknown (the walk behind the 400)', () => {
  test('nested objects, array items, the union member that matches, records, open objects', () => {
    const schema = t.Object({
      a: t.Array(t.Object({ b: t.String() })),
      u: t.Union([t.String(), t.Object({ k: t.Number() })]),
      r: t.Record(t.String(), t.Object({ z: t.Boolean() })),
      open: t.Object({}, { additionalProperties: true }),
      any: t.Unknown(),
    })
    const out: string[] = []
    const value = { a: [{ b: 'x' }, { b: 'y', c: 1 }], u: { k: 1, j: 2 }, r: { any: { z: true, y: 1 } }, open: { w: 1 }, any: { v: 1 }, q: 1 }
    unknownFields([schema], value, 'body', [], out)
    expect(out).toEqual(['body.a.1.c', 'body.u.j', 'body.r.any.y', 'body.q'])
  })

  test('a value no union member accepts is left to validation', () => {
    const out: string[] = []
    unknownFields([t.Object({ u: t.Union([t.Object({ k: t.Number() }), t.Object({ m: t.String() })]) })], { u: { k: 'x', extra: 1 } }, 'body', [], out)
    expect(out).toEqual([])
  })
})

describe('integers', () => {
  test('a JSON body sends integers, not numeric strings', async () => {
    const res = await s.json('/api/v1/lxc/instances', { image_id: 'local:vztmpl/ubuntu-22.04.tar.gz', count: '5' })
    expect(res.status).toBe(400)
    expect(await errorBody(res)).toMatchObject({ code: 'VALIDATION_FAILED', details: 'body.count: Expected integer' })
    // A third-party plugin gets the same `t` from its context.
    const probe = await s.json('/api/v1/probe/run', { argv: ['true'], timeout_ms: '1000' })
    expect(probe.status).toBe(400)
    expect((await errorBody(probe)).details).toBe('body.timeout_ms: Expected integer')
  })

  test('query integers are text on the wire and converted (canonical decimal only)', async () => {
    const bad = await s.request('/api/v1/px/hosts?timeout_ms=0x1f4')
    expect(bad.status).toBe(400)
    expect((await errorBody(bad)).details).toBe('query.timeout_ms: Expected integer')
    const low = await s.request('/api/v1/px/hosts?timeout_ms=5')
    expect(low.status).toBe(400)
    expect((await errorBody(low)).details).toContain('query.timeout_ms')
    const ok = await s.request('/api/v1/px/hosts?timeout_ms=500')
    expect(ok.status).toBe(200)
    expect(((await ok.json()) as { timeout_ms: number }).timeout_ms).toBe(500)
  })
})

test('the document says where each answer shape is: inlineRefs resolves it for field checks', () => {
  const status = JSON.stringify(inlineRefs(doc, doc.paths['/api/v1/px/status'].get.responses['200']))
  for (const field of ['usage_percent', 'total_bytes', 'uptime_seconds']) expect(status).toContain(`"${field}"`)
})
