/**
 * The HTTP edge of the compiled binary, attacked as the fault-and-fuzz run
 * did: the bypass matrix, malformed Hosts, huge headers, slow bodies, and a
 * long answer that must not be cut. One AZ is local (no Proxmox tools here)
 * and one points at a closed port, so a request that got past the guard
 * would answer 5xx — which the matrix counts as a violation.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import net from 'node:net'
import { join } from 'node:path'
import { BIN, buildBinaryOnce, ROOT } from '../support/binary.ts'
import { protectedRoutes, runBypassMatrix } from '../support/edge-matrix.ts'
import { rawRequest, requestHead } from '../support/raw-http.ts'
import { type RunningServer, startServer } from '../support/serve.ts'

const KEY = 'binary-edge-key-1234'
let server: RunningServer
let port: number

beforeAll(async () => {
  await buildBinaryOnce()
  const work = mkdtempSync(join(tmpdir(), 'lws-bin-edge-'))
  cpSync(join(ROOT, 'tests/fixtures/plugins.d/probe'), join(work, 'plugins.d/probe'), { recursive: true })
  writeFileSync(
    join(work, 'lws.config.yaml'),
    `api_key: ${KEY}
api: { host: 127.0.0.1, port: 0, body_timeout: 1 }
regions:
  local:
    availability_zones:
      pve: { host: localhost, local: true }
      closed: { host: 127.0.0.1, ssh_port: 1, ssh_password: nope-nope }
`,
  )
  server = await startServer([BIN, 'serve', '--config', join(work, 'lws.config.yaml')], { cwd: work })
  port = Number(new URL(server.url).port)
}, 120_000)
afterAll(async () => {
  await server?.stop()
})

const send = (method: string, path: string, headers: Record<string, string | null> = {}, body = '') =>
  rawRequest(port, requestHead(method, path, { host: 'localhost', ...headers }), body, 30_000)

describe('dist/lws at the edge', () => {
  test('bypass matrix: odd Host × path variants × every protected route → refused, JSON, never handled', async () => {
    const doc = (await (await fetch(`${server.url}/api/v1/docs/json`)).json()) as any
    const routes = protectedRoutes(doc)
    expect(routes.length).toBeGreaterThan(20)
    const result = await runBypassMatrix(port, routes)
    expect(result.violations).toEqual([])
    expect(result.statuses[401]).toBeGreaterThan(1000)
    expect(server.stdout()).not.toContain('"msg":"host command"')
  }, 180_000)

  test('start-up warns that the local AZ has no Proxmox tools', () => {
    expect(server.stdout()).toContain('this machine is not a Proxmox VE host: configure remote availability zones')
  })

  test('malformed Host → 400 JSON, never the development error page', async () => {
    for (const host of ['a#', 'x?', 'a/b', 'x@y', '[::1', 'h:99999', '']) {
      const res = await send('GET', '/api/v1/conf', { host })
      expect(res.status, host).toBe(400)
      expect(res.body).not.toContain('<')
      expect(res.body.length).toBeLessThan(300)
    }
  })

  test('oversized URL and headers → 414 and 431 in JSON (Bun itself only above 64 KiB)', async () => {
    const url = await send('GET', '/api/v1/health?q=' + 'a'.repeat(12_000))
    expect(url.status).toBe(414)
    expect(JSON.parse(url.body).code).toBe('URI_TOO_LONG')
    const big = await send('GET', '/api/v1/health', { 'x-padding': 'b'.repeat(40_000) })
    expect(big.status).toBe(431)
    expect(JSON.parse(big.body).code).toBe('HEADERS_TOO_LARGE')
  })

  test('a body that never arrives → 408 JSON; a silent 13 s answer is still delivered', async () => {
    const slow = await send('POST', '/api/v1/probe/run', { 'x-api-key': KEY, 'content-type': 'application/json', 'content-length': '50' }, '{')
    expect(slow.status).toBe(408)
    expect(JSON.parse(slow.body).code).toBe('REQUEST_TIMEOUT')
    // body_timeout 1 s puts Bun's idle timeout at 11 s; the edge lifts it once the body is in.
    const body = JSON.stringify({ argv: ['sh', '-c', 'sleep 13; echo done'], az: 'pve', timeout_ms: 30_000 })
    const longCall = send('POST', '/api/v1/probe/run', { 'x-api-key': KEY, 'content-type': 'application/json', 'content-length': String(body.length) }, body)
    // Meanwhile: a keep-alive connection left idle after its answer is closed again by that idle timeout.
    const idle = new Promise<number>((resolve) => {
      const t0 = performance.now()
      const s = net.connect(port, '127.0.0.1', () => s.write('GET /api/v1/health HTTP/1.1\r\nhost: localhost\r\n\r\n'))
      s.on('data', () => {})
      s.on('close', () => resolve(performance.now() - t0))
      setTimeout(() => (s.destroy(), resolve(Infinity)), 25_000)
    })
    const [long, idleMs] = await Promise.all([longCall, idle])
    expect(long.status).toBe(200)
    expect(JSON.parse(long.body).output).toBe('done\n')
    // Bun checks idle timers every few seconds: 11 s closes somewhere between about 8 and 15 s.
    expect(idleMs).toBeGreaterThan(5_000)
    expect(idleMs).toBeLessThan(20_000)
  }, 40_000)
})
