// Storage endpoints (pve-storage `src/PVE/API2/Storage/Status.pm`, `Content.pm`) and the appliance
// index (pve-manager `PVE/API2/Nodes.pm` `aplinfo`, `PVE/APLInfo.pm`).
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { die, err, paramError } from "../errors";
import { FIXTURE_DIR, nodename } from "../paths";
import { type Prop, splitList } from "../schema";
import { isEnabledOnNode, listTemplates, readStorageCfg, storageCheckEnabled, storageConfig, storageStatus, templateDir } from "../storage";
import { forkWorker, type TaskResult } from "../task";
import { buildTemplate } from "../template";
import { nodeProp, opt, storageIdProp } from "./props";

export const storageIndexProps: Record<string, Prop> = {
  node: nodeProp,
  storage: opt(storageIdProp),
  content: { type: "string", format: "content-list-item-list", optional: true },
  enabled: { type: "boolean", optional: true },
  target: { type: "string", format: "pve-node", optional: true },
  format: { type: "boolean", optional: true },
};

export interface StorageInfo {
  storage: string;
  type: string;
  content: string;
  active: number;
  enabled: number;
  shared: number;
  total: number;
  used: number;
  avail: number;
  used_fraction?: number;
}

/** PVE::API2::Storage::Status::index */
export function apiStorageIndex(p: { storage?: string; content?: string; enabled?: number; target?: string }): StorageInfo[] {
  const cfg = readStorageCfg();
  const ctypes = p.content !== undefined ? splitList(p.content) : undefined;
  const res: StorageInfo[] = [];
  for (const s of Object.values(cfg)) {
    const enabled = isEnabledOnNode(s);
    if (ctypes && (!enabled || !ctypes.some((c) => s.content.includes(c)))) continue;
    const info: StorageInfo = { storage: s.id, type: s.type, content: s.content.join(","), active: 0, enabled: enabled ? 1 : 0, shared: s.shared ? 1 : 0, total: 0, used: 0, avail: 0 };
    if (enabled) {
      const st = storageStatus(s);
      if (st.active) Object.assign(info, { active: 1, total: st.total, used: st.used, avail: st.avail });
      else err(`storage '${s.id}' is not online\n`);
    }
    res.push(info);
  }
  if (p.storage && !res.some((r) => r.storage === p.storage)) paramError({ storage: "No such storage." });
  const target = p.target && p.target !== nodename() && p.target !== "localhost" ? p.target : undefined;
  return res
    .filter((r) => !p.storage || r.storage === p.storage)
    .filter((r) => !(p.enabled && cfg[r.storage].disable))
    .filter((r) => !target || r.shared)
    .map((r) => (r.total ? { ...r, used_fraction: r.used / r.total } : r));
}

export function printPvesmStatus(list: StorageInfo[]): string {
  const w = Math.max(0, ...list.map((r) => r.storage.length)) + 1;
  const pad = (s: string, n: number) => s.padStart(n);
  let out = `${"Name".padEnd(w)} ${pad("Type", 10)} ${pad("Status", 10)} ${pad("Total (KiB)", 15)} ${pad("Used (KiB)", 15)} ${pad("Available (KiB)", 15)} ${pad("%", 8)}\n`;
  for (const r of [...list].sort((a, b) => (a.storage < b.storage ? -1 : a.storage > b.storage ? 1 : 0))) {
    let status = r.active ? "active" : "inactive";
    let per: string;
    if (!r.enabled) {
      status = "disabled";
      per = pad("N/A", 8);
    } else {
      const v = r.total > 0 ? (r.used * 100) / r.total : 0;
      per = (" " + v.toFixed(2)).padStart(7) + "%";
    }
    const kib = (b: number) => pad(String(Math.trunc(b / 1024)), 15);
    out += `${r.storage.padEnd(w)} ${pad(r.type, 10)} ${pad(status, 10)} ${kib(r.total)} ${kib(r.used)} ${kib(r.avail)} ${per}\n`;
  }
  return out;
}

export function apiStorageStatus(p: { storage: string }): Record<string, unknown> {
  const cfg = readStorageCfg();
  const s = storageConfig(cfg, p.storage);
  const st = storageStatus(s);
  return { type: s.type, content: s.content.join(","), shared: s.shared ? 1 : 0, enabled: isEnabledOnNode(s) ? 1 : 0, active: st.active ? 1 : 0, total: st.total, used: st.used, avail: st.avail };
}

/** GET /nodes/{node}/storage/{storage}/content (templates only in this emulation) */
export function apiStorageContent(p: { storage: string; content?: string }): Record<string, unknown>[] {
  const cfg = readStorageCfg();
  const s = storageCheckEnabled(cfg, p.storage);
  if (p.content && p.content !== "vztmpl") return [];
  if (!s.content.includes("vztmpl") || !s.path) return [];
  return listTemplates(s).map((t) => ({ ...t }));
}

/** `pveam list <storage>` rows via the index method */
export function apiTemplateIndex(p: { storage: string }): ReturnType<typeof listTemplates> {
  const cfg = readStorageCfg();
  const s = storageCheckEnabled(cfg, p.storage);
  if (!s.content.includes("vztmpl")) die("Storage does not support templates!");
  return listTemplates(s);
}

export interface AplEntry {
  section: string;
  template: string;
  arch?: string;
}

/** The fixture's `pveam available` index: `<section> <template> [arch]` per line. */
export function loadAplInfo(): AplEntry[] | undefined {
  const file = `${FIXTURE_DIR}/apl-available.txt`;
  if (!existsSync(file)) return undefined;
  const res: AplEntry[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 2 || f[0].startsWith("#")) continue;
    res.push({ section: f[0], template: f[1], arch: f[2] });
  }
  return res;
}

export const aplDownloadProps: Record<string, Prop> = {
  node: nodeProp,
  storage: storageIdProp,
  template: { type: "string", maxLength: 255 },
};

/** PVE::API2::Nodes::Nodeinfo::apl_download */
export async function apiAplDownload(p: { storage: string; template: string }): Promise<TaskResult> {
  const list = loadAplInfo() ?? [];
  const entry = list.find((e) => e.template === p.template);
  if (!entry) paramError({ template: "no such template" });
  const cfg = readStorageCfg();
  const s = storageCheckEnabled(cfg, p.storage);
  if (!s.content.includes("vztmpl") || !s.path) die(`storage '${p.storage}' does not support templates`);
  const dir = templateDir(s);
  const dest = `${dir}/${p.template}`;
  const url = `http://download.proxmox.com/images/${entry.section}/${p.template}`;
  return forkWorker("download", p.template, async (task) => {
    let exists = false;
    try {
      exists = statSync(dest).isFile();
    } catch {}
    if (exists) {
      task.log("calculating checksum of existing file...OK, got correct file already, no need to download");
      return;
    }
    mkdirSync(dir, { recursive: true });
    task.log(`downloading ${url} to ${dest}`);
    const now = new Date();
    const ts = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")} ${now.toTimeString().slice(0, 8)}`;
    task.log(`--${ts}--  ${url}`);
    // No network here: the "download" builds a small real template instead.
    await buildTemplate(dest, { ostype: guessOs(p.template), hostname: "localhost" });
    const size = statSync(dest).size;
    task.log(`Length: ${size} (${Math.max(1, Math.round(size / 1024))}K) [application/octet-stream]`);
    task.log(`Saving to: '${dest}.tmp.${process.pid}'`);
    task.log(`     0K ${".".repeat(Math.min(50, Math.ceil(size / 1024)))} 100%`);
    task.log("calculating checksum...OK, checksum verified");
    task.log(`download of '${url}' to '${dest}' finished`);
  });
}

function guessOs(name: string): string {
  for (const os of ["ubuntu", "alpine", "centos", "fedora", "archlinux", "devuan", "opensuse", "gentoo"]) if (name.includes(os)) return os;
  return "debian";
}
