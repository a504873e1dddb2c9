/**
 * Pending package updates, from `apt-get -s dist-upgrade` (Debian, Ubuntu)
 * or `apk version -l '<'` (Alpine), against the package lists the container
 * already has: the scan does not refresh them.
 */
import { clip, type Finding } from './types.ts'

export interface PendingUpdate {
  name: string
  installed: string | null
  available: string
  security: boolean
}

export interface PackageEvidence {
  manager: 'apt' | 'apk' | 'none'
  exitCode: number | null
  updates: PendingUpdate[]
  /** `E:`/`W:` lines from apt, or apk's output when it failed. */
  messages: string[]
}

export function parsePackagesSection(lines: string[]): PackageEvidence {
  const ev: PackageEvidence = { manager: 'none', exitCode: null, updates: [], messages: [] }
  for (const line of lines) {
    if (line === '#apt' || line === '#apk' || line === '#none') {
      ev.manager = line.slice(1) as PackageEvidence['manager']
      continue
    }
    const rc = /^#rc (\d+)$/.exec(line)
    if (rc) {
      ev.exitCode = Number(rc[1])
      continue
    }
    if (ev.manager === 'apt') {
      // Inst NAME [OLD] (NEW ORIGIN[, ORIGIN...] [ARCH])
      const m = /^Inst (\S+)(?: \[([^\]]*)\])? \((\S+) ([^)]*)\)/.exec(line)
      if (m) ev.updates.push({ name: m[1]!, installed: m[2] ?? null, available: m[3]!, security: /security/i.test(m[4]!) })
      else if (/^[EW]: /.test(line)) ev.messages.push(line)
    } else if (ev.manager === 'apk') {
      const m = /^(\S+?)-(\d\S*)\s+<\s+(\S+)/.exec(line)
      if (m) ev.updates.push({ name: m[1]!, installed: m[2]!, available: m[3]!, security: false })
      else if (ev.exitCode !== 0 && line.trim() && !/^Installed:/.test(line)) ev.messages.push(line)
    }
  }
  return ev
}

const list = (us: PendingUpdate[]) =>
  us
    .slice(0, 15)
    .map((u) => `${u.name} ${u.installed ?? '(new)'} → ${u.available}`)
    .join(', ') + (us.length > 15 ? `, … (${us.length - 15} more)` : '')

export function packageFindings(ev: PackageEvidence): Finding[] {
  const out: Finding[] = []
  const security = ev.updates.filter((u) => u.security)
  const other = ev.updates.filter((u) => !u.security)
  const upgrade = ev.manager === 'apk' ? 'apk update && apk upgrade' : 'apt-get update && apt-get upgrade'
  if (security.length) {
    out.push({
      id: 'pkg-security-updates',
      category: 'packages',
      title: `${security.length} security update${security.length === 1 ? '' : 's'} pending`,
      severity: 'high',
      evidence: clip(list(security), 1500),
      remediation: `Install them: ${upgrade} (consider unattended-upgrades for security updates).`,
    })
  }
  if (other.length) {
    out.push({
      id: 'pkg-updates',
      category: 'packages',
      title: `${other.length} package update${other.length === 1 ? '' : 's'} pending`,
      severity: ev.manager === 'apk' ? 'medium' : 'low',
      evidence: clip(list(other) + (ev.manager === 'apk' ? ' (apk does not say which are security fixes)' : ''), 1500),
      remediation: `Install them: ${upgrade}.`,
    })
  }
  return out
}
