// Container volumes on the emulated storages (directories) and their snapshots.
import { existsSync, mkdirSync, rmdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { mpFormat, rootfsFormat } from "../ctschema";
import { die } from "../errors";
import { LXC_PATH } from "../paths";
import { formatSize, parsePropertyString } from "../schema";
import { freeDiskName, type StorageCfg, storageConfig, volumePath } from "../storage";

/**
 * `STORAGE:SIZE_GiB` ($NEW_DISK_RE of pve-container `src/PVE/LXC.pm`) or a bare size, which
 * create_vm (`src/PVE/API2/LXC.pm`) puts on `--storage`.
 */
export const NEW_DISK_RE = /^(([^/:\s]+):)?(\d+(\.\d+)?)$/;

export function allocDisk(cfg: Record<string, StorageCfg>, sid: string, vmid: number, sizeGiB: number): { volid: string; size: string } {
  const s = storageConfig(cfg, sid);
  const sizeKiB = Math.trunc(sizeGiB * 1024 * 1024);
  if (s.type !== "lvmthin" && s.type !== "lvm" && s.type !== "dir") die(`unsupported storage type '${s.type}'`);
  const volname = freeDiskName(cfg, sid, vmid, s.type === "dir" && sizeKiB === 0);
  const volid = `${sid}:${volname}`;
  mkdirSync(volumePath(cfg, volid), { recursive: true });
  return { volid, size: formatSize(sizeKiB * 1024) };
}

/** All volumes of a config: [key, volid] for rootfs, mpN (volumes only) and unusedN. */
export function configVolumes(props: Record<string, string>): [string, string][] {
  const res: [string, string][] = [];
  for (const [k, v] of Object.entries(props)) {
    if (k === "rootfs" || /^mp\d+$/.test(k)) {
      const vol = parsePropertyString(k === "rootfs" ? rootfsFormat : mpFormat, v).volume;
      if (!vol.startsWith("/")) res.push([k, vol]);
    } else if (/^unused\d+$/.test(k)) res.push([k, v]);
  }
  return res;
}

export function destroyVolume(cfg: Record<string, StorageCfg>, volid: string): void {
  rmSync(volumePath(cfg, volid), { recursive: true, force: true });
}

function snapDir(vmid: number, snap: string, volid: string): string {
  return `${LXC_PATH}/${vmid}/snapshots/${snap}/${volid.replace(/[:/]/g, "_")}`;
}

/** lvmthin snapshot: a full copy of the volume directory. */
export function volumeSnapshot(cfg: Record<string, StorageCfg>, vmid: number, volid: string, snap: string): void {
  const dst = snapDir(vmid, snap, volid);
  rmSync(dst, { recursive: true, force: true });
  mkdirSync(dirname(dst), { recursive: true });
  copyTree(volumePath(cfg, volid), dst);
}

/** cp -a keeps owners, modes, links and devices, which a restored rootfs needs. */
function copyTree(src: string, dst: string): void {
  const r = Bun.spawnSync(["cp", "-a", "--", src, dst], { stderr: "pipe" });
  if (r.exitCode !== 0) die(`copy '${src}' failed: ${r.stderr.toString().trim()}`);
}

export function volumeSnapshotDelete(vmid: number, volid: string, snap: string): void {
  rmSync(snapDir(vmid, snap, volid), { recursive: true, force: true });
  try {
    rmdirSync(`${LXC_PATH}/${vmid}/snapshots/${snap}`);
  } catch {}
}

export function volumeRollback(cfg: Record<string, StorageCfg>, vmid: number, volid: string, snap: string): void {
  const src = snapDir(vmid, snap, volid);
  if (!existsSync(src)) die(`snapshot '${snap}' of volume '${volid}' does not exist`);
  const dst = volumePath(cfg, volid);
  rmSync(dst, { recursive: true, force: true });
  copyTree(src, dst);
}
