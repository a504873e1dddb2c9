// Node and cluster endpoints from /proc: pve-manager `PVE/API2/Nodes.pm` (/nodes, status),
// `PVE/API2/Cluster.pm` (resources, nextid, status), `PVE/API2.pm` (/version), `bin/pveversion`.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statfsSync } from "node:fs";
import { checkVmidUnused } from "../config";
import { paramError, die } from "../errors";
import { activeVmids, cgroupV2Only, findPid, hostCpuCount } from "../lxc";
import { nodename } from "../paths";
import { readStorageCfg, storageStatus, isEnabledOnNode } from "../storage";
import { cpuUsageNs, vmStatusAll } from "../vmstatus";

export const PVE_VERSION = "9.1.1";
export const PVE_REPOID = "42db4a6cf33dac83";
export const PVE_RELEASE = "9.1";

export function uname(): { sysname: string; release: string; version: string; machine: string } {
  const read = (f: string) => {
    try {
      return readFileSync(`/proc/sys/kernel/${f}`, "utf8").trim();
    } catch {
      return "";
    }
  };
  return { sysname: read("ostype") || "Linux", release: read("osrelease"), version: read("version"), machine: process.arch === "x64" ? "x86_64" : process.arch };
}

export function apiVersion(): Record<string, string> {
  return { version: PVE_VERSION, release: PVE_RELEASE, repoid: PVE_REPOID };
}

/** `localhost` and the node's own name are local; anything else would be proxied. */
export function checkNode(node: string): void {
  if (node === "localhost" || node === nodename()) return;
  die(`hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`);
}

function meminfo(): Record<string, number> {
  const res: Record<string, number> = {};
  for (const line of readFileSync("/proc/meminfo", "utf8").split("\n")) {
    const m = /^(\S+):\s+(\d+)/.exec(line);
    if (m) res[m[1]] = Number(m[2]) * 1024;
  }
  return res;
}

function cpuinfo(): Record<string, unknown> {
  const raw = readFileSync("/proc/cpuinfo", "utf8");
  const blocks = raw.split("\n\n").filter((b) => /processor\s*:/.test(b));
  const field = (b: string, k: string) => new RegExp(`^${k}\\s*:\\s*(.*)$`, "m").exec(b)?.[1] ?? "";
  const first = blocks[0] ?? "";
  const sockets = new Set(blocks.map((b) => field(b, "physical id")));
  const cores = new Set(blocks.map((b) => `${field(b, "physical id")}:${field(b, "core id")}`));
  const flags = field(first, "flags");
  return {
    cpus: blocks.length || 1,
    cores: cores.size || 1,
    sockets: sockets.size || 1,
    model: field(first, "model name"),
    mhz: field(first, "cpu MHz"),
    flags,
    hvm: /\b(vmx|svm)\b/.test(flags) ? "1" : "",
    user_hz: 100,
    vendor: field(first, "vendor_id"),
    family: field(first, "cpu family"),
  };
}

function rootfsStat(): Record<string, number> {
  const st = statfsSync("/");
  return { total: st.blocks * st.bsize, used: (st.blocks - st.bfree) * st.bsize, free: st.bfree * st.bsize, avail: st.bavail * st.bsize };
}

export function apiNodeStatus(): Record<string, unknown> {
  const mi = meminfo();
  const un = uname();
  const efi = existsSync("/sys/firmware/efi");
  let ksm = 0;
  try {
    ksm = Number(readFileSync("/sys/kernel/mm/ksm/pages_sharing", "utf8")) * 4096;
  } catch {}
  return {
    uptime: Math.floor(parseFloat(readFileSync("/proc/uptime", "utf8"))),
    idle: 0,
    loadavg: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3),
    cpu: 0,
    wait: 0,
    cpuinfo: cpuinfo(),
    memory: { total: mi.MemTotal, used: mi.MemTotal - mi.MemAvailable, free: mi.MemFree, available: mi.MemAvailable },
    swap: { total: mi.SwapTotal, used: mi.SwapTotal - mi.SwapFree, free: mi.SwapFree },
    ksm: { shared: ksm },
    rootfs: rootfsStat(),
    pveversion: `pve-manager/${PVE_VERSION}/${PVE_REPOID}`,
    kversion: `${un.sysname} ${un.release} ${un.version}`,
    "current-kernel": un,
    "boot-info": efi ? { mode: "efi", secureboot: 0 } : { mode: "legacy-bios" },
  };
}

function sslFingerprint(): string {
  const h = createHash("sha256").update(`pve-ssl-${nodename()}`).digest("hex").toUpperCase();
  return h.match(/../g)!.join(":");
}

function procStatTotals(): { busy: number; total: number } {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].split(/\s+/).slice(1).map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  const total = f.reduce((a, b) => a + (b || 0), 0);
  return { busy: total - idle, total };
}

/** CPU fractions measured over a short window, standing in for pvestatd's RRD data. */
async function sampleCpu(windowMs: number): Promise<{ node: number; cts: Map<number, number> }> {
  const pids = new Map<number, number>();
  for (const id of activeVmids()) {
    const pid = findPid(id);
    if (pid) pids.set(id, pid);
  }
  const n0 = procStatTotals();
  const c0 = new Map([...pids].map(([id, pid]) => [id, cpuUsageNs(pid) ?? 0]));
  const t0 = performance.now();
  await Bun.sleep(windowMs);
  const dt = (performance.now() - t0) * 1e6;
  const n1 = procStatTotals();
  const cts = new Map<number, number>();
  for (const [id, pid] of pids) cts.set(id, Math.max(0, ((cpuUsageNs(pid) ?? 0) - (c0.get(id) ?? 0)) / dt));
  const node = n1.total > n0.total ? (n1.busy - n0.busy) / (n1.total - n0.total) : 0;
  return { node, cts };
}

function round4(x: number): number {
  return Math.round(x * 10000) / 10000;
}

function nodeEntry(cpu: number): Record<string, unknown> {
  const mi = meminfo();
  const rs = rootfsStat();
  return {
    id: `node/${nodename()}`,
    node: nodename(),
    type: "node",
    status: "online",
    level: "",
    uptime: Math.floor(parseFloat(readFileSync("/proc/uptime", "utf8"))),
    cpu: round4(cpu),
    maxcpu: hostCpuCount(),
    mem: mi.MemTotal - mi.MemAvailable,
    maxmem: mi.MemTotal,
    disk: rs.used,
    maxdisk: rs.total,
  };
}

export async function apiNodes(): Promise<Record<string, unknown>[]> {
  const { node } = await sampleCpu(100);
  const e = nodeEntry(node);
  e.ssl_fingerprint = sslFingerprint();
  return [e];
}

export function apiClusterStatus(): Record<string, unknown>[] {
  return [{ type: "node", id: `node/${nodename()}`, name: nodename(), ip: "127.0.0.1", local: 1, nodeid: 0, online: 1, level: "" }];
}

export function apiNextId(p: { vmid?: number | string }): number {
  if (p.vmid !== undefined && p.vmid !== "") {
    if (checkVmidUnused(Number(p.vmid), true)) return Number(p.vmid);
    paramError({ vmid: `VM ${p.vmid} already exists` });
  }
  for (let i = 100; i < 1000000; i++) if (checkVmidUnused(i, true)) return i;
  die("unable to get any free VMID in range [100, 1000000]");
}

export async function apiResources(p: { type?: string }): Promise<Record<string, unknown>[]> {
  const res: Record<string, unknown>[] = [];
  const wantVm = !p.type || p.type === "vm";
  const wantNode = !p.type || p.type === "node";
  const sample = wantVm || wantNode ? await sampleCpu(activeVmids().size || wantNode ? 100 : 0) : { node: 0, cts: new Map() };
  if (wantVm) {
    for (const s of vmStatusAll()) {
      const vmid = Number(s.vmid);
      const maxcpu = Number(s.cpus);
      const e: Record<string, unknown> = {
        id: `lxc/${vmid}`,
        vmid,
        type: "lxc",
        node: nodename(),
        name: s.name,
        status: s.status,
        template: s.template ? 1 : 0,
        uptime: s.uptime,
        maxcpu,
        cpu: s.status === "running" ? round4((sample.cts.get(vmid) ?? 0) / (maxcpu || 1)) : 0,
        maxmem: s.maxmem,
        mem: s.mem,
        maxdisk: s.maxdisk,
        disk: s.disk,
        netin: s.netin,
        netout: s.netout,
        diskread: s.diskread,
        diskwrite: s.diskwrite,
      };
      if (s.lock) e.lock = s.lock;
      if (s.tags) e.tags = s.tags;
      res.push(e);
    }
  }
  if (wantNode) res.push({ ...nodeEntry(sample.node), "cgroup-mode": cgroupV2Only ? 2 : 1 });
  if (!p.type || p.type === "storage") {
    const cfg = readStorageCfg();
    for (const s of Object.values(cfg)) {
      if (!isEnabledOnNode(s)) continue;
      const st = storageStatus(s);
      const e: Record<string, unknown> = {
        id: `storage/${nodename()}/${s.id}`,
        storage: s.id,
        node: nodename(),
        type: "storage",
        plugintype: s.type,
        status: st.active ? "available" : "unknown",
        shared: s.shared ? 1 : 0,
        content: s.content.join(","),
      };
      if (st.active) Object.assign(e, { maxdisk: st.total, disk: st.used });
      res.push(e);
    }
  }
  return res;
}
