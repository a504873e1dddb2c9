/**
 * Hostile strings in every parameter of every px route: each is refused (400)
 * or names nothing that exists (404), and none reaches a host: no command
 * carries it, no file appears, no power call is recorded.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { pxFixture, type PxFixture } from './setup.ts'

const PWNED = '/tmp/lws-px-pwned'
const HOSTILE = [
  `$(touch ${PWNED})`,
  `\`touch ${PWNED}\``,
  `a;touch ${PWNED}`,
  'a && reboot',
  'a | reboot',
  "a' 'b",
  'a"b',
  '../../etc/passwd',
  '/etc/passwd',
  '-rf',
  '--help',
  'a\nreboot',
  'a\0b',
  'a b',
  '%2e%2e%2f',
  'é',
  '<script>alert(1)</script>',
  'x'.repeat(300),
  'local:vztmpl/../../x.tar.gz',
]
// Well-formed but naming nothing: may reach a host as an argument (storage id), answered 404.
const UNKNOWN = 'reboot'

interface Probe {
  what: string
  send: (v: string) => Promise<Response>
}

let f: PxFixture
let recordedBefore: [number, number]

beforeAll(async () => {
  f = await pxFixture()
  recordedBefore = [(await f.h1.recorded()).length, (await f.h2.recorded()).length]
})
afterAll(async () => {
  await f.close()
})

const get = (path: string, params: Record<string, string>) => f.s.request(`/api/v1${path}?${new URLSearchParams(params)}`)
const post = (path: string, body: unknown) => f.s.json(`/api/v1${path}`, body)

const probes: Probe[] = [
  { what: 'hosts region', send: (v) => get('/px/hosts', { region: v }) },
  { what: 'hosts timeout_ms', send: (v) => get('/px/hosts', { timeout_ms: v }) },
  { what: 'status region', send: (v) => get('/px/status', { region: v, az: 'az1' }) },
  { what: 'status az', send: (v) => get('/px/status', { region: 'eu-south-1', az: v }) },
  { what: 'storage az', send: (v) => get('/px/storage', { az: v }) },
  { what: 'storage content', send: (v) => get('/px/storage', { az: 'az1', content: v }) },
  { what: 'templates region', send: (v) => get('/px/templates', { region: v }) },
  { what: 'templates az', send: (v) => get('/px/templates', { az: v }) },
  { what: 'templates storage', send: (v) => get('/px/templates', { az: 'az1', storage: v }) },
  { what: 'templates available', send: (v) => get('/px/templates', { az: 'az1', available: v }) },
  { what: 'templates section', send: (v) => get('/px/templates', { az: 'az1', available: 'true', section: v }) },
  { what: 'download region', send: (v) => post('/px/templates/download', { region: v, storage: 'local', template: 'alpine-3.20-default_20240908_amd64.tar.xz' }) },
  { what: 'download az', send: (v) => post('/px/templates/download', { az: v, storage: 'local', template: 'alpine-3.20-default_20240908_amd64.tar.xz' }) },
  { what: 'download storage', send: (v) => post('/px/templates/download', { az: 'az1', storage: v, template: 'alpine-3.20-default_20240908_amd64.tar.xz' }) },
  { what: 'download template', send: (v) => post('/px/templates/download', { az: 'az1', storage: 'local', template: v }) },
  { what: 'reboot region', send: (v) => post('/px/reboot', { region: v, confirm: true }) },
  { what: 'reboot az', send: (v) => post('/px/reboot', { region: 'eu-south-1', az: v, confirm: true }) },
  { what: 'reboot confirm', send: (v) => post('/px/reboot', { region: 'eu-south-1', az: 'az1', confirm: v }) },
]

test('every parameter refuses hostile strings, and nothing reaches a host', async () => {
  for (const p of probes) {
    for (const v of [...HOSTILE, UNKNOWN]) {
      const res = await p.send(v)
      const label = `${p.what} = ${JSON.stringify(v).slice(0, 60)}`
      expect([400, 404], label).toContain(res.status)
      const body = (await res.json()) as { error: string; details: string; return_code: number }
      expect(Object.keys(body).sort(), label).toEqual(['code', 'details', 'error', 'return_code'])
    }
  }
  const commands = f.s.log.lines.filter((l) => l.msg === 'host command' || l.msg === 'host command failed')
  for (const c of commands) {
    const argv = JSON.stringify(c.argv)
    expect(argv).not.toContain('pwned')
    for (const v of HOSTILE.filter((x) => x.length > 3)) expect(argv).not.toContain(JSON.stringify(v).slice(1, -1))
  }
  expect(existsSync(PWNED)).toBe(false)
  for (const h of [f.h1, f.h2]) expect((await h.exec(['test', '-e', PWNED])).exitCode).not.toBe(0)
  expect([(await f.h1.recorded()).length, (await f.h2.recorded()).length]).toEqual(recordedBefore)
  expect(f.s.log.lines.filter((l) => String(l.msg).startsWith('audit:'))).toEqual([])
})
