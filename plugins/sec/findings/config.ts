/**
 * Findings from the container's configuration as the Proxmox host has it
 * (`pct config`): privileged mode, risky features, raw LXC overrides,
 * firewall, memory limit, start at boot.
 */
import type { ContainerConfig } from '../../../src/proxmox/schemas.ts'
import { clip, type Finding } from './types.ts'

const on = (v: string | undefined) => v === '1' || v === 'on' || v === 'yes' || v === 'true'

export function configFindings(vmid: string, cfg: ContainerConfig): Finding[] {
  const out: Finding[] = []
  const privileged = cfg.unprivileged !== 1
  const f = cfg.features ?? {}
  const add = (x: Omit<Finding, 'category'>) => out.push({ category: 'config', ...x })

  if (privileged) {
    add({
      id: 'ct-privileged',
      title: 'Privileged container',
      severity: 'high',
      evidence: `unprivileged: ${cfg.raw.unprivileged ?? '(not set, so 0)'}; root in the container is root on the host`,
      remediation: `Recreate it as an unprivileged container (backup, then restore with --unprivileged 1): pct config ${vmid} must show "unprivileged: 1".`,
    })
  }
  if (on(f.nesting)) {
    add({
      id: 'ct-feature-nesting',
      title: 'Nesting enabled',
      severity: privileged ? 'high' : 'low',
      evidence: `features: ${cfg.raw.features ?? ''}${privileged ? ' on a privileged container (proc and sys mounted read-write)' : ''}`,
      remediation: `Turn it off unless the container runs containers itself: pct set ${vmid} --features nesting=0.`,
    })
  }
  if (on(f.keyctl)) {
    add({
      id: 'ct-feature-keyctl',
      title: 'keyctl enabled',
      severity: privileged ? 'medium' : 'low',
      evidence: `features: ${cfg.raw.features ?? ''}`,
      remediation: `Turn it off unless Docker or systemd inside need it: pct set ${vmid} --features keyctl=0.`,
    })
  }
  if (f.mount !== undefined && f.mount !== '') {
    add({
      id: 'ct-feature-mount',
      title: 'Mounting filesystems allowed',
      severity: 'medium',
      evidence: `features: ${cfg.raw.features ?? ''}`,
      remediation: 'Mount network filesystems on the host and pass them in as mount points (mpN) instead.',
    })
  }
  for (const feat of ['fuse', 'mknod', 'force_rw_sys'] as const) {
    if (!on(f[feat])) continue
    add({
      id: `ct-feature-${feat.replaceAll('_', '-')}`,
      title: `${feat} enabled`,
      severity: feat === 'force_rw_sys' ? 'medium' : 'low',
      evidence: `features: ${cfg.raw.features ?? ''}`,
      remediation: `Turn it off unless needed: pct set ${vmid} --features ${feat}=0.`,
    })
  }

  for (const [key, value] of cfg.lxc) {
    const k = key.trim()
    const v = value.trim()
    if (k === 'lxc.apparmor.profile' && v === 'unconfined') {
      add({
        id: 'ct-apparmor-unconfined',
        title: 'AppArmor confinement switched off',
        severity: 'high',
        evidence: clip(`${k}: ${v}`),
        remediation: `Remove the line from /etc/pve/lxc/${vmid}.conf.`,
      })
    } else if (k === 'lxc.cap.drop' && v === '') {
      add({
        id: 'ct-capabilities-kept',
        title: 'No capabilities dropped',
        severity: 'high',
        evidence: clip(`${k}: (empty)`),
        remediation: `Remove the empty lxc.cap.drop line from /etc/pve/lxc/${vmid}.conf.`,
      })
    } else if (/^lxc\.cgroup2?\.devices\.allow$/.test(k) && /^a\b/.test(v)) {
      add({
        id: 'ct-all-devices',
        title: 'Access to every device of the host',
        severity: 'high',
        evidence: clip(`${k}: ${v}`),
        remediation: `Allow only the devices needed (c MAJOR:MINOR rwm), or use devN entries.`,
      })
    } else if (/^lxc\.cgroup2?\.memory\.(max|limit_in_bytes)$/.test(k) && (v === 'max' || v === '-1')) {
      add({
        id: 'ct-no-memory-limit',
        title: 'No memory limit',
        severity: 'medium',
        evidence: clip(`${k}: ${v} (overrides memory: ${cfg.memory ?? 'default'})`),
        remediation: `Remove the raw line and set a limit: pct set ${vmid} --memory <MiB>.`,
      })
    }
  }

  if (cfg.memory === undefined && !out.some((x) => x.id === 'ct-no-memory-limit')) {
    add({
      id: 'ct-no-memory-limit',
      title: 'No memory limit configured',
      severity: 'low',
      evidence: 'memory: (not set; Proxmox applies its default of 512 MiB)',
      remediation: `Set the limit the workload needs: pct set ${vmid} --memory <MiB>.`,
    })
  }

  const nics = Object.entries(cfg.net).sort(([a], [b]) => Number(a.slice(3)) - Number(b.slice(3)))
  const open = nics.filter(([, p]) => !on(p.firewall))
  if (open.length) {
    add({
      id: 'ct-no-firewall',
      title: 'Proxmox firewall off on a network interface',
      severity: 'medium',
      evidence: open.map(([id, p]) => `${id}: bridge=${p.bridge ?? '?'} firewall=${p.firewall ?? '0'}`).join('; '),
      remediation: `Enable it per interface (pct set ${vmid} --net0 ...,firewall=1) and define rules for the container.`,
    })
  }

  if (cfg.onboot === 1) {
    add({
      id: 'ct-onboot',
      title: 'Starts at boot',
      severity: 'info',
      evidence: 'onboot: 1',
      remediation: `Fine for a service; otherwise pct set ${vmid} --onboot 0 keeps an unused container off.`,
    })
  }
  return out
}
