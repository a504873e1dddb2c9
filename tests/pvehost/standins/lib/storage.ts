// Storage emulation: storage.cfg parsing, `local` (dir) and `local-lvm` (lvmthin whose
// volumes are plain directories) plus the template store (pve-storage `src/PVE/Storage.pm`,
// pve-manager `PVE/APLInfo.pm`).
import { existsSync, readdirSync, readFileSync, statfsSync, statSync } from "node:fs";
import { die } from "./errors";
import { LXC_PATH, nodename, PVE_ETC } from "./paths";

export interface StorageCfg {
  id: string;
  type: string;
  path?: string;
  content: string[];
  disable?: boolean;
  nodes?: string[];
  shared?: boolean;
  opts: Record<string, string>;
}

const DEFAULT_CFG = `dir: local
\tpath /var/lib/vz
\tcontent vztmpl,iso,backup

lvmthin: local-lvm
\tthinpool data
\tvgname pve
\tcontent rootdir,images
`;

export const VZTMPL_EXT_RE = /\.(?:(tar)(?!\.)|tar\.(gz|xz|zst|bz2))$/i;

export function readStorageCfg(): Record<string, StorageCfg> {
  let raw = DEFAULT_CFG;
  try {
    raw = readFileSync(`${PVE_ETC}/storage.cfg`, "utf8");
  } catch {}
  const res: Record<string, StorageCfg> = {};
  let cur: StorageCfg | undefined;
  for (const line of raw.split("\n")) {
    if (/^\s*(#.*)?$/.test(line)) {
      if (!line.trim()) cur = undefined;
      continue;
    }
    const head = /^(\S+):\s*(\S+)\s*$/.exec(line);
    if (head) {
      cur = res[head[2]] = { id: head[2], type: head[1], content: [], opts: {} };
      continue;
    }
    const kv = /^\s+(\S+)(?:\s+(.*?))?\s*$/.exec(line);
    if (!kv || !cur) continue;
    const [, k, v = ""] = kv;
    cur.opts[k] = v;
    if (k === "path") cur.path = v;
    else if (k === "content") cur.content = v.split(/[,\s]+/).filter(Boolean);
    else if (k === "disable") cur.disable = v !== "0";
    else if (k === "nodes") cur.nodes = v.split(/[,\s]+/).filter(Boolean);
    else if (k === "shared") cur.shared = v !== "0";
  }
  return res;
}

export function storageConfig(cfg: Record<string, StorageCfg>, sid: string): StorageCfg {
  const s = cfg[sid];
  if (!s) die(`storage '${sid}' does not exist`);
  return s;
}

export function storageCheckEnabled(cfg: Record<string, StorageCfg>, sid: string, node = nodename()): StorageCfg {
  const s = storageConfig(cfg, sid);
  if (s.disable) die(`storage '${sid}' is disabled`);
  if (s.nodes && !s.nodes.includes(node)) die(`storage '${sid}' is not available on node '${node}'`);
  return s;
}

export function isEnabledOnNode(s: StorageCfg, node = nodename()): boolean {
  return !s.disable && (!s.nodes || s.nodes.includes(node));
}

/** Directory that backs a storage: volumes of the emulated lvmthin live under the LXC path. */
export function backingDir(s: StorageCfg): string | undefined {
  if (s.path) return s.path;
  if (s.type === "lvmthin" || s.type === "lvm") return LXC_PATH;
  return undefined;
}

export function storageStatus(s: StorageCfg): { active: boolean; total: number; used: number; avail: number } {
  const dir = backingDir(s);
  if (!dir || !existsSync(dir)) return { active: false, total: 0, used: 0, avail: 0 };
  const st = statfsSync(dir);
  return {
    active: true,
    total: st.blocks * st.bsize,
    used: (st.blocks - st.bfree) * st.bsize,
    avail: st.bavail * st.bsize,
  };
}

export function templateDir(s: StorageCfg): string {
  return `${s.path}/template/cache`;
}

export interface VolInfo {
  volid: string;
  format: string;
  size: number;
  ctime: number;
  content: string;
}

export function listTemplates(s: StorageCfg): VolInfo[] {
  const dir = templateDir(s);
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {}
  const res: VolInfo[] = [];
  for (const n of names) {
    const m = VZTMPL_EXT_RE.exec(n);
    if (!m) continue;
    let st;
    try {
      st = statSync(`${dir}/${n}`);
    } catch {
      continue;
    }
    if (st.isDirectory()) continue;
    const ext = m[1] ?? m[2];
    res.push({ volid: `${s.id}:vztmpl/${n}`, format: ext === "tar" ? "tar" : `t${ext}`, size: st.size, ctime: Math.floor(st.ctimeMs / 1000), content: "vztmpl" });
  }
  return res.sort((a, b) => (a.volid.toLowerCase() < b.volid.toLowerCase() ? -1 : a.volid.toLowerCase() > b.volid.toLowerCase() ? 1 : 0));
}

export function parseVolumeId(volid: string): [string, string] {
  const m = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/i.exec(volid);
  if (!m) die(`unable to parse volume ID '${volid}'`);
  return [m[1], m[2]];
}

/** Host path of a container volume (a directory in this emulation). */
export function volumePath(cfg: Record<string, StorageCfg>, volid: string): string {
  const [sid, volname] = parseVolumeId(volid);
  const s = storageConfig(cfg, sid);
  if (s.type === "lvmthin" || s.type === "lvm") {
    const m = /^vm-(\d+)-disk-(\d+)$/.exec(volname);
    if (!m) die(`unable to parse lvm volume name '${volname}'`);
    return m[2] === "0" ? `${LXC_PATH}/${m[1]}/rootfs` : `${LXC_PATH}/${m[1]}/disk-${m[2]}`;
  }
  const m = /^(\d+)\/((?:vm|subvol)-\d+-disk-\d+)(\.raw|\.subvol)?$/.exec(volname);
  if (!m || !s.path) die(`unable to parse directory volume name '${volname}'`);
  return `${s.path}/images/${m[1]}/${m[2]}${m[3] ?? ""}`;
}

/** Next free `vm-<vmid>-disk-N` name on a storage, as find_free_diskname does. */
export function freeDiskName(cfg: Record<string, StorageCfg>, sid: string, vmid: number, subvol: boolean): string {
  const s = storageConfig(cfg, sid);
  for (let n = 0; ; n++) {
    let volname: string;
    if (s.type === "lvmthin" || s.type === "lvm") volname = `vm-${vmid}-disk-${n}`;
    else volname = subvol ? `${vmid}/subvol-${vmid}-disk-${n}.subvol` : `${vmid}/vm-${vmid}-disk-${n}.raw`;
    if (!existsSync(volumePath(cfg, `${sid}:${volname}`))) return volname;
  }
}

export function canSnapshot(cfg: Record<string, StorageCfg>, volid: string): boolean {
  const [sid, volname] = parseVolumeId(volid);
  const s = cfg[sid];
  if (!s) return false;
  return s.type === "lvmthin" || s.type === "zfspool" || s.type === "btrfs" || (s.type === "dir" && volname.endsWith(".qcow2"));
}
