import { afterEach, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqlite } from './driver.ts'
import { InvalidCursorError, openStore, STATE_FILE, type OperationRecord, type Store } from './index.ts'
import { MIGRATIONS, migrate, SchemaTooNewError, schemaVersion } from './migrations.ts'
import { SqliteStore } from './sqlite.ts'

const dirs: string[] = []
const stores: Store[] = []
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'lws-store-'))
  dirs.push(d)
  return d
}
const open = async (dir: string | null) => {
  const s = await openStore(dir)
  stores.push(s)
  return s
}
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close().catch(() => {})
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

let n = 0
function op(over: Partial<OperationRecord> = {}): OperationRecord {
  n++
  return {
    id: crypto.randomUUID(),
    kind: 'lxc.start',
    status: 'pending',
    created_at: new Date(Date.UTC(2030, 0, 1, 0, 0, n)).toISOString(),
    started_at: null,
    finished_at: null,
    region: 'eu-south-1',
    az: 'az1',
    resources: { instances: ['101'] },
    progress: { done: 0, total: null, step: null },
    may_cancel: true,
    result: null,
    result_status: null,
    error: null,
    request_id: 'req-1',
    host_task: null,
    planned: [],
    ...over,
  }
}

describe('migrations', () => {
  test('an empty file is migrated to the newest version, in WAL mode, folder 0700', async () => {
    const dir = join(tempDir(), 'state')
    const s = (await open(dir)) as SqliteStore
    expect(existsSync(join(dir, STATE_FILE))).toBe(true)
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(schemaVersion(s.driver)).toBe(MIGRATIONS.length)
    expect(String(s.driver.prepare('PRAGMA journal_mode').get()?.journal_mode)).toBe('wal')
    const tables = s.driver.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((r) => r.name)
    expect(tables).toEqual(expect.arrayContaining(['events', 'idempotency_keys', 'operation_instances', 'operation_log', 'operations', 'schema_version']))
  })

  test('reopening an existing file keeps its data and applies nothing twice', async () => {
    const dir = tempDir()
    const a = await open(dir)
    const rec = op()
    await a.insertOperation(rec)
    await a.appendLog(rec.id, ['one', 'two'], rec.created_at)
    const ev = await a.appendEvent({ type: 'operation', at: rec.created_at, operation_id: rec.id, data: { x: 1 } })
    await a.close()
    const b = (await open(dir)) as SqliteStore
    expect(await b.getOperation(rec.id)).toEqual(rec)
    expect((await b.readLog(rec.id, 0, 10)).map((l) => l.text)).toEqual(['one', 'two'])
    expect(await b.lastEventId()).toBe(ev.id)
    expect(b.driver.prepare('SELECT COUNT(*) AS c FROM schema_version').get()?.c).toBe(MIGRATIONS.length)
  })

  test('a later migration is applied on top; a database from a newer LWS is refused', async () => {
    const db = await openSqlite(':memory:')
    expect(migrate(db)).toEqual({ from: 0, to: MIGRATIONS.length })
    const next = [...MIGRATIONS, { version: MIGRATIONS.length + 1, description: 'test', up: ['CREATE TABLE extra (x INTEGER)'] }]
    expect(migrate(db, next)).toEqual({ from: MIGRATIONS.length, to: next.length })
    expect(() => migrate(db)).toThrow(SchemaTooNewError)
    expect(() => migrate(db, [MIGRATIONS[0]!, { version: 3, description: 'gap', up: [] }])).toThrow(/out of order/)
    db.close()
  })

  test('a failing migration leaves the previous version (one transaction each)', async () => {
    const db = await openSqlite(':memory:')
    migrate(db)
    const bad = [...MIGRATIONS, { version: MIGRATIONS.length + 1, description: 'bad', up: ['CREATE TABLE half (x INTEGER)', 'THIS IS NOT SQL'] }]
    expect(() => migrate(db, bad)).toThrow()
    expect(schemaVersion(db)).toBe(MIGRATIONS.length)
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined()
    db.close()
  })
})

describe('operations', () => {
  test('insert, update, get; unknown id → undefined', async () => {
    const s = await open(null)
    const rec = op()
    await s.insertOperation(rec)
    const after = await s.updateOperation(rec.id, {
      status: 'failed',
      finished_at: '2030-01-01T00:10:00.000Z',
      progress: { done: 1, total: 2, step: 'x' },
      error: { status: 500, body: { error: 'E', details: 'd', return_code: 1, code: 'INTERNAL_ERROR', stdout: 'o' }, headers: { 'retry-after': '3' } },
      host_task: { upid: 'UPID:pve1:0003A2F1:0117CDD2:665AF120:vzcreate:101:root@pam:', node: 'pve1' },
      planned: [{ type: 'instance', id: '101', action: 'create' }],
    })
    expect(after).toMatchObject({ status: 'failed', progress: { done: 1, total: 2, step: 'x' }, planned: [{ type: 'instance', id: '101' }] })
    expect(await s.getOperation(rec.id)).toEqual(after!)
    expect(await s.getOperation('nope')).toBeUndefined()
    expect(await s.updateOperation('nope', { status: 'failed' })).toBeUndefined()
  })

  test('list: newest first, filters, limit ≤ 500, cursor through every page', async () => {
    const s = await open(null)
    const all: OperationRecord[] = []
    for (let i = 0; i < 23; i++) {
      const rec = op({ kind: i % 2 ? 'lxc.stop' : 'lxc.start', status: i % 3 ? 'succeeded' : 'running', resources: { instances: [String(100 + (i % 4))] } })
      all.push(rec)
      await s.insertOperation(rec)
    }
    const pages: string[][] = []
    let next: string | undefined
    do {
      const page = await s.listOperations({ limit: 5, next })
      pages.push(page.items.map((o) => o.id))
      next = page.next ?? undefined
    } while (next)
    expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 3])
    expect(pages.flat()).toEqual(all.map((o) => o.id).reverse())

    const stops = await s.listOperations({ kind: 'lxc.stop', status: 'succeeded', instance_id: '101' })
    expect(stops.items.map((o) => o.id)).toEqual(all.filter((o, i) => i % 2 && i % 3 && o.resources.instances![0] === '101').map((o) => o.id).reverse())
    const two = await s.listOperations({ status: ['running', 'succeeded'], instance_id: '102', limit: 2 })
    expect(two.items.length).toBe(2)
    expect(two.next).not.toBeNull()
    const rest = await s.listOperations({ status: ['running', 'succeeded'], instance_id: '102', limit: 2, next: two.next! })
    expect(rest.items.every((o) => o.resources.instances![0] === '102')).toBe(true)
    const timed = await s.listOperations({ created_after: all[5]!.created_at, created_before: all[8]!.created_at })
    expect(timed.items.map((o) => o.id)).toEqual([all[7]!.id, all[6]!.id, all[5]!.id])
    expect((await s.listOperations({ limit: 10_000 })).items.length).toBe(23)
    await expect(s.listOperations({ next: 'garbage' })).rejects.toBeInstanceOf(InvalidCursorError)
  })

  test('a page holds at most 500', async () => {
    const s = (await open(null)) as SqliteStore
    s.driver.transaction(() => {
      for (let i = 0; i < 510; i++) void s.insertOperation(op())
    })
    const page = await s.listOperations({ limit: 10_000 })
    expect(page.items.length).toBe(500)
    expect((await s.listOperations({ next: page.next! })).items.length).toBe(10)
  })

  test('the instance index follows a resources update', async () => {
    const s = await open(null)
    const rec = op({ resources: {} })
    await s.insertOperation(rec)
    expect((await s.listOperations({ instance_id: '555' })).items).toEqual([])
    await s.updateOperation(rec.id, { resources: { instances: ['555', '556'] } })
    expect((await s.listOperations({ instance_id: '556' })).items.map((o) => o.id)).toEqual([rec.id])
  })

  test('unfinished: pending and running, oldest first', async () => {
    const s = await open(null)
    const a = op({ status: 'running' })
    const b = op({ status: 'succeeded' })
    const c = op({ status: 'pending' })
    for (const r of [a, b, c]) await s.insertOperation(r)
    expect((await s.unfinishedOperations()).map((o) => o.id)).toEqual([a.id, c.id])
  })
})

describe('logs, idempotency keys, events', () => {
  test('log lines are numbered from 1 and read from an offset', async () => {
    const s = await open(null)
    const rec = op()
    await s.insertOperation(rec)
    expect(await s.appendLog(rec.id, ['a', 'b', 'c'], rec.created_at)).toBe(3)
    expect(await s.appendLog(rec.id, ['d'], rec.created_at)).toBe(4)
    expect(await s.logLength(rec.id)).toBe(4)
    expect(await s.readLog(rec.id, 2, 10)).toEqual([
      { n: 3, at: rec.created_at, text: 'c' },
      { n: 4, at: rec.created_at, text: 'd' },
    ])
    expect((await s.readLog(rec.id, 0, 2)).map((l) => l.n)).toEqual([1, 2])
  })

  test('a key is taken once; same holder answers until it expires; release frees it', async () => {
    const s = await open(null)
    const claim = { scope: '', key: 'k1', fingerprint: 'f1', operation_id: 'op1', now: '2030-01-01T00:00:00.000Z', expires_at: '2030-01-02T00:00:00.000Z' }
    expect(await s.claimIdempotencyKey(claim)).toEqual({ claimed: true })
    expect(await s.claimIdempotencyKey({ ...claim, operation_id: 'op2', fingerprint: 'f2' })).toEqual({ claimed: false, operation_id: 'op1', fingerprint: 'f1' })
    expect(await s.claimIdempotencyKey({ ...claim, scope: 'other', operation_id: 'op3' })).toEqual({ claimed: true })
    // Expired: the next request takes it.
    expect(await s.claimIdempotencyKey({ ...claim, operation_id: 'op4', now: '2030-01-02T00:00:00.000Z', expires_at: '2030-01-03T00:00:00.000Z' })).toEqual({ claimed: true })
    await s.releaseIdempotencyKey('', 'k1', 'op1') // not the holder any more: nothing happens
    expect(await s.claimIdempotencyKey({ ...claim, operation_id: 'op5', now: '2030-01-02T01:00:00.000Z' })).toMatchObject({ claimed: false, operation_id: 'op4' })
    await s.releaseIdempotencyKey('', 'k1', 'op4')
    expect(await s.claimIdempotencyKey({ ...claim, operation_id: 'op6', now: '2030-01-02T01:00:00.000Z' })).toEqual({ claimed: true })
  })

  test('events: increasing ids, read after an id, by type', async () => {
    const s = await open(null)
    expect(await s.lastEventId()).toBe(0)
    const ids: number[] = []
    for (let i = 0; i < 6; i++) ids.push((await s.appendEvent({ type: i % 2 ? 'instance' : 'operation', at: '2030-01-01T00:00:00.000Z', data: { i } })).id)
    expect(ids).toEqual([...ids].sort((a, b) => a - b))
    expect(new Set(ids).size).toBe(6)
    expect((await s.readEvents(ids[2]!)).map((e) => (e.data as { i: number }).i)).toEqual([3, 4, 5])
    expect((await s.readEvents(0, { types: ['instance'] })).map((e) => (e.data as { i: number }).i)).toEqual([1, 3, 5])
    expect((await s.readEvents(0, { limit: 2 })).length).toBe(2)
    expect(await s.lastEventId()).toBe(ids[5]!)
  })
})

describe('concurrent writers in one process', () => {
  test('two connections on one file and many interleaved writers: nothing lost, event ids unique and increasing', async () => {
    const dir = tempDir()
    const a = await open(dir)
    const b = await open(dir)
    const recs = Array.from({ length: 40 }, () => op())
    await Promise.all(
      recs.map(async (r, i) => {
        const s = i % 2 ? a : b
        await s.insertOperation(r)
        for (let k = 0; k < 5; k++) {
          await s.appendLog(r.id, [`line ${k}`], r.created_at)
          await s.appendEvent({ type: 'operation', at: r.created_at, operation_id: r.id, data: { k } })
          await s.updateOperation(r.id, { progress: { done: k + 1, total: 5, step: null } })
          await new Promise((res) => setTimeout(res, Math.random() * 3))
        }
      }),
    )
    for (const r of recs) {
      expect((await a.getOperation(r.id))?.progress.done).toBe(5)
      expect((await b.readLog(r.id, 0, 100)).map((l) => l.n)).toEqual([1, 2, 3, 4, 5])
    }
    const events = await a.readEvents(0, { limit: 10_000 })
    expect(events.length).toBe(200)
    const ids = events.map((e) => e.id)
    for (let i = 1; i < ids.length; i++) expect(ids[i]!).toBeGreaterThan(ids[i - 1]!)
  })

  test('a key claimed by two racing requests has one winner', async () => {
    const dir = tempDir()
    const a = await open(dir)
    const b = await open(dir)
    const base = { scope: '', key: 'race', fingerprint: 'f', now: '2030-01-01T00:00:00.000Z', expires_at: '2030-01-02T00:00:00.000Z' }
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).claimIdempotencyKey({ ...base, operation_id: `op${i}` })))
    expect(results.filter((r) => r.claimed).length).toBe(1)
  })
})

describe('prune', () => {
  test('finished operations older than the cut go with their logs, events and index rows; the rest stays', async () => {
    const s = (await open(null)) as SqliteStore
    const oldDone = op({ status: 'succeeded', finished_at: '2030-01-01T00:00:00.000Z' })
    const oldFailed = op({ status: 'failed', finished_at: '2030-01-01T00:00:01.000Z' })
    const recent = op({ status: 'succeeded', finished_at: '2030-01-09T00:00:00.000Z' })
    const stillRunning = op({ status: 'running' })
    for (const r of [oldDone, oldFailed, recent, stillRunning]) {
      await s.insertOperation(r)
      await s.appendLog(r.id, ['x', 'y'], r.created_at)
      await s.appendEvent({ type: 'operation', at: '2030-01-01T00:00:00.000Z', operation_id: r.id, data: {} })
    }
    await s.appendEvent({ type: 'instance', at: '2030-01-01T00:00:00.000Z', data: {} })
    const keep = await s.appendEvent({ type: 'instance', at: '2030-01-09T00:00:00.000Z', data: {} })
    await s.claimIdempotencyKey({ scope: '', key: 'old', fingerprint: 'f', operation_id: oldDone.id, now: '2030-01-01T00:00:00.000Z', expires_at: '2030-01-02T00:00:00.000Z' })
    await s.claimIdempotencyKey({ scope: '', key: 'new', fingerprint: 'f', operation_id: recent.id, now: '2030-01-09T00:00:00.000Z', expires_at: '2030-01-10T00:00:00.000Z' })

    const r = await s.prune('2030-01-02T00:00:00.000Z', '2030-01-09T12:00:00.000Z')
    expect(r).toEqual({ operations: 2, log_lines: 4, events: 3, idempotency_keys: 1 })
    expect(await s.getOperation(oldDone.id)).toBeUndefined()
    expect(await s.getOperation(oldFailed.id)).toBeUndefined()
    expect(await s.getOperation(recent.id)).toBeDefined()
    expect(await s.getOperation(stillRunning.id)).toBeDefined()
    expect(await s.readLog(oldDone.id, 0, 10)).toEqual([])
    expect((await s.listOperations({ instance_id: '101' })).items.length).toBe(2)
    expect(s.driver.prepare('SELECT COUNT(*) AS c FROM operation_instances').get()?.c).toBe(2)
    expect((await s.readEvents(0)).map((e) => e.id)).toContain(keep.id)
    expect((await s.readEvents(0)).length).toBe(3)
    // Ids are never reused after a prune.
    const lastBefore = await s.lastEventId()
    expect((await s.appendEvent({ type: 'x', at: '2030-01-10T00:00:00.000Z', data: null })).id).toBe(lastBefore + 1)
    expect(await s.prune('2030-01-02T00:00:00.000Z', '2030-01-09T12:00:00.000Z')).toEqual({ operations: 0, log_lines: 0, events: 0, idempotency_keys: 0 })
  })
})
