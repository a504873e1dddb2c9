/**
 * Snapshot listings (facts §12.2): the `pct listsnapshot` tree and the pvesh
 * JSON array `/nodes/<node>/lxc/<vmid>/snapshot`.
 */
import type { Snapshot } from '../schemas.ts'
import { asArray, num, OutputParseError, str } from './json.ts'

export interface SnapshotTreeRow {
  name: string
  /** 0 for roots; each level adds one leading space. */
  depth: number
  /** The row this one hangs under (undefined for roots). */
  parent?: string
  /** `YYYY-MM-DD HH:MM:SS` in the host's local time; undefined for `current`. */
  time?: string
  /** First line of the description; `no-description` is reported as ''. */
  description: string
  /** The `current` pseudo-row ("You are here!"). */
  current: boolean
}

const TREE_LINE = /^( *)`-> (\S+) +(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)? *(.*)$/

export function parseSnapshotTree(stdout: string): SnapshotTreeRow[] {
  const rows: SnapshotTreeRow[] = []
  const stack: string[] = [] // stack[d] = last name seen at depth d
  for (const raw of stdout.split('\n')) {
    const line = raw.replace(/\r$/, '')
    if (line.trim() === '') continue
    const m = TREE_LINE.exec(line)
    if (!m) throw new OutputParseError(`pct listsnapshot: unexpected line ${JSON.stringify(line.slice(0, 200))}`)
    const depth = m[1]!.length
    const name = m[2]!
    const time = m[3]
    const text = m[4]!.trimEnd()
    const current = name === 'current' && time === undefined
    stack.length = depth
    const row: SnapshotTreeRow = {
      name,
      depth,
      description: current ? '' : text === 'no-description' ? '' : text,
      current,
    }
    if (depth > 0 && stack[depth - 1] !== undefined) row.parent = stack[depth - 1]
    if (time !== undefined) row.time = time
    stack[depth] = name
    rows.push(row)
  }
  return rows
}


/** Tree rows → snapshots (the `current` pseudo-row becomes the `current` flag of its parent). */
export function snapshotsFromTree(rows: SnapshotTreeRow[]): Snapshot[] {
  const here = rows.find((r) => r.current)?.parent
  return rows
    .filter((r) => !r.current)
    .map((r) => {
      const s: Snapshot = { name: r.name, description: r.description, current: r.name === here }
      if (r.parent !== undefined) s.parent = r.parent
      return s
    })
}

/**
 * pvesh JSON: `[{name, snaptime, description, parent?, snapstate?}, ..., {name:'current', parent?, running, digest}]`
 * in hash order → snapshots sorted by snaptime then name.
 */
export function snapshotsFromJson(json: unknown): Snapshot[] {
  const items = asArray(json, 'snapshot list').filter((x): x is Record<string, unknown> => !!x && typeof x === 'object')
  const cur = items.find((x) => x.name === 'current')
  const here = cur ? str(cur.parent) : undefined
  const out: Snapshot[] = []
  for (const x of items) {
    const name = str(x.name)
    if (name === undefined || name === 'current') continue
    const s: Snapshot = { name, description: str(x.description) ?? '', current: name === here }
    const parent = str(x.parent)
    if (parent) s.parent = parent
    const t = num(x.snaptime)
    if (t) s.snaptime = t
    const state = str(x.snapstate)
    if (state) s.snapstate = state
    out.push(s)
  }
  out.sort((a, b) => (a.snaptime ?? 0) - (b.snaptime ?? 0) || a.name.localeCompare(b.name))
  return out
}
