/**
 * The single executable: built once, then run from a folder without
 * node_modules, with a third-party plugin from plugins_dir.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { VERSION } from '../../src/version.ts'
import { BIN, buildBinaryOnce, ROOT } from '../support/binary.ts'
import { type RunningServer, startServer } from '../support/serve.ts'

const KEY = 'binary-test-key-123'
let work: string
let server: RunningServer

const config = (extra = '') => `
api_key: ${KEY}
api: { host: 127.0.0.1, port: 0 }
regions:
  local:
    availability_zones:
      pve: { host: localhost, local: true }
${extra}`

beforeAll(async () => {
  await buildBinaryOnce()
  work = mkdtempSync(join(tmpdir(), 'lws-bin-'))
  cpSync(join(ROOT, 'examples/plugins/hello'), join(work, 'plugins.d/hello'), { recursive: true })
  cpSync(join(ROOT, 'tests/fixtures/plugins.d/probe'), join(work, 'plugins.d/probe'), { recursive: true })
  writeFileSync(join(work, 'lws.config.yaml'), config())
  server = await startServer([BIN, 'serve', '--config', join(work, 'lws.config.yaml')], { cwd: work })
}, 120_000)
afterAll(async () => {
  await server?.stop()
})

const get = (path: string, key: string | null = KEY) =>
  fetch(server.url + path, { headers: key ? { 'x-api-key': key } : {} })

describe('dist/lws', () => {
  test('--version and --help', () => {
    const v = Bun.spawnSync([BIN, '--version'])
    expect(v.stdout.toString().trim()).toBe(VERSION)
    const h = Bun.spawnSync([BIN, '--help'])
    expect(h.stdout.toString()).toContain('config validate')
  })

  test('config validate: exit 0 when valid, non-zero with readable problems when not', () => {
    const ok = Bun.spawnSync([BIN, 'config', 'validate', '--config', join(work, 'lws.config.yaml')])
    expect(ok.exitCode).toBe(0)
    const bad = join(work, 'bad.yaml')
    writeFileSync(bad, 'start_vmid: 1\nregions:\n  r:\n    availability_zones:\n      a: { host: h }\n')
    const res = Bun.spawnSync([BIN, 'config', 'validate', '--config', bad])
    expect(res.exitCode).toBe(1)
    const err = res.stderr.toString()
    expect(err).toContain('start_vmid: Expected integer to be greater or equal to 100')
    const viaEnv = Bun.spawnSync([BIN, 'config', 'validate'], { env: { ...process.env, LWS_CONFIG: bad }, cwd: work })
    expect(viaEnv.exitCode).toBe(1)
  })

  test('config validate: a plugin section its plugin refuses makes the config invalid; a missing default size warns', () => {
    const file = join(work, 'plugin-bad.yaml')
    writeFileSync(file, `${config()}\napp:\n  compose_dir: 42\ninstance_sizes:\n  large: { memory: 1024, storage: 'local-lvm:8' }\n`)
    const res = Bun.spawnSync([BIN, 'config', 'validate', '--config', file])
    const err = res.stderr.toString()
    expect(res.exitCode).toBe(1)
    expect(err).toMatch(/app\.compose_dir: .*\(plugin app\)/)
    expect(err).toContain('warning: instance_sizes.small: missing')
  })

  test('GET /conf shows the address the binary actually listens on', async () => {
    const body = (await (await get('/api/v1/conf')).json()) as { listen: string }
    expect(body.listen).toBe(new URL(server.url).host)
  })

  test('serves health, docs and UI from the binary (no node_modules around)', async () => {
    expect(await (await get('/api/v1/health', null)).json()).toEqual({ status: 'ok' })
    const html = await (await get('/api/v1/docs', null)).text()
    expect(html).toContain('/api/v1/docs/assets/swagger-ui-bundle.js')
    const bundle = await get('/api/v1/docs/assets/swagger-ui-bundle.js', null)
    expect(bundle.status).toBe(200)
    expect((await bundle.text()).length).toBeGreaterThan(100_000)
    expect((await get('/', null)).status).toBe(200)
  })

  test('third-party plugin from plugins_dir: served, protected, documented, listed', async () => {
    expect((await get('/api/v1/hello', null)).status).toBe(401)
    const res = await get('/api/v1/hello?name=Ada')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ message: 'Hello, Ada!' })
    expect((await get('/api/v1/hello?name=%24(id)')).status).toBe(400)
    const doc = (await (await get('/api/v1/docs/json', null)).json()) as any
    expect(doc.paths['/api/v1/hello'].get.tags).toEqual(['hello'])
    const list = Bun.spawnSync([BIN, 'plugins', 'list', '--config', join(work, 'lws.config.yaml')])
    expect(list.stdout.toString()).toMatch(/^hello\t1\.0\.0\t.*plugins\.d\/hello\/index\.ts$/m)
  })

  test('LWS_CONFIG works and a generated key is printed once, never logged', async () => {
    writeFileSync(join(work, 'nokey.yaml'), config().replace(`api_key: ${KEY}`, ''))
    const s = await startServer([BIN, 'serve'], { cwd: work, env: { LWS_CONFIG: join(work, 'nokey.yaml') } })
    try {
      const key = s.stderr().match(/^ {2}(\S{32,})$/m)?.[1]
      expect(key).toBeDefined()
      expect((await fetch(s.url + '/api/v1/conf')).status).toBe(401)
      expect((await fetch(s.url + '/api/v1/conf', { headers: { 'x-api-key': key! } })).status).toBe(200)
      expect(s.stdout()).not.toContain(key!)
    } finally {
      await s.stop()
    }
  })

  test('bodies over 1 MiB → 413 JSON, with Content-Length or chunked', async () => {
    const big = JSON.stringify({ x: 'y'.repeat(1024 * 1024 + 100) })
    const headers = { 'x-api-key': KEY, 'content-type': 'application/json' }
    const a = await fetch(server.url + '/api/v1/conf/validate', { method: 'POST', headers, body: big })
    expect(a.status).toBe(413)
    expect((await a.json()).error).toBe('Payload Too Large')
    const chunked = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big))
        c.close()
      },
    })
    const b = await fetch(server.url + '/api/v1/conf/validate', { method: 'POST', headers, body: chunked, duplex: 'half' } as RequestInit)
    expect(b.status).toBe(413)
    expect((await b.json()).error).toBe('Payload Too Large')
    const small = await fetch(server.url + '/api/v1/conf/validate', { method: 'POST', headers, body: '{"config": "regions: {}"}' })
    expect(small.status).toBe(200)
  })

  test('a request that runs 11 s (longer than Bun.serve idle default) still gets its answer', async () => {
    const res = await fetch(server.url + '/api/v1/probe/run', {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ argv: ['sh', '-c', 'sleep 11; echo done'], timeout_ms: 30_000 }),
    })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { output: string }).output).toBe('done\n')
  }, 30_000)

  test('GET /api/v1/metrics (prom-client inside the binary): key required, text format, host commands counted', async () => {
    expect((await get('/api/v1/metrics', null)).status).toBe(401)
    const run = await fetch(server.url + '/api/v1/probe/run', {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ argv: ['true'] }),
    })
    expect(run.status).toBe(200)
    const res = await get('/api/v1/metrics')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toStartWith('text/plain; version=0.0.4')
    const text = await res.text()
    expect(text).toContain('# TYPE lws_http_requests_total counter')
    expect(text).toMatch(/^lws_http_requests_total\{route="\/api\/v1\/probe\/run",method="POST",status="200"\} [1-9]/m)
    expect(text).toMatch(/^lws_host_commands_total\{az="local\/pve",tool="true",exit_code="0"\} [1-9]/m)
  })

  test('keygen prints a fresh random key', () => {
    const a = Bun.spawnSync([BIN, 'keygen']).stdout.toString().trim()
    const b = Bun.spawnSync([BIN, 'keygen']).stdout.toString().trim()
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(a).not.toBe(b)
  })
})
