// A minimal Proxmox test host for the stand-ins' own tests: the LAYOUT.md mounts in a
// private mount/UTS/PID namespace, without sshd. Commands run via nsenter.
import { spawn } from "bun";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildTemplate } from "./lib/template";

export const REPO = resolve(import.meta.dir, "../../..");
const BIN = join(REPO, "tests/pvehost/bin");

export const STORAGE_CFG = `dir: local
\tpath /var/lib/vz
\tcontent vztmpl,iso,backup

lvmthin: local-lvm
\tthinpool data
\tvgname pve
\tcontent rootdir,images
`;

export const APL_INDEX = `system debian-12-standard_12.7-1_amd64.tar.zst amd64
system ubuntu-24.04-standard_24.04-2_amd64.tar.zst amd64
system alpine-3.20-default_20240908_amd64.tar.xz amd64
mail proxmox-mail-gateway-8.1-standard_8.1-1_amd64.tar.zst amd64
turnkeylinux debian-12-turnkey-wordpress_18.1-1_amd64.tar.gz amd64
`;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestHost {
  node: string;
  stateDir: string;
  /** host pid of the namespace's init */
  pid: number;
  run(argv: string[], opts?: { input?: string }): Promise<RunResult>;
  sh(script: string): Promise<RunResult>;
  close(): Promise<void>;
}

function run(cmd: string[], input?: string): Promise<RunResult> {
  const p = spawn(cmd, { stdin: input !== undefined ? new TextEncoder().encode(input) : "ignore", stdout: "pipe", stderr: "pipe" });
  return Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]).then(([stdout, stderr, code]) => ({ code, stdout, stderr }));
}

/** The bridge the fixture's CT networks attach to (`vmbr0` maps to it). */
export async function ensureBridge(name = "lwsbr0"): Promise<void> {
  if (existsSync(`/sys/class/net/${name}`)) return;
  await run(["ip", "link", "add", name, "type", "bridge"]);
  await run(["ip", "link", "set", name, "up"]);
}

export async function startTestHost(node = `pve-st${process.pid % 1000}`): Promise<TestHost> {
  const stateDir = mkdtempSync("/tmp/pvehost-standins-");
  for (const d of ["etc-pve/nodes/" + node + "/lxc", "etc-pve/nodes/" + node + "/qemu-server", "vz/template/cache", "lxc", "fixture", "log-pve/tasks"]) mkdirSync(join(stateDir, d), { recursive: true });
  writeFileSync(join(stateDir, "etc-pve/storage.cfg"), STORAGE_CFG);
  writeFileSync(join(stateDir, "fixture/apl-available.txt"), APL_INDEX);
  writeFileSync(join(stateDir, "fixture/repo-root"), REPO + "\n");
  await buildTemplate(join(stateDir, "vz/template/cache/debian-12-standard_12.7-1_amd64.tar.gz"), { ostype: "debian", ssh: true });
  await buildTemplate(join(stateDir, "vz/template/cache/ubuntu-22.04.tar.gz"), { ostype: "ubuntu", ssh: false });
  await ensureBridge();
  for (const d of ["/etc/pve", "/var/lib/vz", "/var/lib/pve-fixture", "/var/lib/lxc", "/run/lock/lxc", "/var/log/pve"]) mkdirSync(d, { recursive: true });

  const setup = [
    "set -e",
    "mount --make-rprivate /",
    `mount --bind ${stateDir}/etc-pve /etc/pve`,
    `mount --bind ${stateDir}/vz /var/lib/vz`,
    `mount --bind ${stateDir}/lxc /var/lib/lxc`,
    `mount --bind ${stateDir}/fixture /var/lib/pve-fixture`,
    `mount --bind ${stateDir}/log-pve /var/log/pve`,
    "mount -t tmpfs tmpfs /run/lock/lxc",
    `mount --bind ${BIN} /usr/local/sbin`,
    "mount -o remount,bind,ro /usr/local/sbin",
    `hostname ${node}`,
    "echo ready",
    // PID 1 reaps orphans (daemonized lxc-start monitors)
    "while :; do sleep 3600 & wait; done",
  ].join("\n");
  const proc = spawn(["unshare", "--mount", "--uts", "--pid", "--fork", "--kill-child", "--mount-proc", "sh", "-c", setup], { stdout: "pipe", stderr: "pipe" });
  const reader = proc.stdout.getReader();
  const { value } = await reader.read();
  if (!new TextDecoder().decode(value).includes("ready")) throw new Error("test host namespace did not start: " + (await new Response(proc.stderr).text()));
  const children = readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, "utf8").trim().split(/\s+/);
  const pid = Number(children[0]);

  const enter = (argv: string[], input?: string) =>
    run(["nsenter", "-t", String(pid), "-m", "-u", "-p", "--", "env", "-i", "PATH=/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C", "TZ=UTC", ...argv], input);

  return {
    node,
    stateDir,
    pid,
    run: (argv, opts) => enter(argv, opts?.input),
    sh: (script) => enter(["sh", "-c", script]),
    async close() {
      // Stop CTs first: killing the PID namespace would leak their cgroups.
      const ns = readlinkSync(`/proc/${pid}/ns/mnt`).replace(/\D/g, "");
      await enter(["sh", "-c", `for id in $(ls /var/lib/lxc | grep -E '^[0-9]+$'); do lxc-stop -P /var/lib/lxc/.ns${ns}/.. -n $id -k 2>/dev/null; done; true`]);
      // unshare --fork ignores SIGTERM; killing PID 1 ends the whole namespace
      process.kill(pid, "SIGKILL");
      await proc.exited;
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
