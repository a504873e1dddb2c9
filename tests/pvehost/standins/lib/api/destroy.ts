// PVE::API2::LXC::destroy_vm (pve-container `src/PVE/API2/LXC.pm`).
import { rmSync } from "node:fs";
import { checkLock, type CtConf, destroyConfig, loadConfig, lockConfig, writeConfig } from "../config";
import { vmStop } from "../ctrun";
import { die } from "../errors";
import { clearRunState, isRunning } from "../lxc";
import { LXC_PATH } from "../paths";
import type { Prop } from "../schema";
import { readStorageCfg } from "../storage";
import { forkWorker, type TaskResult } from "../task";
import { configVolumes, destroyVolume } from "./disks";
import { nodeProp, vmidProp } from "./props";

export const destroyProps: Record<string, Prop> = {
  node: nodeProp,
  vmid: vmidProp,
  force: { type: "boolean", optional: true },
  purge: { type: "boolean", optional: true },
  "destroy-unreferenced-disks": { type: "boolean", optional: true },
};

function earlyChecks(conf: CtConf): void {
  if (conf.props.protection === "1") die(`can't remove CT ${conf.vmid} - protection mode enabled`);
  checkLock(conf);
}

export async function apiDestroy(p: { vmid: number | string; force?: number; purge?: number }): Promise<TaskResult> {
  const vmid = Number(p.vmid);
  earlyChecks(loadConfig(vmid));
  const runningMsg = `unable to destroy CT ${vmid} - container is running`;
  if (!p.force && isRunning(vmid)) die(runningMsg);
  return forkWorker("vzdestroy", vmid, (task) =>
    lockConfig(vmid, async () => {
      const conf = loadConfig(vmid);
      earlyChecks(conf);
      if (isRunning(vmid)) {
        if (!p.force) die(runningMsg);
        task.log(`forced to stop CT ${vmid} before destroying!`);
        await vmStop(vmid, true, task);
      }
      conf.props.lock = "destroyed";
      writeConfig(conf);
      const cfg = readStorageCfg();
      const vols = new Set<string>();
      for (const sec of [conf.props, ...Object.values(conf.snapshots).map((s) => s.props)]) for (const [, v] of configVolumes(sec)) vols.add(v);
      for (const v of vols) destroyVolume(cfg, v);
      rmSync(`${LXC_PATH}/${vmid}`, { recursive: true, force: true });
      clearRunState(vmid);
      if (p.purge) task.log(`purging CT ${vmid} from related configurations..`);
      destroyConfig(vmid);
    }),
  );
}
