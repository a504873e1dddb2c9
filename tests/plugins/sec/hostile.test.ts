/**
 * Hostile strings in every parameter of both sec routes: each is refused
 * (400) or names nothing that exists (404); none reaches a host or a
 * container: no file appears, no power call is recorded. The OpenAPI
 * document types both routes.
 */
import { inlineRefs } from '../../http/openapi-support.ts'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { createCt, secEnv, type SecEnv } from './support.ts'

const PWNED = '/tmp/lws-sec-pwned'
const HOSTILE = [
  `$(touch ${PWNED})`,
  `\`touch ${PWNED}\``,
  `a;touch ${PWNED}`,
  `18201;touch ${PWNED}`,
  '18201 && reboot',
  'a | reboot',
  "a' 'b",
  'a"b',
  '../../etc/passwd',
  '/etc/passwd',
  '-rf',
  '--help',
  'a\nreboot',
  'a\0b',
  ' 18201',
  '18201\n',
  '0x4651',
  '1e5',
  '-1',
  '%2e%2e%2f',
  'é',
  '<script>alert(1)</script>',
  'x'.repeat(300),
  '10.99.0.0/8',
]

let env: SecEnv
let recorded: [number, number]
const CT = '18201'

beforeAll(async () => {
  env = await secEnv({ discovery: { discovery_methods: ['ping'], proxmox_timeout: 1, max_parallel_workers: 16 } })
  // A real container, so that a hostile value that slipped through could do something.
  await createCt(env, 'az1', { vmid: CT, hostname: 'sec-hostile', ip: 6 })
  recorded = [(await env.h1.recorded()).length, (await env.h2.recorded()).length]
})
afterAll(() => env.close())

interface Probe {
  what: string
  send: (v: string) => Promise<{ status: number; body: any }>
}

const probes: Probe[] = [
  { what: 'discovery lxc_id', send: (v) => env.get('/sec/discovery', { lxc_id: v }) },
  { what: 'discovery region', send: (v) => env.get('/sec/discovery', { region: v, lxc_id: CT }) },
  { what: 'discovery az', send: (v) => env.get('/sec/discovery', { az: v, lxc_id: CT }) },
  { what: 'discovery timeout', send: (v) => env.get('/sec/discovery', { timeout: v, lxc_id: CT }) },
  { what: 'scan instance_id', send: (v) => env.get(`/lxc/instances/${encodeURIComponent(v)}/sec/scan`) },
  { what: 'scan scan_type', send: (v) => env.get(`/lxc/instances/${CT}/sec/scan`, { scan_type: v }) },
  { what: 'scan region', send: (v) => env.get(`/lxc/instances/${CT}/sec/scan`, { region: v }) },
  { what: 'scan az', send: (v) => env.get(`/lxc/instances/${CT}/sec/scan`, { az: v }) },
  { what: 'scan timeout', send: (v) => env.get(`/lxc/instances/${CT}/sec/scan`, { timeout: v }) },
]

describe('sec hostile input', () => {
  for (const p of probes) {
    test(`${p.what}: every hostile value → 400 or 404, in the error shape`, async () => {
      for (const v of HOSTILE) {
        const r = await p.send(v)
        expect(`${JSON.stringify(v).slice(0, 40)} → ${[400, 404].includes(r.status) ? 'refused' : r.status}`).toBe(`${JSON.stringify(v).slice(0, 40)} → refused`)
        if (typeof r.body === 'object') expect(Object.keys(r.body).sort()).toEqual(['code', 'details', 'error', 'return_code'])
      }
    })
  }

  test('nothing ran: no file on the machine, the hosts or in the container; no power call', async () => {
    expect(existsSync(PWNED)).toBe(false)
    for (const h of [env.h1, env.h2]) expect((await h.exec(['test', '-e', PWNED])).exitCode).not.toBe(0)
    expect((await env.h1.exec(['pct', 'exec', CT, '--', 'test', '-e', PWNED])).exitCode).not.toBe(0)
    expect([(await env.h1.recorded()).length, (await env.h2.recorded()).length]).toEqual(recorded)
  })

  test('both routes are in the OpenAPI document with their parameters and statuses', async () => {
    const doc = (await (await env.app.request('/api/v1/docs/json', { key: null })).json()) as {
      paths: Record<string, Record<string, { tags: string[]; summary: string; parameters?: { name: string; in: string }[]; responses: Record<string, unknown> }>>
    }
    const d = doc.paths['/api/v1/sec/discovery']?.get
    expect(d).toBeDefined()
    expect(d!.tags).toEqual(['sec'])
    expect((d!.parameters ?? []).map((x) => x.name).sort()).toEqual(['az', 'lxc_id', 'region', 'timeout'])
    for (const code of ['200', '400', '401', '404', '409', '500', '502', '504']) expect(Object.keys(d!.responses)).toContain(code)
    expect(JSON.stringify(inlineRefs(doc, d!.responses['200']))).toContain('rtt_ms')
    const s = doc.paths['/api/v1/lxc/instances/{instance_id}/sec/scan']?.get
    expect(s).toBeDefined()
    expect(s!.tags).toEqual(['sec'])
    expect((s!.parameters ?? []).map((x) => x.name).sort()).toEqual(['az', 'instance_id', 'region', 'scan_type', 'timeout'])
    for (const code of ['200', '400', '401', '404', '500', '502', '504']) expect(Object.keys(s!.responses)).toContain(code)
    const scan200 = JSON.stringify(inlineRefs(doc, s!.responses['200']))
    for (const field of ['severity', 'remediation', 'evidence', 'summary', 'timed_out', 'critical']) expect(scan200).toContain(`"${field}"`)
    expect(JSON.stringify(s!.parameters)).toContain('"full"')
  })

  test('no API key → 401', async () => {
    for (const path of ['/api/v1/sec/discovery', `/api/v1/lxc/instances/${CT}/sec/scan`]) {
      expect((await env.app.request(path, { key: null })).status).toBe(401)
    }
  })
})
