// PVE::API2::LXC::create_vm (pve-container `src/PVE/API2/LXC.pm`): pre-fork checks, then the vzcreate task.
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { checkVmidUnused, type CtConf, destroyConfig, lockConfig, writeConfig } from "../config";
import { mpFormat, rootfsFormat, settableProps } from "../ctschema";
import { die, paramError } from "../errors";
import { LXC_PATH } from "../paths";
import { parsePropertyString, printPropertyString, type Prop } from "../schema";
import { readStorageCfg, storageCheckEnabled, storageConfig, type StorageCfg, templateDir, VZTMPL_EXT_RE } from "../storage";
import { forkWorker, type Task, type TaskResult } from "../task";
import { updatePctConfig } from "./config";
import { allocDisk, destroyVolume, NEW_DISK_RE } from "./disks";
import { apiStart } from "./power";
import { nodeProp, opt, storageIdProp, vmidProp } from "./props";
import { postCreate } from "./setup";

export const createProps: Record<string, Prop> = {
  ...settableProps(),
  node: nodeProp,
  vmid: vmidProp,
  ostemplate: { type: "string", maxLength: 255 },
  password: { type: "string", optional: true, minLength: 5 },
  storage: opt(storageIdProp),
  force: { type: "boolean", optional: true },
  restore: { type: "boolean", optional: true },
  unique: { type: "boolean", optional: true },
  pool: { type: "string", format: "pve-poolid", optional: true },
  "ignore-unpack-errors": { type: "boolean", optional: true },
  "ssh-public-keys": { type: "string", optional: true },
  bwlimit: { type: "number", minimum: 0, optional: true },
  start: { type: "boolean", optional: true },
  "ha-managed": { type: "boolean", optional: true },
};

const EXTRACTED = ["node", "vmid", "ignore-unpack-errors", "bwlimit", "start", "ha-managed", "unprivileged", "restore", "unique", "force", "password", "ssh-public-keys", "pool", "ostemplate", "storage"];

/** check_volume_access + parse_volname for the template, before forking. */
function checkTemplate(cfg: Record<string, StorageCfg>, ostemplate: string): void {
  if (ostemplate.startsWith("/")) return;
  const m = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/i.exec(ostemplate);
  if (!m) die(`unable to parse volume ID '${ostemplate}'`);
  const s = storageConfig(cfg, m[1]);
  if (s.type !== "dir" || !/^vztmpl\/[^/]+$/.test(m[2])) die(`unable to parse directory volume name '${m[2]}'`);
}

/** abs_filesystem_path: the template file, or "can't find file" inside the task. */
function templatePath(cfg: Record<string, StorageCfg>, ostemplate: string): string {
  let path: string | undefined;
  if (ostemplate.startsWith("/")) path = ostemplate;
  else {
    const [sid, volname] = [ostemplate.slice(0, ostemplate.indexOf(":")), ostemplate.slice(ostemplate.indexOf(":") + 1)];
    if (VZTMPL_EXT_RE.test(volname)) path = `${templateDir(cfg[sid])}/${volname.slice("vztmpl/".length)}`;
  }
  let isFile = false;
  try {
    isFile = !!path && statSync(path).isFile();
  } catch {}
  if (!path || !isFile) die(`can't find file '${ostemplate}'`);
  if (!VZTMPL_EXT_RE.test(path)) die(`file does not look like a template archive: ${path}`);
  return path;
}

async function extract(task: Task, archive: string, rootdir: string, vmid: number): Promise<void> {
  task.log(`extracting archive '${archive}'`);
  // A slow create (TestHost.setDelay('vzcreate', s)) spends its time here, as a big template would.
  await task.pause("vzcreate", String(vmid));
  const m = VZTMPL_EXT_RE.exec(archive)!;
  const comp = { gz: "-z", xz: "-J", zst: "--zstd", bz2: "-j" }[(m[2] ?? "").toLowerCase() as "gz"];
  const cmd = ["tar", "xpf", archive, ...(comp ? [comp] : []), "--totals", "--one-file-system", "-p", "--sparse", "--numeric-owner", "-C", rootdir, "--skip-old-files", "--anchored", "--exclude", "./dev/*"];
  await task.run(cmd);
}

export async function apiCreate(params: Record<string, any>): Promise<TaskResult> {
  const p = { ...params };
  const vmid = Number(p.vmid);
  const unprivileged = p.unprivileged === undefined ? 1 : Number(p.unprivileged);
  checkVmidUnused(vmid);
  const sshKeys: string | undefined = p["ssh-public-keys"];
  if (sshKeys !== undefined) validateSshKeys(sshKeys);
  const storage: string = p.storage ?? "local";
  const cfg = readStorageCfg();
  checkTemplate(cfg, p.ostemplate);

  const checkStorage = (sid: string) => {
    const s = storageCheckEnabled(cfg, sid);
    if (!s.content.includes("rootdir")) paramError({ storage: `storage '${sid}' does not support container directories` });
  };
  const noDisk: Record<string, string> = {};
  const mpParam: Record<string, string> = {};
  for (const [k, v] of Object.entries(p)) {
    if (EXTRACTED.includes(k)) continue;
    if (k === "rootfs" || /^mp\d+$/.test(k)) mpParam[k] = /^\d+(\.\d+)?$/.test(String(v)) ? `${storage}:${v}` : String(v);
    else if (/^unused\d+$/.test(k)) continue;
    else noDisk[k] = String(v);
  }
  if (Object.keys(mpParam).length && !mpParam.rootfs) die("mount points configured, but 'rootfs' not set - aborting");
  for (const [k, v] of Object.entries(mpParam)) {
    const vol = parsePropertyString(k === "rootfs" ? rootfsFormat : mpFormat, v, k).volume;
    if (vol.startsWith("/")) continue;
    const nd = NEW_DISK_RE.exec(vol);
    checkStorage(nd ? (nd[2] ?? storage) : vol.split(":")[0]);
  }
  if (!mpParam.rootfs) checkStorage(storage);

  const conf: CtConf = { vmid, props: {}, lxc: [], pending: { props: {}, lxc: [] }, snapshots: {}, digest: "" };
  await updatePctConfig(conf, false, noDisk, [], []);
  if (unprivileged) conf.props.unprivileged = "1";

  try {
    await lockConfig(
      vmid,
      () => {
        checkVmidUnused(vmid);
        writeConfig({ ...conf, props: { lock: "create" }, lxc: [], pending: { props: {}, lxc: [] }, snapshots: {} });
      },
      5,
    );
  } catch (e: any) {
    die(`unable to create CT ${vmid} - ${e.message}`);
  }

  return forkWorker("vzcreate", vmid, async (task) => {
    await lockConfig(vmid, async () => {
      const vols: string[] = [];
      try {
        if (!mpParam.rootfs) mpParam.rootfs = `${storage}:4`;
        for (const key of Object.keys(mpParam).sort((a, b) => (a === "rootfs" ? -1 : b === "rootfs" ? 1 : a.localeCompare(b)))) {
          const fmt = key === "rootfs" ? rootfsFormat : mpFormat;
          const mp = parsePropertyString(fmt, mpParam[key]);
          const nd = NEW_DISK_RE.exec(mp.volume);
          if (nd) {
            const { volid, size } = allocDisk(cfg, nd[2] ?? storage, vmid, parseFloat(nd[3]));
            vols.push(volid);
            mp.volume = volid;
            mp.size = size;
          }
          conf.props[key] = printPropertyString(fmt, mp);
        }
        const rootdir = `${LXC_PATH}/${vmid}/rootfs`;
        const archive = templatePath(cfg, p.ostemplate);
        await extract(task, archive, rootdir, vmid);
        await postCreate(task, conf, rootdir, p.password, sshKeys);
        conf.props.hostname ||= `CT${vmid}`;
        conf.props.memory ||= "512";
        conf.props.swap ??= "512";
        writeConfig(conf);
      } catch (e: any) {
        for (const v of vols) {
          try {
            destroyVolume(cfg, v);
          } catch {}
        }
        rmSync(`${LXC_PATH}/${vmid}`, { recursive: true, force: true });
        destroyConfig(vmid);
        throw new Error(`unable to create CT ${vmid} - ${e.message}`);
      }
    });
    if (p.start) await apiStart({ vmid });
  }, { pausesItself: true });
}

function validateSshKeys(keys: string): void {
  for (const key of keys.split("\n").filter((l) => l.trim())) {
    const r = Bun.spawnSync(["ssh-keygen", "-l", "-f", "-"], { stdin: new TextEncoder().encode(key + "\n"), stderr: "ignore" });
    if (r.exitCode !== 0) die("SSH public key validation error");
  }
}

export function readKeyFile(path: string): string {
  if (!existsSync(path)) die(`ssh-public-keys: failed to read file '${path}'`);
  return readFileSync(path, "utf8");
}

