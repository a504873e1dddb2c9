// Live changes to a running CT (vmconfig_hotplug_pending): cgroup limits, cores, network.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { CtConf } from "../config";
import { netFormat } from "../ctschema";
import { mapBridge, memoryHigh } from "../ctrun";
import { cgroupsOf, findPid, hostCpuCount, loadRunState, saveRunState } from "../lxc";
import { parsePropertyString } from "../schema";
import { normalizeNet, parsePendingDelete, removeFromPendingDelete } from "./pending";

const FASTPLUG = new Set(["description", "onboot", "startup", "protection", "hostname", "hookscript", "cores", "tags", "lock"]);

function cgWrite(file: string, value: string | number): void {
  writeFileSync(file, String(value));
}

function hotplugMemory(pid: number, memMiB?: number, swapMiB?: number): void {
  const cg = cgroupsOf(pid);
  if (!cg?.memory) throw new Error("trying to change memory cgroup values: container not running\n");
  try {
    if (cg.v2) {
      if (swapMiB !== undefined) cgWrite(`${cg.memory}/memory.swap.max`, swapMiB * 1024 * 1024);
      if (memMiB !== undefined) {
        cgWrite(`${cg.memory}/memory.high`, memoryHigh(memMiB));
        cgWrite(`${cg.memory}/memory.max`, memMiB * 1024 * 1024);
      }
      return;
    }
    const memFile = `${cg.memory}/memory.limit_in_bytes`;
    const swFile = `${cg.memory}/memory.memsw.limit_in_bytes`;
    const oldMem = Number(readFileSync(memFile, "utf8"));
    const hasSw = existsSync(swFile);
    const oldSw = hasSw ? Number(readFileSync(swFile, "utf8")) : oldMem;
    const mem = memMiB !== undefined ? memMiB * 1024 * 1024 : oldMem;
    const swap = swapMiB !== undefined ? swapMiB * 1024 * 1024 : oldSw - oldMem;
    if (!hasSw) return cgWrite(memFile, mem);
    if (mem + swap > oldSw) {
      cgWrite(swFile, mem + swap);
      cgWrite(memFile, mem);
    } else {
      cgWrite(memFile, mem);
      cgWrite(swFile, mem + swap);
    }
  } catch (e: any) {
    if (e?.code) throw new Error(`unable to write ${e.path ?? "cgroup file"} - ${e.code === "EBUSY" ? "Device or resource busy" : e.message}\n`);
    throw e;
  }
}

function hotplugCpuQuota(pid: number, cpulimit?: number): void {
  const cg = cgroupsOf(pid);
  if (!cg?.cpu) throw new Error("trying to change cpu quota cgroup values: container not running\n");
  const quota = cpulimit ? Math.trunc(cpulimit * 100000) : undefined;
  if (cg.v2) cgWrite(`${cg.cpu}/cpu.max`, `${quota ?? "max"} 100000`);
  else {
    cgWrite(`${cg.cpu}/cpu.cfs_period_us`, 100000);
    cgWrite(`${cg.cpu}/cpu.cfs_quota_us`, quota ?? -1);
  }
}

function hotplugCores(pid: number, cores?: number): void {
  const cg = cgroupsOf(pid);
  if (!cg?.cpuset) return;
  const n = Math.min(cores ?? hostCpuCount(), hostCpuCount());
  try {
    cgWrite(`${cg.cpuset}/cpuset.cpus`, n <= 1 ? "0" : `0-${n - 1}`);
  } catch {}
}

/** Live interface change via the CT's network namespace (update_net). */
async function hotplugNet(vmid: number, pid: number, idx: number, value: string, old?: string): Promise<void> {
  const n = parsePropertyString(netFormat, value);
  const o = old ? parsePropertyString(netFormat, old) : undefined;
  const ns = (args: string[]) => Bun.spawnSync(["nsenter", "-t", String(pid), "-n", ...args], { stderr: "pipe" });
  const run = (cmd: string[]) => {
    const r = Bun.spawnSync(cmd, { stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`command '${cmd.join(" ")}' failed: exit code ${r.exitCode}\n`);
  };
  if (!o) {
    const host = `veth${vmid}i${idx}`;
    const peer = `veth${vmid}p${idx}`;
    run(["ip", "link", "add", host, "type", "veth", "peer", "name", peer]);
    if (n.bridge) run(["ip", "link", "set", host, "master", mapBridge(n.bridge)]);
    run(["ip", "link", "set", host, "up"]);
    run(["ip", "link", "set", peer, "netns", String(pid)]);
    ns(["ip", "link", "set", peer, "name", n.name]);
    const st = loadRunState(vmid);
    if (st) {
      st.veths.push(host);
      saveRunState(vmid, st);
    }
  } else if (o.name !== n.name) {
    ns(["ip", "link", "set", o.name, "down"]);
    ns(["ip", "link", "set", o.name, "name", n.name]);
  }
  if (n.hwaddr) ns(["ip", "link", "set", n.name, "address", n.hwaddr]);
  ns(["ip", "link", "set", n.name, n.link_down === "1" ? "down" : "up"]);
  ns(["ip", "-4", "addr", "flush", "dev", n.name]);
  if (n.ip?.includes("/")) ns(["ip", "addr", "add", n.ip, "dev", n.name]);
  if (n.gw) ns(["ip", "route", "replace", "default", "via", n.gw, "dev", n.name, "onlink"]);
}

/** update_pct_config: returns per-option hotplug errors (nothing written by the caller then). */
export async function hotplugPending(conf: CtConf, sel: Set<string>, errors: [string, string][]): Promise<void> {
  const pid = findPid(conf.vmid);
  if (!pid) throw new Error(`unable to get PID for CT ${conf.vmid} (not running?)\n`);
  const p = conf.pending.props;
  for (const opt of Object.keys(p).sort()) if (sel.has(opt) && FASTPLUG.has(opt)) {
    conf.props[opt] = p[opt];
    delete p[opt];
    if (opt === "cores") hotplugCores(pid, Number(conf.props.cores));
  }
  const fail = (opt: string, e: any) => errors.push([opt, `unable to hotplug ${opt}: ${String(e?.message ?? e).replace(/\n$/, "")}`]);
  const dels = parsePendingDelete(p.delete);
  for (const opt of [...dels.keys()].sort()) {
    if (!sel.has(opt)) continue;
    try {
      if (FASTPLUG.has(opt)) {
        if (opt === "cores") hotplugCores(pid, undefined);
      } else if (opt === "swap") hotplugMemory(pid, undefined, 0);
      else if (opt === "cpulimit") hotplugCpuQuota(pid, undefined);
      else if (opt === "cpuunits") {
      } else if (/^net\d+$/.test(opt)) {
        const name = parsePropertyString(netFormat, conf.props[opt]).name;
        Bun.spawnSync(["nsenter", "-t", String(pid), "-n", "ip", "link", "del", name], { stderr: "ignore" });
      } else continue;
      delete conf.props[opt];
      removeFromPendingDelete(conf, opt);
    } catch (e) {
      fail(opt, e);
    }
  }
  let memoryDone = false;
  for (const opt of Object.keys(p).sort()) {
    if (opt === "delete" || !sel.has(opt)) continue;
    let value = p[opt];
    try {
      if (opt === "cpulimit") hotplugCpuQuota(pid, Number(value));
      else if (opt === "cpuunits") {
      } else if (opt === "memory" || opt === "swap") {
        if (!memoryDone) hotplugMemory(pid, p.memory !== undefined ? Number(p.memory) : undefined, p.swap !== undefined ? Number(p.swap) : undefined);
        memoryDone = true;
      } else if (/^net\d+$/.test(opt)) {
        value = normalizeNet(value);
        await hotplugNet(conf.vmid, pid, Number(opt.slice(3)), value, conf.props[opt]);
      } else continue;
      conf.props[opt] = value;
      delete p[opt];
    } catch (e) {
      fail(opt, e);
    }
  }
}

/** vmconfig_apply_pending for a stopped CT. */
