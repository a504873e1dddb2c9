/**
 * The snapshot list `pvesh get /nodes/<node>/lxc/<vmid>/snapshot`
 * (pve-container `src/PVE/API2/LXC/Snapshot.pm` `list`): the snapshots in
 * hash order plus a `current` entry whose `parent` is the snapshot the CT
 * derives from.
 */
import type { Snapshot } from '../schemas.ts'
import { asArray, num, str } from './json.ts'

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
