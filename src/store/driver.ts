/**
 * The few SQLite calls the store makes, over whichever driver the runtime
 * has: `bun:sqlite` under Bun (also inside the compiled binary), `node:sqlite`
 * under Deno (and Node ≥ 22.5). Both are synchronous and bundled with the
 * runtime, so nothing is installed. The driver module is imported
 * dynamically, by runtime, so the Bun build never pulls `node:sqlite` in and
 * Deno never loads `bun:sqlite`. Parameters are positional (`?`) only.
 */

export type SqlValue = string | number | bigint | null | Uint8Array
export type Row = Record<string, unknown>

export interface SqlStatement {
  run(...params: SqlValue[]): { changes: number; lastInsertRowid: number }
  all(...params: SqlValue[]): Row[]
  get(...params: SqlValue[]): Row | undefined
}

export interface SqlDriver {
  /** `bun:sqlite` or `node:sqlite`. */
  readonly name: string
  exec(sql: string): void
  /** A prepared statement, cached by its text. */
  prepare(sql: string): SqlStatement
  /**
   * Runs `fn` in one `BEGIN IMMEDIATE` transaction: committed when it
   * returns, rolled back when it throws. `fn` must be synchronous (no await
   * inside a transaction). Nested calls join the outer transaction.
   */
  transaction<T>(fn: () => T): T
  close(): void
}

interface RawStatement {
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint }
  all(...params: unknown[]): unknown[]
  get(...params: unknown[]): unknown
}

interface RawDatabase {
  exec(sql: string): unknown
  prepare(sql: string): RawStatement
  close(): void
}

const isBun = () => typeof (globalThis as { Bun?: unknown }).Bun !== 'undefined'

async function openRaw(path: string): Promise<{ db: RawDatabase; name: string }> {
  if (isBun()) {
    const { Database } = await import('bun:sqlite')
    return { db: new Database(path, { create: true, strict: true }) as unknown as RawDatabase, name: 'bun:sqlite' }
  }
  // Not a literal: bundlers and type checkers for Bun must not try to resolve it.
  const spec = 'node:sqlite'
  const mod = (await import(spec)) as { DatabaseSync: new (path: string) => RawDatabase }
  return { db: new mod.DatabaseSync(path), name: 'node:sqlite' }
}

class Driver implements SqlDriver {
  private statements = new Map<string, SqlStatement>()
  private depth = 0

  constructor(
    private db: RawDatabase,
    readonly name: string,
  ) {}

  exec(sql: string): void {
    this.db.exec(sql)
  }

  prepare(sql: string): SqlStatement {
    let s = this.statements.get(sql)
    if (!s) {
      const raw = this.db.prepare(sql)
      s = {
        run: (...p) => {
          const r = raw.run(...p)
          return { changes: Number(r.changes), lastInsertRowid: Number(r.lastInsertRowid) }
        },
        all: (...p) => raw.all(...p) as Row[],
        // bun:sqlite answers null for no row, node:sqlite undefined.
        get: (...p) => (raw.get(...p) as Row | null) ?? undefined,
      }
      this.statements.set(sql, s)
    }
    return s
  }

  transaction<T>(fn: () => T): T {
    if (this.depth > 0) return fn()
    this.db.exec('BEGIN IMMEDIATE')
    this.depth++
    try {
      const out = fn()
      this.db.exec('COMMIT')
      return out
    } catch (err) {
      try {
        this.db.exec('ROLLBACK')
      } catch {
        // SQLite already rolled back (e.g. on SQLITE_FULL); the original error matters.
      }
      throw err
    } finally {
      this.depth--
    }
  }

  close(): void {
    this.statements.clear()
    this.db.close()
  }
}

/**
 * Opens (creating it when missing) the database at `path`, or an in-memory
 * one for `:memory:`. Files get WAL mode (readers never block the writer),
 * `synchronous = NORMAL` (durable across a crash of the process; the last
 * transactions can be lost on power loss only), foreign keys and a busy
 * timeout for a second connection on the same file.
 */
export async function openSqlite(path: string): Promise<SqlDriver> {
  const { db, name } = await openRaw(path)
  const driver = new Driver(db, name)
  try {
    driver.exec('PRAGMA busy_timeout = 5000')
    if (path !== ':memory:') {
      const mode = driver.prepare('PRAGMA journal_mode = WAL').get()
      if (String(mode?.journal_mode).toLowerCase() !== 'wal') throw new Error(`${path}: cannot switch to WAL mode (journal_mode is ${String(mode?.journal_mode)})`)
      driver.exec('PRAGMA synchronous = NORMAL')
    }
    driver.exec('PRAGMA foreign_keys = ON')
  } catch (err) {
    driver.close()
    throw err
  }
  return driver
}
