// The parts of PVE::LXC::Setup (pve-container `src/PVE/LXC/Setup.pm`, `Setup/Base.pm`) run
// after extracting a template.
import { chmodSync, existsSync, lstatSync, mkdtempSync, openSync, readFileSync, readSync, closeSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { CtConf } from "../config";
import { writeInRootfs } from "../ctrun";
import { die } from "../errors";
import type { Task } from "../task";

const KNOWN = ["alpine", "archlinux", "centos", "debian", "devuan", "fedora", "gentoo", "opensuse", "ubuntu", "nixos", "unmanaged"];
const ALIAS: Record<string, string> = { arch: "archlinux", sles: "opensuse", rocky: "centos", almalinux: "centos", "opensuse-leap": "opensuse", "opensuse-tumbleweed": "opensuse" };

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function detectOstype(task: Task, rootdir: string): string {
  let osr = "";
  try {
    osr = readFileSync(`${rootdir}/etc/os-release`, "utf8");
  } catch {}
  const id = /^ID=["']?([^"'\n]+)/m.exec(osr)?.[1];
  if (id) {
    if (KNOWN.includes(id)) return id;
    if (ALIAS[id]) return ALIAS[id];
    task.log(`unknown ID '${id}' in /etc/os-release file, trying fallback detection`);
  }
  try {
    if (/^DISTRIB_ID=Ubuntu$/im.test(readFileSync(`${rootdir}/etc/lsb-release`, "utf8"))) return "ubuntu";
  } catch {}
  const checks: [string, string][] = [
    ["etc/debian_version", "debian"],
    ["etc/devuan_version", "devuan"],
    ["etc/SuSE-release", "opensuse"],
    ["etc/fedora-release", "fedora"],
    ["etc/centos-release", "centos"],
    ["etc/redhat-release", "centos"],
    ["etc/arch-release", "archlinux"],
    ["etc/alpine-release", "alpine"],
    ["etc/gentoo-release", "gentoo"],
  ];
  for (const [f, t] of checks) if (isFile(`${rootdir}/${f}`)) return t;
  if (isFile(`${rootdir}/etc/os-release`)) die("unable to detect OS distribution");
  task.log("/etc/os-release file not found and autodetection failed, falling back to 'unmanaged'");
  return "unmanaged";
}

const ELF_ARCH: Record<number, string> = { 0x3e: "amd64", 0x03: "i386", 0xb7: "arm64", 0x28: "armhf", 0xf3: "riscv64" };

/** detect_architecture reads /bin/sh; a template whose /usr is bound at start uses the host's. */
function detectArch(rootdir: string): string | undefined {
  const candidates = [`${rootdir}/bin/sh`, `${rootdir}/usr/bin/sh`, "/usr/bin/sh"];
  for (const c of candidates) {
    if (!isFile(c)) continue;
    const fd = openSync(c, "r");
    try {
      const buf = Buffer.alloc(20);
      readSync(fd, buf, 0, 20, 0);
      if (buf.toString("latin1", 1, 4) !== "ELF") continue;
      return ELF_ARCH[buf.readUInt16LE(18)];
    } finally {
      closeSync(fd);
    }
  }
  return undefined;
}

function hashPassword(pw: string): string {
  if (/^\$(?:1|2[axy]?|5|6)\$[a-zA-Z0-9./]{1,16}\$[a-zA-Z0-9./]+$/.test(pw)) return pw;
  const salt = Buffer.from(crypto.getRandomValues(new Uint8Array(6))).toString("base64").replace(/\+/g, ".").slice(0, 8);
  // glibc crypt() through perl-base, which every Debian has (openssl may be missing)
  const script = "my $p = do { local $/; <STDIN> }; print crypt($p, $ARGV[0])";
  const r = Bun.spawnSync(["perl", "-e", script, `$6$${salt}$`], { stdin: new TextEncoder().encode(pw), stderr: "pipe" });
  if (r.exitCode !== 0) die(`unable to hash password: ${r.stderr.toString().trim()}`);
  return r.stdout.toString().trim();
}

function replacePw(rootdir: string, file: string, user: string, pw: string): void {
  let raw: string;
  try {
    raw = readFileSync(`${rootdir}/${file}`, "utf8");
  } catch {
    return;
  }
  const lines = raw.split("\n").map((l) => {
    const f = l.split(":");
    if (f[0] !== user || f.length < 2) return l;
    f[1] = pw;
    return f.join(":");
  });
  writeInRootfs(rootdir, file, lines.join("\n"));
}

function setRootPassword(rootdir: string, password?: string): void {
  if (!isFile(`${rootdir}/etc/passwd`)) return;
  const hash = password !== undefined ? hashPassword(password) : "*";
  if (isFile(`${rootdir}/etc/shadow`)) {
    replacePw(rootdir, "etc/shadow", "root", hash);
    replacePw(rootdir, "etc/passwd", "root", "x");
  } else replacePw(rootdir, "etc/passwd", "root", hash);
}

async function sshHostKeys(task: Task, rootdir: string, hostname: string): Promise<void> {
  try {
    if (!lstatSync(`${rootdir}/etc/ssh`).isDirectory()) return;
  } catch {
    return;
  }
  const host = hostname.replace(/\..*$/, "");
  const tmp = mkdtempSync("/tmp/.pve-sshkey-");
  try {
    for (const [type, base] of [
      ["ecdsa", "ssh_host_ecdsa_key"],
      ["ed25519", "ssh_host_ed25519_key"],
      ["rsa", "ssh_host_rsa_key"],
    ]) {
      task.log(`Creating SSH host key '${base}' - this may take some time ...`);
      const file = join(tmp, type);
      const r = Bun.spawnSync(["ssh-keygen", "-q", "-f", file, "-t", type, "-N", "", "-E", "sha256", "-C", `root@${host}`], { stderr: "pipe" });
      if (r.exitCode !== 0) die(`command 'ssh-keygen' failed: exit code ${r.exitCode}`);
      const fp = Bun.spawnSync(["ssh-keygen", "-l", "-E", "sha256", "-f", `${file}.pub`]).stdout.toString().split(/\s+/)[1];
      task.log(`done: ${fp} root@${host}`);
      writeInRootfs(rootdir, `etc/ssh/${base}`, readFileSync(file, "utf8"));
      chmodSync(`${rootdir}/etc/ssh/${base}`, 0o600);
      writeInRootfs(rootdir, `etc/ssh/${base}.pub`, readFileSync(`${file}.pub`, "utf8"));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Setup->new (OS and arch detection) and post_create_hook. */
export async function postCreate(task: Task, conf: CtConf, rootdir: string, password?: string, sshKeys?: string): Promise<void> {
  const p = conf.props;
  const type = p.ostype === "unmanaged" ? "unmanaged" : detectOstype(task, rootdir);
  if (p.ostype && p.ostype !== type) task.log(`got unexpected ostype (${type} != ${p.ostype})`);
  if (!p.arch) {
    const arch = detectArch(rootdir);
    if (arch) task.log(`Detected container architecture: ${arch}`);
    else task.log("Falling back to amd64.\nUse `pct set VMID --arch ARCH` to change.");
    p.arch = arch ?? "amd64";
  }
  p.ostype = type;
  if (type === "unmanaged") return;
  setRootPassword(rootdir, password);
  if (sshKeys) {
    writeInRootfs(rootdir, "root/.ssh/authorized_keys", sshKeys.endsWith("\n") ? sshKeys : sshKeys + "\n");
    if (existsSync(`${rootdir}/root/.ssh/authorized_keys`)) chmodSync(`${rootdir}/root/.ssh/authorized_keys`, 0o600);
  }
  const host = p.hostname || `CT${conf.vmid}`;
  writeInRootfs(rootdir, "etc/hostname", `${host}\n`);
  await sshHostKeys(task, rootdir, host);
}
