/**
 * The Store on one SQLite file (or in memory). JSON-shaped fields are kept
 * as JSON text; `seq` (an autoincrement integer) orders operations and is
 * what the opaque list cursor carries.
 */
import type { SqlDriver, SqlValue, Row } from './driver.ts'
import { migrate } from './migrations.ts'
import {
  FINISHED_STATUSES,
  type EventInput,
  type EventRecord,
  type IdempotencyClaim,
  type IdempotencyResult,
  type LogLine,
  type OperationFilter,
  type OperationPage,
  type OperationPatch,
  type OperationRecord,
  type PruneResult,
  type Store,
} from './types.ts'

export const MAX_PAGE = 500
const DEFAULT_PAGE = 100

/** A `next` cursor that this store did not hand out. */
export class InvalidCursorError extends Error {
  constructor() {
    super('next: not a cursor from a previous page')
  }
}

function encodeCursor(seq: number): string {
  return Buffer.from(JSON.stringify({ s: seq })).toString('base64url')
}

function decodeCursor(cursor: string): number {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: unknown }
    if (typeof v.s === 'number' && Number.isSafeInteger(v.s) && v.s > 0) return v.s
  } catch {
    // fall through
  }
  throw new InvalidCursorError()
}

const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v))
const parse = <T>(v: unknown, fallback: T): T => (typeof v === 'string' ? (JSON.parse(v) as T) : fallback)
const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))

function toRecord(r: Row): OperationRecord {
  return {
    id: String(r.id),
    kind: String(r.kind),
    status: r.status as OperationRecord['status'],
    created_at: String(r.created_at),
    started_at: text(r.started_at),
    finished_at: text(r.finished_at),
    region: text(r.region),
    az: text(r.az),
    resources: parse(r.resources, {}),
    progress: parse(r.progress, { done: 0, total: null, step: null }),
    may_cancel: Number(r.may_cancel) === 1,
    result: parse(r.result, null),
    result_status: r.result_status === null || r.result_status === undefined ? null : Number(r.result_status),
    error: parse(r.error, null),
    request_id: text(r.request_id),
    host_task: parse(r.host_task, null),
    planned: parse(r.planned, []),
  }
}

/** Column ← patch field; every field of OperationPatch is one column. */
const PATCH_COLUMNS: Record<keyof OperationPatch, (v: any) => SqlValue> = {
  status: (v) => v,
  started_at: (v) => v ?? null,
  finished_at: (v) => v ?? null,
  progress: (v) => JSON.stringify(v),
  may_cancel: (v) => (v ? 1 : 0),
  result: json,
  result_status: (v) => v ?? null,
  error: json,
  host_task: json,
  planned: (v) => JSON.stringify(v ?? []),
  resources: (v) => JSON.stringify(v ?? {}),
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite'

  private constructor(
    private db: SqlDriver,
    readonly location: string,
  ) {}

  /** Opens the database (`:memory:` or a file path) and migrates it to the newest schema. */
  static open(db: SqlDriver, location: string): SqliteStore {
    migrate(db)
    return new SqliteStore(db, location)
  }

  /** The driver underneath (tests and the bench). */
  get driver(): SqlDriver {
    return this.db
  }

  async insertOperation(op: OperationRecord): Promise<void> {
    this.db.transaction(() => {
      const { lastInsertRowid: seq } = this.db
        .prepare(
          `INSERT INTO operations (id, kind, status, created_at, started_at, finished_at, region, az, resources, progress, may_cancel,
             result, result_status, error, request_id, host_task, planned)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          op.id,
          op.kind,
          op.status,
          op.created_at,
          op.started_at,
          op.finished_at,
          op.region,
          op.az,
          JSON.stringify(op.resources),
          JSON.stringify(op.progress),
          op.may_cancel ? 1 : 0,
          json(op.result),
          op.result_status,
          json(op.error),
          op.request_id,
          json(op.host_task),
          JSON.stringify(op.planned),
        )
      this.indexInstances(seq, op.resources)
    })
  }

  private indexInstances(seq: number, resources: OperationRecord['resources']): void {
    this.db.prepare('DELETE FROM operation_instances WHERE seq = ?').run(seq)
    const add = this.db.prepare('INSERT OR IGNORE INTO operation_instances (instance_id, seq) VALUES (?, ?)')
    for (const id of resources.instances ?? []) add.run(id, seq)
  }

  async updateOperation(id: string, patch: OperationPatch): Promise<OperationRecord | undefined> {
    const keys = (Object.keys(patch) as (keyof OperationPatch)[]).filter((k) => k in PATCH_COLUMNS && patch[k] !== undefined)
    return this.db.transaction(() => {
      if (keys.length) {
        const sets = keys.map((k) => `${k} = ?`).join(', ')
        const values = keys.map((k) => PATCH_COLUMNS[k](patch[k]))
        this.db.prepare(`UPDATE operations SET ${sets} WHERE id = ?`).run(...values, id)
      }
      const row = this.db.prepare('SELECT * FROM operations WHERE id = ?').get(id)
      if (row && patch.resources) this.indexInstances(Number(row.seq), patch.resources)
      return row ? toRecord(row) : undefined
    })
  }

  async getOperation(id: string): Promise<OperationRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM operations WHERE id = ?').get(id)
    return row ? toRecord(row) : undefined
  }

  async listOperations(filter: OperationFilter = {}): Promise<OperationPage> {
    const limit = Math.min(MAX_PAGE, Math.max(1, Math.floor(filter.limit ?? DEFAULT_PAGE)))
    const where: string[] = []
    const params: SqlValue[] = []
    let from = 'operations o'
    if (filter.instance_id !== undefined) {
      from += ' JOIN operation_instances i ON i.seq = o.seq AND i.instance_id = ?'
      params.push(filter.instance_id)
    }
    const statuses = filter.status === undefined ? [] : Array.isArray(filter.status) ? filter.status : [filter.status]
    if (statuses.length) {
      where.push(`o.status IN (${statuses.map(() => '?').join(', ')})`)
      params.push(...statuses)
    }
    if (filter.kind !== undefined) where.push('o.kind = ?'), params.push(filter.kind)
    if (filter.created_after !== undefined) where.push('o.created_at >= ?'), params.push(filter.created_after)
    if (filter.created_before !== undefined) where.push('o.created_at < ?'), params.push(filter.created_before)
    if (filter.next !== undefined) where.push('o.seq < ?'), params.push(decodeCursor(filter.next))
    const sql = `SELECT o.* FROM ${from}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY o.seq DESC LIMIT ?`
    const rows = this.db.prepare(sql).all(...params, limit + 1)
    const page = rows.slice(0, limit)
    const last = page[page.length - 1]
    return { items: page.map(toRecord), next: rows.length > limit && last ? encodeCursor(Number(last.seq)) : null }
  }

  async unfinishedOperations(): Promise<OperationRecord[]> {
    return this.db.prepare("SELECT * FROM operations WHERE status IN ('pending', 'running') ORDER BY seq").all().map(toRecord)
  }

  async appendLog(operationId: string, lines: string[], at: string): Promise<number> {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT log_lines FROM operations WHERE id = ?').get(operationId)
      let n = Number(row?.log_lines ?? 0)
      if (!lines.length) return n
      const add = this.db.prepare('INSERT INTO operation_log (operation_id, n, at, text) VALUES (?, ?, ?, ?)')
      for (const line of lines) add.run(operationId, ++n, at, line)
      this.db.prepare('UPDATE operations SET log_lines = ? WHERE id = ?').run(n, operationId)
      return n
    })
  }

  async readLog(operationId: string, offset: number, limit: number): Promise<LogLine[]> {
    return this.db
      .prepare('SELECT n, at, text FROM operation_log WHERE operation_id = ? AND n > ? ORDER BY n LIMIT ?')
      .all(operationId, Math.max(0, Math.floor(offset)), Math.max(0, Math.floor(limit)))
      .map((r) => ({ n: Number(r.n), at: String(r.at), text: String(r.text) }))
  }

  async logLength(operationId: string): Promise<number> {
    return Number(this.db.prepare('SELECT log_lines FROM operations WHERE id = ?').get(operationId)?.log_lines ?? 0)
  }

  async claimIdempotencyKey(c: IdempotencyClaim): Promise<IdempotencyResult> {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT fingerprint, operation_id, expires_at FROM idempotency_keys WHERE scope = ? AND key = ?').get(c.scope, c.key)
      if (row && String(row.expires_at) > c.now) return { claimed: false as const, operation_id: String(row.operation_id), fingerprint: String(row.fingerprint) }
      this.db
        .prepare('INSERT OR REPLACE INTO idempotency_keys (scope, key, fingerprint, operation_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(c.scope, c.key, c.fingerprint, c.operation_id, c.now, c.expires_at)
      return { claimed: true as const }
    })
  }

  async releaseIdempotencyKey(scope: string, key: string, operationId: string): Promise<void> {
    this.db.prepare('DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND operation_id = ?').run(scope, key, operationId)
  }

  async appendEvent(e: EventInput): Promise<EventRecord> {
    const data = JSON.stringify(e.data ?? null)
    const { lastInsertRowid } = this.db.prepare('INSERT INTO events (type, at, operation_id, data) VALUES (?, ?, ?, ?)').run(e.type, e.at, e.operation_id ?? null, data)
    return { id: lastInsertRowid, type: e.type, at: e.at, operation_id: e.operation_id ?? null, data: e.data ?? null }
  }

  async readEvents(afterId: number, opts: { types?: string[]; limit?: number } = {}): Promise<EventRecord[]> {
    const limit = Math.max(1, Math.floor(opts.limit ?? 1000))
    const types = opts.types ?? []
    const sql = `SELECT id, type, at, operation_id, data FROM events WHERE id > ?${types.length ? ` AND type IN (${types.map(() => '?').join(', ')})` : ''} ORDER BY id LIMIT ?`
    return this.db
      .prepare(sql)
      .all(Math.max(0, Math.floor(afterId)), ...types, limit)
      .map((r) => ({ id: Number(r.id), type: String(r.type), at: String(r.at), operation_id: text(r.operation_id), data: parse(r.data, null) }))
  }

  async lastEventId(): Promise<number> {
    // Also after every event was pruned: AUTOINCREMENT remembers the highest id handed out.
    const row = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").get()
    return Number(row?.seq ?? 0)
  }

  async prune(finishedBefore: string, now: string): Promise<PruneResult> {
    const finished = FINISHED_STATUSES.map((s) => `'${s}'`).join(', ')
    const old = `SELECT id FROM operations WHERE finished_at IS NOT NULL AND finished_at < ? AND status IN (${finished})`
    return this.db.transaction(() => {
      const logLines = this.db.prepare(`DELETE FROM operation_log WHERE operation_id IN (${old})`).run(finishedBefore).changes
      const opEvents = this.db.prepare(`DELETE FROM events WHERE operation_id IN (${old})`).run(finishedBefore).changes
      this.db
        .prepare(`DELETE FROM operation_instances WHERE seq IN (SELECT seq FROM operations WHERE finished_at IS NOT NULL AND finished_at < ? AND status IN (${finished}))`)
        .run(finishedBefore)
      const operations = this.db.prepare(`DELETE FROM operations WHERE id IN (${old})`).run(finishedBefore).changes
      const looseEvents = this.db.prepare('DELETE FROM events WHERE operation_id IS NULL AND at < ?').run(finishedBefore).changes
      const keys = this.db.prepare('DELETE FROM idempotency_keys WHERE expires_at <= ?').run(now).changes
      return { operations, log_lines: logLines, events: opEvents + looseEvents, idempotency_keys: keys }
    })
  }

  async close(): Promise<void> {
    this.db.close()
  }
}
