// PVE::API2::LXC::Status (pve-container `src/PVE/API2/LXC/Status.pm`): start/stop/shutdown/reboot.
import { checkLock, hasLock, isTemplate, loadConfig, lockConfig } from "../config";
import { vmStart, vmStop } from "../ctrun";
import { die } from "../errors";
import { isRunning } from "../lxc";
import type { Prop } from "../schema";
import { forkWorker, type TaskResult } from "../task";
import { nodeProp, skiplockProp, vmidProp } from "./props";

export const startProps: Record<string, Prop> = {
  node: nodeProp,
  vmid: vmidProp,
  skiplock: skiplockProp,
  debug: { type: "boolean", optional: true },
};

export async function apiStart(p: { vmid: number | string; skiplock?: number }): Promise<TaskResult> {
  const vmid = Number(p.vmid);
  if (isRunning(vmid)) die(`CT ${vmid} already running`);
  return forkWorker("vzstart", vmid, (task) =>
    lockConfig(vmid, async () => {
      const conf = loadConfig(vmid);
      if (isTemplate(conf)) die("you can't start a CT if it's a template");
      if (!p.skiplock && !hasLock(conf, "mounted")) checkLock(conf);
      await vmStart(conf, task);
    }),
  );
}

export const stopProps: Record<string, Prop> = {
  node: nodeProp,
  vmid: vmidProp,
  skiplock: skiplockProp,
  "overrule-shutdown": { type: "boolean", optional: true },
};

export async function apiStop(p: { vmid: number | string; skiplock?: number }): Promise<TaskResult> {
  const vmid = Number(p.vmid);
  if (!isRunning(vmid)) die(`CT ${vmid} not running`);
  return forkWorker("vzstop", vmid, (task) =>
    lockConfig(vmid, async () => {
      const conf = loadConfig(vmid);
      if (!p.skiplock && !hasLock(conf, "mounted")) checkLock(conf);
      await vmStop(vmid, true, task);
    }),
  );
}

export const shutdownProps: Record<string, Prop> = {
  node: nodeProp,
  vmid: vmidProp,
  timeout: { type: "integer", minimum: 0, optional: true },
  forceStop: { type: "boolean", optional: true },
};

export async function apiShutdown(p: { vmid: number | string; timeout?: number | string; forceStop?: number }): Promise<TaskResult> {
  const vmid = Number(p.vmid);
  if (!isRunning(vmid)) die(`CT ${vmid} not running`);
  const timeout = p.timeout !== undefined ? Number(p.timeout) : 60;
  return forkWorker("vzshutdown", vmid, (task) =>
    lockConfig(vmid, async () => {
      const conf = loadConfig(vmid);
      checkLock(conf);
      await vmStop(vmid, false, task, timeout, !!p.forceStop);
    }),
  );
}

export const rebootProps: Record<string, Prop> = {
  node: nodeProp,
  vmid: vmidProp,
  timeout: { type: "integer", minimum: 0, optional: true },
};

export async function apiReboot(p: { vmid: number | string; timeout?: number | string }): Promise<TaskResult> {
  const vmid = Number(p.vmid);
  if (!isRunning(vmid)) die(`VM ${vmid} not running`);
  const timeout = p.timeout !== undefined ? Number(p.timeout) : undefined;
  return forkWorker("vzreboot", vmid, (task) =>
    lockConfig(vmid, async () => {
      if (!isRunning(vmid)) return;
      await vmStop(vmid, false, task, timeout, true);
      await vmStart(loadConfig(vmid), task);
    }),
  );
}
