/**
 * Proxmox shapes (src/proxmox/schemas.ts) → px response entries: sizes named
 * in bytes, usage in percent, Perl 0/1 flags as booleans.
 */
import type { Zone } from '../../src/config/load.ts'
import type { ClusterResource, ContainerStatus, NodeStatus, Storage, Template } from '../../src/proxmox/schemas.ts'
import type { HostEntry, StatusResponse, StorageEntry, TemplateEntry } from './schemas.ts'

const round2 = (x: number) => Math.round(x * 100) / 100

/** used·100/total with 2 decimals; 0 when total is 0 (as `pvesm status` prints). */
export function percent(used: number, total: number): number {
  return total > 0 ? round2((used * 100) / total) : 0
}

export function splitContent(content: string): string[] {
  return content
    .split(/[,\s;]+/)
    .map((c) => c.trim())
    .filter(Boolean)
}

export function toStorageEntry(s: Storage): StorageEntry {
  return {
    storage: s.storage,
    type: s.type,
    content: splitContent(s.content),
    active: s.active === 1,
    enabled: s.enabled !== 0,
    shared: s.shared === 1,
    total_bytes: s.total,
    used_bytes: s.used,
    avail_bytes: s.avail,
    used_percent: s.total > 0 ? percent(s.used, s.total) : null,
  }
}

export function toTemplateEntry(t: Template): TemplateEntry {
  return {
    image_id: t.volid,
    storage: t.storage,
    name: t.name,
    size_bytes: t.size,
    format: t.format ?? null,
    created: t.ctime ?? null,
  }
}

/** The config side of a host entry: where it is and how LWS logs in, never the secret. */
export function describeZone(z: Zone): Pick<HostEntry, 'region' | 'az' | 'host' | 'ssh_port' | 'user' | 'auth' | 'host_key_pinned'> {
  const auth: HostEntry['auth'] = z.local ? 'local' : z.keyFile && z.password ? 'key+password' : z.keyFile ? 'key' : 'password'
  return { region: z.region, az: z.az, host: z.host, ssh_port: z.port, user: z.user, auth, host_key_pinned: !!z.fingerprint }
}

/** `pve-manager/8.2.4/faa83925c9641325` → `8.2.4`. */
export function managerVersion(pveversion: string): string {
  return /^pve-manager\/([^/\s]+)/.exec(pveversion)?.[1] ?? pveversion
}

export interface StatusParts {
  where: { region: string; az: string; host: string; node: string }
  node: NodeStatus
  storages: Storage[]
  containers: ContainerStatus[]
  /** The node's `/cluster/resources` entry, when it could be read. */
  resource?: ClusterResource
}

export function buildStatus({ where, node: ns, storages, containers, resource }: StatusParts): StatusResponse {
  const cpus = ns.cpuinfo.cpus
  const [l1 = 0, l5 = 0, l15 = 0] = ns.loadavg
  // `cpu` of /nodes/<node>/status is always 0 from a fresh pvesh (a delta
  // within one process, pve-common `src/PVE/ProcFSTools.pm` `read_proc_stat`);
  // pvestatd's sample in /cluster/resources (pve-manager `PVE/API2/Cluster.pm`) is the real figure.
  const fromResources = resource?.cpu
  const usage =
    fromResources !== undefined
      ? { usage_percent: round2(Math.min(1, Math.max(0, fromResources)) * 100), usage_source: 'cluster_resources' as const }
      : { usage_percent: cpus > 0 ? round2(Math.min(100, (l1 * 100) / cpus)) : 0, usage_source: 'loadavg' as const }
  const running = containers.filter((c) => c.status === 'running').length
  const mem = ns.memory
  return {
    ...where,
    cpu: {
      model: ns.cpuinfo.model,
      cpus,
      cores: ns.cpuinfo.cores,
      sockets: ns.cpuinfo.sockets,
      mhz: ns.cpuinfo.mhz ?? null,
      ...usage,
    },
    load_average: { last_1m: l1, last_5m: l5, last_15m: l15 },
    memory: {
      total_bytes: mem.total,
      used_bytes: mem.used,
      free_bytes: mem.free,
      available_bytes: mem.available ?? mem.free,
      used_percent: percent(mem.used, mem.total),
    },
    swap: {
      total_bytes: ns.swap.total,
      used_bytes: ns.swap.used,
      free_bytes: ns.swap.free,
      used_percent: percent(ns.swap.used, ns.swap.total),
    },
    rootfs: {
      total_bytes: ns.rootfs.total,
      used_bytes: ns.rootfs.used,
      free_bytes: ns.rootfs.free,
      avail_bytes: ns.rootfs.avail,
      used_percent: percent(ns.rootfs.used, ns.rootfs.total),
    },
    uptime_seconds: Math.max(0, Math.floor(ns.uptime)),
    kernel: ns['current-kernel']?.release || (ns.kversion.split(/\s+/)[1] ?? ''),
    kernel_version: ns.kversion,
    pve_version: managerVersion(ns.pveversion),
    pveversion: ns.pveversion,
    containers: { total: containers.length, running, stopped: containers.length - running },
    storage: storages.map(toStorageEntry),
  }
}
