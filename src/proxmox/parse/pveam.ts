/**
 * `pveam available [--section s]` (pve-manager `PVE/CLI/pveam.pm`): one
 * `%-15s %s` row per template, sorted by section then name; pve-manager
 * 9.2.7 adds a third column, the architecture (`%-15s %-60s %s`).
 */
import type { AvailableTemplate } from '../schemas.ts'
import { OutputParseError } from './json.ts'

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
