/**
 * The instance macro through the real app (auth, request contract, error
 * handler): region/az from the body or the query resolved as
 * ZoneRegistry.resolve does, the VMID checked, `{ zone, vmid }` handed to the
 * handler, and the same error codes the routes answered with before.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { swaggerAssets, uiAssets } from '../assets/bun-embedded.ts'
import { parseConfigText, resolveConfig } from '../config/load.ts'
import { memoryLogger } from '../log.ts'
import { buildServer, type ServerParts } from '../server.ts'
import type { LwsPlugin } from './types.ts'

const KEY = 'instance-key-0123456789'
const YAML = `
api_key: ${KEY}
default_region: r1
default_az: a2
regions:
  r1: { availability_zones: { a1: { host: localhost, local: true }, a2: { host: localhost, local: true } } }
  r2: { availability_zones: { a1: { host: localhost, local: true }, b1: { host: localhost, local: true } } }
`

const probe: LwsPlugin = {
  name: 'instance-probe',
  version: '1.0.0',
  hostApi: '^1.0',
  setup(ctx) {
    const { t, schemas } = ctx
    const answer = t.Object({ where: t.String(), vmid: t.String(), region: t.String(), az: t.String() })
    const result = (zone: Parameters<typeof ctx.placementOf>[0] & { label: string }, vmid: string) => ({ where: zone.label, vmid, ...ctx.placementOf(zone) })
    return new ctx.Elysia({ name: 'instance-probe' })
      .use(ctx.instance)
      .post('/probe/instances/:instance_id/body', ({ zone, vmid }) => result(zone, vmid), {
        instance: 'body',
        params: schemas.InstanceIdParams,
        body: t.Object({ note: t.Optional(t.String()), ...schemas.zoneFields }),
        response: { 200: answer, ...schemas.errorResponses(400, 401, 404) },
      })
      .post('/probe/instances/:instance_id/optional', ({ zone, vmid }) => result(zone, vmid), {
        instance: 'body',
        params: schemas.InstanceIdParams,
        body: t.Optional(t.Object({ ...schemas.zoneFields })),
        response: { 200: answer, ...schemas.errorResponses(400, 401, 404) },
      })
      .get('/probe/instances/:instance_id/query', ({ zone, vmid }) => result(zone, vmid), {
        instance: 'query',
        params: schemas.InstanceIdParams,
        query: schemas.ZoneQuery,
        response: { 200: answer, ...schemas.errorResponses(400, 401, 404) },
      })
  },
}

let s: ServerParts
beforeAll(async () => {
  const raw = parseConfigText(YAML, '(inline)') as Record<string, unknown>
  raw.plugins_dir = '/nonexistent'
  s = await buildServer({ config: resolveConfig(raw, '(inline)', { env: {} }), builtins: [probe], assets: { swagger: swaggerAssets, ui: uiAssets }, log: memoryLogger() })
  expect(s.failures).toEqual([])
})
afterAll(() => s.zones.closeAll())

async function call(method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = { 'x-api-key': KEY }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await s.fetch(new Request(`http://localhost/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }))
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

describe('instance macro', () => {
  test('region/az from the body, the query, or the defaults; the VMID as a string', async () => {
    expect(await call('POST', '/probe/instances/100/body', { region: 'r2', az: 'b1' })).toEqual({ status: 200, body: { where: 'r2/b1', vmid: '100', region: 'r2', az: 'b1' } })
    expect((await call('POST', '/probe/instances/101/body', { az: 'b1' })).body.where).toBe('r2/b1')
    expect((await call('POST', '/probe/instances/102/body', {})).body.where).toBe('r1/a2')
    expect((await call('GET', '/probe/instances/103/query?region=r1&az=a1')).body).toEqual({ where: 'r1/a1', vmid: '103', region: 'r1', az: 'a1' })
    expect((await call('GET', '/probe/instances/104/query?region=r2')).body.where).toBe('r2/a1')
    expect((await call('GET', '/probe/instances/105/query')).body.where).toBe('r1/a2')
    expect((await call('POST', '/probe/instances/106/optional')).body.where).toBe('r1/a2')
    expect((await call('POST', '/probe/instances/107/optional', { az: 'b1' })).body.where).toBe('r2/b1')
  })

  test('the error codes of ZoneRegistry.resolve and of the schemas', async () => {
    const expectCode = (r: { status: number; body: Record<string, unknown> }, status: number, code: string) => expect([r.status, r.body.code]).toEqual([status, code])
    expectCode(await call('GET', '/probe/instances/100/query?az=zz'), 404, 'ZONE_NOT_FOUND')
    expectCode(await call('POST', '/probe/instances/100/body', { region: 'mars' }), 404, 'ZONE_NOT_FOUND')
    expectCode(await call('POST', '/probe/instances/100/body', { region: 'r1', az: 'b1' }), 404, 'ZONE_NOT_FOUND')
    expectCode(await call('GET', '/probe/instances/100/query?az=a1'), 400, 'ZONE_AMBIGUOUS')
    expectCode(await call('GET', '/probe/instances/100/query?az=a%3Bb'), 400, 'VALIDATION_FAILED')
    expectCode(await call('POST', '/probe/instances/99/body', {}), 400, 'VALIDATION_FAILED')
    expectCode(await call('GET', '/probe/instances/0100/query'), 400, 'VALIDATION_FAILED')
    // The request contract still comes first: an unknown field is named even when the AZ is unknown too.
    expectCode(await call('POST', '/probe/instances/100/body', { az: 'zz', azz: 'x' }), 400, 'UNKNOWN_FIELD')
    expectCode(await call('GET', '/probe/instances/100/query?az=zz&regoin=r1'), 400, 'UNKNOWN_FIELD')
  })

  test('the macro leaves no trace in the OpenAPI document', async () => {
    const doc = (await (await s.fetch(new Request('http://localhost/api/v1/docs/json'))).json()) as any
    const op = doc.paths['/api/v1/probe/instances/{instance_id}/query'].get
    expect(op.parameters.map((p: any) => `${p.in}:${p.name}`).sort()).toEqual(['path:instance_id', 'query:az', 'query:region'])
    for (const [path, item] of Object.entries(doc.paths as Record<string, unknown>)) {
      if (path.startsWith('/api/v1/probe/')) expect(JSON.stringify(item), path).not.toContain('"instance":')
    }
  })
})
