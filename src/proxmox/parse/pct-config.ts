/**
 * `pct config <vmid>` output (pve-container `src/PVE/CLI/pct.pm` `config`) and
 * the config file syntax (`src/PVE/LXC/Config.pm` `parse_pct_config`).
 *
 * `pct config` prints `key: value` sorted by key, the description
 * percent-encoded on one line (usually ending in `%0A`), then the raw `lxc.*`
 * entries in file order. The file form additionally has `#` description lines
 * and `[section]` headers (`[pve:pending]`, `[<snapname>]`); both are accepted.
 */

/** Percent-decoding as PVE writes it (`%3A` → `:`, `%0A` → newline, UTF-8 bytes). */
export function percentDecode(text: string): string {
  if (!text.includes('%')) return text
  const bytes: number[] = []
  const enc = new TextEncoder()
  for (let i = 0; i < text.length; ) {
    const c = text[i]!
    if (c === '%' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16))
      i += 3
      continue
    }
    const cp = text.codePointAt(i)!
    const ch = String.fromCodePoint(cp)
    for (const b of enc.encode(ch)) bytes.push(b)
    i += ch.length
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(new Uint8Array(bytes))
}

export interface ConfigSection {
  /** `key: value` entries (values trimmed); `description` is percent-decoded. */
  values: Record<string, string>
  /** Raw `lxc.*` entries in order (keys may repeat, e.g. `lxc.mount.entry`). */
  lxc: Array<[string, string]>
}

export interface ParsedPctConfig extends ConfigSection {
  /** Other sections of a config *file*: `pve:pending` and snapshot names. Empty for `pct config` output. */
  sections: Record<string, ConfigSection>
}

const KEY_LINE = /^([a-z][a-z_]*\d*):\s*(.*)$/
const LXC_LINE = /^(lxc\.[^\s:=]+)\s*(?::|=)\s*(.*)$/
const SECTION_LINE = /^\[([a-z][a-z0-9_\-]+|pve:pending)\]\s*$/i

export function parsePctConfig(text: string): ParsedPctConfig {
  const main: ConfigSection = { values: {}, lxc: [] }
  const sections: Record<string, ConfigSection> = {}
  let cur = main
  let descLines: string[] = []
  const flushDesc = () => {
    if (descLines.length > 0 && cur.values.description === undefined) {
      cur.values.description = descLines.map((l) => percentDecode(l) + '\n').join('')
    }
    descLines = []
  }
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '')
    if (line.trim() === '') continue
    const sec = SECTION_LINE.exec(line)
    if (sec) {
      flushDesc()
      cur = { values: {}, lxc: [] }
      sections[sec[1]!] = cur
      continue
    }
    if (line.startsWith('#')) {
      descLines.push(line.slice(1))
      continue
    }
    const lxc = LXC_LINE.exec(line)
    if (lxc) {
      cur.lxc.push([lxc[1]!, lxc[2]!.trim()])
      continue
    }
    const kv = KEY_LINE.exec(line)
    if (kv) {
      const key = kv[1]!
      const value = kv[2]!.trim()
      cur.values[key] = key === 'description' ? percentDecode(value) : value
    }
    // anything else is ignored, as PVE warns and skips unparsable lines
  }
  flushDesc()
  return { ...main, sections }
}
