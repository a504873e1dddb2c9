// Snapshots (pve-container `src/PVE/API2/LXC/Snapshot.pm`) following PVE::AbstractConfig
// snapshot_create/delete/rollback (pve-guest-common `src/PVE/AbstractConfig.pm`).
import { checkLock, hasLock, isTemplate, loadConfig, lockConfig, type Section, setLock, writeConfig } from "../config";
import { vmStop } from "../ctrun";
import { die } from "../errors";
import { isRunning, lxcPath } from "../lxc";
import type { Prop } from "../schema";
import { canSnapshot, readStorageCfg } from "../storage";
import { forkWorker, type Task, type TaskResult } from "../task";
import { addUnused } from "./pending";
import { configVolumes, volumeRollback, volumeSnapshot, volumeSnapshotDelete } from "./disks";
import { apiStart } from "./power";
import { nodeProp, snapnameProp, vmidProp } from "./props";

export const snapshotProps: Record<string, Prop> = {
  node: nodeProp,
  vmid: vmidProp,
  snapname: snapnameProp,
  description: { type: "string", optional: true },
};

/** __snapshot_copy_config */
function copyConfig(src: Section): Section {
  const props: Record<string, string> = {};
  for (const [k, v] of Object.entries(src.props)) {
    if (["snapstate", "snaptime", "vmstate", "lock", "digest", "description"].includes(k) || /^unused\d+$/.test(k)) continue;
    props[k] = v;
  }
  return { props, lxc: src.lxc.map(([k, v]) => [k, v] as [string, string]) };
}

function volumes(sec: Section): string[] {
  return configVolumes(sec.props)
    .filter(([k]) => !k.startsWith("unused"))
    .map(([, v]) => v);
}

export function apiSnapshotList(p: { vmid: number | string }): Record<string, unknown>[] {
  const vmid = Number(p.vmid);
  const conf = loadConfig(vmid);
  const res: Record<string, unknown>[] = [];
  for (const [name, s] of Object.entries(conf.snapshots)) {
    const item: Record<string, unknown> = { name, snaptime: Number(s.props.snaptime) || 0, description: s.props.description || "" };
    if (s.props.parent !== undefined) item.parent = s.props.parent;
    if (s.props.snapstate) item.snapstate = s.props.snapstate;
    res.push(item);
  }
  const current: Record<string, unknown> = { name: "current", digest: conf.digest, running: isRunning(vmid) ? 1 : 0, description: "You are here!" };
  if (conf.props.parent !== undefined) current.parent = conf.props.parent;
  res.push(current);
  return res;
}

async function freeze(vmid: number, on: boolean, task: Task): Promise<void> {
  try {
    await task.run([on ? "lxc-freeze" : "lxc-unfreeze", "-P", lxcPath(), "-n", String(vmid)]);
  } catch {}
}

export async function apiSnapshot(p: { vmid: number | string; snapname: string; description?: string }): Promise<TaskResult> {
  const vmid = Number(p.vmid);
  const name = p.snapname;
  if (name === "current" || name === "vzdump") die(`unable to use snapshot name '${name}' (reserved name)`);
  return forkWorker("vzsnapshot", vmid, async (task) => {
    const cfg = readStorageCfg();
    let snap!: Section;
    await lockConfig(vmid, () => {
      const conf = loadConfig(vmid);
      if (isTemplate(conf)) die("you can't take a snapshot if it's a template");
      checkLock(conf);
      conf.props.lock = "snapshot";
      if (conf.snapshots[name]) die(`snapshot name '${name}' already used`);
      if (!volumes(conf).every((v) => canSnapshot(cfg, v))) die("snapshot feature is not available");
      for (const s of Object.keys(conf.snapshots).sort()) {
        if (conf.snapshots[s].props.parent === name) {
          task.log(`deleting parent '${name}' reference from '${s}' to avoid bogus snapshot cycle.`);
          delete conf.snapshots[s].props.parent;
        }
      }
      snap = conf.snapshots[name] = copyConfig(conf);
      snap.props.snapstate = "prepare";
      snap.props.snaptime = String(Math.floor(Date.now() / 1000));
      if (p.description) snap.props.description = p.description;
      writeConfig(conf);
    });
    const running = isRunning(vmid);
    const done: string[] = [];
    try {
      if (running) await freeze(vmid, true, task);
      try {
        for (const v of volumes(snap)) {
          volumeSnapshot(cfg, vmid, v, name);
          done.push(v);
        }
      } finally {
        if (running) await freeze(vmid, false, task);
      }
    } catch (e: any) {
      task.log("snapshot create failed: starting cleanup");
      for (const v of done) volumeSnapshotDelete(vmid, v, name);
      await lockConfig(vmid, () => {
        const conf = loadConfig(vmid);
        delete conf.snapshots[name];
        delete conf.props.lock;
        writeConfig(conf);
      });
      throw e;
    }
    await lockConfig(vmid, () => {
      const conf = loadConfig(vmid);
      if (conf.props.lock !== "snapshot") die("missing snapshot lock");
      const s = conf.snapshots[name];
      if (!s) die(`snapshot '${name}' does not exist`);
      if (s.props.snapstate !== "prepare") die("wrong snapshot state");
      delete s.props.snapstate;
      delete conf.props.lock;
      conf.props.parent = name;
      writeConfig(conf);
    });
  });
}

export const delsnapshotProps: Record<string, Prop> = {
  node: nodeProp,
  vmid: vmidProp,
  snapname: snapnameProp,
  force: { type: "boolean", optional: true },
};

export async function apiDelSnapshot(p: { vmid: number | string; snapname: string; force?: number }): Promise<TaskResult> {
  const vmid = Number(p.vmid);
  const name = p.snapname;
  return forkWorker("vzdelsnapshot", vmid, async (task) => {
    const first = loadConfig(vmid);
    if (!first.snapshots[name]) die(`snapshot '${name}' does not exist`);
    await setLock(vmid, "snapshot-delete");
    let snap!: Section;
    await lockConfig(vmid, () => {
      const conf = loadConfig(vmid);
      if (!hasLock(conf, "snapshot-delete")) die("encountered invalid lock, expected 'snapshot-delete'");
      if (isTemplate(conf)) die("you can't delete a snapshot if vm is a template");
      snap = conf.snapshots[name];
      if (!snap) die(`snapshot '${name}' does not exist`);
      snap.props.snapstate = "delete";
      writeConfig(conf);
    });
    for (const v of volumes(snap)) {
      try {
        volumeSnapshotDelete(vmid, v, name);
      } catch (e: any) {
        if (!p.force) throw e;
        task.log(e.message);
      }
    }
    await lockConfig(vmid, () => {
      const conf = loadConfig(vmid);
      const s = conf.snapshots[name];
      if (!s) die(`snapshot '${name}' does not exist`);
      const newParent = s.props.parent;
      const relink = (props: Record<string, string>) => {
        if (props.parent === name) {
          if (newParent) props.parent = newParent;
          else delete props.parent;
        }
      };
      relink(conf.props);
      for (const [n, other] of Object.entries(conf.snapshots)) if (n !== name) relink(other.props);
      delete conf.snapshots[name];
      delete conf.props.lock;
      writeConfig(conf);
    });
  });
}

export const rollbackProps: Record<string, Prop> = {
  node: nodeProp,
  vmid: vmidProp,
  snapname: snapnameProp,
  start: { type: "boolean", optional: true },
};

export async function apiRollback(p: { vmid: number | string; snapname: string; start?: number }): Promise<TaskResult> {
  const vmid = Number(p.vmid);
  const name = p.snapname;
  return forkWorker("vzrollback", vmid, async (task) => {
    const cfg = readStorageCfg();
    let snap!: Section;
    await lockConfig(vmid, async () => {
      const conf = loadConfig(vmid);
      if (isTemplate(conf)) die("you can't rollback if vm is a template");
      snap = conf.snapshots[name];
      if (!snap) die(`snapshot '${name}' does not exist`);
      if (snap.props.snapstate) die(`unable to rollback to incomplete snapshot (snapstate = ${snap.props.snapstate})`);
      checkLock(conf);
      await vmStop(vmid, true, task);
      if (isRunning(vmid)) die(`unable to rollback vm ${vmid}: vm is running`);
      conf.props.lock = "rollback";
      writeConfig(conf);
    });
    for (const v of volumes(snap)) volumeRollback(cfg, vmid, v, name);
    await lockConfig(vmid, () => {
      const conf = loadConfig(vmid);
      if (conf.props.lock !== "rollback") die("got wrong lock");
      delete conf.props.lock;
      const s = conf.snapshots[name];
      const keep = volumes(s);
      for (const v of volumes(conf)) if (!keep.includes(v)) addUnused(conf, v);
      const props: Record<string, string> = {};
      for (const [k, v] of Object.entries(conf.props)) if (k === "description" || /^unused\d+$/.test(k)) props[k] = v;
      const copy = copyConfig(s);
      conf.props = { ...props, ...copy.props, parent: name };
      conf.lxc = copy.lxc;
      conf.pending = { props: {}, lxc: [] };
      writeConfig(conf);
    });
    if (p.start) await apiStart({ vmid });
  });
}

export function apiSnapshotConfig(p: { vmid: number | string; snapname: string }): Section {
  const conf = loadConfig(Number(p.vmid));
  const s = conf.snapshots[p.snapname];
  if (!s) die(`snapshot '${p.snapname}' does not exist`);
  return s;
}

export async function apiUpdateSnapshotConfig(p: { vmid: number | string; snapname: string; description?: string }): Promise<null> {
  const vmid = Number(p.vmid);
  await lockConfig(vmid, () => {
    const conf = loadConfig(vmid);
    checkLock(conf);
    const s = conf.snapshots[p.snapname];
    if (!s) die(`snapshot '${p.snapname}' does not exist`);
    if (p.description !== undefined) s.props.description = p.description;
    writeConfig(conf);
  });
  return null;
}
