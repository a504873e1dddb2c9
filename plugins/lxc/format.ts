/**
 * Proxmox status hashes → the plugin's answer shapes (bytes and seconds named
 * in the field names, ids as strings, tags as a list).
 */
import type { ContainerStatus } from '../../src/proxmox/schemas.ts'

export function usedMax(used: number, max: number): { used_bytes: number; max_bytes: number } {
  return { used_bytes: used, max_bytes: max }
}

/** `a;b` (PVE also accepts `,` and spaces) → ['a', 'b']. */
export function splitTags(tags: string | undefined): string[] {
  return (tags ?? '').split(/[;, ]+/).filter((x) => x !== '')
}

/** The fields a list row and a describe answer share. */
export function statusSummary(st: ContainerStatus) {
  return {
    instance_id: String(st.vmid),
    hostname: st.name,
    status: st.status,
    lock: st.lock ?? null,
    cpus: st.cpus,
    memory: usedMax(st.mem, st.maxmem),
    swap: usedMax(st.swap, st.maxswap),
    disk: usedMax(st.disk, st.maxdisk),
    uptime_seconds: st.uptime,
    tags: splitTags(st.tags),
  }
}
