/**
 * What every check produces: findings with a stable id, a severity, the
 * evidence that triggered them and what to do about it.
 */

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const
export type Severity = (typeof SEVERITIES)[number]

export interface Finding {
  /** Stable id: `<check>` or `<check>:<item>`, e.g. `ssh-root-login`, `account-empty-password:guest`. */
  id: string
  /** Which check produced it: config, ssh, accounts, listeners, packages, files, host. */
  category: string
  title: string
  severity: Severity
  /** What was seen, quoted from the container or host. */
  evidence: string
  remediation: string
}

export type SeverityCounts = Record<Severity, number> & { total: number }

export function summarize(findings: readonly Finding[]): SeverityCounts {
  const out = { critical: 0, high: 0, medium: 0, low: 0, info: 0, total: findings.length }
  for (const f of findings) out[f.severity]++
  return out
}

/** Most severe first, then by id. */
export function sortFindings(findings: Finding[]): Finding[] {
  const rank = (s: Severity) => SEVERITIES.indexOf(s)
  return findings.sort((a, b) => rank(a.severity) - rank(b.severity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/** Evidence text from container-controlled strings: printable, bounded. */
export function clip(text: string, max = 500): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '?')
  return clean.length > max ? `${clean.slice(0, max)}…` : clean
}
