/**
 * `pveversion [--verbose]` (pve-manager `bin/pveversion`).
 * Default: `pve-manager/8.2.4/faa83925c9641325 (running kernel: 6.8.8-2-pve)`;
 * PVE ≤ 7: `pve-manager/7.4-16/0f39f621 (running kernel: 5.15.108-1-pve)`.
 */
import type { PveVersion } from '../schemas.ts'
import { OutputParseError } from './json.ts'


const LINE = /^pve-manager\/((\d+)\.(\d+)[.-](\d+))\/([0-9a-f]+) \(running kernel: (\S+)\)$/

export function parsePveversion(stdout: string): PveVersion {
  const line = stdout.split('\n').map((l) => l.trim()).find((l) => l.startsWith('pve-manager/')) ?? ''
  const m = LINE.exec(line)
  if (!m) throw new OutputParseError(`pveversion: unexpected output ${JSON.stringify(stdout.trim().slice(0, 200))}`)
  return {
    version: m[1]!,
    release: `${m[2]}.${m[3]}`,
    major: Number(m[2]),
    minor: Number(m[3]),
    patch: Number(m[4]),
    repoid: m[5]!,
    kernel: m[6]!,
    pveversion: `pve-manager/${m[1]}/${m[5]}`,
  }
}

export interface PvePackageVersion {
  /** Version as printed, or undefined for `not correctly installed` / `residual config`. */
  version?: string
  /** `not correctly installed` or `residual config` when the package is not properly installed. */
  state?: string
  /** `running kernel: X` / `running version: Y` from the parenthesis, if present. */
  running?: string
}

/** `pveversion -v`: `<pkg>: <version>[ (running ...)]` per line → map by package name. */
export function parsePveversionVerbose(stdout: string): Record<string, PvePackageVersion> {
  const out: Record<string, PvePackageVersion> = {}
  for (const raw of stdout.split('\n')) {
    const line = raw.trim()
    const m = /^([^:\s]+):\s+(.*)$/.exec(line)
    if (!m) continue
    const rest = m[2]!.trim()
    if (rest === 'not correctly installed' || rest === 'residual config') {
      out[m[1]!] = { state: rest }
      continue
    }
    const p = /^(\S+)(?:\s+\((.*)\))?$/.exec(rest)
    if (!p) continue
    const entry: PvePackageVersion = { version: p[1]! }
    if (p[2] !== undefined) entry.running = p[2]
    out[m[1]!] = entry
  }
  return out
}
