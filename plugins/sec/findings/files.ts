/**
 * File permissions: world-writable files (and non-sticky world-writable
 * directories) under /etc and /usr, and SUID binaries outside the set a
 * Debian, Ubuntu or Alpine system normally ships.
 */
import { clip, type Finding, type Severity } from './types.ts'

export interface WorldWritable {
  kind: 'file' | 'dir'
  path: string
}

export function parseWorldWritableSection(lines: string[]): WorldWritable[] {
  const out: WorldWritable[] = []
  for (const line of lines) {
    const m = /^([fd]) (\/.*)$/.exec(line)
    if (m) out.push({ kind: m[1] === 'f' ? 'file' : 'dir', path: m[2]! })
  }
  return out
}

export function worldWritableFindings(items: WorldWritable[]): Finding[] {
  if (!items.length) return []
  const shown = items
    .slice(0, 20)
    .map((i) => `${i.path}${i.kind === 'dir' ? '/ (directory, no sticky bit)' : ''}`)
    .join(', ')
  return [
    {
      id: 'fs-world-writable',
      category: 'files',
      title: `${items.length} world-writable path${items.length === 1 ? '' : 's'} under /etc or /usr`,
      severity: 'high',
      evidence: clip(shown + (items.length > 20 ? `, … (${items.length - 20} more)` : ''), 1500),
      remediation: 'Remove write permission for others: chmod o-w <path> (for shared directories add the sticky bit: chmod +t).',
    },
  ]
}

export interface SuidFile {
  mode: string
  uid: number
  path: string
}

export function parseSuidSection(lines: string[]): SuidFile[] {
  const out: SuidFile[] = []
  for (const line of lines) {
    const m = /^([0-7]{3,5}) (\d+) (\/.*)$/.exec(line)
    if (m) out.push({ mode: m[1]!, uid: Number(m[2]), path: m[3]! })
  }
  return out
}

/** SUID binaries Debian, Ubuntu and Alpine packages install (paths after /usr merge). */
const USUAL = new Set([
  '/usr/bin/chfn',
  '/usr/bin/chsh',
  '/usr/bin/gpasswd',
  '/usr/bin/mount',
  '/usr/bin/newgrp',
  '/usr/bin/passwd',
  '/usr/bin/su',
  '/usr/bin/sudo',
  '/usr/bin/sudoedit',
  '/usr/bin/umount',
  '/usr/bin/pkexec',
  '/usr/bin/fusermount',
  '/usr/bin/fusermount3',
  '/usr/bin/newuidmap',
  '/usr/bin/newgidmap',
  '/usr/bin/at',
  '/usr/bin/ping',
  '/usr/bin/ping6',
  '/usr/bin/traceroute6.iputils',
  '/usr/bin/ntfs-3g',
  '/usr/bin/bwrap',
  '/usr/bin/doas',
  '/usr/bin/bbsuid',
  '/usr/bin/Xorg.wrap',
  '/usr/bin/crontab',
  '/usr/sbin/pppd',
  '/usr/sbin/mount.nfs',
  '/usr/sbin/mount.cifs',
  '/usr/sbin/exim4',
  '/usr/sbin/postdrop',
  '/usr/sbin/unix_chkpwd',
  '/usr/lib/openssh/ssh-keysign',
  '/usr/libexec/openssh/ssh-keysign',
  '/usr/lib/dbus-1.0/dbus-daemon-launch-helper',
  '/usr/libexec/dbus-daemon-launch-helper',
  '/usr/lib/policykit-1/polkit-agent-helper-1',
  '/usr/lib/polkit-1/polkit-agent-helper-1',
  '/usr/libexec/polkit-agent-helper-1',
  '/usr/lib/eject/dmcrypt-get-device',
  '/usr/lib/snapd/snap-confine',
  '/usr/lib/xorg/Xorg.wrap',
  '/usr/lib/chromium/chrome-sandbox',
  '/usr/libexec/lxc/lxc-user-nic',
  '/usr/lib/x86_64-linux-gnu/lxc/lxc-user-nic',
  '/usr/lib/aarch64-linux-gnu/lxc/lxc-user-nic',
  '/usr/lib/x86_64-linux-gnu/utempter/utempter',
  '/usr/libexec/utempter/utempter',
])

/** `/bin/su` and `/usr/bin/su` are one file on merged-/usr systems. */
function normalize(path: string): string {
  return path.replace(/\/+/g, '/').replace(/^\/(bin|sbin|lib|lib64)\//, '/usr/$1/')
}

const WRITABLE_PLACES = /^\/(tmp|var\/tmp|dev\/shm|home|root|run|var\/www|srv|mnt|media)\//

export function suidFindings(files: SuidFile[]): Finding[] {
  const out: Finding[] = []
  const unusual = files.filter((f) => !USUAL.has(normalize(f.path)))
  for (const f of unusual.slice(0, 50)) {
    const path = clip(f.path, 300)
    const severity: Severity = WRITABLE_PLACES.test(f.path) ? 'high' : f.uid === 0 ? 'medium' : 'low'
    out.push({
      id: `suid-unusual:${path}`,
      category: 'files',
      title: `Unusual SUID binary ${path}`,
      severity,
      evidence: `mode ${f.mode}, owner uid ${f.uid}: runs with its owner's rights whoever starts it`,
      remediation: `If no package needs it: chmod u-s '${path.replaceAll("'", '')}' (or delete it); check who put it there.`,
    })
  }
  if (unusual.length > 50) {
    out.push({
      id: 'suid-unusual:more',
      category: 'files',
      title: `${unusual.length - 50} more unusual SUID binaries`,
      severity: 'medium',
      evidence: clip(unusual.slice(50, 70).map((f) => f.path).join(', ')),
      remediation: 'Review them: find / -xdev -perm -4000 -type f.',
    })
  }
  return out
}
