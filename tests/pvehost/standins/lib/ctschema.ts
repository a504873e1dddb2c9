// Container config keys (PVE::LXC::Config $confdesc) and their property-string formats.
import { propFormats, type Prop, type PropFormat } from "./schema";

const bool: Prop = { type: "boolean", optional: true };

export const netFormat: PropFormat = {
  name: { type: "string", pattern: /[-_.\w\d]+/ },
  bridge: { type: "string", pattern: /[-_.\w\d]+/, optional: true },
  hwaddr: { type: "string", format: "mac-addr", optional: true },
  mtu: { type: "integer", minimum: 64, maximum: 65535, optional: true },
  ip: { type: "string", format: "pve-ipv4-config", optional: true },
  gw: { type: "string", format: "ipv4", optional: true },
  ip6: { type: "string", format: "pve-ipv6-config", optional: true },
  gw6: { type: "string", format: "ipv6", optional: true },
  firewall: bool,
  tag: { type: "integer", minimum: 1, maximum: 4094, optional: true },
  trunks: { type: "string", pattern: /\d+(?:;\d+)*/, optional: true },
  rate: { type: "number", minimum: 0, optional: true },
  type: { type: "string", enum: ["veth"], optional: true },
  link_down: bool,
  "host-managed": bool,
};

const mountOpt = "(?:noatime|lazytime|nodev|nosuid|noexec|discard)";
const rootfsBase: PropFormat = {
  volume: { type: "string", default_key: true, format: "pve-lxc-mp-string" },
  size: { type: "string", format: "disk-size", optional: true },
  acl: bool,
  mountoptions: { type: "string", optional: true, pattern: new RegExp(`${mountOpt}(;${mountOpt})*`) },
  ro: bool,
  quota: bool,
  replicate: bool,
  shared: bool,
};
export const rootfsFormat: PropFormat = rootfsBase;
export const mpFormat: PropFormat = {
  ...rootfsBase,
  mp: { type: "string" },
  backup: bool,
};

export const featuresFormat: PropFormat = {
  mount: { type: "string", pattern: /[a-zA-Z0-9_; ]+/, optional: true },
  nesting: bool,
  keyctl: bool,
  fuse: bool,
  mknod: bool,
  force_rw_sys: bool,
};

propFormats["pve-ct-net"] = netFormat;
propFormats["pve-ct-rootfs"] = rootfsFormat;
propFormats["pve-ct-mountpoint"] = mpFormat;
propFormats["pve-ct-features"] = featuresFormat;

export const LOCKS = ["backup", "create", "destroyed", "disk", "fstrim", "migrate", "mounted", "rollback", "snapshot", "snapshot-delete"];

export const confdesc: Record<string, Prop> = {
  lock: { type: "string", optional: true, enum: LOCKS },
  onboot: { ...bool, default: 0 },
  startup: { type: "string", format: "pve-startup-order", optional: true },
  template: bool,
  arch: { type: "string", optional: true, enum: ["amd64", "i386", "arm64", "armhf", "riscv32", "riscv64"] },
  ostype: {
    type: "string",
    optional: true,
    enum: ["debian", "devuan", "ubuntu", "centos", "fedora", "opensuse", "archlinux", "alpine", "gentoo", "nixos", "unmanaged"],
  },
  console: bool,
  tty: { type: "integer", minimum: 0, maximum: 6, optional: true },
  cores: { type: "integer", minimum: 1, maximum: 8192, optional: true },
  cpulimit: { type: "number", minimum: 0, maximum: 8192, optional: true },
  cpuunits: { type: "integer", minimum: 0, maximum: 500000, optional: true },
  memory: { type: "integer", minimum: 16, optional: true },
  swap: { type: "integer", minimum: 0, optional: true },
  hostname: { type: "string", format: "dns-name", maxLength: 255, optional: true },
  description: { type: "string", maxLength: 8192, optional: true },
  searchdomain: { type: "string", format: "dns-name-list", optional: true },
  nameserver: { type: "string", format: "lxc-ip-with-ll-iface-list", optional: true },
  timezone: { type: "string", format: "pve-ct-timezone", optional: true },
  rootfs: { type: "string", format: "pve-ct-rootfs", optional: true },
  parent: { type: "string", format: "pve-configid", maxLength: 40, optional: true },
  snaptime: { type: "integer", minimum: 0, optional: true },
  cmode: { type: "string", enum: ["shell", "console", "tty"], optional: true },
  entrypoint: { type: "string", optional: true },
  protection: bool,
  unprivileged: bool,
  features: { type: "string", format: "pve-ct-features", optional: true },
  env: { type: "string", optional: true },
  hookscript: { type: "string", format: "pve-volume-id", optional: true },
  tags: { type: "string", format: "pve-tag-list", optional: true },
  debug: bool,
};
for (let i = 0; i < 32; i++) confdesc[`net${i}`] = { type: "string", format: "pve-ct-net", optional: true };
for (let i = 0; i < 256; i++) {
  confdesc[`mp${i}`] = { type: "string", format: "pve-ct-mountpoint", optional: true };
  confdesc[`unused${i}`] = { type: "string", format: "pve-volume-id", optional: true };
}
for (let i = 0; i < 10; i++) confdesc[`dev${i}`] = { type: "string", optional: true };

/** json_config_properties: every config key but parent/snaptime (so `pct set --lock` works). */
export function settableProps(): Record<string, Prop> {
  const res: Record<string, Prop> = {};
  for (const [k, v] of Object.entries(confdesc)) if (k !== "parent" && k !== "snaptime") res[k] = v;
  return res;
}
