// PVE::LXC::vmstatus (pve-container `src/PVE/LXC.pm`) from the real LXC containers.
import { readFileSync, statfsSync } from "node:fs";
import { type CtConf, loadConfig, localVmids, parseConfig } from "./config";
import { rootfsFormat } from "./ctschema";
import { activeVmids, cgroupsOf, findPid, hostCpuCount, loadRunState, procStart, readNum } from "./lxc";
import { configFile } from "./paths";
import { parsePropertyString, parseSize } from "./schema";
import { readStorageCfg, volumePath } from "./storage";

export type Status = Record<string, string | number>;

function readConf(vmid: number): CtConf | undefined {
  try {
    return parseConfig(readFileSync(configFile(vmid), "utf8"), vmid);
  } catch {
    return undefined;
  }
}

export function clockTicks(): number {
  return 100;
}

export function hostUptime(): number {
  return parseFloat(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
}

function rootfsInfo(conf: CtConf): { size?: number; path?: string } {
  try {
    const r = parsePropertyString(rootfsFormat, conf.props.rootfs ?? "");
    return { size: r.size ? parseSize(r.size) : undefined, path: volumePath(readStorageCfg(), r.volume) };
  } catch {
    return {};
  }
}

/** Bytes used below a directory without crossing into other filesystems. */
function duBytes(dir: string): number {
  const r = Bun.spawnSync(["du", "-s", "-x", "-B1", dir], { stderr: "ignore" });
  return Number(r.stdout.toString().split(/\s/)[0]) || 0;
}

function pressure(file: string | undefined): { some: string; full: string } {
  const res = { some: "0.00", full: "0.00" };
  if (!file) return res;
  try {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const m = /^(some|full) avg10=([\d.]+)/.exec(line);
      if (m) res[m[1] as "some" | "full"] = Number(m[2]).toFixed(2);
    }
  } catch {}
  return res;
}

export function netCounters(vmid: number): { netin: number; netout: number } {
  const veths = loadRunState(vmid)?.veths ?? [];
  let netin = 0;
  let netout = 0;
  for (const v of veths) {
    // host-side receive is what the CT sent (netout) and vice versa
    netout += readNum(`/sys/class/net/${v}/statistics/rx_bytes`) ?? 0;
    netin += readNum(`/sys/class/net/${v}/statistics/tx_bytes`) ?? 0;
  }
  return { netin, netout };
}

/** CPU time (ns) used by a running CT, for callers that sample over a window. */
export function cpuUsageNs(pid: number): number | undefined {
  const cg = cgroupsOf(pid);
  if (!cg) return undefined;
  if (cg.v2) {
    try {
      const m = /usage_usec (\d+)/.exec(readFileSync(`${cg.cpu}/cpu.stat`, "utf8"));
      return m ? Number(m[1]) * 1000 : undefined;
    } catch {
      return undefined;
    }
  }
  return cg.cpuacct ? readNum(`${cg.cpuacct}/cpuacct.usage`) : undefined;
}

/** `full` = false skips disk usage and counters (enough for `pct list`). */
export function vmStatus(vmid: number, conf: CtConf | undefined, running: boolean, full = true): Status {
  const p = conf?.props ?? {};
  const d: Status = { vmid, type: "lxc" };
  d.status = running ? "running" : "stopped";
  d.name = (p.hostname || `CT${vmid}`).replace(/\s/g, "");
  d.cpus = p.cores ? Number(p.cores) : p.cpulimit && Number(p.cpulimit) ? p.cpulimit : hostCpuCount();
  if (p.tags !== undefined) d.tags = p.tags;
  const rinfo = conf ? rootfsInfo(conf) : {};
  d.disk = 0;
  d.maxdisk = rinfo.size || 4 * 1024 ** 3;
  d.mem = 0;
  d.swap = 0;
  d.maxmem = Number(p.memory || 512) * 1024 * 1024;
  d.maxswap = Number(p.swap ?? 0) * 1024 * 1024;
  d.uptime = 0;
  d.cpu = 0;
  d.netout = 0;
  d.netin = 0;
  d.diskread = 0;
  d.diskwrite = 0;
  if (p.template === "1") d.template = 1;
  if (p.lock) d.lock = p.lock;
  if (!running || !full) return d;
  const pid = findPid(vmid);
  if (!pid) return d;
  d.pid = pid;
  const start = procStart(pid) ?? 0;
  d.uptime = Math.floor((hostUptime() * clockTicks() - start) / clockTicks());
  if (rinfo.path) {
    // The volume is a directory on the host fs: report its usage against the volume size,
    // minus the few percent a real ext4 filesystem would keep for itself.
    d.disk = duBytes(rinfo.path);
    const fsTotal = (() => {
      try {
        const st = statfsSync(rinfo.path!);
        return st.blocks * st.bsize;
      } catch {
        return Infinity;
      }
    })();
    d.maxdisk = Math.min(fsTotal, Math.floor(((rinfo.size || 4 * 1024 ** 3) * 0.97) / 4096) * 4096);
  }
  const cg = cgroupsOf(pid);
  if (cg?.memory) {
    try {
      const stat = Object.fromEntries(
        readFileSync(`${cg.memory}/memory.stat`, "utf8")
          .split("\n")
          .map((l) => l.split(" "))
          .filter((x) => x.length === 2)
          .map(([k, v]) => [k, Number(v)]),
      );
      if (cg.v2) {
        d.mem = (readNum(`${cg.memory}/memory.current`) ?? 0) - (stat.file ?? 0);
        d.swap = readNum(`${cg.memory}/memory.swap.current`) ?? 0;
      } else {
        const mem = readNum(`${cg.memory}/memory.usage_in_bytes`) ?? 0;
        const memsw = readNum(`${cg.memory}/memory.memsw.usage_in_bytes`) ?? mem;
        d.mem = Math.max(0, mem - (stat.total_cache ?? 0));
        d.swap = Math.max(0, memsw - mem);
      }
    } catch {}
  }
  if (cg?.blkio && !cg.v2) {
    try {
      for (const line of readFileSync(`${cg.blkio}/blkio.throttle.io_service_bytes_recursive`, "utf8").split("\n")) {
        const m = /^\d+:\d+\s+(Read|Write)\s+(\d+)$/.exec(line);
        if (m) d[m[1] === "Read" ? "diskread" : "diskwrite"] = Number(d[m[1] === "Read" ? "diskread" : "diskwrite"]) + Number(m[2]);
      }
    } catch {}
  } else if (cg?.v2) {
    try {
      for (const line of readFileSync(`${cg.blkio}/io.stat`, "utf8").split("\n")) {
        const r = /rbytes=(\d+)/.exec(line);
        const w = /wbytes=(\d+)/.exec(line);
        if (r) d.diskread = Number(d.diskread) + Number(r[1]);
        if (w) d.diskwrite = Number(d.diskwrite) + Number(w[1]);
      }
    } catch {}
  }
  const cpuP = pressure(cg?.unified && `${cg.unified}/cpu.pressure`);
  const ioP = pressure(cg?.unified && `${cg.unified}/io.pressure`);
  const memP = pressure(cg?.unified && `${cg.unified}/memory.pressure`);
  d.pressurecpusome = cpuP.some;
  d.pressurecpufull = cpuP.full;
  d.pressureiosome = ioP.some;
  d.pressureiofull = ioP.full;
  d.pressurememorysome = memP.some;
  d.pressurememoryfull = memP.full;
  const net = netCounters(vmid);
  d.netin = net.netin;
  d.netout = net.netout;
  return d;
}

/** Status of one CT (config must exist) or of all local CTs. */
export function vmStatusAll(only?: number, full = true): Status[] {
  const active = activeVmids();
  const ids = only !== undefined ? [only] : localVmids();
  return ids.map((id) => vmStatus(id, only !== undefined ? loadConfig(id) : readConf(id), active.has(id), full));
}
