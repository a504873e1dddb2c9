/**
 * `pct list` (facts §3): printf "%-10s %-10s %-12s %-20s\n" with a header,
 * nothing at all when there are no containers. Hostnames and lock names hold
 * no whitespace, so a row has 3 fields (no lock) or 4 (locked).
 */
import { OutputParseError } from './json.ts'

export interface PctListRow {
  vmid: number
  status: string
  /** Lock name, or undefined when the CT is not locked. */
  lock?: string
  name: string
}

export function parsePctList(stdout: string): PctListRow[] {
  const rows: PctListRow[] = []
  for (const line of stdout.split('\n')) {
    const fields = line.trim().split(/\s+/).filter((f) => f !== '')
    if (fields.length === 0) continue
    if (fields[0] === 'VMID') continue
    if (!/^\d+$/.test(fields[0]!) || fields.length < 3 || fields.length > 4) {
      throw new OutputParseError(`pct list: unexpected line ${JSON.stringify(line.slice(0, 200))}`)
    }
    const row: PctListRow = { vmid: Number(fields[0]), status: fields[1]!, name: fields[fields.length - 1]! }
    if (fields.length === 4) row.lock = fields[2]!
    rows.push(row)
  }
  return rows
}
