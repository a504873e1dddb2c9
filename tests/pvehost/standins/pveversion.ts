// `pveversion [--verbose]` stand-in (pve-manager `bin/pveversion`): a PVE 9.1 package set on the real kernel.
import { PVE_REPOID, PVE_VERSION, uname } from "./lib/api/node";
import { err, out } from "./lib/errors";

const PACKAGES: [string, string][] = [
  ["proxmox-kernel-helper", "9.0.4"],
  ["ceph-fuse", "19.2.3-pve2"],
  ["corosync", "3.1.9-pve2"],
  ["criu", "4.1.1-1"],
  ["ifupdown2", "3.3.0-1+pmx11"],
  ["ksm-control-daemon", "1.5-1"],
  ["libjs-extjs", "7.0.0-5"],
  ["libproxmox-acme-perl", "1.7.0"],
  ["libproxmox-backup-qemu0", "2.0.1"],
  ["libproxmox-rs-perl", "0.4.1"],
  ["libpve-access-control", "9.0.4"],
  ["libpve-apiclient-perl", "3.4.2"],
  ["libpve-cluster-api-perl", "9.0.7"],
  ["libpve-cluster-perl", "9.0.7"],
  ["libpve-common-perl", "9.0.15"],
  ["libpve-guest-common-perl", "6.0.2"],
  ["libpve-http-server-perl", "6.0.5"],
  ["libpve-network-perl", "1.2.3"],
  ["libpve-rs-perl", "0.11.3"],
  ["libpve-storage-perl", "9.0.18"],
  ["libspice-server1", "0.15.2-1+b1"],
  ["lvm2", "2.03.31-2+pmx1"],
  ["lxc-pve", "6.0.5-3"],
  ["lxcfs", "6.0.4-pve1"],
  ["novnc-pve", "1.6.0-3"],
  ["proxmox-backup-client", "4.0.20-1"],
  ["proxmox-backup-file-restore", "4.0.20-1"],
  ["proxmox-backup-restore-image", "1.0.0"],
  ["proxmox-firewall", "1.2.1"],
  ["proxmox-mail-forward", "1.0.2"],
  ["proxmox-mini-journalreader", "1.6"],
  ["proxmox-offline-mirror-helper", "0.7.3"],
  ["proxmox-widget-toolkit", "5.1.2"],
  ["pve-cluster", "9.0.7"],
  ["pve-container", "6.0.18"],
  ["pve-docs", "9.1.1"],
  ["pve-edk2-firmware", "not correctly installed"],
  ["pve-esxi-import-tools", "1.0.1"],
  ["pve-firewall", "6.0.4"],
  ["pve-firmware", "3.17-2"],
  ["pve-ha-manager", "5.0.8"],
  ["pve-i18n", "3.6.2"],
  ["pve-qemu-kvm", "10.1.2-4"],
  ["pve-xtermjs", "5.5.0-3"],
  ["qemu-server", "9.1.0"],
  ["smartmontools", "7.4-pve1"],
  ["spiceterm", "3.4.1"],
  ["swtpm", "0.8.0+pve3"],
  ["vncterm", "1.9.1"],
  ["zfsutils-linux", "2.3.4-pve1"],
];

// GetOptions('verbose' => ...): any abbreviation of --verbose, nothing else.
const args = process.argv.slice(2);
let verbose = false;
const rest: string[] = [];
for (const a of args) {
  if (/^--?v(e(r(b(o(se?)?)?)?)?)?$/i.test(a)) verbose = true;
  else if (/^--?./.test(a) && a !== "--") {
    err(`Unknown option: ${a.replace(/^--?/, "")}\nUSAGE: pveversion [--verbose]\n`);
    process.exit(255);
  } else if (a !== "--") rest.push(a);
}
if (rest.length) {
  err("USAGE: pveversion [--verbose]\n");
  process.exit(255);
}
const kernel = uname().release;
if (!verbose) {
  out(`pve-manager/${PVE_VERSION}/${PVE_REPOID} (running kernel: ${kernel})\n`);
} else {
  let s = `proxmox-ve: 9.1.0 (running kernel: ${kernel})\n`;
  s += `pve-manager: ${PVE_VERSION} (running version: ${PVE_VERSION}/${PVE_REPOID})\n`;
  s += `proxmox-kernel-6.17.2-1-pve-signed: 6.17.2-1\nproxmox-kernel-6.17: 6.17.2-1\n`;
  for (const [pkg, v] of PACKAGES) s += `${pkg}: ${v}\n`;
  out(s);
}
process.exit(0);
