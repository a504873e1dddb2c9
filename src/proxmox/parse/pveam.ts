/**
 * `pveam available` (facts §14.2) and `pveam list <storage>` (§14.3).
 */
import type { AvailableTemplate } from '../schemas.ts'
import { OutputParseError } from './json.ts'
import { parseMiBLabel } from './property-string.ts'


/** 2-column (`%-15s %s`) or 3-column (`%-15s %-60s %s`) rows; parsed by whitespace. */
export function parsePveamAvailable(stdout: string): AvailableTemplate[] {
  const rows: AvailableTemplate[] = []
  for (const raw of stdout.split('\n')) {
    const fields = raw.trim().split(/\s+/).filter((f) => f !== '')
    if (fields.length === 0) continue
    if (fields.length < 2 || fields.length > 3) {
      throw new OutputParseError(`pveam available: unexpected line ${JSON.stringify(raw.slice(0, 200))}`)
    }
    const row: AvailableTemplate = { section: fields[0]!, template: fields[1]! }
    if (fields[2] !== undefined) row.arch = fields[2]
    rows.push(row)
  }
  return rows
}

export interface PveamListRow {
  /** `local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst` */
  volid: string
  /** Bytes, reconstructed from the MiB figure (±5 KiB of rounding). */
  size: number
}

/** Header `NAME ... SIZE` always printed; rows `%-60s %-4.2fMB`. */
export function parsePveamList(stdout: string): PveamListRow[] {
  const rows: PveamListRow[] = []
  for (const raw of stdout.split('\n')) {
    const fields = raw.trim().split(/\s+/).filter((f) => f !== '')
    if (fields.length === 0) continue
    if (fields[0] === 'NAME' && fields[1] === 'SIZE') continue
    const size = fields.length === 2 ? parseMiBLabel(fields[1]!) : undefined
    if (size === undefined) throw new OutputParseError(`pveam list: unexpected line ${JSON.stringify(raw.slice(0, 200))}`)
    rows.push({ volid: fields[0]!, size })
  }
  return rows
}
