// pct push / pct pull (pve-container `src/PVE/CLI/pct.pm`): files are written from inside the CT's mount
// namespace so paths resolve as the CT sees them.
import { chmodSync, chownSync, closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { loadConfig, lockConfig } from "../config";
import { die } from "../errors";
import { findPid, isRunning } from "../lxc";
import type { Prop } from "../schema";
import { forkWorker, type TaskResult } from "../task";
import { vmidProp } from "./props";

export const pushProps: Record<string, Prop> = {
  vmid: vmidProp,
  file: { type: "string" },
  destination: { type: "string" },
  user: { type: "string", optional: true },
  group: { type: "string", optional: true },
  perms: { type: "string", optional: true },
};
export const pullProps: Record<string, Prop> = { ...pushProps, path: { type: "string" } };
delete pullProps.file;

/** POSIX::strtoul($perms, 0) after PVE prefixed a missing leading 0 */
function parsePerms(perms?: string): number | undefined {
  if (perms === undefined) return undefined;
  const p = /^0/.test(perms) ? perms : `0${perms}`;
  const m = /^0[xX]([0-9a-fA-F]+)$/.exec(p) ?? /^0([0-7]*)$/.exec(p);
  if (!m) die(`invalid mode: '${perms}'`);
  return p.startsWith("0x") || p.startsWith("0X") ? parseInt(m[1], 16) : parseInt(m[1] || "0", 8);
}

function lookupId(file: string, name: string | undefined, what: "uid" | "gid"): number | undefined {
  if (name === undefined) return undefined;
  if (/^\d+$/.test(name)) return Number(name);
  try {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const f = line.split(":");
      if (f[0] === name && f.length > 2) return Number(f[2]);
    }
  } catch {}
  die(`failed to get ${what} for: ${name}`);
}

function nsenter(pid: number, args: string[], input?: Uint8Array) {
  return Bun.spawnSync(["nsenter", "-t", String(pid), "-m", "--", ...args], { stdin: input ?? "ignore", stdout: "pipe", stderr: "pipe" });
}

function errnoText(stderr: string): string {
  return /No such file or directory/.test(stderr) ? "No such file or directory" : /Permission denied/.test(stderr) ? "Permission denied" : /Is a directory/.test(stderr) ? "Is a directory" : "Input/output error";
}

export async function apiPush(p: { vmid: number | string; file: string; destination: string; user?: string; group?: string; perms?: string }): Promise<TaskResult> {
  const vmid = Number(p.vmid);
  return lockConfig(vmid, async () => {
    if (!isRunning(vmid)) die("can only push files to a running CT");
    loadConfig(vmid);
    return forkWorker("push_file", vmid, async () => {
      const pid = findPid(vmid)!;
      let data: Uint8Array;
      try {
        data = readFileSync(p.file);
      } catch {
        die(`failed to open ${p.file} for reading`);
      }
      const uid = lookupId(`/proc/${pid}/root/etc/passwd`, p.user, "uid");
      const gid = lookupId(`/proc/${pid}/root/etc/group`, p.group, "gid");
      const mode = parsePerms(p.perms);
      const script = ['cat > "$1" || exit 1', mode !== undefined ? `chmod ${mode.toString(8)} "$1" || exit 2` : "", uid !== undefined || gid !== undefined ? `chown ${uid ?? ""}${gid !== undefined ? `:${gid}` : ""} "$1" || exit 3` : ""].filter(Boolean).join("\n");
      const r = nsenter(pid, ["sh", "-c", script, "sh", p.destination], data);
      if (r.exitCode === 1) die(`failed to create file: ${p.destination}: ${errnoText(r.stderr.toString())}`);
      if (r.exitCode === 3) die("failed to change file owner: Operation not permitted");
      if (r.exitCode !== 0) die(`failed to create file: ${p.destination}: ${errnoText(r.stderr.toString())}`);
    });
  });
}

export async function apiPull(p: { vmid: number | string; path: string; destination: string; user?: string; group?: string; perms?: string }): Promise<TaskResult> {
  const vmid = Number(p.vmid);
  return lockConfig(vmid, async () => {
    if (!isRunning(vmid)) die("can only pull files from a running VM at /usr/share/perl5/PVE/CLI/pct.pm line 664.");
    return forkWorker("pull_file", vmid, async () => {
      const pid = findPid(vmid)!;
      const uid = lookupId("/etc/passwd", p.user, "uid");
      const gid = lookupId("/etc/group", p.group, "gid");
      const mode = parsePerms(p.perms);
      let fd: number;
      try {
        fd = openSync(p.destination, "w", 0o666 & ~process.umask());
      } catch (e: any) {
        die(`failed to create file: ${p.destination}: ${e.code === "ENOENT" ? "No such file or directory" : e.message}`);
      }
      try {
        if (mode !== undefined) chmodSync(p.destination, mode);
        if (uid !== undefined || gid !== undefined) chownSync(p.destination, uid ?? -1, gid ?? -1);
        const r = nsenter(pid, ["cat", "--", p.path]);
        if (r.exitCode !== 0) die(`failed to open ${p.path}: ${errnoText(r.stderr.toString())}`);
        writeSync(fd, r.stdout);
      } finally {
        closeSync(fd);
      }
    });
  });
}
