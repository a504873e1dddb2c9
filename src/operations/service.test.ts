import { afterEach, describe, expect, test } from 'bun:test'
import { currentRequest, inRequestScope } from '../context/request-scope.ts'
import { ConflictError, codeOf } from '../errors/catalogue.ts'
import { memoryLogger } from '../log.ts'
import { openStore, type OperationRecord, type Store } from '../store/index.ts'
import type { LwsEvent } from './events.ts'
import { MAX_LOG_LINES, Operations, type OpContext } from './service.ts'

const opened: { ops: Operations; store: Store }[] = []
async function setup(opts: { store?: Store; now?: () => Date; retentionDays?: number } = {}) {
  const store = opts.store ?? (await openStore(null))
  const log = memoryLogger()
  const ops = new Operations(store, { log, pruneTimer: false, now: opts.now, retentionDays: opts.retentionDays })
  opened.push({ ops, store })
  const events: LwsEvent[] = []
  ops.events.subscribe((e) => events.push(e))
  return { ops, store, log, events }
}
afterEach(async () => {
  for (const { ops, store } of opened.splice(0)) {
    ops.close()
    await store.close().catch(() => {})
  }
})

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true })
  })
}

/** A work function that waits for `release()` (or the cancel). */
function gate() {
  let open!: () => void
  const opened = new Promise<void>((r) => (open = r))
  let entered!: () => void
  const started = new Promise<void>((r) => (entered = r))
  const work = async (op: OpContext) => {
    entered()
    await Promise.race([
      opened,
      new Promise((_, reject) => op.signal.addEventListener('abort', () => reject(op.signal.reason), { once: true })),
    ])
    return { ok: op.id }
  }
  return { work, release: () => open(), started }
}

const spec = (instances: string[] = ['101'], over: Record<string, unknown> = {}) => ({
  kind: 'test.change',
  region: 'r1',
  az: 'az1',
  resources: { instances },
  ...over,
})

describe('lifecycle', () => {
  test('pending → running → succeeded: result, timestamps, progress, log, events', async () => {
    const { ops, events } = await setup()
    const { operation, reused } = await ops.start({ ...spec(), total: 4 }, async (op) => {
      op.progress({ done: 1, step: 'one' })
      op.log('first line\nsecond line')
      const w = op.logWriter()
      w.write('par')
      w.write(new TextEncoder().encode('tial\nrest'))
      w.flush()
      op.progress({ done: 3, step: 'three' })
      return { answer: 42 }
    })
    expect(reused).toBe(false)
    expect(operation.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(['pending', 'running']).toContain(operation.status)
    const done = await ops.wait(operation.id, 5000)
    expect(done).toMatchObject({ status: 'succeeded', result: { answer: 42 }, result_status: 200, error: null, kind: 'test.change', region: 'r1', az: 'az1' })
    expect(done.progress).toEqual({ done: 4, total: 4, step: 'three' })
    expect(Date.parse(done.started_at!)).toBeGreaterThanOrEqual(Date.parse(done.created_at))
    expect(Date.parse(done.finished_at!)).toBeGreaterThanOrEqual(Date.parse(done.started_at!))
    expect((await ops.readLog(operation.id, 0, 100)).map((l) => l.text)).toEqual(['first line', 'second line', 'partial', 'rest'])
    await ops.events.settled()
    const mine = events.filter((e) => (e.data as { operation: { id: string } }).operation.id === operation.id)
    const actions = mine.map((e) => (e.data as { action: string }).action)
    expect(actions[0]).toBe('created')
    expect(actions.at(-1)).toBe('finished')
    expect(actions).toContain('progress')
    expect((mine.at(-1)!.data as { operation: { status: string } }).operation.status).toBe('succeeded')
    expect(await ops.get(operation.id)).toEqual(done)
  })

  test('a failure keeps the error body and status, and runs the undo steps newest first', async () => {
    const { ops } = await setup()
    const undone: string[] = []
    const { operation } = await ops.start(spec(), async (op) => {
      op.revert.add(() => undone.push('a'), 'undo a')
      op.revert.add(() => undone.push('b'), 'undo b')
      throw new ConflictError('instance 101 is locked (create)', 'INSTANCE_LOCKED')
    })
    const done = await ops.wait(operation.id, 5000)
    expect(done.status).toBe('failed')
    expect(done.error).toEqual({ status: 409, body: { error: 'Conflict', details: 'instance 101 is locked (create)', return_code: 1, code: 'INSTANCE_LOCKED' } })
    expect(undone).toEqual(['b', 'a'])
    expect((await ops.readLog(operation.id, 0, 10)).map((l) => l.text)).toEqual(['failed: instance 101 is locked (create)', 'undone: undo b', 'undone: undo a'])
  })

  test('an unexpected error is a 500 INTERNAL_ERROR; its message goes to the server log only', async () => {
    const { ops, log } = await setup()
    const { operation } = await ops.start(spec(), () => {
      throw new TypeError('secret internals')
    })
    const done = await ops.wait(operation.id, 5000)
    expect(done.error?.status).toBe(500)
    expect(done.error?.body.code).toBe('INTERNAL_ERROR')
    expect(JSON.stringify(done.error)).not.toContain('secret internals')
    expect(log.lines.some((l) => l.msg === 'operation failed unexpectedly' && l.error === 'secret internals')).toBe(true)
  })

  test('the result is kept as JSON carries it; what JSON cannot hold fails the operation (500)', async () => {
    const { ops } = await setup()
    const a = await ops.start(spec([]), () => ({ at: new Date('2030-01-01T00:00:00.000Z'), gone: undefined, f: () => 1 }))
    expect((await ops.wait(a.operation.id, 5000)).result).toEqual({ at: '2030-01-01T00:00:00.000Z' })
    const b = await ops.start(spec([]), () => ({ n: 1n }))
    const done = await ops.wait(b.operation.id, 5000)
    expect(done.status).toBe('failed')
    expect(done.error?.body.code).toBe('INTERNAL_ERROR')
  })

  test('success drops the undo steps', async () => {
    const { ops } = await setup()
    let undone = false
    const { operation } = await ops.start(spec(), (op) => {
      op.revert.add(() => (undone = true))
      return 'fine'
    })
    expect((await ops.wait(operation.id, 5000)).result).toBe('fine')
    expect(undone).toBe(false)
  })

  test('the work keeps the request id but not the request signal: a caller that leaves does not stop it', async () => {
    const { ops } = await setup()
    const client = new AbortController()
    const seen: { id?: string; signal?: AbortSignal }[] = []
    const { operation } = await inRequestScope({ id: 'req-77', address: '10.0.0.1', signal: client.signal }, () =>
      ops.start(spec(), async () => {
        await pause(30)
        seen.push({ id: currentRequest()?.id, signal: currentRequest()?.signal })
        return 'done'
      }),
    )
    client.abort()
    const done = await ops.wait(operation.id, 5000)
    expect(done).toMatchObject({ status: 'succeeded', request_id: 'req-77' })
    expect(seen).toEqual([{ id: 'req-77', signal: undefined }])
  })

  test('the log keeps at most MAX_LOG_LINES lines and says how many it dropped', async () => {
    const { ops } = await setup()
    const { operation } = await ops.start(spec([]), (op) => {
      op.log(Array.from({ length: MAX_LOG_LINES + 5 }, (_, i) => `l${i}`).join('\n'))
    })
    await ops.wait(operation.id, 10_000)
    const tail = await ops.readLog(operation.id, MAX_LOG_LINES - 1, 10)
    expect(tail.map((l) => l.text)).toEqual([`l${MAX_LOG_LINES - 1}`, '[log truncated: 5 more line(s) not kept]'])
  })
})

describe('one change per container', () => {
  test('a second operation on the same instance waits pending with its position, then runs', async () => {
    const { ops } = await setup()
    const a = gate()
    const b = gate()
    const c = gate()
    const first = (await ops.start(spec(['101']), a.work)).operation
    await a.started
    const second = (await ops.start(spec(['101']), b.work)).operation
    const third = (await ops.start(spec(['101', '102']), c.work)).operation
    const other = await ops.start(spec(['101'], { az: 'az2' }), async () => 'other az, same vmid')
    expect((await ops.wait(other.operation.id, 5000)).status).toBe('succeeded')
    await Bun.sleep(5)
    expect((await ops.get(second.id))!.status).toBe('pending')
    expect((await ops.get(second.id))!.progress.step).toMatch(/^queued: position 1 /)
    expect((await ops.get(third.id))!.progress.step).toMatch(/^queued: position 2 /)
    a.release()
    await b.started
    expect((await ops.get(second.id))!.status).toBe('running')
    expect((await ops.get(second.id))!.progress.step).toBeNull()
    expect((await ops.get(third.id))!.progress.step).toMatch(/^queued: position 1 /)
    b.release()
    c.release()
    expect((await ops.wait(third.id, 5000)).status).toBe('succeeded')
    const [f, s, t] = await Promise.all([first, second, third].map((o) => ops.get(o.id)))
    expect(Date.parse(s!.started_at!)).toBeGreaterThanOrEqual(Date.parse(f!.finished_at!))
    expect(Date.parse(t!.started_at!)).toBeGreaterThanOrEqual(Date.parse(s!.finished_at!))
  })
})

describe('cancel', () => {
  test('a running operation: signal aborted, undo steps run, cancelled; again → 409 OPERATION_FINISHED', async () => {
    const { ops } = await setup()
    const undone: string[] = []
    const { operation } = await ops.start(spec(), async (op) => {
      op.revert.add(() => undone.push('destroy 101'), 'destroy 101')
      await pause(10_000, op.signal)
    })
    await Bun.sleep(10)
    const after = await ops.cancel(operation.id)
    expect(after.status).toBe('cancelled')
    expect(after.error?.status).toBe(409)
    expect(after.error?.body.code).toBe('OPERATION_CANCELLED')
    expect(undone).toEqual(['destroy 101'])
    expect((await ops.readLog(operation.id, 0, 10)).map((l) => l.text)).toEqual([
      'cancel requested',
      'cancelled',
      'undone: destroy 101',
    ])
    const again = await ops.cancel(operation.id).catch((e) => e)
    expect(codeOf(again)).toBe('OPERATION_FINISHED')
    expect(codeOf(await ops.cancel('nope').catch((e) => e))).toBe('OPERATION_NOT_FOUND')
  })

  test('a queued operation ends at once and its work never runs', async () => {
    const { ops } = await setup()
    const a = gate()
    await ops.start(spec(), a.work)
    let ran = false
    const { operation } = await ops.start(spec(), () => (ran = true))
    expect((await ops.cancel(operation.id)).status).toBe('cancelled')
    a.release()
    await Bun.sleep(20)
    expect(ran).toBe(false)
  })

  test('may_cancel false: 409 OPERATION_NOT_CANCELLABLE while it runs', async () => {
    const { ops } = await setup()
    const a = gate()
    const { operation } = await ops.start({ ...spec(), mayCancel: false }, a.work)
    await a.started
    expect(codeOf(await ops.cancel(operation.id).catch((e) => e))).toBe('OPERATION_NOT_CANCELLABLE')
    a.release()
    expect((await ops.wait(operation.id, 5000)).status).toBe('succeeded')
  })
})

describe('wait', () => {
  test('returns as soon as the operation ends, or as it stands at the timeout', async () => {
    const { ops } = await setup()
    const a = gate()
    const { operation } = await ops.start(spec(), a.work)
    const t0 = performance.now()
    expect((await ops.wait(operation.id, 60)).status).toBe('running')
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55)
    setTimeout(a.release, 30)
    const t1 = performance.now()
    expect((await ops.wait(operation.id, 10_000)).status).toBe('succeeded')
    expect(performance.now() - t1).toBeLessThan(2000)
    expect(codeOf(await ops.wait('nope', 10).catch((e) => e))).toBe('OPERATION_NOT_FOUND')
  })
})

describe('idempotency keys', () => {
  test('same key + same request: the first operation, work done once; another request: 422', async () => {
    const { ops } = await setup()
    let runs = 0
    const work = async () => {
      runs++
      await pause(30)
      return { n: runs }
    }
    const idem = { key: 'k-1', fingerprint: 'fp-a' }
    const results = await Promise.all([1, 2, 3].map(() => ops.start(spec(), work, { idempotency: idem })))
    const ids = new Set(results.map((r) => r.operation.id))
    expect(ids.size).toBe(1)
    expect(results.filter((r) => r.reused).length).toBe(2)
    const done = await ops.wait(results[0]!.operation.id, 5000)
    const later = await ops.start(spec(), work, { idempotency: idem })
    expect(later).toEqual({ operation: done, reused: true })
    expect(runs).toBe(1)
    const other = await ops.start(spec(), work, { idempotency: { key: 'k-1', fingerprint: 'fp-b' } }).catch((e) => e)
    expect(other.status).toBe(422)
    expect(codeOf(other)).toBe('IDEMPOTENCY_KEY_REUSED')
    expect((await ops.start(spec(), work, { idempotency: { key: 'k-1', fingerprint: 'fp-a', scope: 'someone-else' } })).reused).toBe(false)
  })

  test('a key whose operation is gone is taken over', async () => {
    const { ops, store } = await setup()
    await store.claimIdempotencyKey({ scope: '', key: 'orphan', fingerprint: 'f', operation_id: 'vanished', now: new Date().toISOString(), expires_at: '2999-01-01T00:00:00.000Z' })
    const r = await ops.start(spec(), () => 1, { idempotency: { key: 'orphan', fingerprint: 'f' } })
    expect(r.reused).toBe(false)
  })
})

function leftover(over: Partial<OperationRecord>): OperationRecord {
  return {
    id: crypto.randomUUID(),
    kind: 'lxc.create',
    status: 'running',
    created_at: new Date().toISOString(),
    started_at: new Date().toISOString(),
    finished_at: null,
    region: 'r1',
    az: 'az1',
    resources: { instances: ['101'] },
    progress: { done: 0, total: 1, step: 'pct create 101' },
    may_cancel: true,
    result: null,
    result_status: null,
    error: null,
    request_id: 'old-req',
    host_task: null,
    planned: [],
    ...over,
  }
}

describe('recovery at start', () => {
  test('what a previous process left pending or running ends failed INTERRUPTED, naming the host task and planned resources', async () => {
    const store = await openStore(null)
    const running = leftover({ host_task: { upid: 'UPID:pve1:0003A2F1:0117CDD2:665AF120:vzcreate:101:root@pam:', node: 'pve1' }, planned: [{ type: 'instance', id: '101', action: 'create' }] })
    const pending = leftover({ status: 'pending', started_at: null })
    const finished = leftover({ status: 'succeeded', finished_at: new Date().toISOString() })
    for (const r of [running, pending, finished]) await store.insertOperation(r)
    const { ops, events } = await setup({ store })
    const out = await ops.recover()
    expect(out.interrupted.sort()).toEqual([running.id, pending.id].sort())
    const r = (await ops.get(running.id))!
    expect(r.status).toBe('failed')
    expect(r.error?.body.code).toBe('INTERRUPTED')
    expect(r.error?.body.details).toContain('UPID:pve1:0003A2F1')
    expect(r.error?.body.details).toContain('instance 101 (create)')
    expect((await ops.get(pending.id))!.error?.body.details).toContain('before the operation started')
    expect((await ops.get(finished.id))!.status).toBe('succeeded')
    expect((await ops.readLog(running.id, 0, 5)).map((l) => l.text)[0]).toMatch(/^interrupted: /)
    await ops.events.settled()
    expect(events.filter((e) => (e.data as { action: string }).action === 'finished').length).toBe(2)
    // A new change on the same container is not blocked by the stale row.
    const next = await ops.start(spec(['101']), () => 'ok')
    expect((await ops.wait(next.operation.id, 5000)).status).toBe('succeeded')
  })

  test('a recovery handler for the kind takes a running one over (re-attach), holding its instance', async () => {
    const store = await openStore(null)
    const running = leftover({ host_task: { upid: 'UPID:x', node: 'pve1' } })
    await store.insertOperation(running)
    const { ops } = await setup({ store })
    let release!: () => void
    const gateP = new Promise<void>((r) => (release = r))
    ops.onRecovery('lxc.create', async (rec, op) => {
      op.log(`re-attached to ${rec.host_task!.upid}`)
      await gateP
      return { instances: ['101'] }
    })
    const out = await ops.recover()
    expect(out.resumed).toEqual([running.id])
    const queued = await ops.start(spec(['101']), () => 'after')
    await Bun.sleep(10)
    expect((await ops.get(queued.operation.id))!.status).toBe('pending')
    release()
    const done = await ops.wait(running.id, 5000)
    expect(done).toMatchObject({ status: 'succeeded', result: { instances: ['101'] }, started_at: running.started_at })
    expect((await ops.wait(queued.operation.id, 5000)).status).toBe('succeeded')
    expect((await ops.readLog(running.id, 0, 5)).map((l) => l.text)).toEqual(['LWS restarted: taking the operation over', 're-attached to UPID:x'])
  })

  test('prune removes what is past operations.retention_days', async () => {
    let now = new Date('2030-01-01T00:00:00.000Z')
    const { ops } = await setup({ now: () => now, retentionDays: 7 })
    const { operation } = await ops.start(spec(), () => 'x')
    await ops.wait(operation.id, 5000)
    now = new Date('2030-01-07T23:00:00.000Z')
    expect((await ops.prune()).operations).toBe(0)
    now = new Date('2030-01-08T00:00:01.000Z')
    expect((await ops.prune()).operations).toBe(1)
    expect(await ops.get(operation.id)).toBeUndefined()
  })
})

describe('drain', () => {
  test('no new work (503 SHUTTING_DOWN), queued work ends, running work finishes within the grace', async () => {
    const { ops } = await setup()
    const a = gate()
    const running = (await ops.start(spec(), a.work)).operation
    const queued = (await ops.start(spec(), () => 'never')).operation
    await a.started
    setTimeout(a.release, 50)
    const out = await ops.drain(5000)
    expect(out.remaining).toEqual([])
    expect((await ops.get(running.id))!.status).toBe('succeeded')
    const q = (await ops.get(queued.id))!
    expect(q.status).toBe('failed')
    expect(q.error?.body.code).toBe('SHUTTING_DOWN')
    const refused = await ops.start(spec(), () => 1).catch((e) => e)
    expect(refused.status).toBe(503)
    expect(codeOf(refused)).toBe('SHUTTING_DOWN')
    expect(refused.headers()['retry-after']).toBeDefined()
  })

  test('what outlives the grace is returned (the next start recovers it)', async () => {
    const { ops } = await setup()
    const a = gate()
    const running = (await ops.start(spec(), a.work)).operation
    await a.started
    const t0 = performance.now()
    expect((await ops.drain(50)).remaining).toEqual([running.id])
    expect(performance.now() - t0).toBeLessThan(1000)
    a.release()
    await ops.wait(running.id, 5000)
  })
})
