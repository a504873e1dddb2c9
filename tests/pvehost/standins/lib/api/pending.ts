// Pending changes ([pve:pending]) and applying them to a stopped CT (vmconfig_apply_pending).
import { rmSync } from "node:fs";
import type { CtConf } from "../config";
import { mpFormat, netFormat, rootfsFormat } from "../ctschema";
import { parsePropertyString, printPropertyString } from "../schema";
import { readStorageCfg, volumePath } from "../storage";
import { allocDisk, NEW_DISK_RE } from "./disks";

export function parsePendingDelete(data?: string): Map<string, boolean> {
  const res = new Map<string, boolean>();
  for (const e of (data ?? "").replace(/[,;]/g, " ").trim().split(/\s+/).filter(Boolean)) {
    const m = /^(!?)(.*)$/.exec(e)!;
    res.set(m[2], m[1] === "!");
  }
  return res;
}

export function printPendingDelete(h: Map<string, boolean>): string {
  return [...h.keys()].sort().map((k) => (h.get(k) ? `!${k}` : k)).join(",");
}

export function setPendingDelete(conf: CtConf, h: Map<string, boolean>): void {
  if (h.size) conf.pending.props.delete = printPendingDelete(h);
  else delete conf.pending.props.delete;
}

export function removeFromPendingDelete(conf: CtConf, key: string): void {
  const h = parsePendingDelete(conf.pending.props.delete);
  if (h.delete(key)) setPendingDelete(conf, h);
}

export function randomMac(): string {
  const b = crypto.getRandomValues(new Uint8Array(3));
  return "BC:24:11:" + [...b].map((x) => x.toString(16).toUpperCase().padStart(2, "0")).join(":");
}

export function normalizeNet(value: string): string {
  const n = parsePropertyString(netFormat, value);
  n.type = "veth";
  n.hwaddr ??= randomMac();
  return printPropertyString(netFormat, n);
}

export function cleanupPending(conf: CtConf): void {
  for (const k of Object.keys(conf.pending.props)) {
    if (k !== "delete" && conf.props[k] !== undefined && conf.pending.props[k] === conf.props[k]) delete conf.pending.props[k];
  }
  const h = parsePendingDelete(conf.pending.props.delete);
  for (const k of [...h.keys()]) if (conf.props[k] === undefined) h.delete(k);
  setPendingDelete(conf, h);
}

/** A volume spec as stored: new-disk sizes get allocated, sizes are normalised. */
function applyMountpoint(conf: CtConf, key: string, value: string): string {
  const fmt = key === "rootfs" ? rootfsFormat : mpFormat;
  const mp = parsePropertyString(fmt, value);
  const m = NEW_DISK_RE.exec(mp.volume);
  if (m) {
    const cfg = readStorageCfg();
    const { volid, size } = allocDisk(cfg, m[2] ?? "local", conf.vmid, parseFloat(m[3]));
    mp.volume = volid;
    mp.size = size;
  }
  return printPropertyString(fmt, mp);
}

export function applyPendingAll(conf: CtConf, sel: Set<string> | undefined, errors: [string, string][]): void {
  const p = conf.pending.props;
  const cfg = readStorageCfg();
  for (const opt of [...parsePendingDelete(p.delete).keys()].sort()) {
    if (sel && !sel.has(opt)) continue;
    try {
      if (/^mp\d+$/.test(opt)) addUnused(conf, parsePropertyString(mpFormat, conf.props[opt]).volume);
      else if (/^unused\d+$/.test(opt)) rmSync(volumePath(cfg, conf.props[opt]), { recursive: true, force: true });
      delete conf.props[opt];
      removeFromPendingDelete(conf, opt);
    } catch (e: any) {
      errors.push([opt, `unable to apply pending change ${opt} : ${e.message}`]);
    }
  }
  cleanupPending(conf);
  for (const opt of Object.keys(p).sort()) {
    if (opt === "delete" || (sel && !sel.has(opt))) continue;
    try {
      let value = p[opt];
      if (/^mp\d+$/.test(opt) || opt === "rootfs") value = applyMountpoint(conf, opt, value);
      else if (/^net\d+$/.test(opt)) value = normalizeNet(value);
      conf.props[opt] = value;
      delete p[opt];
    } catch (e: any) {
      errors.push([opt, `unable to apply pending change ${opt} : ${e.message}`]);
    }
  }
}

export function addUnused(conf: CtConf, volid: string): void {
  if (volid.startsWith("/")) return;
  for (let i = 0; i < 256; i++) {
    if (conf.props[`unused${i}`] === volid) return;
    if (conf.props[`unused${i}`] === undefined) {
      conf.props[`unused${i}`] = volid;
      return;
    }
  }
}

