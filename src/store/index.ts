/**
 * Opens the store LWS keeps its state in: `<state_dir>/lws.db` (created with
 * its folder, mode 0700), or an in-memory database when there is no
 * state_dir (inline configs: tests, POST /conf/validate bodies).
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { openSqlite } from './driver.ts'
import { SqliteStore } from './sqlite.ts'
import type { Store } from './types.ts'

export type { Store } from './types.ts'
export * from './types.ts'
export { InvalidCursorError, MAX_PAGE } from './sqlite.ts'

export const STATE_FILE = 'lws.db'

/** `null` → in memory (nothing survives the process). */
export async function openStore(stateDir: string | null): Promise<Store> {
  if (stateDir === null) return SqliteStore.open(await openSqlite(':memory:'), ':memory:')
  mkdirSync(stateDir, { recursive: true, mode: 0o700 })
  const file = join(stateDir, STATE_FILE)
  const db = await openSqlite(file)
  try {
    return SqliteStore.open(db, file)
  } catch (err) {
    db.close()
    throw err
  }
}
