// Real LXC containers behind the PVE configs: lxcpath, running state, pids, cgroups.
import { spawnSync } from "bun";
import { existsSync, mkdirSync, readFileSync, readlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { LOCK_DIR, LXC_PATH } from "./paths";

/**
 * LXC names its command socket after "<lxcpath>/<name>" in the abstract namespace, which all
 * test hosts share (they share the network namespace). A per-mount-namespace spelling of
 * /var/lib/lxc keeps CT 100 of one host apart from CT 100 of another.
 */
let cachedPath: string | undefined;
export function lxcPath(): string {
  if (cachedPath) return cachedPath;
  const ns = readlinkSync("/proc/self/ns/mnt").replace(/\D/g, "");
  const dir = `${LXC_PATH}/.ns${ns}`;
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  return (cachedPath = `${dir}/..`);
}

/** list_active_containers: vmids whose LXC command socket is listening. */
export function activeVmids(): Set<number> {
  const res = new Set<number>();
  const prefix = `@${lxcPath()}/`;
  let raw = "";
  try {
    raw = readFileSync("/proc/net/unix", "utf8");
  } catch {
    return res;
  }
  for (const line of raw.split("\n")) {
    const i = line.indexOf(prefix);
    if (i < 0) continue;
    const m = /^(\d+)\/command$/.exec(line.slice(i + prefix.length).trim());
    if (m) res.add(Number(m[1]));
  }
  return res;
}

export function isRunning(vmid: number): boolean {
  return activeVmids().has(vmid);
}

const runDir = () => `${LOCK_DIR}/pve-fixture`;

export interface RunState {
  pid: number;
  pstart: number;
  veths: string[];
}

export function procStart(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
  } catch {
    return undefined;
  }
}

export function saveRunState(vmid: number, st: RunState): void {
  mkdirSync(runDir(), { recursive: true });
  writeFileSync(`${runDir()}/${vmid}.json`, JSON.stringify(st));
}

export function loadRunState(vmid: number): RunState | undefined {
  try {
    return JSON.parse(readFileSync(`${runDir()}/${vmid}.json`, "utf8"));
  } catch {
    return undefined;
  }
}

export function clearRunState(vmid: number): void {
  try {
    unlinkSync(`${runDir()}/${vmid}.json`);
  } catch {}
}

/** Init pid of a running CT (cached at start, verified by its start time). */
export function findPid(vmid: number): number | undefined {
  const st = loadRunState(vmid);
  if (st && procStart(st.pid) === st.pstart) return st.pid;
  const r = spawnSync(["lxc-info", "-P", lxcPath(), "-n", String(vmid), "-p", "-H"], { stderr: "ignore" });
  const pid = Number(r.stdout.toString().trim());
  return r.exitCode === 0 && pid > 0 ? pid : undefined;
}

export const cgroupV2Only = existsSync("/sys/fs/cgroup/cgroup.controllers");

export interface Cgroups {
  v2: boolean;
  memory?: string;
  cpu?: string;
  cpuacct?: string;
  cpuset?: string;
  blkio?: string;
  /** the unified hierarchy (pressure files), also present in hybrid mode */
  unified?: string;
}

export function cgroupsOf(pid: number): Cgroups | undefined {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/cgroup`, "utf8");
  } catch {
    return undefined;
  }
  const res: Cgroups = { v2: cgroupV2Only };
  for (const line of raw.split("\n")) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const [, ctrls, path] = m;
    if (ctrls === "") {
      const base = cgroupV2Only ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
      res.unified = base + path;
      if (cgroupV2Only) res.memory = res.cpu = res.cpuacct = res.cpuset = res.blkio = base + path;
      continue;
    }
    for (const c of ctrls.split(",")) {
      const dir = `/sys/fs/cgroup/${c}${path}`;
      if (c === "memory") res.memory = dir;
      else if (c === "cpu") res.cpu = dir;
      else if (c === "cpuacct") res.cpuacct = dir;
      else if (c === "cpuset") res.cpuset = dir;
      else if (c === "blkio") res.blkio = dir;
    }
    if (ctrls.split(",").includes("cpu") && !res.cpuacct && ctrls.includes("cpuacct")) res.cpuacct = `/sys/fs/cgroup/${ctrls}${path}`;
  }
  return res;
}

export function readNum(file: string): number | undefined {
  try {
    const v = readFileSync(file, "utf8").trim();
    return /^\d+$/.test(v) ? Number(v) : undefined;
  } catch {
    return undefined;
  }
}

export function hostCpuCount(): number {
  try {
    return readFileSync("/proc/cpuinfo", "utf8").split("\n").filter((l) => /^processor\s*:/.test(l)).length || 1;
  } catch {
    return 1;
  }
}
