// Paths inside the Proxmox test host namespace (tests/pvehost/LAYOUT.md).
import { hostname } from "node:os";

export const PVE_ETC = "/etc/pve";
export const LXC_PATH = "/var/lib/lxc";
export const FIXTURE_DIR = "/var/lib/pve-fixture";
export const LOCK_DIR = "/run/lock/lxc";
/** PVE's task log directory; the host fixture bind-mounts it per host. */
export const TASK_DIR = "/var/log/pve/tasks";

export function nodename(): string {
  return hostname().split(".")[0];
}

export function cfsConfigPath(vmid: number | string, node = nodename()): string {
  return `nodes/${node}/lxc/${vmid}.conf`;
}

export function configFile(vmid: number | string, node = nodename()): string {
  return `${PVE_ETC}/${cfsConfigPath(vmid, node)}`;
}

export function lockPath(vmid: number | string): string {
  return `${LOCK_DIR}/pve-config-${vmid}.lock`;
}
