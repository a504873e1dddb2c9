/**
 * Accounts: empty passwords and extra UID 0 accounts. The container reports
 * only the state of each password field (empty, locked, set, shadow), never
 * the hash.
 */
import { clip, type Finding } from './types.ts'

export interface Account {
  name: string
  uid: number | null
  shell: string
  /** State of the passwd field: `shadow` (x) means see /etc/shadow. */
  passwd: string
  /** State of the shadow field, when there is a shadow entry. */
  shadow?: string
}

export function parseAccountsSection(lines: string[]): Account[] {
  const byName = new Map<string, Account>()
  const order: string[] = []
  for (const line of lines) {
    const p = line.split(':')
    if (p[0] === 'passwd' && p.length >= 6) {
      const [, name, state, uid, , ...shell] = p
      if (!name || byName.has(name)) continue
      byName.set(name, { name, uid: /^\d+$/.test(uid ?? '') ? Number(uid) : null, shell: shell.join(':'), passwd: state ?? '' })
      order.push(name)
    }
  }
  for (const line of lines) {
    const p = line.split(':')
    if (p[0] !== 'shadow' || p.length < 3) continue
    const a = byName.get(p[1]!)
    if (a && a.shadow === undefined) a.shadow = p[2]
  }
  return order.map((n) => byName.get(n)!)
}

const NO_LOGIN = /(^|\/)(nologin|false)$/

/** The password field that applies: passwd's own, unless it defers to shadow (`x`). */
function effectivePassword(a: Account): string | undefined {
  if (a.passwd !== 'shadow') return a.passwd
  return a.shadow
}

export function accountFindings(accounts: Account[]): Finding[] {
  const out: Finding[] = []
  for (const a of accounts) {
    const name = clip(a.name, 64)
    const pw = effectivePassword(a)
    if (pw === 'empty') {
      const where = a.passwd === 'empty' ? '/etc/passwd' : '/etc/shadow'
      const noLogin = NO_LOGIN.test(a.shell)
      out.push({
        id: `account-empty-password:${name}`,
        category: 'accounts',
        title: `Account ${name} has an empty password`,
        severity: a.uid === 0 ? 'critical' : noLogin ? 'medium' : 'high',
        evidence: clip(`${where}: password field of ${a.name} is empty (uid ${a.uid ?? '?'}, shell ${a.shell || '(none)'})`),
        remediation: `Lock it (passwd -l ${name}) or set a password (passwd ${name}); remove the account if it is not needed.`,
      })
    }
    if (a.uid === 0 && a.name !== 'root') {
      out.push({
        id: `account-uid0:${name}`,
        category: 'accounts',
        title: `Account ${name} has UID 0`,
        severity: 'high',
        evidence: clip(`/etc/passwd: ${a.name} has uid 0 (shell ${a.shell || '(none)'}), so it is a second root`),
        remediation: `Give it its own UID (usermod -u <uid> ${name}) or delete it (userdel ${name}); use sudo for admin rights.`,
      })
    }
  }
  return out
}
