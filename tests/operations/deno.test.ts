/**
 * Under Deno the store runs on node:sqlite: the same store and operations
 * core (a script), and the Deno entry itself (recovery before it listens,
 * graceful stop on SIGTERM).
 */
import { afterAll, expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startServer } from '../support/serve.ts'
import { configYaml, KEY, tempDir } from './support.ts'

const ROOT = join(import.meta.dir, '../..')
const DENO = join(ROOT, 'node_modules/.bin/deno')
const dir = tempDir('lws-ops-deno-')
afterAll(() => dir.remove())

test('store and operations on node:sqlite: start, wait, reopen, recover', async () => {
  const proc = Bun.spawn([DENO, 'run', '--allow-all', join(ROOT, 'tests/operations/fixtures/deno-store.ts'), join(dir.path, 'script')], {
    cwd: ROOT,
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  expect(err).toBe('')
  expect(code).toBe(0)
  expect(JSON.parse(out.trim())).toEqual({ driver: 'node:sqlite', status: 'succeeded', result: { ok: true }, lines: ['hello from deno'], interrupted: 1, stale: 'INTERRUPTED' })
}, 60_000)

test('src/deno.ts: recovers before it listens, serves /operations, exits 0 on SIGTERM', async () => {
  const cfg = join(dir.path, 'lws.config.yaml')
  writeFileSync(cfg, configYaml(`plugins_dir: ${join(dir.path, 'none')}\napi: { host: 127.0.0.1, port: 0, shutdown_grace: 1 }\n`), { mode: 0o600 })
  const s = await startServer([DENO, 'run', '--allow-all', join(ROOT, 'src/deno.ts'), '--config', cfg], { cwd: ROOT, timeoutMs: 60_000 })
  try {
    expect(s.stdout()).toContain(`"store":"${join(dir.path, '.lws-state', 'lws.db')}"`)
    const res = await fetch(`${s.url}/api/v1/operations`, { headers: { 'x-api-key': KEY } })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ operations: [], next: null })
    s.proc.kill('SIGTERM')
    expect(await s.proc.exited).toBe(0)
    expect(s.stdout()).toContain('"msg":"stopping"')
  } finally {
    if (s.proc.exitCode === null) s.proc.kill('SIGKILL')
  }
}, 90_000)
