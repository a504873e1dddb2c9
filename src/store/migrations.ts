/**
 * The store's schema, as an ordered list of migrations. Version N is applied
 * once, in one transaction with its row in `schema_version`, so a crash
 * leaves the file at N-1 or N, never between. Add a migration by appending
 * the next version; never edit one that has shipped.
 */
import type { SqlDriver } from './driver.ts'

export interface Migration {
  version: number
  description: string
  /** Statements run in order. */
  up: string[]
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'operations, operation logs, idempotency keys, events',
    up: [
      `CREATE TABLE operations (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        region TEXT,
        az TEXT,
        resources TEXT NOT NULL,
        progress TEXT NOT NULL,
        may_cancel INTEGER NOT NULL,
        result TEXT,
        result_status INTEGER,
        error TEXT,
        request_id TEXT,
        host_task TEXT,
        planned TEXT NOT NULL DEFAULT '[]',
        log_lines INTEGER NOT NULL DEFAULT 0
      )`,
      'CREATE INDEX operations_by_status ON operations (status, seq)',
      'CREATE INDEX operations_by_kind ON operations (kind, seq)',
      'CREATE INDEX operations_by_finish ON operations (finished_at) WHERE finished_at IS NOT NULL',
      `CREATE TABLE operation_instances (
        instance_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (instance_id, seq)
      ) WITHOUT ROWID`,
      'CREATE INDEX operation_instances_by_seq ON operation_instances (seq)',
      `CREATE TABLE operation_log (
        operation_id TEXT NOT NULL,
        n INTEGER NOT NULL,
        at TEXT NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (operation_id, n)
      ) WITHOUT ROWID`,
      `CREATE TABLE idempotency_keys (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        operation_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        PRIMARY KEY (scope, key)
      ) WITHOUT ROWID`,
      'CREATE INDEX idempotency_by_expiry ON idempotency_keys (expires_at)',
      `CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        type TEXT NOT NULL,
        at TEXT NOT NULL,
        operation_id TEXT,
        data TEXT NOT NULL
      )`,
      'CREATE INDEX events_by_operation ON events (operation_id) WHERE operation_id IS NOT NULL',
      'CREATE INDEX events_by_time ON events (at)',
    ],
  },
]

export class SchemaTooNewError extends Error {
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(`the state database has schema version ${found}, written by a newer LWS; this one knows versions up to ${known}`)
  }
}

/** The version the database is at (0 for an empty one). */
export function schemaVersion(db: SqlDriver): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)')
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get()
  return Number(row?.v ?? 0)
}

/** Brings the database up to the newest version; returns the versions it went from and to. */
export function migrate(db: SqlDriver, migrations: readonly Migration[] = MIGRATIONS): { from: number; to: number } {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration list out of order: entry ${i} has version ${m.version}`)
  })
  const latest = migrations.length
  const from = schemaVersion(db)
  if (from > latest) throw new SchemaTooNewError(from, latest)
  for (const m of migrations.slice(from)) {
    db.transaction(() => {
      // Another connection may have migrated since we looked.
      if (schemaVersion(db) >= m.version) return
      for (const sql of m.up) db.exec(sql)
      db.prepare('INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)').run(m.version, m.description, new Date().toISOString())
    })
  }
  return { from, to: Math.max(from, latest) }
}
