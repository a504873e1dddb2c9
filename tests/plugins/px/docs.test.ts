/**
 * The px routes in the OpenAPI document: typed parameters, bodies and a
 * response schema for 200 and for each error status they can answer.
 */
import { inlineRefs } from '../../http/openapi-support.ts'
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startApp } from '../../http/harness.ts'

let s: Awaited<ReturnType<typeof startApp>>
beforeAll(async () => {
  s = await startApp()
})
afterAll(async () => {
  await s.zones.closeAll()
})

type Op = { tags: string[]; summary: string; parameters?: { name: string }[]; requestBody?: unknown; responses: Record<string, unknown> }

test('every px route is documented with its inputs and statuses', async () => {
  const doc = (await (await s.request('/api/v1/docs/json', { key: null })).json()) as { paths: Record<string, Record<string, Op>> }
  const expected: [string, string, string[], string[]][] = [
    ['/api/v1/px/hosts', 'get', ['region', 'timeout_ms'], ['200', '400', '401', '404']],
    ['/api/v1/px/status', 'get', ['region', 'az'], ['200', '400', '401', '404', '500', '502', '504']],
    ['/api/v1/px/storage', 'get', ['region', 'az', 'content'], ['200', '400', '404', '502']],
    ['/api/v1/px/templates', 'get', ['region', 'az', 'storage', 'available', 'section'], ['200', '400', '404', '502']],
    ['/api/v1/px/templates/download', 'post', [], ['200', '400', '404', '409', '500', '502']],
    ['/api/v1/px/reboot', 'post', [], ['200', '400', '404', '502']],
  ]
  for (const [path, method, params, statuses] of expected) {
    const op = doc.paths[path]?.[method]
    expect(op, path).toBeDefined()
    expect(op!.tags).toEqual(['px'])
    expect(op!.summary.length).toBeGreaterThan(5)
    expect((op!.parameters ?? []).map((p) => p.name).sort()).toEqual([...params].sort())
    for (const code of statuses) expect(Object.keys(op!.responses), `${path} ${code}`).toContain(code)
    if (method === 'post') expect(op!.requestBody, path).toBeDefined()
  }
  const reboot = JSON.stringify(inlineRefs(doc, doc.paths['/api/v1/px/reboot']!.post!.requestBody))
  expect(reboot).toContain('"confirm"')
  const status = JSON.stringify(inlineRefs(doc, doc.paths['/api/v1/px/status']!.get!.responses['200']))
  for (const field of ['usage_percent', 'total_bytes', 'uptime_seconds', 'pve_version', 'running', 'storage']) expect(status).toContain(`"${field}"`)
})
