// PVE container config files: parse_pct_config / write_pct_config (pve-container `src/PVE/LXC/Config.pm`).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { confdesc } from "./ctschema";
import { die, err } from "./errors";
import { lockFile } from "./flock";
import { cfsConfigPath, configFile, lockPath, nodename, PVE_ETC } from "./paths";
import { checkFormat } from "./schema";

export interface Section {
  props: Record<string, string>;
  lxc: [string, string][];
}

export interface CtConf extends Section {
  vmid: number;
  pending: Section;
  snapshots: Record<string, Section>;
  digest: string;
}

export function encodeText(s: string): string {
  let out = "";
  for (const b of Buffer.from(s, "utf8")) {
    const safe = (b >= 0x20 && b <= 0x24) || (b >= 0x26 && b <= 0x39) || (b >= 0x3b && b <= 0x7e);
    out += safe ? String.fromCharCode(b) : "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

export function decodeText(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "%" && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(s[i], "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** PVE::LXC::Config::check_type: normalises booleans/integers, dies with PVE's text. */
export function checkType(key: string, value: string): string {
  const d = confdesc[key];
  if (!d) throw new Error(`unknown setting '${key}'\n`);
  if (/[\n\r]/.test(value)) throw new Error("property contains a line feed\n");
  switch (d.type) {
    case "boolean":
      if (value === "1" || /^(on|yes|true)$/i.test(value)) return "1";
      if (value === "0" || /^(off|no|false)$/i.test(value)) return "0";
      throw new Error(`type check ('boolean') failed - got '${value}'\n`);
    case "integer":
      if (/^\d+$/.test(value)) return String(parseInt(value, 10));
      throw new Error(`type check ('integer') failed - got '${value}'\n`);
    case "number":
      if (/^\d+(\.\d+)?$/.test(value)) return value;
      throw new Error(`type check ('number') failed - got '${value}'\n`);
    default:
      if (d.format) checkFormat(d.format, value, "");
      return value;
  }
}

const LXC_KEY_RE = /^(lxc\.[a-z0-9_\-.]+)(:|\s*=)\s*(.*?)\s*$/;

export function parseConfig(raw: string, vmid: number): CtConf {
  const res: CtConf = {
    vmid,
    props: {},
    lxc: [],
    pending: { props: {}, lxc: [] },
    snapshots: {},
    digest: createHash("sha1").update(raw).digest("hex"),
  };
  let sec: Section = res;
  let section = "";
  let descr = "";
  const flushDescr = () => {
    if (descr) sec.props.description = descr;
    descr = "";
  };
  for (const line of raw.split("\n")) {
    if (/^\s*$/.test(line)) continue;
    let m: RegExpExecArray | null;
    if (/^\[pve:pending\]\s*$/i.test(line)) {
      flushDescr();
      section = "pending";
      sec = res.pending = { props: {}, lxc: [] };
      continue;
    }
    if ((m = /^\[([a-z][a-z0-9_-]+)\]\s*$/i.exec(line))) {
      flushDescr();
      section = m[1];
      sec = res.snapshots[section] = { props: {}, lxc: [] };
      continue;
    }
    if ((m = /^#(.*)$/.exec(line))) {
      descr += decodeText(m[1]) + "\n";
    } else if ((m = LXC_KEY_RE.exec(line))) {
      if (m[1] === "lxc.environment.runtime") {
        sec.props.env = sec.props.env === undefined ? m[3] : `${sec.props.env}\0${m[3]}`;
      } else {
        sec.lxc.push([m[1], m[3]]);
      }
    } else if ((m = /^(description):\s*(.*\S)\s*$/.exec(line))) {
      descr += decodeText(m[2]);
    } else if ((m = /snapstate:\s*(prepare|delete)\s*$/.exec(line))) {
      sec.props.snapstate = m[1];
    } else if ((m = /^delete:\s*(.*\S)\s*$/.exec(line))) {
      if (section === "pending") sec.props.delete = m[1];
      else err(`vm ${vmid} - property 'delete' is only allowed in [pve:pending]\n`);
    } else if ((m = /^([a-z][a-z_]*\d*):\s*(.+?)\s*$/.exec(line))) {
      let value = m[2];
      try {
        value = checkType(m[1], value);
      } catch (e: any) {
        err(`vm ${vmid} - unable to parse value of '${m[1]}' - ${e.message}`);
      }
      sec.props[m[1]] = value;
    } else {
      err(`vm ${vmid} - unable to parse config: ${line}\n`);
    }
  }
  flushDescr();
  delete (res.props as any).snapstate;
  return res;
}

function rawSection(s: Section): string {
  let raw = "";
  const descr = s.props.description ?? "";
  const lines = descr.split("\n");
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  for (const l of lines) raw += "#" + encodeText(l) + "\n";
  for (const key of Object.keys(s.props).sort()) {
    if (key === "description" || key === "env") continue;
    const v = s.props[key];
    if (v === undefined) continue;
    if (v.includes("\n")) die(`detected invalid newline inside property '${key}'`);
    raw += `${key}: ${v}\n`;
  }
  if (s.props.env) for (const v of s.props.env.split(/\0+/)) raw += `lxc.environment.runtime: ${v}\n`;
  for (const [k, v] of s.lxc) raw += `${k}: ${v}\n`;
  return raw;
}

export function writeConfigRaw(conf: CtConf): string {
  let raw = rawSection(conf);
  if (Object.keys(conf.pending.props).length || conf.pending.lxc.length) raw += "\n[pve:pending]\n" + rawSection(conf.pending);
  for (const name of Object.keys(conf.snapshots).sort()) raw += `\n[${name}]\n` + rawSection(conf.snapshots[name]);
  return raw;
}

export function loadConfig(vmid: number): CtConf {
  let raw: string;
  try {
    raw = readFileSync(configFile(vmid), "utf8");
  } catch {
    die(`Configuration file '${cfsConfigPath(vmid)}' does not exist`);
  }
  return parseConfig(raw, vmid);
}

export function writeConfig(conf: CtConf): void {
  const file = configFile(conf.vmid);
  const raw = writeConfigRaw(conf);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp.${process.pid}`;
  writeFileSync(tmp, raw);
  renameSync(tmp, file);
  conf.digest = createHash("sha1").update(raw).digest("hex");
}

export function destroyConfig(vmid: number): void {
  try {
    unlinkSync(configFile(vmid));
  } catch {}
}

export function lockConfig<T>(vmid: number, code: () => Promise<T> | T, timeout = 10): Promise<T> {
  return lockFile(lockPath(vmid), timeout, code);
}

export function checkLock(conf: CtConf): void {
  if (conf.props.lock) die(`CT is locked (${conf.props.lock})`);
}

export function hasLock(conf: CtConf, lock?: string): boolean {
  return !!conf.props.lock && (lock === undefined || conf.props.lock === lock);
}

export async function setLock(vmid: number, lock: string): Promise<CtConf> {
  return lockConfig(vmid, () => {
    const conf = loadConfig(vmid);
    checkLock(conf);
    conf.props.lock = lock;
    writeConfig(conf);
    return conf;
  });
}

export async function removeLock(vmid: number, lock?: string): Promise<void> {
  await lockConfig(vmid, () => {
    const conf = loadConfig(vmid);
    if (!conf.props.lock) die(`no lock found trying to remove ${lock !== undefined ? `'${lock}' ` : "any"} lock`);
    if (lock !== undefined && conf.props.lock !== lock) die(`found lock '${conf.props.lock}' trying to remove '${lock}' lock`);
    delete conf.props.lock;
    writeConfig(conf);
  });
}

export function isTemplate(conf: CtConf): boolean {
  return conf.props.template === "1";
}

/** All vmids with a config on the local node, sorted. */
export function localVmids(): number[] {
  try {
    return readdirSync(`${PVE_ETC}/nodes/${nodename()}/lxc`)
      .map((f) => /^(\d+)\.conf$/.exec(f)?.[1])
      .filter((x): x is string => !!x)
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}

/** PVE::Cluster::check_vmid_unused over every node directory (ids are cluster-wide). */
export function checkVmidUnused(vmid: number, noerr = false): boolean {
  let nodes: string[] = [];
  try {
    nodes = readdirSync(`${PVE_ETC}/nodes`);
  } catch {}
  for (const node of nodes) {
    if (existsSync(`${PVE_ETC}/nodes/${node}/lxc/${vmid}.conf`)) {
      if (noerr) return false;
      die(`CT ${vmid} already exists on node '${node}'`);
    }
    if (existsSync(`${PVE_ETC}/nodes/${node}/qemu-server/${vmid}.conf`)) {
      if (noerr) return false;
      die(`VM ${vmid} already exists on node '${node}'`);
    }
  }
  return true;
}

