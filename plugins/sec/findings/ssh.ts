/**
 * SSH server settings: root login, password authentication, empty passwords.
 * Prefers `sshd -T` (the effective settings) when the container could print
 * them; otherwise reads sshd_config like sshd does: first value wins,
 * `Include` of sshd_config.d files in place, `Match` blocks left out.
 */
import { clip, type Finding } from './types.ts'

export interface SshEvidence {
  /** Path of the sshd binary, when installed. */
  binary?: string
  files: { path: string; lines: string[] }[]
  /** `sshd -T` output, when it worked. */
  effective?: string[]
}

export function parseSshSection(lines: string[]): SshEvidence {
  const ev: SshEvidence = { files: [] }
  let target: string[] | null = null
  for (const line of lines) {
    const bin = /^#binary (\S+)$/.exec(line)
    if (bin) {
      ev.binary = bin[1]
      target = null
      continue
    }
    const file = /^#file (\/\S+)$/.exec(line)
    if (file) {
      const f = { path: file[1]!, lines: [] as string[] }
      ev.files.push(f)
      target = f.lines
      continue
    }
    if (line === '#effective') {
      ev.effective = []
      target = ev.effective
      continue
    }
    target?.push(line)
  }
  return ev
}

export interface SshSettings {
  permitrootlogin: string
  passwordauthentication: string
  permitemptypasswords: string
  /** Where the values came from. */
  source: 'sshd -T' | 'sshd_config' | 'defaults'
  /** `key value (file)` for each value found, for the evidence. */
  seen: Record<string, string>
}

const KEYS = ['permitrootlogin', 'passwordauthentication', 'permitemptypasswords'] as const
// OpenSSH ≥ 7.0 defaults.
const DEFAULTS: Record<(typeof KEYS)[number], string> = { permitrootlogin: 'prohibit-password', passwordauthentication: 'yes', permitemptypasswords: 'no' }

/** sshd's Include glob: `*` and `?` within one path component. */
function globMatch(pattern: string, path: string): boolean {
  const escaped = pattern.replace(/[.+^$(){}|[\]\\]/g, (c) => `\\${c}`)
  const re = new RegExp('^' + escaped.replaceAll('*', '[^/]*').replaceAll('?', '[^/]') + '$')
  return re.test(path)
}

/** The global (non-Match) values of the keys we check. */
export function sshSettings(ev: SshEvidence): SshSettings {
  const eff = ev.effective?.filter((l) => /^[a-z]+ /.test(l)) ?? []
  if (eff.some((l) => l.startsWith('permitrootlogin '))) {
    const s: SshSettings = { ...DEFAULTS, source: 'sshd -T', seen: {} }
    for (const l of eff) {
      const [k, ...v] = l.split(' ')
      if ((KEYS as readonly string[]).includes(k!)) {
        s[k as (typeof KEYS)[number]] = v.join(' ').toLowerCase()
        s.seen[k!] = `${k} ${v.join(' ')} (sshd -T)`
      }
    }
    return s
  }
  const main = ev.files.find((f) => f.path === '/etc/ssh/sshd_config')
  const s: SshSettings = { ...DEFAULTS, source: main ? 'sshd_config' : 'defaults', seen: {} }
  if (!main) return s
  const set = new Set<string>()
  const visit = (file: { path: string; lines: string[] }, depth: number) => {
    let inMatch = false
    for (const raw of file.lines) {
      const line = raw.replace(/#.*$/, '').trim()
      if (!line) continue
      const m = /^(\S+)(?:\s*=\s*|\s+)(.*)$/.exec(line)
      if (!m) continue
      const key = m[1]!.toLowerCase()
      const value = m[2]!.trim().replace(/^"(.*)"$/, '$1')
      if (key === 'match') {
        inMatch = value.toLowerCase() !== 'all'
        continue
      }
      if (inMatch) continue
      if (key === 'include' && depth < 8) {
        for (const pat of value.split(/\s+/)) {
          const abs = pat.startsWith('/') ? pat : `/etc/ssh/${pat}`
          const included = ev.files.filter((f) => f !== file && globMatch(abs, f.path)).sort((a, b) => (a.path < b.path ? -1 : 1))
          for (const f of included) visit(f, depth + 1)
        }
        continue
      }
      if (!(KEYS as readonly string[]).includes(key) || set.has(key)) continue
      set.add(key)
      s[key as (typeof KEYS)[number]] = value.toLowerCase()
      s.seen[key] = `${m[1]} ${value} (${file.path})`
    }
  }
  visit(main, 0)
  return s
}

export function sshFindings(ev: SshEvidence, listening: boolean): Finding[] {
  if (!ev.binary || !ev.files.some((f) => f.path === '/etc/ssh/sshd_config')) return []
  const s = sshSettings(ev)
  const out: Finding[] = []
  const note = listening ? 'sshd is listening' : 'sshd is installed but not listening now'
  const shown = (k: (typeof KEYS)[number]) => clip(s.seen[k] ?? `${k} ${s[k]} (OpenSSH default)`, 200)
  const passwords = s.passwordauthentication === 'yes'
  if (s.permitrootlogin === 'yes') {
    out.push({
      id: 'ssh-root-login',
      category: 'ssh',
      title: passwords ? 'Root can log in over SSH with a password' : 'Root can log in over SSH',
      severity: passwords ? 'critical' : 'high',
      evidence: `${shown('permitrootlogin')}${passwords ? `; ${shown('passwordauthentication')}` : ''}; ${note}`,
      remediation: 'Set "PermitRootLogin no" (or prohibit-password) in /etc/ssh/sshd_config, log in as a normal user with a key, then reload sshd.',
    })
  }
  if (passwords) {
    out.push({
      id: 'ssh-password-auth',
      category: 'ssh',
      title: 'SSH password authentication enabled',
      severity: 'medium',
      evidence: `${shown('passwordauthentication')}; ${note}`,
      remediation: 'Use keys: set "PasswordAuthentication no" (and "KbdInteractiveAuthentication no") in /etc/ssh/sshd_config, then reload sshd.',
    })
  }
  if (s.permitemptypasswords === 'yes') {
    out.push({
      id: 'ssh-empty-passwords',
      category: 'ssh',
      title: 'SSH accepts empty passwords',
      severity: 'high',
      evidence: `${shown('permitemptypasswords')}; ${note}`,
      remediation: 'Set "PermitEmptyPasswords no" in /etc/ssh/sshd_config, then reload sshd.',
    })
  }
  return out
}
