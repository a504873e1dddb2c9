/**
 * `pct status <vmid> [--verbose]` (facts §4): `key: value` lines sorted by key.
 * Default output is the single line `status: running|stopped`.
 */

/** All `key: value` lines as strings (values trimmed). */
export function parseKeyValueLines(stdout: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const raw of stdout.split('\n')) {
    const line = raw.replace(/\r$/, '')
    if (line.trim() === '') continue
    const m = /^([^:\s][^:]*?):\s?(.*)$/.exec(line)
    if (!m) continue
    out[m[1]!.trim()] = m[2]!.trim()
  }
  return out
}

/** `pct status` → the fields it printed (strings; see `toContainerStatus` for typing). */
export function parsePctStatus(stdout: string): Record<string, string> {
  return parseKeyValueLines(stdout)
}
