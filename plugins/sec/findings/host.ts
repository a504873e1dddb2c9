/**
 * The Proxmox host the container runs on (full scan): PVE release support,
 * a newer kernel installed than the one running, kernel older than the
 * release ships. From `pveversion --verbose`; works offline, so "outdated"
 * means end of life or not yet running what is installed.
 */
import type { PvePackageVersion } from '../../../src/proxmox/parse/pveversion.ts'
import { clip, type Finding } from './types.ts'

/** End of security support per PVE major (Proxmox roadmap; later ones estimated). */
export const PVE_EOL: Record<number, string> = {
  4: '2018-06-30',
  5: '2020-07-31',
  6: '2022-09-30',
  7: '2024-07-31',
  8: '2026-08-31',
  9: '2029-08-31',
}
/** Majors this old get `critical`: years without security fixes. */
const PVE_EOL_CRITICAL = 6
/** Oldest kernel series each PVE major ships as default. */
const MIN_KERNEL: Record<number, [number, number]> = { 6: [5, 4], 7: [5, 15], 8: [6, 2], 9: [6, 14] }

export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[^0-9]+/).filter(Boolean).map(Number)
  const pb = b.split(/[^0-9]+/).filter(Boolean).map(Number)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1)
    if (d) return d < 0 ? -1 : 1
  }
  return 0
}

export function hostFindings(pkgs: Record<string, PvePackageVersion>, now: Date = new Date()): Finding[] {
  const out: Finding[] = []
  const manager = pkgs['pve-manager']?.version
  const running = /running kernel: (\S+)/.exec(pkgs['proxmox-ve']?.running ?? '')?.[1]
  const major = manager ? Number(/^(\d+)/.exec(manager)?.[1]) : NaN
  if (manager && Number.isFinite(major)) {
    const eol = PVE_EOL[major] ?? (major < 4 ? '2017-01-01' : undefined)
    if (eol && now.toISOString().slice(0, 10) > eol) {
      out.push({
        id: 'host-pve-eol',
        category: 'host',
        title: `Proxmox VE ${major} is past its end of life`,
        severity: major <= PVE_EOL_CRITICAL ? 'critical' : 'high',
        evidence: `pve-manager ${manager}; security support for PVE ${major} ended ${eol}`,
        remediation: `Upgrade the host to a supported Proxmox VE release (see the "Upgrade from ${major} to ${major + 1}" guide; run pve${major}to${major + 1} first).`,
      })
    } else {
      out.push({
        id: 'host-pve-version',
        category: 'host',
        title: `Proxmox VE ${manager}`,
        severity: 'info',
        evidence: `pve-manager ${manager}${running ? `, running kernel ${running}` : ''}${eol ? `; supported until about ${eol}` : ''}`,
        remediation: 'Keep the host updated (apt update && apt full-upgrade).',
      })
    }
    const runningVersion = /running version: ([^/\s]+)/.exec(pkgs['pve-manager']?.running ?? '')?.[1]
    if (runningVersion && compareVersions(runningVersion, manager) < 0) {
      out.push({
        id: 'host-pve-restart-pending',
        category: 'host',
        title: 'Updated Proxmox services not restarted',
        severity: 'low',
        evidence: `pve-manager ${manager} installed, ${runningVersion} running`,
        remediation: 'Restart the PVE services (systemctl restart pveproxy pvedaemon) or reboot.',
      })
    }
    const min = MIN_KERNEL[major]
    const k = running ? /^(\d+)\.(\d+)/.exec(running) : null
    if (min && k && compareVersions(`${k[1]}.${k[2]}`, `${min[0]}.${min[1]}`) < 0) {
      out.push({
        id: 'host-kernel-outdated',
        category: 'host',
        title: 'Host kernel older than its Proxmox VE release ships',
        severity: 'medium',
        evidence: `running kernel ${running}; PVE ${major} ships ${min[0]}.${min[1]} or newer`,
        remediation: 'Install the current proxmox-kernel and reboot the host.',
      })
    }
  }
  if (running) {
    const installed = Object.entries(pkgs)
      .map(([name, v]) => ({ kernel: /^(?:proxmox|pve)-kernel-(\d+\.\d+\.\d+-\d+-pve)(?:-signed)?$/.exec(name)?.[1], v }))
      .filter((x): x is { kernel: string; v: PvePackageVersion } => x.kernel !== undefined && x.v.version !== undefined)
      .map((x) => x.kernel)
      .sort(compareVersions)
    const newest = installed[installed.length - 1]
    if (newest && compareVersions(newest, running) > 0) {
      out.push({
        id: 'host-kernel-reboot-pending',
        category: 'host',
        title: 'Newer host kernel installed but not running',
        severity: 'medium',
        evidence: clip(`running ${running}; installed ${installed.slice(-3).join(', ')}`),
        remediation: 'Reboot the host (migrate or stop its guests first) to run the patched kernel.',
      })
    }
  }
  return out
}
