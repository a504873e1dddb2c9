/**
 * From collected evidence to the scan's answer: findings of every check that
 * produced output, and one status per check (ok, timed out, skipped,
 * unavailable, failed), so a partial scan says what it is missing.
 */
import type { PvePackageVersion } from '../../../src/proxmox/parse/pveversion.ts'
import type { ContainerConfig } from '../../../src/proxmox/schemas.ts'
import type { ScanMode, ScanOutput, Section, SectionName } from '../scan-script.ts'
import { accountFindings, parseAccountsSection } from './accounts.ts'
import { configFindings } from './config.ts'
import { parseSuidSection, parseWorldWritableSection, suidFindings, worldWritableFindings } from './files.ts'
import { hostFindings } from './host.ts'
import { listenerFindings, parseListenSection } from './listeners.ts'
import { packageFindings, parsePackagesSection } from './packages.ts'
import { parseSshSection, sshFindings } from './ssh.ts'
import { sortFindings, summarize, type Finding, type SeverityCounts } from './types.ts'

export type CheckStatus = 'ok' | 'timed_out' | 'skipped' | 'unavailable' | 'failed'

export interface CheckResult {
  check: string
  status: CheckStatus
  detail: string | null
}

/** What the host side or the container could not deliver, and why. */
export interface Outcome<T> {
  value?: T
  status: CheckStatus
  detail?: string
}

export interface ScanEvidence {
  vmid: string
  mode: ScanMode
  config: Outcome<ContainerConfig>
  inside: Outcome<ScanOutput>
  /** Full scan only. */
  host?: Outcome<Record<string, PvePackageVersion>>
  now?: Date
}

export interface ScanEvaluation {
  findings: Finding[]
  summary: SeverityCounts
  checks: CheckResult[]
  /** Checks that ran out of time. */
  timed_out: string[]
  /** Some check did not complete. */
  partial: boolean
  os: string | null
}

const SECTIONS_OF: Record<string, SectionName> = {
  accounts: 'accounts',
  ssh: 'ssh',
  listeners: 'listen',
  packages: 'packages',
  world_writable: 'world_writable',
  suid: 'suid',
}

export function evaluateScan(ev: ScanEvidence): ScanEvaluation {
  const findings: Finding[] = []
  const checks: CheckResult[] = []
  const check = (name: string, status: CheckStatus, detail: string | null = null) => checks.push({ check: name, status, detail })

  if (ev.config.value) findings.push(...configFindings(ev.vmid, ev.config.value))
  check('config', ev.config.status, ev.config.detail ?? null)

  const inside = ev.inside.value
  const section = (name: SectionName): Section | undefined => inside?.sections[name]
  const names = ['accounts', 'ssh', 'listeners', ...(ev.mode === 'full' ? ['packages', 'world_writable', 'suid'] : [])]
  /** Status of a check from its section (or from the container command as a whole). */
  const statusOf = (name: string): [CheckStatus, string | null] => {
    if (!inside) return [ev.inside.status, ev.inside.detail ?? null]
    const s = section(SECTIONS_OF[name]!)
    if (!s) return inside.completed ? ['failed', 'no output'] : ['timed_out', 'the scan command was stopped before this check']
    if (s.status === 'ok') return ['ok', null]
    if (s.status === 'failed') return ['ok', `exit code ${s.exitCode}`]
    if (s.status === 'skipped') return ['timed_out', 'not started: time limit reached']
    return ['timed_out', 'stopped at the time limit']
  }

  let listening22 = false
  if (section('listen')) {
    const l = parseListenSection(section('listen')!.lines)
    listening22 = l.listeners.some((x) => x.proto === 'tcp' && x.port === 22)
  }
  for (const name of names) {
    let [status, detail] = statusOf(name)
    const s = section(SECTIONS_OF[name]!)
    if (s && s.lines.length) {
      switch (name) {
        case 'accounts':
          if (s.lines.includes('noshadow')) detail = '/etc/shadow not readable'
          findings.push(...accountFindings(parseAccountsSection(s.lines)))
          break
        case 'ssh': {
          const e = parseSshSection(s.lines)
          if (!e.binary) [status, detail] = ['unavailable', 'no SSH server installed']
          else if (!e.files.length) detail = 'no /etc/ssh/sshd_config'
          findings.push(...sshFindings(e, listening22))
          break
        }
        case 'listeners': {
          const e = parseListenSection(s.lines)
          if (e.source === 'none') [status, detail] = ['unavailable', 'neither ss nor netstat nor /proc/net']
          else if (e.source !== 'ss') detail = `read with ${e.source}${e.source === 'proc' ? ' (no process names)' : ''}`
          findings.push(...listenerFindings(e))
          break
        }
        case 'packages': {
          const e = parsePackagesSection(s.lines)
          if (e.manager === 'none') [status, detail] = ['unavailable', 'no apt-get (with a dpkg database) or apk']
          else if (e.exitCode !== 0 && !e.updates.length) [status, detail] = ['failed', `${e.manager} exit code ${e.exitCode}: ${e.messages.slice(0, 3).join(' ').slice(0, 300)}`]
          else detail = `${e.manager}, from the package lists already in the container (not refreshed)`
          findings.push(...packageFindings(e))
          break
        }
        case 'world_writable':
          findings.push(...worldWritableFindings(parseWorldWritableSection(s.lines)))
          break
        case 'suid':
          findings.push(...suidFindings(parseSuidSection(s.lines)))
          break
      }
    } else if (name === 'ssh' && status === 'ok') {
      ;[status, detail] = ['unavailable', 'no SSH server installed']
    }
    check(name, status, detail)
  }

  if (ev.host) {
    if (ev.host.value) findings.push(...hostFindings(ev.host.value, ev.now))
    check('host', ev.host.status, ev.host.detail ?? null)
  }

  let os: string | null = null
  const osLines = section('os')?.lines ?? []
  const pretty = osLines.find((l) => l.startsWith('PRETTY_NAME='))
  if (pretty) os = pretty.slice('PRETTY_NAME='.length).replace(/^"(.*)"$/, '$1').slice(0, 100)

  sortFindings(findings)
  const timedOut = checks.filter((c) => c.status === 'timed_out').map((c) => c.check)
  return {
    findings,
    summary: summarize(findings),
    checks,
    timed_out: timedOut,
    partial: checks.some((c) => c.status === 'timed_out' || c.status === 'skipped' || (c.status === 'failed' && c.check !== 'packages')),
    os,
  }
}
