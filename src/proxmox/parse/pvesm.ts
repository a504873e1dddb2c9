/**
 * `pvesm status` (pve-storage `src/PVE/CLI/pvesm.pm`). Header is either
 * `Name Type Status Total Used Available %` (before pve-storage 9.0.14) or
 * `Name Type Status Total (KiB) Used (KiB) Available (KiB) %`. Rows:
 * `%-Ws %10s %10s %15d %15d %15d % 7.2f%%`; a disabled storage shows `N/A`.
 */
import type { PvesmStatusRow } from '../schemas.ts'
import { OutputParseError } from './json.ts'


export function parsePvesmStatus(stdout: string): PvesmStatusRow[] {
  const rows: PvesmStatusRow[] = []
  for (const raw of stdout.split('\n')) {
    const fields = raw.trim().split(/\s+/).filter((f) => f !== '')
    if (fields.length === 0) continue
    if (fields[0] === 'Name' && fields[1] === 'Type' && fields[2] === 'Status') continue
    const ok =
      fields.length === 7 &&
      /^\d+$/.test(fields[3]!) &&
      /^\d+$/.test(fields[4]!) &&
      /^\d+$/.test(fields[5]!) &&
      /^(\d+(\.\d+)?%|N\/A)$/.test(fields[6]!)
    if (!ok) throw new OutputParseError(`pvesm status: unexpected line ${JSON.stringify(raw.slice(0, 200))}`)
    const pct = fields[6]!
    rows.push({
      name: fields[0]!,
      type: fields[1]!,
      status: fields[2]!,
      total: Number(fields[3]),
      used: Number(fields[4]),
      available: Number(fields[5]),
      percent: pct === 'N/A' ? null : Number(pct.slice(0, -1)),
    })
  }
  return rows
}
