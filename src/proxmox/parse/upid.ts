/**
 * UPID (task id), facts §0.3:
 * `UPID:<node>:<pid 8 hex>:<pstart 8-9 hex>:<starttime 8 hex>:<type>:<id>:<user>:`
 */
import type { Upid } from '../schemas.ts'

export type { Upid }

const UPID_RE = /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/

export function parseUpid(text: string): Upid | undefined {
  const s = text.trim().replace(/^"(.*)"$/, '$1')
  const m = UPID_RE.exec(s)
  if (!m) return undefined
  return {
    upid: s,
    node: m[1]!,
    pid: Number.parseInt(m[3]!, 16),
    pstart: Number.parseInt(m[4]!, 16),
    starttime: Number.parseInt(m[5]!, 16),
    type: m[6]!,
    id: m[7]!,
    user: m[8]!,
  }
}

/** The UPID printed as the last line of a worker call (bare or as a JSON string), if any. */
export function findUpid(stdout: string): Upid | undefined {
  const lines = stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '')
  for (let i = lines.length - 1; i >= 0; i--) {
    const u = parseUpid(lines[i]!)
    if (u) return u
  }
  return undefined
}

