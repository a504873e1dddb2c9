/**
 * Operations against a real server: a client that disconnects, SIGTERM in
 * the middle of a change (drain), SIGKILL in the middle (recovery at the
 * next start), on one state_dir.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bunServeOptions } from '../../src/serve-bun.ts'
import { type RunningServer, startServer } from '../support/serve.ts'
import { configYaml, KEY, startOpsApp, tempDir, type OpsApp } from './support.ts'

const ROOT = join(import.meta.dir, '../..')

describe('a caller that disconnects', () => {
  let app: OpsApp
  let server: ReturnType<typeof Bun.serve>
  beforeAll(async () => {
    app = await startOpsApp()
    server = Bun.serve(bunServeOptions(app, { hostname: '127.0.0.1', port: 0 }))
  })
  afterAll(async () => {
    server.stop(true)
    await app.close()
  })

  test('does not stop its operation: it completes and can be found by instance_id', async () => {
    const ctl = new AbortController()
    const call = fetch(`http://127.0.0.1:${server.port}/api/v1/slow/instances/777/change`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ steps: 3, step_ms: 300, value: 'left' }),
      signal: ctl.signal,
    })
    await Bun.sleep(250)
    ctl.abort()
    await expect(call).rejects.toThrow()
    const { body } = await app.json('/api/v1/operations?instance_id=777')
    expect(body.operations.length).toBe(1)
    const op = body.operations[0]
    expect(op.status).toBe('running')
    const done = (await app.json(`/api/v1/operations/${op.id}/wait?timeout=30`)).body
    expect(done).toMatchObject({ status: 'succeeded', result: { instance_id: '777', steps: 3, value: 'left' }, progress: { done: 3 } })
    expect(app.state.undone).toEqual([])
  })
})

describe('a stream whose client goes', () => {
  test('GET /events stops listening when the client disconnects', async () => {
    const app = await startOpsApp()
    const server = Bun.serve(bunServeOptions(app, { hostname: '127.0.0.1', port: 0 }))
    try {
      const base = `http://127.0.0.1:${server.port}/api/v1`
      const before = app.operations.events.subscribers
      const ctl = new AbortController()
      const res = await fetch(`${base}/events`, { headers: { 'x-api-key': KEY }, signal: ctl.signal })
      expect(res.status).toBe(200)
      const reader = res.body!.getReader()
      await reader.read() // the first frame (retry + comment)
      expect(app.operations.events.subscribers).toBe(before + 1)
      ctl.abort()
      for (let i = 0; i < 100 && app.operations.events.subscribers > before; i++) await Bun.sleep(20)
      expect(app.operations.events.subscribers).toBe(before)
    } finally {
      server.stop(true)
      await app.close()
    }
  })
})

describe('a real process stopped in the middle of a change', () => {
  const dir = tempDir()
  const cfg = join(dir.path, 'lws.config.yaml')
  const servers: RunningServer[] = []
  beforeAll(() => {
    writeFileSync(cfg, configYaml(`plugins_dir: ${join(dir.path, 'none')}\napi: { shutdown_grace: 2 }\n`), { mode: 0o600 })
  })
  afterAll(async () => {
    for (const s of servers) if (s.proc.exitCode === null) s.proc.kill('SIGKILL')
    dir.remove()
  })
  const start = async () => {
    const s = await startServer([process.execPath, join(ROOT, 'tests/operations/fixtures/serve.ts'), cfg], { cwd: ROOT, timeoutMs: 30_000 })
    servers.push(s)
    return s
  }
  const call = (s: RunningServer, path: string, init: RequestInit = {}) =>
    fetch(`${s.url}/api/v1${path}`, { ...init, headers: { 'x-api-key': KEY, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } })
  const change = (s: RunningServer, id: string, body: object, headers: Record<string, string> = {}) =>
    call(s, `/slow/instances/${id}/change`, { method: 'POST', body: JSON.stringify(body), headers })

  test('SIGTERM: new changes get 503 SHUTTING_DOWN, the running one finishes and answers, exit 0; the state stays', async () => {
    const s = await start()
    expect(s.stdout()).toContain(`"store":"${join(dir.path, '.lws-state', 'lws.db')}"`)
    const sync = change(s, '801', { steps: 3, step_ms: 300, value: 'drained' })
    await Bun.sleep(250)
    s.proc.kill('SIGTERM')
    await Bun.sleep(100)
    const refused = await change(s, '802', { steps: 0, step_ms: 0 })
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBeTruthy()
    expect((await refused.json()).code).toBe('SHUTTING_DOWN')
    const answer = await sync
    expect(answer.status).toBe(200)
    expect(await answer.json()).toEqual({ instance_id: '801', steps: 3, value: 'drained' })
    const opId = answer.headers.get('lws-operation')!
    expect(await s.proc.exited).toBe(0)
    expect(s.stdout()).toContain('"msg":"stopping"')

    const again = await start()
    const op = await (await call(again, `/operations/${opId}`)).json()
    expect(op).toMatchObject({ status: 'succeeded', result: { value: 'drained' } })
    again.proc.kill('SIGTERM')
    expect(await again.proc.exited).toBe(0)
  }, 60_000)

  test('SIGTERM past api.shutdown_grace, and SIGKILL: the next start ends what was running failed INTERRUPTED', async () => {
    const s = await start()
    const long = await (await change(s, '811', { steps: 1, step_ms: 20_000 }, { prefer: 'respond-async' })).json()
    const t0 = performance.now()
    s.proc.kill('SIGTERM')
    expect(await s.proc.exited).toBe(0)
    const took = performance.now() - t0
    expect(took).toBeGreaterThanOrEqual(1900)
    expect(took).toBeLessThan(8000)
    expect(s.stdout()).toContain('operations still running at stop')

    const k = await start()
    const stale = await (await call(k, `/operations/${long.id}`)).json()
    expect(stale.status).toBe('failed')
    expect(stale.error.code).toBe('INTERRUPTED')
    expect(k.stdout()).toMatch(/"msg":"state".*"interrupted":1/)

    const killed = await (await change(k, '812', { steps: 1, step_ms: 20_000 }, { prefer: 'respond-async' })).json()
    await Bun.sleep(200)
    k.proc.kill('SIGKILL')
    await k.proc.exited

    const after = await start()
    const op = await (await call(after, `/operations/${killed.id}`)).json()
    expect(op).toMatchObject({ status: 'failed', error: { code: 'INTERRUPTED', status_code: 500 } })
    expect(op.finished_at).not.toBeNull()
    const log = await (await call(after, `/operations/${killed.id}/log`)).json()
    expect(log.lines.map((l: { text: string }) => l.text)).toEqual(['step 1', expect.stringMatching(/^interrupted: LWS stopped while the operation was running/)])
    // The container is free again.
    expect((await change(after, '812', { steps: 0, step_ms: 0 })).status).toBe(200)
    after.proc.kill('SIGTERM')
    expect(await after.proc.exited).toBe(0)
  }, 90_000)
})
