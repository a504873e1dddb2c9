// Starting and stopping CTs: PVE config -> LXC config, rootfs setup, lxc-start/lxc-stop.
import { spawn } from "bun";
import { existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { applyPendingAll } from "./api/pending";
import { type CtConf, writeConfig } from "./config";
import { netFormat, rootfsFormat, mpFormat } from "./ctschema";
import { die } from "./errors";
import { cgroupV2Only, clearRunState, findPid, hostCpuCount, isRunning, lxcPath, procStart, saveRunState } from "./lxc";
import { FIXTURE_DIR, LXC_PATH } from "./paths";
import { parsePropertyString } from "./schema";
import { readStorageCfg, volumePath } from "./storage";
import type { Task } from "./task";

/** The init every CT runs: reaps children and exits on SIGPWR so lxc-stop is quick. */
const INIT_SCRIPT = `trap 'exit 0' PWR TERM INT
while :; do sleep 1000 & wait; done
`;

export function mapBridge(bridge: string): string {
  return bridge === "vmbr0" ? "lwsbr0" : bridge;
}

function pickVethName(vmid: number, idx: number): string {
  const want = `veth${vmid}i${idx}`;
  if (want.length <= 15 && !existsSync(`/sys/class/net/${want}`)) return want;
  for (;;) {
    const alt = `vethx${Math.floor(Math.random() * 0xffffff).toString(16).padStart(6, "0")}i${idx}`;
    if (!existsSync(`/sys/class/net/${alt}`)) return alt;
  }
}

export function memoryHigh(memMiB: number): number {
  return memMiB >= 16 * 1024 ? (memMiB - 128) * 1024 * 1024 : memMiB * 1024 * 1016;
}

function cpusetList(cores: number): string {
  const n = Math.min(cores, hostCpuCount());
  return n <= 1 ? "0" : `0-${n - 1}`;
}

/**
 * Opt-in for the app plugin tests (tests/fixtures/docker): when
 * /var/lib/pve-fixture/docker-socket names a Docker socket, CTs started from then
 * on see it at /var/run/docker.sock. Absent (the default) → no change.
 */
function optInDockerSocket(): string | undefined {
  let path = "";
  try {
    path = readFileSync(`${FIXTURE_DIR}/docker-socket`, "utf8").trim();
  } catch {
    return undefined;
  }
  return /^\/[A-Za-z0-9._\/-]+$/.test(path) && existsSync(path) ? path : undefined;
}

export function renderLxcConfig(conf: CtConf, veths: string[]): string {
  const p = conf.props;
  const vmid = conf.vmid;
  const cfg = readStorageCfg();
  const lines: string[] = [];
  const add = (k: string, v: string | number) => lines.push(`${k} = ${v}`);
  add("lxc.arch", p.arch ?? "amd64");
  add("lxc.uts.name", p.hostname ?? `CT${vmid}`);
  const rootfs = parsePropertyString(rootfsFormat, p.rootfs ?? "");
  add("lxc.rootfs.path", `dir:${volumePath(cfg, rootfs.volume)}`);
  if (rootfs.ro === "1") add("lxc.rootfs.options", "ro");
  add("lxc.mount.entry", "/usr usr none bind,ro 0 0");
  add("lxc.mount.entry", `${LXC_PATH}/${vmid}/pve-init.sh run/pve-init.sh none bind,ro,create=file 0 0`);
  const dockerSocket = optInDockerSocket();
  if (dockerSocket) add("lxc.mount.entry", `${dockerSocket} var/run/docker.sock none bind,create=file 0 0`);
  for (const key of Object.keys(p).filter((k) => /^mp\d+$/.test(k)).sort((a, b) => +a.slice(2) - +b.slice(2))) {
    const mp = parsePropertyString(mpFormat, p[key]);
    const src = mp.volume.startsWith("/") ? mp.volume : volumePath(cfg, mp.volume);
    add("lxc.mount.entry", `${src} ${mp.mp.replace(/^\/+/, "")} none rbind,create=dir${mp.ro === "1" ? ",ro" : ""} 0 0`);
  }
  add("lxc.apparmor.profile", "unconfined");
  add("lxc.mount.auto", p.features?.includes("nesting=1") ? "proc:rw sys:rw cgroup:rw" : "proc:mixed sys:ro cgroup:mixed");
  add("lxc.autodev", 1);
  add("lxc.tty.max", 0);
  add("lxc.pty.max", 1024);
  add("lxc.init.cmd", "/bin/sh /run/pve-init.sh");

  const mem = Number(p.memory ?? 512);
  const swap = Number(p.swap ?? 512);
  if (cgroupV2Only) {
    add("lxc.cgroup2.memory.max", mem * 1024 * 1024);
    add("lxc.cgroup2.memory.high", memoryHigh(mem));
    add("lxc.cgroup2.memory.swap.max", swap * 1024 * 1024);
    if (Number(p.cpulimit ?? 0) > 0) add("lxc.cgroup2.cpu.max", `${Math.trunc(Number(p.cpulimit) * 100000)} 100000`);
    if (p.cpuunits) add("lxc.cgroup2.cpu.weight", Math.min(10000, Math.max(1, Number(p.cpuunits))));
    if (p.cores) add("lxc.cgroup2.cpuset.cpus", cpusetList(Number(p.cores)));
  } else {
    add("lxc.cgroup.memory.limit_in_bytes", mem * 1024 * 1024);
    if (existsSync("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"))
      add("lxc.cgroup.memory.memsw.limit_in_bytes", (mem + swap) * 1024 * 1024);
    if (Number(p.cpulimit ?? 0) > 0) {
      add("lxc.cgroup.cpu.cfs_period_us", 100000);
      add("lxc.cgroup.cpu.cfs_quota_us", Math.trunc(Number(p.cpulimit) * 100000));
    }
    if (p.cpuunits) add("lxc.cgroup.cpu.shares", Math.max(2, Number(p.cpuunits)));
    if (p.cores) add("lxc.cgroup.cpuset.cpus", cpusetList(Number(p.cores)));
  }

  const nets = Object.keys(p).filter((k) => /^net\d+$/.test(k)).sort((a, b) => +a.slice(3) - +b.slice(3));
  if (!nets.length) add("lxc.net.0.type", "empty");
  nets.forEach((key, i) => {
    const n = parsePropertyString(netFormat, p[key]);
    const idx = Number(key.slice(3));
    const pre = `lxc.net.${i}`;
    add(`${pre}.type`, "veth");
    add(`${pre}.veth.pair`, veths[i] ?? pickVethName(vmid, idx));
    if (n.bridge) add(`${pre}.link`, mapBridge(n.bridge));
    add(`${pre}.name`, n.name);
    if (n.hwaddr) add(`${pre}.hwaddr`, n.hwaddr);
    if (n.mtu) add(`${pre}.mtu`, n.mtu);
    if (n.link_down !== "1") add(`${pre}.flags`, "up");
    if (n.ip && n.ip.includes("/")) add(`${pre}.ipv4.address`, n.ip);
    if (n.gw && n.ip?.includes("/")) add(`${pre}.ipv4.gateway`, n.gw);
    if (n.ip6 && n.ip6.includes("/")) add(`${pre}.ipv6.address`, n.ip6);
    if (n.gw6 && n.ip6?.includes("/")) add(`${pre}.ipv6.gateway`, n.gw6);
  });
  for (const [k, v] of conf.lxc) add(k, v);
  return lines.join("\n") + "\n";
}

/** Write a file below the rootfs only if no path component is a symlink (no escape). */
export function writeInRootfs(rootfs: string, rel: string, content: string): boolean {
  const parts = rel.split("/").filter(Boolean);
  let cur = rootfs;
  for (let i = 0; i < parts.length; i++) {
    cur += "/" + parts[i];
    let st;
    try {
      st = lstatSync(cur);
    } catch {
      if (i < parts.length - 1) mkdirSync(cur);
      continue;
    }
    if (st.isSymbolicLink()) return false;
  }
  writeFileSync(cur, content);
  return true;
}

/** The bits of PVE::LXC::Setup a test can observe: hostname, hosts, resolv.conf. */
function setupRootfs(conf: CtConf, rootfs: string): void {
  const p = conf.props;
  const host = p.hostname ?? `CT${conf.vmid}`;
  writeInRootfs(rootfs, "etc/hostname", `${host}\n`);
  let hosts = "";
  try {
    hosts = readFileSync(`${rootfs}/etc/hosts`, "utf8");
  } catch {}
  const line = `127.0.1.1 ${host}`;
  const kept = hosts.split("\n").filter((l) => l && !/^127\.0\.1\.1\s/.test(l));
  if (!kept.some((l) => /^127\.0\.0\.1\s/.test(l))) kept.unshift("127.0.0.1 localhost");
  writeInRootfs(rootfs, "etc/hosts", [...kept, line].join("\n") + "\n");
  writeInRootfs(rootfs, "etc/resolv.conf", resolvConf(p));
}

/**
 * set_dns (pve-container `src/PVE/LXC/Setup/Base.pm` `lookup_dns_conf`): the CT's own
 * settings, else the host's. PVE falls back for nameserver and searchdomain separately;
 * this stand-in only when both are unset.
 */
function resolvConf(p: Record<string, string>): string {
  let search = p.searchdomain?.split(/[\s,;]+/).filter(Boolean) ?? [];
  let servers = p.nameserver?.split(/[\s,;]+/).filter(Boolean) ?? [];
  if (!p.nameserver && !p.searchdomain) {
    let host = "";
    try {
      host = readFileSync("/etc/resolv.conf", "utf8");
    } catch {}
    search = host.match(/^search\s+(.*)$/m)?.[1].trim().split(/\s+/) ?? [];
    servers = [...host.matchAll(/^nameserver\s+(\S+)/gm)].map((m) => m[1]).slice(0, 3);
  }
  return (search.length ? `search ${search.join(" ")}\n` : "") + servers.map((s) => `nameserver ${s}\n`).join("");
}

/** PVE::LXC::vm_start (applies pending changes, then starts). */
export async function vmStart(conf: CtConf, task: Task): Promise<void> {
  const vmid = conf.vmid;
  if (Object.keys(conf.pending.props).length) {
    const errors: [string, string][] = [];
    applyPendingAll(conf, undefined, errors);
    for (const [, msg] of errors) task.log(msg);
    writeConfig(conf);
  }
  const dir = `${LXC_PATH}/${vmid}`;
  mkdirSync(dir, { recursive: true });
  const cfg = readStorageCfg();
  const rootfsVol = parsePropertyString(rootfsFormat, conf.props.rootfs ?? "").volume;
  const rootfs = volumePath(cfg, rootfsVol);
  if (!existsSync(rootfs)) die(`volume '${rootfsVol}' does not exist`);
  const nets = Object.keys(conf.props).filter((k) => /^net\d+$/.test(k)).sort((a, b) => +a.slice(3) - +b.slice(3));
  for (const key of nets) {
    const br = parsePropertyString(netFormat, conf.props[key]).bridge;
    if (br && !existsSync(`/sys/class/net/${mapBridge(br)}`)) {
      task.log(`bridge '${br}' does not exist`);
      die(`startup for container '${vmid}' failed`);
    }
  }
  const veths = nets.map((k) => pickVethName(vmid, Number(k.slice(3))));
  writeFileSync(`${dir}/pve-init.sh`, INIT_SCRIPT);
  writeFileSync(`${dir}/config`, renderLxcConfig(conf, veths));
  setupRootfs(conf, rootfs);
  try {
    await task.run(["lxc-start", "-P", lxcPath(), "-n", String(vmid), "-l", "ERROR", "-o", `${dir}/lxc.log`]);
  } catch {
    die(`startup for container '${vmid}' failed`);
  }
  const pid = findPid(vmid);
  if (!pid) die(`startup for container '${vmid}' failed`);
  saveRunState(vmid, { pid, pstart: procStart(pid) ?? 0, veths });
}

/** PVE::LXC::vm_stop: hard kill, or shutdown with timeout (and optional kill afterwards). */
export async function vmStop(vmid: number, kill: boolean, task: Task, timeout?: number, killAfterTimeout = false): Promise<void> {
  if (!isRunning(vmid)) return;
  const cmd = ["lxc-stop", "-P", lxcPath(), "-n", String(vmid)];
  if (kill) cmd.push("--kill");
  else {
    if (!killAfterTimeout) cmd.push("--nokill");
    if (timeout !== undefined) cmd.push("--timeout", String(timeout));
  }
  try {
    await task.run(cmd);
  } catch (e: any) {
    task.log(String(e.message).replace(/\blxc-stop -P \S+ /, "lxc-stop "));
    const deadline = Date.now() + ((timeout ?? 60) + 5) * 1000;
    while (Date.now() < deadline && isRunning(vmid)) await Bun.sleep(200);
  }
  for (let i = 0; i < 50 && isRunning(vmid); i++) await Bun.sleep(20);
  if (isRunning(vmid)) die("container did not stop");
  clearRunState(vmid);
}

/** pct's clean_environment: PATH pinned, host TLS settings dropped. */
function cleanEnv(): Record<string, string> {
  const env = { ...process.env, PATH: "/sbin:/bin:/usr/sbin:/usr/bin" } as Record<string, string>;
  delete env.SSL_CERT_FILE;
  delete env.SSL_CERT_DIR;
  return env;
}

/** lxc-attach into a running CT, passing streams and exit status through. */
export async function attach(vmid: number, argv: string[], keepEnv: boolean): Promise<number> {
  const proc = spawn(["lxc-attach", "-P", lxcPath(), "-n", String(vmid), keepEnv ? "--keep-env" : "--clear-env", "--", ...argv], {
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
    env: cleanEnv(),
  });
  return await proc.exited;
}
