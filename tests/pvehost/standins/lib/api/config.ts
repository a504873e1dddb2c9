// PVE::API2::LXC::Config (vm_config, update_vm; pve-container `src/PVE/API2/LXC/Config.pm`) and
// update_pct_config (`src/PVE/LXC/Config.pm`).
import { readFileSync } from "node:fs";
import { checkLock, type CtConf, loadConfig, lockConfig, writeConfig } from "../config";
import { confdesc, mpFormat, netFormat, rootfsFormat, settableProps } from "../ctschema";
import { mapBridge } from "../ctrun";
import { die, err, paramError } from "../errors";
import { isRunning } from "../lxc";
import { parsePropertyString, type Prop, splitList } from "../schema";
import { readStorageCfg, storageConfig } from "../storage";
import { NEW_DISK_RE } from "./disks";
import { hotplugPending } from "./hotplug";
import { applyPendingAll, cleanupPending, parsePendingDelete, removeFromPendingDelete, setPendingDelete } from "./pending";
import { digestProp, nodeProp, snapnameProp, vmidProp } from "./props";

function checkProtection(conf: CtConf, msg: string): void {
  if (conf.props.protection === "1") die(`${msg} - protection mode enabled`);
}

/** random_ether_addr with the default BC:24:11 prefix */
export async function updatePctConfig(conf: CtConf, running: boolean, params: Record<string, string>, del: string[], revert: string[]): Promise<[string, string][]> {
  const vmid = conf.vmid;
  for (const opt of revert) {
    delete conf.pending.props[opt];
    removeFromPendingDelete(conf, opt);
  }
  const modified = new Set<string>();
  for (const opt of del) {
    if (conf.props[opt] === undefined && conf.pending.props[opt] === undefined) {
      err(`cannot delete '${opt}' - not set in current configuration!\n`);
      continue;
    }
    modified.add(opt);
    if (["memory", "rootfs", "ostype"].includes(opt)) die(`unable to delete required option '${opt}'`);
    if (/^(unused|mp)\d+$/.test(opt)) checkProtection(conf, `can't remove CT ${vmid} drive '${opt}'`);
    if (opt === "unprivileged") die(`unable to delete read-only option: '${opt}'`);
    const h = parsePendingDelete(conf.pending.props.delete);
    h.set(opt, false);
    setPendingDelete(conf, h);
  }
  const cfg = readStorageCfg();
  for (const opt of Object.keys(params).sort()) {
    modified.add(opt);
    let value = String(params[opt]);
    if (/^mp\d+$/.test(opt) || opt === "rootfs") {
      checkProtection(conf, `can't update CT ${vmid} drive '${opt}'`);
      const mp = parsePropertyString(opt === "rootfs" ? rootfsFormat : mpFormat, value);
      if (!mp.volume.startsWith("/")) {
        const nd = NEW_DISK_RE.exec(mp.volume);
        const sid = nd ? (nd[2] ?? "local") : mp.volume.split(":")[0];
        const s = storageConfig(cfg, sid);
        if (!s.content.includes("rootdir")) die(`storage '${sid}' does not allow content type 'rootdir' (Container)`);
      }
    } else if (opt === "nameserver" || opt === "searchdomain") {
      value = splitList(value).join(" ");
    } else if (opt === "unprivileged") {
      die(`unable to modify read-only option: '${opt}'`);
    } else if (opt === "tags") {
      value = [...new Set(splitList(value))].join(";");
    } else if (/^net\d+$/.test(opt)) {
      const n = parsePropertyString(netFormat, value);
      if (n.mtu) {
        const br = mapBridge(n.bridge ?? "");
        let brMtu = 1500;
        try {
          brMtu = Number(readFileSync(`/sys/class/net/${br}/mtu`, "utf8"));
        } catch {}
        if (Number(n.mtu) > brMtu) die(`${opt}: MTU size '${n.mtu}' is bigger than bridge MTU '${brMtu}'`);
      }
    }
    conf.pending.props[opt] = value;
    removeFromPendingDelete(conf, opt);
  }
  cleanupPending(conf);
  const errors: [string, string][] = [];
  if (running) await hotplugPending(conf, modified, errors);
  else applyPendingAll(conf, modified, errors);
  return errors;
}

export const updateProps: Record<string, Prop> = {
  ...settableProps(),
  node: nodeProp,
  vmid: vmidProp,
  delete: { type: "string", format: "pve-configid-list", optional: true },
  revert: { type: "string", format: "pve-configid-list", optional: true },
  digest: digestProp,
};

export async function apiUpdateVm(params: Record<string, any>): Promise<null> {
  const p = { ...params };
  const vmid = Number(p.vmid);
  const digest = p.digest;
  delete p.node;
  delete p.vmid;
  delete p.digest;
  if (!Object.keys(p).length) die("no options specified");
  const del = splitList(p.delete ?? "");
  const revert = splitList(p.revert ?? "");
  delete p.delete;
  delete p.revert;
  await lockConfig(vmid, async () => {
    const conf = loadConfig(vmid);
    checkLock(conf);
    if (digest && digest !== conf.digest) die("detected modified configuration - file changed by other user? Try again.");
    for (const opt of revert) {
      if (!confdesc[opt]) paramError({ revert: `unknown option '${opt}'` });
      if (p[opt] !== undefined) paramError({ revert: `you can't use '-${opt}' and '-revert ${opt}' at the same time` });
    }
    for (const opt of del) {
      if (!confdesc[opt]) paramError({ delete: `unknown option '${opt}'` });
      if (p[opt] !== undefined) paramError({ delete: `you can't use '-${opt}' and -delete ${opt}' at the same time` });
      if (revert.includes(opt)) paramError({ delete: `you can't use '-delete ${opt}' and '-revert ${opt}' at the same time` });
    }
    const errors = await updatePctConfig(conf, isRunning(vmid), p, del, revert);
    if (errors.length) paramError(errors);
    writeConfig(conf);
  });
  return null;
}

/** The JSON shape of a config hash: integers/booleans as numbers, the rest as strings. */
export function confToJson(props: Record<string, string>, lxc: [string, string][], digest?: string): Record<string, unknown> {
  const res: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) {
    const t = confdesc[k]?.type;
    res[k] = (t === "integer" || t === "boolean") && /^-?\d+$/.test(v) ? Number(v) : v;
  }
  if (lxc.length) res.lxc = lxc.map(([k, v]) => [k, v]);
  if (digest) res.digest = digest;
  return res;
}

export const configGetProps: Record<string, Prop> = {
  node: nodeProp,
  vmid: vmidProp,
  current: { type: "boolean", optional: true },
  snapshot: { ...snapnameProp, optional: true },
};

export function apiVmConfig(p: { vmid: number | string; current?: number; snapshot?: string }): Record<string, unknown> {
  if (p.snapshot && p.current)
    paramError([
      ["snapshot", "cannot use 'snapshot' parameter with 'current'"],
      ["current", "cannot use 'snapshot' parameter with 'current'"],
    ]);
  const conf = loadConfig(Number(p.vmid));
  if (p.snapshot) {
    const snap = conf.snapshots[p.snapshot];
    if (!snap) die(`snapshot '${p.snapshot}' does not exist`);
    return confToJson(snap.props, snap.lxc, conf.digest);
  }
  const props = { ...conf.props };
  if (!p.current) {
    for (const [k, v] of Object.entries(conf.pending.props)) if (k !== "delete") props[k] = v;
    for (const k of parsePendingDelete(conf.pending.props.delete).keys()) delete props[k];
  }
  return confToJson(props, conf.lxc, conf.digest);
}

export function apiVmPending(p: { vmid: number | string }): Record<string, unknown>[] {
  const conf = loadConfig(Number(p.vmid));
  const json = confToJson(conf.props, [], conf.digest);
  const pend = confToJson(conf.pending.props, []);
  const dels = parsePendingDelete(conf.pending.props.delete);
  const keys = new Set([...Object.keys(json), ...Object.keys(pend)].filter((k) => k !== "delete"));
  const res: Record<string, unknown>[] = [];
  for (const k of keys) {
    const item: Record<string, unknown> = { key: k };
    if (json[k] !== undefined) item.value = json[k];
    if (pend[k] !== undefined) item.pending = pend[k];
    if (dels.has(k)) item.delete = dels.get(k) ? 2 : 1;
    res.push(item);
  }
  return res;
}


