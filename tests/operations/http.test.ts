/**
 * Operations over HTTP, in process (the app behind the edge): a change
 * route that takes real time (host `sleep`s on the local AZ) run through
 * runAsOperation, and the /operations and /events routes around it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFrames, startOpsApp, tempDir, UUID, type OpsApp } from './support.ts'

let app: OpsApp
beforeAll(async () => {
  app = await startOpsApp()
})
afterAll(async () => {
  await app.close()
})

let instance = 600
/** A container id no other test uses, so tests never queue behind each other. */
const fresh = () => String(++instance)

async function untilOp(id: string, pred: (op: any) => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const { body } = await app.json(`/api/v1/operations/${id}`)
    if (pred(body) || Date.now() > deadline) return body
    await Bun.sleep(25)
  }
}

describe('synchronous by default', () => {
  test('the route answers its own body, unchanged, plus LWS-Operation; the operation holds the same result', async () => {
    const id = fresh()
    const res = await app.change(id, { steps: 2, step_ms: 50, value: 'v' })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ instance_id: id, steps: 2, value: 'v' })
    const opId = res.headers.get('lws-operation')!
    expect(opId).toMatch(UUID)
    const { status, body: op } = await app.json(`/api/v1/operations/${opId}`)
    expect(status).toBe(200)
    expect(op).toMatchObject({
      id: opId,
      kind: 'slow.change',
      status: 'succeeded',
      region: 'eu-south-1',
      az: 'az1',
      resources: { instances: [id] },
      progress: { done: 2, total: 2, percent: 100 },
      may_cancel: true,
      result: { instance_id: id, steps: 2, value: 'v' },
      error: null,
      request_id: res.headers.get('x-request-id'),
    })
    for (const k of ['created_at', 'started_at', 'finished_at']) expect(Date.parse(op[k])).not.toBeNaN()
  })

  test('a failure answers the same error as before, with LWS-Operation; the operation keeps it with its status', async () => {
    const id = fresh()
    const res = await app.change(id, { steps: 1, step_ms: 10, fail: true })
    expect(res.status).toBe(409)
    expect(await res.json()).toEqual({ error: 'Conflict', details: `container ${id} is locked (test)`, return_code: 1, code: 'INSTANCE_LOCKED' })
    const op = (await app.json(`/api/v1/operations/${res.headers.get('lws-operation')}`)).body
    expect(op.status).toBe('failed')
    expect(op.error).toEqual({ error: 'Conflict', details: `container ${id} is locked (test)`, return_code: 1, code: 'INSTANCE_LOCKED', status_code: 409 })
    expect(app.state.undone).toContain(`${id}:1`)
  })
})

describe('Prefer: respond-async', () => {
  test('202, Location, the operation as body; progress is visible while it runs; wait returns once it ends', async () => {
    const id = fresh()
    const res = await app.change(id, { steps: 4, step_ms: 200 }, { prefer: 'respond-async' })
    expect(res.status).toBe(202)
    const op = await res.json()
    expect(res.headers.get('location')).toBe(`/api/v1/operations/${op.id}`)
    expect(res.headers.get('lws-operation')).toBe(op.id)
    expect(res.headers.get('preference-applied')).toBe('respond-async')
    expect(['pending', 'running']).toContain(op.status)
    expect(op.result).toBeNull()

    const mid = await untilOp(op.id, (o) => o.progress.done >= 1)
    expect(mid.status).toBe('running')
    expect(mid.progress).toMatchObject({ total: 4, step: expect.stringMatching(/^step [2-4] of 4$/) })
    expect(mid.progress.percent).toBeGreaterThanOrEqual(25)

    const t0 = performance.now()
    const done = await app.json(`/api/v1/operations/${op.id}/wait?timeout=30`)
    expect(performance.now() - t0).toBeLessThan(5000)
    expect(done.body).toMatchObject({ status: 'succeeded', result: { instance_id: id, steps: 4 } })
  })

  test('wait=N: answers as the synchronous call would when the operation ends in time', async () => {
    const res = await app.change(fresh(), { steps: 1, step_ms: 50 }, { prefer: 'respond-async, wait=10' })
    expect(res.status).toBe(200)
    expect((await res.json()).steps).toBe(1)
  })
})

describe('wait', () => {
  test('as it stands at the timeout; 404 for an unknown operation; 400 beyond 300 s', async () => {
    const res = await app.change(fresh(), { steps: 1, step_ms: 2500 }, { prefer: 'respond-async' })
    const op = await res.json()
    const t0 = performance.now()
    const w = await app.json(`/api/v1/operations/${op.id}/wait?timeout=1`)
    const took = performance.now() - t0
    expect(w.body.status).toBe('running')
    expect(took).toBeGreaterThanOrEqual(950)
    expect(took).toBeLessThan(2000)
    const missing = await app.json(`/api/v1/operations/${crypto.randomUUID()}/wait?timeout=1`)
    expect(missing.status).toBe(404)
    expect(missing.body.code).toBe('OPERATION_NOT_FOUND')
    expect((await app.json(`/api/v1/operations/${op.id}/wait?timeout=301`)).status).toBe(400)
    expect((await app.json(`/api/v1/operations/${op.id}/wait?timeout=30`)).body.status).toBe('succeeded')
  })
})

describe('cancel', () => {
  test('mid-way: host command stopped, undo steps run newest first, cancelled; the synchronous caller gets 409 OPERATION_CANCELLED; again → 409 OPERATION_FINISHED', async () => {
    const id = fresh()
    const sync = app.change(id, { steps: 5, step_ms: 400 })
    const listed = await (async () => {
      for (;;) {
        const { body } = await app.json(`/api/v1/operations?instance_id=${id}`)
        if (body.operations[0]?.progress.done >= 2) return body.operations[0]
        await Bun.sleep(20)
      }
    })()
    const t0 = performance.now()
    const del = await app.json(`/api/v1/operations/${listed.id}`, { method: 'DELETE' })
    expect(performance.now() - t0).toBeLessThan(2000)
    expect(del.status).toBe(200)
    expect(del.body.status).toBe('cancelled')
    expect(del.body.error).toMatchObject({ code: 'OPERATION_CANCELLED', status_code: 409 })
    expect(app.state.undone.filter((u) => u.startsWith(`${id}:`))).toEqual([`${id}:2`, `${id}:1`])

    const answer = await sync
    expect(answer.status).toBe(409)
    expect(answer.headers.get('lws-operation')).toBe(listed.id)
    expect((await answer.json()).code).toBe('OPERATION_CANCELLED')

    const log = (await app.json(`/api/v1/operations/${listed.id}/log`)).body
    expect(log.lines.map((l: any) => l.text)).toEqual(['step 1', 'step 2', 'step 3', 'cancel requested', 'cancelled', 'undone: undo step 2', 'undone: undo step 1'])

    const again = await app.json(`/api/v1/operations/${listed.id}`, { method: 'DELETE' })
    expect(again.status).toBe(409)
    expect(again.body.code).toBe('OPERATION_FINISHED')
    const unknown = await app.json(`/api/v1/operations/${crypto.randomUUID()}`, { method: 'DELETE' })
    expect(unknown.status).toBe(404)
    expect(unknown.body.code).toBe('OPERATION_NOT_FOUND')
  })
})

describe('one change per container', () => {
  test('a second operation on the same container waits pending with its queue position, then runs after the first', async () => {
    const id = fresh()
    const first = await (await app.change(id, { steps: 1, step_ms: 600 }, { prefer: 'respond-async' })).json()
    const second = await (await app.change(id, { steps: 1, step_ms: 50 }, { prefer: 'respond-async' })).json()
    const third = await (await app.change(id, { steps: 1, step_ms: 50 }, { prefer: 'respond-async' })).json()
    expect(second.status).toBe('pending')
    expect(second.progress.step).toMatch(/^queued: position 1 /)
    expect(third.progress.step).toMatch(/^queued: position 2 /)
    const other = await app.change(fresh(), { steps: 1, step_ms: 10 })
    expect(other.status).toBe(200) // another container does not wait
    const done = await Promise.all([first, second, third].map((o) => app.json(`/api/v1/operations/${o.id}/wait?timeout=30`)))
    const [a, b, c] = done.map((d) => d.body)
    expect([a.status, b.status, c.status]).toEqual(['succeeded', 'succeeded', 'succeeded'])
    expect(Date.parse(b.started_at)).toBeGreaterThanOrEqual(Date.parse(a.finished_at))
    expect(Date.parse(c.started_at)).toBeGreaterThanOrEqual(Date.parse(b.finished_at))
  })
})

describe('Idempotency-Key', () => {
  test('a retry during the first call waits for it and gets the same answer; after it, the same answer at once; the work ran once', async () => {
    const id = fresh()
    const key = { 'idempotency-key': `k-${crypto.randomUUID()}` }
    const runs = app.state.runs
    const body = { steps: 2, step_ms: 200, value: 'once' }
    const first = app.change(id, body, key)
    await Bun.sleep(100)
    const retry = await app.change(id, body, key)
    const original = await first
    expect(original.status).toBe(200)
    expect(retry.status).toBe(200)
    expect(await retry.json()).toEqual(await original.json())
    expect(retry.headers.get('lws-operation')).toBe(original.headers.get('lws-operation'))
    expect(retry.headers.get('idempotent-replayed')).toBe('true')

    const later = await app.change(id, { value: 'once', step_ms: 200, steps: 2 }, key) // same body, other key order
    expect(later.status).toBe(200)
    expect(later.headers.get('lws-operation')).toBe(original.headers.get('lws-operation'))
    expect(app.state.runs - runs).toBe(1)

    const other = await app.change(id, { ...body, value: 'twice' }, key)
    expect(other.status).toBe(422)
    expect((await other.json()).code).toBe('IDEMPOTENCY_KEY_REUSED')
    const otherPath = await app.change(fresh(), body, key)
    expect(otherPath.status).toBe(422)
  })

  test('an asynchronous retry while it runs gets the same operation; a failed first call is replayed as its error', async () => {
    const key = { 'idempotency-key': `k-${crypto.randomUUID()}`, prefer: 'respond-async' }
    const a = await (await app.change(fresh(), { steps: 1, step_ms: 300, fail: true }, key)).json()
    const again = await app.change(String(instance), { steps: 1, step_ms: 300, fail: true }, key)
    expect(again.status).toBe(202)
    expect((await again.json()).id).toBe(a.id)
    await app.json(`/api/v1/operations/${a.id}/wait?timeout=30`)
    const sync = await app.change(String(instance), { steps: 1, step_ms: 300, fail: true }, { 'idempotency-key': key['idempotency-key'] })
    expect(sync.status).toBe(409)
    expect(sync.headers.get('lws-operation')).toBe(a.id)
    expect(sync.headers.get('idempotent-replayed')).toBe('true')
    expect((await sync.json()).code).toBe('INSTANCE_LOCKED')
  })

  test('client_token in the body works like the header; a malformed key is 400', async () => {
    const id = fresh()
    const token = `tok-${crypto.randomUUID()}`
    const one = await app.change(id, { steps: 1, step_ms: 10, client_token: token })
    const two = await app.change(id, { steps: 1, step_ms: 10, client_token: token })
    expect(two.headers.get('lws-operation')).toBe(one.headers.get('lws-operation'))
    const bad = await app.change(id, { steps: 1, step_ms: 10 }, { 'idempotency-key': 'has space' })
    expect(bad.status).toBe(400)
  })
})

describe('log', () => {
  test('JSON from an offset; follow=true streams the stored lines, the new ones, then end', async () => {
    const res = await app.change(fresh(), { steps: 3, step_ms: 200 }, { prefer: 'respond-async' })
    const op = await res.json()
    await untilOp(op.id, (o) => o.progress.done >= 1)
    const stream = await app.request(`/api/v1/operations/${op.id}/log?follow=true`)
    expect(stream.status).toBe(200)
    expect(stream.headers.get('content-type')).toContain('text/event-stream')
    const frames = await readFrames(stream.body!, (f) => f.some((x) => x.event === 'end'))
    const lines = frames.filter((f) => !f.event)
    expect(lines.map((f) => [f.id, f.data])).toEqual([
      [1, 'step 1'],
      [2, 'step 2'],
      [3, 'step 3'],
    ])
    expect(JSON.parse(frames.at(-1)!.data)).toEqual({ status: 'succeeded', lines: 3 })

    const page = (await app.json(`/api/v1/operations/${op.id}/log?offset=1&limit=1`)).body
    expect(page).toEqual({ operation_id: op.id, status: 'succeeded', lines: [{ n: 2, at: expect.any(String), text: 'step 2' }], next_offset: 2 })
    const resumed = await app.request(`/api/v1/operations/${op.id}/log?follow=true`, { headers: { 'last-event-id': '2' } })
    const rest = await readFrames(resumed.body!, (f) => f.some((x) => x.event === 'end'))
    expect(rest.map((f) => f.event ?? f.data)).toEqual(['step 3', 'end'])
  })
})

describe('events', () => {
  test('SSE: created, progress, finished of an operation; Last-Event-ID resumes from the store; JSON for pollers', async () => {
    const stream = await app.request('/api/v1/events?types=operation', { headers: { accept: 'text/event-stream' } })
    expect(stream.status).toBe(200)
    expect(stream.headers.get('content-type')).toContain('text/event-stream')
    const res = await app.change(fresh(), { steps: 2, step_ms: 100 })
    const opId = res.headers.get('lws-operation')!
    const mine = (f: { data: string }) => JSON.parse(f.data).operation?.id === opId
    const frames = await readFrames(stream.body!, (fs) => fs.some((f) => mine(f) && JSON.parse(f.data).action === 'finished'))
    const ours = frames.filter(mine)
    const actions = ours.map((f) => JSON.parse(f.data).action)
    expect(actions[0]).toBe('created')
    expect(actions).toContain('progress')
    expect(actions.at(-1)).toBe('finished')
    for (const f of ours) expect(f.event).toBe('operation')
    const ids = frames.map((f) => f.id!)
    expect(ids).toEqual([...ids].sort((a, b) => a - b))
    expect(JSON.parse(ours.at(-1)!.data).operation.status).toBe('succeeded')

    const createdId = ours[0]!.id!
    const resumed = await app.request('/api/v1/events?types=operation', { headers: { 'last-event-id': String(createdId) } })
    const replay = await readFrames(resumed.body!, (fs) => fs.some((f) => mine(f) && JSON.parse(f.data).action === 'finished'))
    expect(replay[0]!.id).toBeGreaterThan(createdId)
    expect(replay.filter(mine).map((f) => f.id)).toEqual(ours.slice(1).map((f) => f.id))

    const polled = await app.json(`/api/v1/events?after=${createdId}&limit=1000`, { headers: { accept: 'application/json' } })
    expect(polled.status).toBe(200)
    expect(polled.body.events[0].id).toBeGreaterThan(createdId)
    expect(polled.body.events.filter((e: any) => e.data.operation?.id === opId).map((e: any) => e.id)).toEqual(ours.slice(1).map((f) => f.id))
    expect(polled.body.last_event_id).toBeGreaterThanOrEqual(ours.at(-1)!.id!)
    expect((await app.json('/api/v1/events?types=nope', { headers: { accept: 'application/json' } })).status).toBe(400)
  })
})

describe('list', () => {
  test('filters (status, kind, instance_id, time), limit ≤ 500, next cursor', async () => {
    const id = fresh()
    const since = new Date().toISOString()
    const made: string[] = []
    for (let i = 0; i < 5; i++) made.push((await app.change(id, { steps: 0, step_ms: 0, fail: i === 2 })).headers.get('lws-operation')!)
    const all = (await app.json(`/api/v1/operations?instance_id=${id}`)).body
    expect(all.operations.map((o: any) => o.id)).toEqual([...made].reverse())
    expect(all.next).toBeNull()
    const failed = (await app.json(`/api/v1/operations?instance_id=${id}&status=failed`)).body
    expect(failed.operations.map((o: any) => o.id)).toEqual([made[2]])
    expect((await app.json(`/api/v1/operations?instance_id=${id}&kind=lxc.create`)).body.operations).toEqual([])
    expect((await app.json(`/api/v1/operations?kind=slow.change&since=${encodeURIComponent(since)}&limit=500`)).body.operations.length).toBeGreaterThanOrEqual(5)
    expect((await app.json(`/api/v1/operations?instance_id=${id}&until=${encodeURIComponent(since)}`)).body.operations).toEqual([])

    const pages: string[] = []
    let next: string | null = null
    do {
      const { body } = await app.json(`/api/v1/operations?instance_id=${id}&limit=2${next ? `&next=${encodeURIComponent(next)}` : ''}`)
      expect(body.operations.length).toBeLessThanOrEqual(2)
      pages.push(...body.operations.map((o: any) => o.id))
      next = body.next
    } while (next)
    expect(pages).toEqual([...made].reverse())

    expect((await app.json('/api/v1/operations?limit=501')).status).toBe(400)
    const bad = await app.json('/api/v1/operations?next=garbage')
    expect(bad.status).toBe(400)
    expect(bad.body.details).toContain('next')
    expect((await app.json('/api/v1/operations?status=done')).status).toBe(400)
    expect((await app.json('/api/v1/operations/not-a-uuid')).status).toBe(400)
  })

  test('the routes need the API key', async () => {
    for (const path of ['/api/v1/operations', `/api/v1/operations/${crypto.randomUUID()}`, '/api/v1/events']) {
      expect((await app.request(path, { key: null })).status).toBe(401)
    }
  })
})

describe('restart', () => {
  test('a new app on the same state_dir finds what the old one left running failed INTERRUPTED; the finished ones as they were', async () => {
    const dir = tempDir()
    const old = await startOpsApp({ stateDir: dir.path })
    try {
      const ok = await old.change('900', { steps: 0, step_ms: 0, value: 'kept' })
      const running = await (await old.change('901', { steps: 1, step_ms: 3000 }, { prefer: 'respond-async' })).json()
      const queued = await (await old.change('901', { steps: 1, step_ms: 10 }, { prefer: 'respond-async' })).json()
      // The old process "dies" here: nothing of it runs any more as far as the new one knows.
      const next = await startOpsApp({ stateDir: dir.path })
      try {
        const { interrupted } = await next.operations.recover()
        expect(interrupted.sort()).toEqual([running.id, queued.id].sort())
        const r = (await next.json(`/api/v1/operations/${running.id}`)).body
        expect(r.status).toBe('failed')
        expect(r.error).toMatchObject({ code: 'INTERRUPTED', status_code: 500 })
        expect(r.error.details).toContain('while the operation was running')
        expect((await next.json(`/api/v1/operations/${queued.id}`)).body.error.details).toContain('before the operation started')
        const kept = (await next.json(`/api/v1/operations/${ok.headers.get('lws-operation')}`)).body
        expect(kept).toMatchObject({ status: 'succeeded', result: { value: 'kept' } })
        expect((await next.json(`/api/v1/operations?status=running`)).body.operations).toEqual([])
        // The container is free for the new process.
        expect((await next.change('901', { steps: 0, step_ms: 0 })).status).toBe(200)
      } finally {
        await next.close()
      }
    } finally {
      await old.close()
      dir.remove()
    }
  }, 20_000)
})
