/**
 * What the operations store costs per operation (numbers for the README; not
 * a test). Each sample is one whole operation through the Operations
 * service — start (row + created event), running (progress write + event),
 * two log lines, one progress update, finish (row + finished event), wait —
 * around work that does nothing, so the time is the bookkeeping alone.
 * Floors measured in the same run: the empty work function awaited alone,
 * and one bare SQLite insert.
 * Stores: SQLite in memory, and a file in a temp state_dir (WAL,
 * synchronous=NORMAL, as LWS runs it).
 * The file store's p99 is SQLite's WAL checkpoints (every ~1000 pages the
 * WAL is copied back and the database fsynced), which land on ~2% of the
 * operations here.
 * Run: bun bench/store.ts [N]   (npm run bench:store)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqlite } from '../src/store/driver.ts'
import { openStore } from '../src/store/index.ts'
import { Operations, type OpContext } from '../src/operations/service.ts'
import type { Logger } from '../src/log.ts'

const N = Number(process.argv[2] ?? 2000)
const WARMUP = 200
const log: Logger = { debug() {}, info() {}, warn() {}, error() {} }
const pct = (s: number[], p: number) => [...s].sort((a, b) => a - b)[Math.min(s.length - 1, Math.floor(s.length * p))]!
const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(3)} ms`)

async function sample(n: number, one: (i: number) => Promise<unknown> | unknown): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await one(-i - 1)
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    await one(i)
    out.push(performance.now() - t0)
  }
  return out
}

const work = async (op: OpContext) => {
  op.log('first line\nsecond line')
  op.progress({ done: 1, step: 'halfway' })
  return { ok: true }
}

async function operations(stateDir: string | null): Promise<number[]> {
  const store = await openStore(stateDir)
  const ops = new Operations(store, { log, pruneTimer: false })
  const s = await sample(N, async (i) => {
    const { operation } = await ops.start({ kind: 'bench.noop', region: 'r', az: 'a', resources: { instances: [String(1000 + (i % 50))] }, total: 2 }, work)
    await ops.wait(operation.id, Number.POSITIVE_INFINITY)
  })
  ops.close()
  await store.close()
  return s
}

async function bareInsert(path: string): Promise<number[]> {
  const db = await openSqlite(path)
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)')
  const ins = db.prepare('INSERT INTO t (v) VALUES (?)')
  const s = await sample(N, () => ins.run('{"ok":true}'))
  db.close()
  return s
}

const dir = mkdtempSync(join(tmpdir(), 'lws-bench-store-'))
try {
  const rows: [string, number[]][] = [
    ['floor: empty work function, awaited', await sample(N, () => work({ log() {}, progress() {} } as unknown as OpContext))],
    ['floor: one bare SQLite insert (memory)', await bareInsert(':memory:')],
    ['floor: one bare SQLite insert (file, WAL)', await bareInsert(join(dir, 'bare.db'))],
    ['operation, store in memory', await operations(null)],
    ['operation, store in a file (WAL)', await operations(join(dir, 'state'))],
  ]
  console.log(`store overhead per operation, ${N} sequential operations each (after ${WARMUP} warm-up), ${process.versions.bun ? `bun ${process.versions.bun}` : 'deno'}`)
  console.log(`${'measure'.padEnd(44)} ${'p50'.padStart(10)} ${'p99'.padStart(10)} ${'max'.padStart(10)}`)
  for (const [name, s] of rows) console.log(`${name.padEnd(44)} ${fmt(pct(s, 0.5)).padStart(10)} ${fmt(pct(s, 0.99)).padStart(10)} ${fmt(Math.max(...s)).padStart(10)}`)
  const floor = pct(rows[0]![1], 0.5)
  const file = rows[4]![1]
  console.log(`overhead over the empty-work floor (file store): p50 ${fmt(pct(file, 0.5) - floor)}, p99 ${fmt(pct(file, 0.99) - pct(rows[0]![1], 0.99))}`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
