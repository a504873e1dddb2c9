// `pct` stand-in; the command table mirrors $cmddef of pve-container `src/PVE/CLI/pct.pm`.
import { apiUpdateVm, apiVmConfig, apiVmPending, configGetProps, updateProps } from "./lib/api/config";
import { apiCreate, createProps, readKeyFile } from "./lib/api/create";
import { apiDestroy, destroyProps } from "./lib/api/destroy";
import { apiPull, apiPush, pullProps, pushProps } from "./lib/api/files";
import { apiReboot, apiShutdown, apiStart, apiStop, rebootProps, shutdownProps, startProps, stopProps } from "./lib/api/power";
import { nodeProp, vmidProp } from "./lib/api/props";
import { apiResize, resizeProps } from "./lib/api/resize";
import { apiDelSnapshot, apiRollback, apiSnapshot, apiSnapshotList, delsnapshotProps, rollbackProps, snapshotProps } from "./lib/api/snapshot";
import { type CmdDef, runCli, type Tool } from "./lib/cli";
import { loadConfig, removeLock, encodeText } from "./lib/config";
import { attach } from "./lib/ctrun";
import { die, out } from "./lib/errors";
import { isRunning } from "./lib/lxc";
import { nodename } from "./lib/paths";
import type { TaskResult } from "./lib/task";
import { printSnapshotTree } from "./lib/tree";
import { vmStatusAll } from "./lib/vmstatus";

const LXC = "PVE::API2::LXC";
const CONFIG = "PVE::API2::LXC::Config";
const SNAP = "PVE::API2::LXC::Snapshot";
const STATUS = "PVE::API2::LXC::Status";
const CLI = "PVE::CLI::pct";
const fixed = () => ({ node: nodename() });

/** $upid_exit: 0 unless the task status is an error */
const upidExit = (r: TaskResult) => (r.ok ? 0 : 255);

const cmds: Record<string, CmdDef> = {
  list: {
    cls: LXC,
    props: { node: nodeProp },
    fixed: fixed(),
    run: () => {
      const list = vmStatusAll(undefined, false);
      if (!list.length) return;
      const row = (a: string, b: string, c: string, d: string) => `${a.padEnd(10)} ${b.padEnd(10)} ${c.padEnd(12)} ${d.padEnd(20)}\n`;
      let s = row("VMID", "Status", "Lock", "Name");
      for (const d of list.sort((a, b) => Number(a.vmid) - Number(b.vmid))) s += row(String(d.vmid), String(d.status), String(d.lock ?? ""), String(d.name));
      out(s);
    },
  },
  config: {
    cls: CONFIG,
    args: ["vmid"],
    props: configGetProps,
    fixed: fixed(),
    run: (p) => {
      const conf = apiVmConfig(p as any);
      let s = "";
      for (const k of Object.keys(conf).sort()) {
        if (k === "digest" || k === "lxc") continue;
        const v = k === "description" ? encodeText(String(conf[k])) : conf[k];
        s += `${k}: ${v}\n`;
      }
      for (const [k, v] of (conf.lxc as [string, string][] | undefined) ?? []) s += `${k}: ${v}\n`;
      out(s);
    },
  },
  pending: {
    cls: LXC,
    args: ["vmid"],
    props: { node: nodeProp, vmid: vmidProp },
    fixed: fixed(),
    run: (p) => {
      let s = "";
      const items = apiVmPending(p as any).sort((a, b) => (String(a.key) < String(b.key) ? -1 : 1));
      for (const it of items) {
        const k = String(it.key);
        if (k === "digest") continue;
        let v = it.value;
        let pv = it.pending;
        if (k === "description") {
          if (v !== undefined) v = encodeText(String(v));
          if (pv !== undefined) pv = encodeText(String(pv));
        }
        if (v !== undefined) {
          if (it.delete) s += `del ${k}: ${v}\n`;
          else if (pv !== undefined) s += `cur ${k}: ${v}\nnew ${k}: ${pv}\n`;
          else s += `cur ${k}: ${v}\n`;
        } else if (pv !== undefined) s += `new ${k}: ${pv}\n`;
      }
      out(s);
    },
  },
  set: { cls: CONFIG, args: ["vmid"], props: updateProps, fixed: fixed(), run: async (p) => void (await apiUpdateVm(p)) },
  resize: { cls: LXC, args: ["vmid", "disk", "size"], props: resizeProps, fixed: fixed(), run: async (p) => void (await apiResize(p as any)) },
  create: {
    cls: LXC,
    args: ["vmid", "ostemplate"],
    props: createProps,
    fixed: fixed(),
    optionalValue: ["password"],
    run: async (p) => {
      if (p.password === "") die("unable to read password - no terminal available");
      if (p["ssh-public-keys"] !== undefined) p["ssh-public-keys"] = readKeyFile(p["ssh-public-keys"]);
      return upidExit(await apiCreate(p));
    },
  },
  restore: { cls: LXC, stubUsage: "<vmid> <ostemplate> [OPTIONS]" },
  destroy: { cls: LXC, args: ["vmid"], props: destroyProps, fixed: fixed(), run: async (p) => upidExit(await apiDestroy(p as any)) },
  start: { cls: STATUS, args: ["vmid"], props: startProps, fixed: fixed(), run: async (p) => upidExit(await apiStart(p as any)) },
  suspend: { cls: STATUS, stubUsage: "<vmid>" },
  resume: { cls: STATUS, stubUsage: "<vmid>" },
  shutdown: { cls: STATUS, args: ["vmid"], props: shutdownProps, fixed: fixed(), run: async (p) => upidExit(await apiShutdown(p as any)) },
  stop: { cls: STATUS, args: ["vmid"], props: stopProps, fixed: fixed(), run: async (p) => upidExit(await apiStop(p as any)) },
  reboot: { cls: STATUS, args: ["vmid"], props: rebootProps, fixed: fixed(), run: async (p) => upidExit(await apiReboot(p as any)) },
  clone: { cls: LXC, stubUsage: "<vmid> <newid> [OPTIONS]" },
  migrate: { cls: LXC, stubUsage: "<vmid> <target> [OPTIONS]" },
  "move-volume": { cls: LXC, stubUsage: "<vmid> <volume> [<storage>] [<target-vmid>] [<target-volume>] [OPTIONS]" },
  "remote-migrate": { cls: CLI, stubUsage: "<vmid> [<target-vmid>] <target-endpoint> --target-bridge <string> --target-storage <string> [OPTIONS]" },
  snapshot: { cls: SNAP, args: ["vmid", "snapname"], props: snapshotProps, fixed: fixed(), run: async (p) => upidExit(await apiSnapshot(p as any)) },
  delsnapshot: { cls: SNAP, args: ["vmid", "snapname"], props: delsnapshotProps, fixed: fixed(), run: async (p) => upidExit(await apiDelSnapshot(p as any)) },
  listsnapshot: {
    cls: SNAP,
    args: ["vmid"],
    props: { node: nodeProp, vmid: vmidProp },
    fixed: fixed(),
    run: (p) => out(printSnapshotTree(apiSnapshotList(p as any))),
  },
  rollback: { cls: SNAP, args: ["vmid", "snapname"], props: rollbackProps, fixed: fixed(), run: async (p) => upidExit(await apiRollback(p as any)) },
  template: { cls: LXC, stubUsage: "<vmid>" },
  status: {
    cls: CLI,
    args: ["vmid"],
    props: { vmid: vmidProp, verbose: { type: "boolean", optional: true } },
    run: (p) => {
      loadConfig(Number(p.vmid));
      const st = vmStatusAll(Number(p.vmid))[0];
      if (!p.verbose) return out(`status: ${st.status || "unknown"}\n`);
      out(
        Object.keys(st)
          .sort()
          .filter((k) => k !== "cpu" && st[k] !== undefined)
          .map((k) => `${k}: ${st[k]}\n`)
          .join(""),
      );
    },
  },
  console: { cls: CLI, stubUsage: "<vmid> [OPTIONS]" },
  enter: { cls: CLI, stubUsage: "<vmid> [OPTIONS]" },
  unlock: { cls: CLI, args: ["vmid"], props: { vmid: vmidProp }, run: async (p) => removeLock(Number(p.vmid)) },
  exec: {
    cls: CLI,
    args: ["vmid", "extra-args"],
    props: { vmid: vmidProp, "keep-env": { type: "boolean", optional: true }, "extra-args": { type: "array", optional: true } },
    run: async (p) => {
      const vmid = Number(p.vmid);
      loadConfig(vmid);
      if (!isRunning(vmid)) die(`container '${vmid}' not running!`);
      if (!p["extra-args"].length) die("missing command at /usr/share/perl5/PVE/CLI/pct.pm line 246.");
      return attach(vmid, p["extra-args"], p["keep-env"] === undefined ? true : !!p["keep-env"]);
    },
  },
  fsck: { cls: CLI, stubUsage: "<vmid> [OPTIONS]" },
  mount: { cls: CLI, stubUsage: "<vmid>" },
  unmount: { cls: CLI, stubUsage: "<vmid>" },
  push: { cls: CLI, args: ["vmid", "file", "destination"], props: pushProps, run: async (p) => void (await apiPush(p as any)) },
  pull: { cls: CLI, args: ["vmid", "path", "destination"], props: pullProps, run: async (p) => void (await apiPull(p as any)) },
  df: { cls: CLI, stubUsage: "<vmid>" },
  rescan: { cls: CLI, stubUsage: " [OPTIONS]" },
  cpusets: { cls: CLI, stubUsage: "" },
  fstrim: { cls: CLI, stubUsage: "<vmid> [OPTIONS]" },
};

const tool: Tool = { name: "pct", cmds };
await runCli(tool, process.argv.slice(2));
