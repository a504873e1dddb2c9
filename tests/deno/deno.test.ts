/**
 * The same app under Deno (Deno.serve + the app's fetch handler): health,
 * auth, docs and one SSH-backed request against a Proxmox test host.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestHost } from '../pvehost/host.ts'
import { sharedHosts } from '../support/hosts.ts'
import { rawRequest, requestHead } from '../support/raw-http.ts'
import { type RunningServer, startServer } from '../support/serve.ts'

const ROOT = join(import.meta.dir, '../..')
const KEY = 'deno-test-key-1234'
let server: RunningServer
let host: TestHost

beforeAll(async () => {
  ;[host] = await sharedHosts()
  const dir = mkdtempSync(join(tmpdir(), 'lws-deno-'))
  const cfg = join(dir, 'lws.config.yaml')
  writeFileSync(
    cfg,
    `api_key: ${KEY}
api: { host: 127.0.0.1, port: 0, body_timeout: 2 }
plugins_dir: ${join(ROOT, 'tests/fixtures/plugins.d')}
regions:
  eu-south-1:
    availability_zones:
      az1: { host: ${host.ip}, ssh_port: ${host.port}, user: root, ssh_key_file: ${host.keyFile}, ssh_host_fingerprint: "${host.fingerprint}" }
`,
  )
  server = await startServer([join(ROOT, 'node_modules/.bin/deno'), 'run', '--allow-all', join(ROOT, 'src/deno.ts'), '--config', cfg], {
    cwd: ROOT,
    timeoutMs: 60_000,
  })
}, 90_000)
afterAll(async () => {
  await server?.stop()
})

test('runs under Deno: health, auth, docs', async () => {
  expect(server.stdout()).toContain('"runtime":"deno"')
  expect(await (await fetch(`${server.url}/api/v1/health`)).json()).toEqual({ status: 'ok' })
  expect((await fetch(`${server.url}/api/v1/conf`)).status).toBe(401)
  expect((await fetch(`${server.url}/api/v1/conf`, { headers: { 'x-api-key': KEY } })).status).toBe(200)
  const doc = (await (await fetch(`${server.url}/api/v1/docs/json`)).json()) as { paths: Record<string, unknown> }
  expect(Object.keys(doc.paths)).toContain('/api/v1/probe/run')
  expect((await fetch(`${server.url}/api/v1/docs/assets/swagger-ui.css`)).status).toBe(200)
})

test('runs under Deno: an SSH-backed request reaches the test host', async () => {
  const res = await fetch(`${server.url}/api/v1/probe/run`, {
    method: 'POST',
    headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ argv: ['hostname'] }),
  })
  expect(res.status).toBe(200)
  expect(await res.json()).toEqual({ output: `${host.name}\n`, az: 'eu-south-1/az1' })
  const failed = await fetch(`${server.url}/api/v1/probe/run`, {
    method: 'POST',
    headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ argv: ['sh', '-c', 'echo nope >&2; exit 4'] }),
  })
  expect(failed.status).toBe(500)
  expect(await failed.json()).toEqual({ error: 'Command failed', details: 'nope', return_code: 4, code: 'HOST_COMMAND_FAILED' })
})

test('runs under Deno: GET /api/v1/metrics (prom-client), key required, requests and host commands counted', async () => {
  expect((await fetch(`${server.url}/api/v1/metrics`)).status).toBe(401)
  const run = await fetch(`${server.url}/api/v1/probe/run`, {
    method: 'POST',
    headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ argv: ['hostname'] }),
  })
  expect(run.status).toBe(200)
  const res = await fetch(`${server.url}/api/v1/metrics`, { headers: { 'x-api-key': KEY } })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toStartWith('text/plain; version=0.0.4')
  const text = await res.text()
  expect(text).toMatch(/^lws_http_requests_total\{route="\/api\/v1\/probe\/run",method="POST",status="200"\} [1-9]/m)
  expect(text).toMatch(/^lws_host_commands_total\{az="eu-south-1\/az1",tool="hostname",exit_code="0"\} [1-9]/m)
  expect(text).toMatch(/^lws_host_command_duration_seconds_count\{az="eu-south-1\/az1",tool="hostname"\} [1-9]/m)
})

test('runs under Deno: the same edge (bypass, malformed Host, slow body, headers)', async () => {
  const port = Number(new URL(server.url).port)
  const bypass = await rawRequest(port, requestHead('GET', '/ab/api/v1/conf', { host: 'x' }))
  expect(bypass.status).toBe(401)
  const bad = await rawRequest(port, requestHead('GET', '/api/v1/conf', { host: 'a#' }))
  expect(bad.status).toBe(400)
  expect(JSON.parse(bad.body).code).toMatch(/^MALFORMED_/)
  const slow = await rawRequest(
    port,
    requestHead('POST', '/api/v1/probe/run', { host: 'localhost', 'x-api-key': KEY, 'content-type': 'application/json', 'content-length': '40' }),
    '{',
  )
  expect(slow.status).toBe(408)
  const ok = await rawRequest(port, requestHead('GET', '/api/v1/conf', { host: 'localhost', 'x-api-key': KEY }))
  expect(ok.headers['x-content-type-options']).toBe('nosniff')
  expect(ok.headers['cache-control']).toBe('no-store')
}, 20_000)
