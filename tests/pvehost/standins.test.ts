// The Proxmox command stand-ins against the Proxmox sources each stand-in names: exact
// layouts, error texts and exit codes, and real effects on LXC containers. Runs in a
// private namespace (testenv.ts).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseConfig, writeConfigRaw } from "./standins/lib/config";
import { printSnapshotTree } from "./standins/lib/tree";
import { type RunResult, startTestHost, type TestHost } from "./standins/testenv";

const DEB = "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.gz";
const UBU = "local:vztmpl/ubuntu-22.04.tar.gz";
const UPID_RE = /^UPID:[a-zA-Z0-9-]+:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:[a-z_]+:[^:]*:root@pam:$/;

let h: TestHost;
let node: string;

beforeAll(async () => {
  h = await startTestHost();
  node = h.node;
}, 60000);

afterAll(async () => {
  await h?.close();
}, 60000);

const pct = (...a: string[]) => h.run(["pct", ...a]);
const pvesh = (...a: string[]) => h.run(["pvesh", ...a]);
const json = (r: RunResult) => JSON.parse(r.stdout);

function ok(r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** Creates a stopped CT on local-lvm from the ubuntu template (no ssh host keys: fast). */
async function create(vmid: number, ...extra: string[]): Promise<RunResult> {
  return ok(await pct("create", String(vmid), UBU, "--rootfs", "local-lvm:1", "--hostname", `ct${vmid}`, ...extra));
}

/** The CT's cgroup file as seen from the host namespace. */
async function cgroupFile(vmid: number, controller: string, file: string): Promise<string> {
  const r = ok(await h.sh(`pid=$(pct status ${vmid} --verbose | sed -n 's/^pid: //p'); p=$(grep -E '^[0-9]+:([^:]*,)?${controller}(,[^:]*)?:' /proc/$pid/cgroup | cut -d: -f3); cat /sys/fs/cgroup/${controller}$p/${file}`));
  return r.stdout.trim();
}

describe("offline helpers", () => {
  test("config round trip keeps sort order, description encoding, sections", () => {
    const raw = "#web server%3A production\narch: amd64\ncores: 2\nhostname: web01\nmemory: 1024\nlxc.apparmor.profile: unconfined\n\n[pve:pending]\nnameserver: 1.1.1.1\n\n[snap1]\n#first\narch: amd64\nsnaptime: 1717236000\n";
    const conf = parseConfig(raw, 100);
    expect(conf.props.description).toBe("web server: production\n");
    expect(conf.lxc).toEqual([["lxc.apparmor.profile", "unconfined"]]);
    expect(conf.pending.props.nameserver).toBe("1.1.1.1");
    expect(conf.snapshots.snap1.props.snaptime).toBe("1717236000");
    expect(writeConfigRaw(conf)).toBe(raw);
  });

  test("pct listsnapshot tree columns (print_snapshot_tree)", () => {
    const t0 = Date.UTC(2024, 5, 1, 10) / 1000;
    const out = printSnapshotTree([
      { name: "after-upgrade", snaptime: t0 + 86400, description: "upgraded to bookworm\nsecond line", parent: "before-upgrade" },
      { name: "before-upgrade", snaptime: t0, description: "" },
      { name: "current", description: "You are here!", parent: "before-upgrade" },
    ]);
    const lines = out.split("\n");
    expect(lines[0].startsWith("`-> before-upgrade ")).toBe(true);
    expect(lines[1].startsWith(" `-> after-upgrade ")).toBe(true);
    expect(lines[2]).toBe(" `-> current" + " ".repeat(44) + "You are here!");
    for (const l of lines.slice(0, 2)) {
      expect(l.slice(32, 56)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {5}$/);
      expect(l[31]).toBe(" ");
    }
    expect(lines[0].slice(56)).toBe("no-description");
    expect(lines[1].slice(56)).toBe("upgraded to bookworm");
  });
});

describe("pveversion", () => {
  test("default line and --verbose", async () => {
    const r = ok(await h.run(["pveversion"]));
    expect(r.stdout).toMatch(/^pve-manager\/9\.\d+\.\d+\/[0-9a-f]{16} \(running kernel: \S+\)\n$/);
    const v = ok(await h.run(["pveversion", "-v"]));
    expect(v.stdout.split("\n")[0]).toMatch(/^proxmox-ve: 9\.\d+\.\d+ \(running kernel: \S+\)$/);
    expect(v.stdout).toMatch(/^pve-manager: 9\.\d+\.\d+ \(running version: 9\.\d+\.\d+\/[0-9a-f]{16}\)$/m);
    expect(v.stdout).toMatch(/^pve-container: \S+$/m);
    const bad = await h.run(["pveversion", "extra"]);
    expect(bad.code).toBe(255);
    expect(bad.stderr).toBe("USAGE: pveversion [--verbose]\n");
  });
});

describe("pct CLI parsing and errors", () => {
  test("unknown command: full usage on stderr, exit 255", async () => {
    const r = await pct("foo");
    expect(r.code).toBe(255);
    expect(r.stdout).toBe("");
    expect(r.stderr.startsWith("ERROR: unknown command 'pct foo'\nUSAGE: pct <COMMAND> [ARGS] [OPTIONS]\n\n       pct clone <vmid> <newid> [OPTIONS]\n")).toBe(true);
    expect(r.stderr).toContain("       pct template <vmid>\n\n       pct config <vmid> [OPTIONS]\n");
    expect(r.stderr).toContain("       pct exec <vmid> [<extra-args>] [OPTIONS]\n");
    const amb = await pct("li");
    expect(amb.code).toBe(255);
    expect(amb.stderr.split("\n")[0]).toBe("ERROR: unknown command 'pct li'");
    const none = await pct();
    expect(none.stderr.split("\n")[0]).toBe("ERROR: no command specified");
  });

  test("parameter errors are 400 with the usage line", async () => {
    const abc = await pct("status", "abc");
    expect(abc.code).not.toBe(0);
    expect(abc.stderr).toBe("400 Parameter verification failed.\nvmid: type check ('integer') failed - got 'abc'\npct status <vmid> [OPTIONS]\n");
    const low = await pct("status", "99");
    expect(low.stderr).toBe("400 Parameter verification failed.\nvmid: invalid format - value does not look like a valid VM ID\n\npct status <vmid> [OPTIONS]\n");
    expect((await pct("status")).stderr).toBe("400 not enough arguments\npct status <vmid> [OPTIONS]\n");
    expect((await pct("status", "100", "101")).stderr).toBe("400 too many arguments\npct status <vmid> [OPTIONS]\n");
    expect((await pct("status", "100", "--foo")).stderr).toBe("Unknown option: foo\n400 unable to parse option\npct status <vmid> [OPTIONS]\n");
    expect((await pct("exec", "100", "ls", "-la")).stderr).toBe("Unknown option: la\n400 unable to parse option\npct exec <vmid> [<extra-args>] [OPTIONS]\n");
    expect((await pct("status", "100", "--verbose", "maybe")).stderr).toBe("400 unable to parse boolean option\npct status <vmid> [OPTIONS]\n");
    const net = await pct("create", "10090", DEB, "--storage", "local-lvm", "--net0", "name=eth0,ip=bad");
    expect(net.stderr).toBe(
      "400 Parameter verification failed.\nnet0: invalid format - format error\nnet0.ip: invalid format - value does not look like a valid ipv4 network configuration\n\n\npct create <vmid> <ostemplate> [OPTIONS]\n",
    );
    expect((await pct("create", "10090", DEB, "--storage", "local-lvm", "--mem", "8")).stderr).toContain("\nmemory: value must have a minimum value of 16\n");
  });

  test("missing config, empty list, abbreviations", async () => {
    const r = await pct("config", "10099");
    expect(r.code).toBe(255);
    expect(r.stderr).toBe(`Configuration file 'nodes/${node}/lxc/10099.conf' does not exist\n`);
    expect((await pct("listsn", "10099")).stderr).toBe(`Configuration file 'nodes/${node}/lxc/10099.conf' does not exist\n`);
    const list = ok(await pct("list"));
    expect(list.stdout).toBe("");
  });
});

describe("pct create / lifecycle on a real container", () => {
  const ID = 10001;

  test("create rejects a storage without rootdir and a missing template", async () => {
    const s = await pct("create", "10002", DEB);
    expect(s.code).toBe(255);
    expect(s.stderr).toBe("400 Parameter verification failed.\nstorage: storage 'local' does not support container directories\npct create <vmid> <ostemplate> [OPTIONS]\n");
    const t = await pct("create", "10002", "local:vztmpl/nope.tar.zst", "--rootfs", "local-lvm:1");
    expect(t.code).toBe(255);
    expect(t.stderr).toBe("unable to create CT 10002 - can't find file 'local:vztmpl/nope.tar.zst'\n");
    expect(ok(await h.sh(`ls /etc/pve/nodes/${node}/lxc; ls /var/lib/lxc | grep -c 10002 || true`)).stdout).toBe("0\n");
  });

  test("create + start: log lines, config file, running CT", async () => {
    const t0 = performance.now();
    const r = ok(
      await pct(
        "create", String(ID), DEB,
        "--hostname", "web01", "--memory", "256", "--swap", "128", "--cores", "1", "--cpulimit", "1.5",
        "--rootfs", "local-lvm:8", "--net0", "name=eth0,bridge=vmbr0,ip=10.77.0.5/24,gw=10.77.0.1",
        "--nameserver", "1.1.1.1 9.9.9.9", "--password", "s3cret-pw", "--onboot", "1",
        "--features", "nesting=1", "--unprivileged", "1", "--ostype", "debian", "--start", "1",
      ),
    );
    const ms = performance.now() - t0;
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("extracting archive '/var/lib/vz/template/cache/debian-12-standard_12.7-1_amd64.tar.gz'");
    expect(lines[1]).toMatch(/^Total bytes read: \d+ \(/);
    expect(lines[2]).toBe("Detected container architecture: amd64");
    expect(r.stdout).toMatch(/^Creating SSH host key 'ssh_host_ed25519_key' - this may take some time \.\.\.\ndone: SHA256:[A-Za-z0-9+/]{43} root@web01$/m);
    expect(r.stderr).toBe("");
    const conf = ok(await h.run(["cat", `/etc/pve/nodes/${node}/lxc/${ID}.conf`])).stdout;
    expect(conf).toMatch(
      new RegExp(
        "^arch: amd64\ncores: 1\ncpulimit: 1.5\nfeatures: nesting=1\nhostname: web01\nmemory: 256\nnameserver: 1.1.1.1 9.9.9.9\n" +
          "net0: name=eth0,bridge=vmbr0,gw=10.77.0.1,hwaddr=BC:24:11(:[0-9A-F]{2}){3},ip=10.77.0.5/24,type=veth\n" +
          "onboot: 1\nostype: debian\nrootfs: local-lvm:vm-10001-disk-0,size=8G\nswap: 128\nunprivileged: 1\n$",
      ),
    );
    const list = ok(await pct("list")).stdout;
    expect(list).toBe("VMID       Status     Lock         Name                \n10001      running                 web01               \n");
    console.log(`pct create + start: ${ms.toFixed(0)} ms`);
  }, 30000);

  test("duplicate create and start of a running CT fail before the task", async () => {
    const d = await pct("create", String(ID), UBU, "--rootfs", "local-lvm:1");
    expect(d.code).toBe(255);
    expect(d.stderr).toBe(`CT ${ID} already exists on node '${node}'\n`);
    const s = await pct("start", String(ID));
    expect(s.code).toBe(255);
    expect(s.stderr).toBe(`CT ${ID} already running\n`);
  });

  test("exec runs in the CT with streams and exit code passed through", async () => {
    expect(ok(await pct("exec", String(ID), "--", "sh", "-c", "echo $((6*7))")).stdout).toBe("42\n");
    const r = await pct("exec", String(ID), "--", "sh", "-c", "echo out; echo err >&2; exit 3");
    expect([r.code, r.stdout, r.stderr]).toEqual([3, "out\n", "err\n"]);
    expect(ok(await pct("exec", String(ID), "--", "hostname")).stdout).toBe("web01\n");
    expect(ok(await pct("exec", String(ID), "--", "cat", "/etc/resolv.conf")).stdout).toBe("nameserver 1.1.1.1\nnameserver 9.9.9.9\n");
    expect(ok(await pct("exec", String(ID), "--", "ip", "-4", "-o", "addr", "show", "eth0")).stdout).toContain("inet 10.77.0.5/24");
    expect((await pct("exec", String(ID), "--", "no-such-command")).code).toBe(127);
    const shadow = ok(await pct("exec", String(ID), "--", "grep", "^root:", "/etc/shadow")).stdout;
    const hash = shadow.split(":")[1];
    expect(hash).toMatch(/^\$6\$/);
    const salt = hash.split("$")[2];
    const again = ok(await h.run(["perl", "-e", "print crypt($ARGV[0], $ARGV[1])", "s3cret-pw", `$6$${salt}$`])).stdout;
    expect(again).toBe(hash);
  });

  test("status (default, --verbose) and pvesh status/current", async () => {
    expect(ok(await pct("status", String(ID))).stdout).toBe("status: running\n");
    const v = ok(await pct("status", String(ID), "--verbose")).stdout;
    const keys = v.trim().split("\n").map((l) => l.split(": ")[0]);
    expect(keys).toEqual([...keys].sort());
    expect(keys).toEqual(expect.arrayContaining(["cpus", "disk", "diskread", "diskwrite", "maxdisk", "maxmem", "maxswap", "mem", "name", "netin", "netout", "pid", "pressurecpusome", "status", "swap", "type", "uptime", "vmid"]));
    expect(keys).not.toContain("cpu");
    expect(v).toContain("maxmem: 268435456\n");
    expect(v).toContain("maxswap: 134217728\n");
    expect(v).toContain("cpus: 1\n");
    const cur = json(ok(await pvesh("get", `/nodes/${node}/lxc/${ID}/status/current`, "--output-format", "json")));
    expect(cur).toMatchObject({ vmid: ID, status: "running", type: "lxc", name: "web01", cpu: 0, ha: { managed: 0 } });
    expect(cur.mem).toBeGreaterThan(0);
    expect(typeof cur.pressurecpusome).toBe("string");
    const viaLocalhost = json(ok(await pvesh("get", `/nodes/localhost/lxc`, "--output-format", "json")));
    expect(viaLocalhost.map((x: any) => x.vmid)).toContain(ID);
    const missing = await pvesh("get", `/nodes/${node}/lxc/10099/status/current`);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toBe(`Configuration file 'nodes/${node}/lxc/10099.conf' does not exist\n`);
  });

  test("create applied cgroup limits; set hotplugs memory, swap and cpulimit", async () => {
    expect(await cgroupFile(ID, "memory", "memory.limit_in_bytes")).toBe(String(256 * 1024 * 1024));
    expect(await cgroupFile(ID, "cpu", "cpu.cfs_quota_us")).toBe("150000");
    expect(ok(await pct("set", String(ID), "--memory", "300", "--swap", "64", "--cpulimit", "0.5")).stdout).toBe("");
    expect(await cgroupFile(ID, "memory", "memory.limit_in_bytes")).toBe(String(300 * 1024 * 1024));
    expect(await cgroupFile(ID, "memory", "memory.memsw.limit_in_bytes")).toBe(String(364 * 1024 * 1024));
    expect(await cgroupFile(ID, "cpu", "cpu.cfs_quota_us")).toBe("50000");
    const cfg = ok(await pct("config", String(ID))).stdout;
    expect(cfg).toContain("memory: 300\n");
    expect(cfg).toContain("cpulimit: 0.5\n");
  });

  test("non-hotpluggable keys stay pending on a running CT", async () => {
    ok(await pct("set", String(ID), "--nameserver", "8.8.8.8", "--hostname", "web02"));
    expect(ok(await pct("config", String(ID))).stdout).toContain("nameserver: 8.8.8.8\n");
    expect(ok(await pct("config", String(ID), "--current")).stdout).toContain("nameserver: 1.1.1.1 9.9.9.9\n");
    expect(ok(await pct("config", String(ID), "--current")).stdout).toContain("hostname: web02\n");
    const pend = ok(await pct("pending", String(ID))).stdout;
    expect(pend).toContain("cur nameserver: 1.1.1.1 9.9.9.9\nnew nameserver: 8.8.8.8\n");
    expect(ok(await h.run(["cat", `/etc/pve/nodes/${node}/lxc/${ID}.conf`])).stdout).toContain("\n[pve:pending]\nnameserver: 8.8.8.8\n");
    const cfg = json(ok(await pvesh("get", `/nodes/${node}/lxc/${ID}/config`, "--output-format", "json")));
    expect(cfg).toMatchObject({ nameserver: "8.8.8.8", memory: 300, cpulimit: "0.5", onboot: 1 });
    expect(cfg.digest).toMatch(/^[0-9a-f]{40}$/);
  });

  test("set errors", async () => {
    expect((await pct("set", String(ID))).stderr).toBe("no options specified\n");
    expect((await pct("set", String(ID), "--unprivileged", "0")).stderr).toBe("unable to modify read-only option: 'unprivileged'\n");
    expect((await pct("set", String(ID), "--delete", "memory")).stderr).toBe("unable to delete required option 'memory'\n");
    const both = await pct("set", String(ID), "--memory", "512", "--delete", "memory");
    expect(both.stderr).toBe("400 Parameter verification failed.\ndelete: you can't use '-memory' and -delete memory' at the same time\npct set <vmid> [OPTIONS]\n");
    expect((await pct("set", "10099", "--memory", "512")).stderr).toBe(`Configuration file 'nodes/${node}/lxc/10099.conf' does not exist\n`);
  });

  test("reboot applies pending changes and keeps the CT running", async () => {
    const r = ok(await pct("reboot", String(ID)));
    expect(r.stdout + r.stderr).toBe("");
    expect(ok(await pct("status", String(ID))).stdout).toBe("status: running\n");
    expect(ok(await pct("exec", String(ID), "--", "cat", "/etc/resolv.conf")).stdout).toBe("nameserver 8.8.8.8\n");
    expect(ok(await pct("exec", String(ID), "--", "hostname")).stdout).toBe("web02\n");
    expect(ok(await pct("pending", String(ID))).stdout).not.toContain("new ");
  });

  test("a hand-written lock blocks guarded operations", async () => {
    ok(await h.sh(`sed -i '1i lock: backup' /etc/pve/nodes/${node}/lxc/${ID}.conf`));
    for (const args of [["set", String(ID), "--memory", "400"], ["shutdown", String(ID)], ["stop", String(ID)], ["destroy", String(ID), "--force"], ["resize", String(ID), "rootfs", "+1G"]]) {
      const r = await pct(...args);
      expect(r.code).toBe(255);
      expect(r.stderr).toBe("CT is locked (backup)\n");
    }
    const snap = await pct("snapshot", String(ID), "locked");
    expect([snap.code, snap.stderr]).toEqual([255, "CT is locked (backup)\n"]);
    expect(ok(await pct("list")).stdout).toBe("VMID       Status     Lock         Name                \n10001      running    backup       web02               \n");
    ok(await pct("unlock", String(ID)));
    const again = await pct("unlock", String(ID));
    expect([again.code, again.stderr]).toEqual([255, "no lock found trying to remove any lock\n"]);
  });

  test("snapshot, listsnapshot, rollback restores files, delsnapshot", async () => {
    ok(await pct("exec", String(ID), "--", "sh", "-c", "echo before > /root/marker"));
    const s = ok(await pct("snapshot", String(ID), "snap1", "--description", "first snap"));
    expect(s.stdout + s.stderr).toBe("");
    expect(ok(await pct("config", String(ID))).stdout).toContain("parent: snap1\n");
    const dup = await pct("snapshot", String(ID), "snap1");
    expect([dup.code, dup.stderr]).toEqual([255, "snapshot name 'snap1' already used\n"]);
    const res = await pct("snapshot", String(ID), "vzdump");
    expect([res.code, res.stderr]).toEqual([255, "unable to use snapshot name 'vzdump' (reserved name)\n"]);
    ok(await pct("exec", String(ID), "--", "sh", "-c", "echo after > /root/marker; touch /root/new"));
    const tree = ok(await pct("listsnapshot", String(ID))).stdout.split("\n");
    expect(tree[0]).toMatch(/^`-> snap1 {23}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {5}first snap$/);
    expect(tree[1]).toBe(" `-> current" + " ".repeat(44) + "You are here!");
    const list = json(ok(await pvesh("get", `/nodes/${node}/lxc/${ID}/snapshot`, "--output-format", "json")));
    expect(list.find((x: any) => x.name === "current")).toMatchObject({ running: 1, parent: "snap1", description: "You are here!" });
    expect(list.find((x: any) => x.name === "snap1")).toMatchObject({ description: "first snap\n" });
    const snapConf = ok(await pct("config", String(ID), "--snapshot", "snap1")).stdout;
    expect(snapConf).toMatch(/^snaptime: \d+$/m);
    expect(snapConf).toContain("description: first snap%0A\n");

    const rb = ok(await pct("rollback", String(ID), "snap1"));
    expect(rb.stdout + rb.stderr).toBe("");
    expect(ok(await pct("status", String(ID))).stdout).toBe("status: stopped\n");
    ok(await pct("start", String(ID)));
    expect(ok(await pct("exec", String(ID), "--", "cat", "/root/marker")).stdout).toBe("before\n");
    expect((await pct("exec", String(ID), "--", "test", "-e", "/root/new")).code).toBe(1);

    const missing = await pct("delsnapshot", String(ID), "nope");
    expect([missing.code, missing.stderr]).toEqual([255, "snapshot 'nope' does not exist\n"]);
    ok(await pct("delsnapshot", String(ID), "snap1"));
    expect(ok(await pct("listsnapshot", String(ID))).stdout).toBe("`-> current" + " ".repeat(45) + "You are here!\n");
    expect(ok(await pct("config", String(ID))).stdout).not.toContain("parent:");
  }, 30000);

  test("resize: grow, shrink and no-op errors; exit 0 on task failure", async () => {
    const shrink = await pct("resize", String(ID), "rootfs", "2G");
    expect([shrink.code, shrink.stderr]).toEqual([255, "unable to shrink disk size\n"]);
    const same = await pct("resize", String(ID), "rootfs", "8G");
    expect(same.stderr).toBe("disk is already at specified size\n");
    expect((await pct("resize", String(ID), "rootfs", "10GB")).stderr).toBe("400 Parameter verification failed.\nsize: value does not match the regex pattern\npct resize <vmid> <disk> <size> [OPTIONS]\n");
    ok(await pct("resize", String(ID), "rootfs", "+2G"));
    expect(ok(await pct("config", String(ID))).stdout).toContain("rootfs: local-lvm:vm-10001-disk-0,size=10G\n");
    ok(await h.sh("echo 'resize * simulated storage failure' > /var/lib/pve-fixture/faults"));
    const failed = await pct("resize", String(ID), "rootfs", "+1G");
    ok(await h.sh("rm /var/lib/pve-fixture/faults"));
    expect([failed.code, failed.stderr]).toEqual([0, "simulated storage failure\n"]);
    expect(ok(await pct("config", String(ID))).stdout).toContain("size=10G\n");
  });

  test("push and pull", async () => {
    ok(await h.sh("printf 'hello push\\n' > /tmp/push-src"));
    ok(await pct("push", String(ID), "/tmp/push-src", "/root/pushed", "--perms", "600"));
    expect(ok(await pct("exec", String(ID), "--", "stat", "-c", "%a %s", "/root/pushed")).stdout).toBe("600 11\n");
    ok(await pct("exec", String(ID), "--", "sh", "-c", "echo from-ct > /tmp/pull-src"));
    ok(await pct("pull", String(ID), "/tmp/pull-src", "/tmp/pulled"));
    expect(ok(await h.run(["cat", "/tmp/pulled"])).stdout).toBe("from-ct\n");
    const nofile = await pct("push", String(ID), "/tmp/does-not-exist", "/root/x");
    expect([nofile.code, nofile.stderr]).toEqual([0, "failed to open /tmp/does-not-exist for reading\n"]);
  });

  test("cluster/resources reports CPU use of a busy CT", async () => {
    ok(await pct("exec", String(ID), "--", "sh", "-c", "timeout 5 sh -c 'while :; do :; done' >/dev/null 2>&1 &"));
    const res = json(ok(await pvesh("get", "/cluster/resources", "--output-format", "json")));
    const ct = res.find((x: any) => x.id === `lxc/${ID}`);
    expect(ct).toMatchObject({ vmid: ID, type: "lxc", node, status: "running", template: 0, maxcpu: 1 });
    expect(ct.cpu).toBeGreaterThan(0.1);
    expect(res.find((x: any) => x.type === "node")).toMatchObject({ id: `node/${node}`, status: "online" });
    expect(res.find((x: any) => x.id === `storage/${node}/local-lvm`)).toMatchObject({ plugintype: "lvmthin", status: "available" });
    const vmOnly = json(ok(await pvesh("get", "/cluster/resources", "--type", "vm", "--output-format", "json")));
    expect(vmOnly.every((x: any) => x.type === "lxc")).toBe(true);
  }, 20000);

  test("shutdown, stop and reboot errors on a stopped CT", async () => {
    ok(await pct("shutdown", String(ID), "--timeout", "10"));
    expect(ok(await pct("status", String(ID))).stdout).toBe("status: stopped\n");
    expect((await pct("stop", String(ID))).stderr).toBe(`CT ${ID} not running\n`);
    expect((await pct("shutdown", String(ID))).stderr).toBe(`CT ${ID} not running\n`);
    expect((await pct("reboot", String(ID))).stderr).toBe(`VM ${ID} not running\n`);
    expect((await pct("exec", String(ID), "--", "true")).stderr).toBe(`container '${ID}' not running!\n`);
    expect((await pct("push", String(ID), "/etc/hostname", "/x")).stderr).toBe("can only push files to a running CT\n");
  });

  test("destroy: running needs --force, then the LXC container is gone", async () => {
    ok(await pct("start", String(ID)));
    const r = await pct("destroy", String(ID));
    expect([r.code, r.stderr]).toEqual([255, `unable to destroy CT ${ID} - container is running\n`]);
    const f = ok(await pct("destroy", String(ID), "--force", "--purge"));
    expect(f.stdout).toBe(`forced to stop CT ${ID} before destroying!\npurging CT ${ID} from related configurations..\n`);
    expect(ok(await h.sh(`ls /var/lib/lxc | grep -c '^${ID}$' || true; ls /etc/pve/nodes/${node}/lxc | grep -c ${ID} || true`)).stdout).toBe("0\n0\n");
    expect(ok(await pct("list")).stdout).toBe("");
  }, 20000);
});

describe("pvesh", () => {
  test("formats, unknown path, nextid", async () => {
    expect(json(ok(await pvesh("get", "/version", "--output-format", "json")))).toMatchObject({ version: expect.stringMatching(/^9\./), release: expect.any(String), repoid: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const pretty = ok(await pvesh("get", "/version", "--output-format", "json-pretty")).stdout;
    expect(pretty).toMatch(/^\{\n   "release" : "9\.\d+",\n   "repoid" : "[0-9a-f]{16}",\n   "version" : "9\.\d+\.\d+"\n\}\n$/);
    const foo = await pvesh("get", "/foo");
    expect([foo.code, foo.stdout, foo.stderr]).toEqual([1, "", "No 'get' handler defined for '/foo'\n"]);
    expect(ok(await pvesh("get", "/cluster/nextid")).stdout).toBe("100\n");
    await create(10010);
    expect(ok(await pvesh("get", "/cluster/nextid", "--vmid", "10011")).stdout).toBe("10011\n");
    const used = await pvesh("get", "/cluster/nextid", "--vmid", "10010");
    expect(used.code).not.toBe(0);
    expect(used.stderr).toBe("400 Parameter verification failed.\nvmid: VM 10010 already exists\npvesh get <api_path> [OPTIONS] [FORMAT_OPTIONS]\n");
    const opt = await pvesh("get", "/version", "--bogus", "1");
    expect(opt.stderr).toBe("Unknown option: bogus\n400 unable to parse option\npvesh get <api_path> [OPTIONS] [FORMAT_OPTIONS]\n");
  });

  test("nodes, node status, cluster status", async () => {
    const nodes = json(ok(await pvesh("get", "/nodes", "--output-format", "json")));
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toMatchObject({ node, status: "online", id: `node/${node}`, type: "node", level: "" });
    expect(nodes[0].maxmem).toBeGreaterThan(0);
    const st = json(ok(await pvesh("get", `/nodes/${node}/status`, "--output-format", "json")));
    expect(st.cpu).toBe(0);
    expect(st.loadavg).toHaveLength(3);
    expect(typeof st.loadavg[0]).toBe("string");
    expect(st.memory.total).toBeGreaterThan(st.memory.used);
    expect(st.rootfs.total).toBeGreaterThan(0);
    expect(st.pveversion).toMatch(/^pve-manager\/9\./);
    expect(Object.keys(st.cpuinfo).sort()).toEqual(["cores", "cpus", "family", "flags", "hvm", "mhz", "model", "sockets", "user_hz", "vendor"]);
    const cs = json(ok(await pvesh("get", "/cluster/status", "--output-format", "json")));
    expect(cs[0]).toMatchObject({ type: "node", name: node, local: 1, online: 1 });
  });

  test("worker endpoints print the task log then the UPID; task status readable", async () => {
    const c = ok(await pvesh("create", "/nodes/localhost/lxc", "--vmid", "10011", "--ostemplate", UBU, "--storage", "local-lvm", "--hostname", "api-ct"));
    const lines = c.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("extracting archive '/var/lib/vz/template/cache/ubuntu-22.04.tar.gz'");
    expect(lines.at(-1)).toMatch(UPID_RE);
    expect(lines.at(-1)).toContain(":vzcreate:10011:");
    const s = ok(await pvesh("create", `/nodes/${node}/lxc/10011/status/start`, "--output-format", "json"));
    const upid = JSON.parse(s.stdout.trim().split("\n").at(-1)!);
    expect(upid).toMatch(UPID_RE);
    const ts = json(ok(await pvesh("get", `/nodes/${node}/tasks/${upid}/status`, "--output-format", "json")));
    expect(ts).toMatchObject({ status: "stopped", exitstatus: "OK", type: "vzstart", id: "10011", user: "root@pam" });
    // task failure: still exit 0, error line on stderr
    const again = await pvesh("create", `/nodes/${node}/lxc/10011/status/start`);
    expect([again.code, again.stderr]).toEqual([255, "CT 10011 already running\n"]);
    ok(await h.sh("echo 'vzstop 10011 injected failure' > /var/lib/pve-fixture/faults"));
    const stop = await pvesh("create", `/nodes/${node}/lxc/10011/status/stop`);
    const pstop = await pct("stop", "10011");
    ok(await h.sh("rm /var/lib/pve-fixture/faults"));
    expect([stop.code, stop.stderr]).toEqual([0, "injected failure\n"]);
    expect(stop.stdout.trim()).toMatch(UPID_RE);
    expect([pstop.code, pstop.stderr]).toEqual([255, "injected failure\n"]);
    const setr = ok(await pvesh("set", `/nodes/${node}/lxc/10011/config`, "--memory", "320"));
    expect(setr.stdout).toBe("");
    expect(await cgroupFile(10011, "memory", "memory.limit_in_bytes")).toBe(String(320 * 1024 * 1024));
    ok(await pvesh("create", `/nodes/${node}/lxc/10011/status/stop`));
    const tasks = json(ok(await pvesh("get", `/nodes/${node}/tasks`, "--vmid", "10011", "--output-format", "json")));
    expect(tasks.map((t: any) => t.type)).toEqual(["vzstop", "vzstop", "vzstop", "vzstart", "vzcreate"].slice(0, tasks.length));
    expect(tasks.find((t: any) => t.type === "vzcreate")).toMatchObject({ status: "OK", id: "10011", upid: lines.at(-1) });
    expect(tasks.filter((t: any) => t.status === "injected failure")).toHaveLength(2);
    const del = ok(await pvesh("delete", `/nodes/${node}/lxc/10011`));
    expect(del.stdout.trim()).toMatch(/:vzdestroy:10011:root@pam:$/);
    ok(await pct("destroy", "10010"));
  }, 30000);
});

describe("storage and templates", () => {
  test("pvesm status layout (KiB header)", async () => {
    const out = ok(await h.run(["pvesm", "status"])).stdout.split("\n");
    // printf "%-Ws %10s %10s %15s %15s %15s %8s" with W = length("local-lvm") + 1
    expect(out[0]).toBe("Name" + " ".repeat(13) + "Type     Status     Total (KiB)      Used (KiB) Available (KiB)        %");
    const row = (name: string, type: string) => new RegExp(`^${name.padEnd(10)} ${type.padStart(10)}     active [ \\d]{14}\\d [ \\d]{14}\\d [ \\d]{14}\\d [ \\d]{3}\\d\\.\\d\\d%$`);
    expect(out[1]).toMatch(row("local", "dir"));
    expect(out[2]).toMatch(row("local-lvm", "lvmthin"));
    expect(out[3]).toBe("");
    const bad = await h.run(["pvesm", "status", "--storage", "nosuch"]);
    expect(bad.stderr).toBe("400 Parameter verification failed.\nstorage: No such storage.\npvesm status  [OPTIONS]\n");
    const st = json(ok(await pvesh("get", `/nodes/${node}/storage`, "--output-format", "json")));
    expect(st.map((s: any) => s.storage).sort()).toEqual(["local", "local-lvm"]);
    expect(st.find((s: any) => s.storage === "local-lvm")).toMatchObject({ type: "lvmthin", content: "rootdir,images", active: 1, enabled: 1, shared: 0 });
  });

  test("pveam available, list, download", async () => {
    const av = ok(await h.run(["pveam", "available", "--section", "system"])).stdout;
    expect(av).toBe(
      "system          alpine-3.20-default_20240908_amd64.tar.xz\nsystem          debian-12-standard_12.7-1_amd64.tar.zst\nsystem          ubuntu-24.04-standard_24.04-2_amd64.tar.zst\n",
    );
    const list = ok(await h.run(["pveam", "list", "local"])).stdout.split("\n");
    expect(list[0]).toBe("NAME".padEnd(60) + " SIZE  ");
    expect(list[1]).toMatch(/^local:vztmpl\/debian-12-standard_12\.7-1_amd64\.tar\.gz {10}\d+\.\d\dMB$/);
    const dl = ok(await h.run(["pveam", "download", "local", "alpine-3.20-default_20240908_amd64.tar.xz"]));
    expect(dl.stdout.split("\n")[0]).toBe(
      "downloading http://download.proxmox.com/images/system/alpine-3.20-default_20240908_amd64.tar.xz to /var/lib/vz/template/cache/alpine-3.20-default_20240908_amd64.tar.xz",
    );
    expect(dl.stdout).toContain("calculating checksum...OK, checksum verified\n");
    expect(ok(await h.run(["pveam", "list", "local"])).stdout).toContain("local:vztmpl/alpine-3.20-default_20240908_amd64.tar.xz ");
    const unknown = await h.run(["pveam", "download", "local", "nope.tar.zst"]);
    expect([unknown.code, unknown.stderr]).toEqual([255, "400 Parameter verification failed.\ntemplate: no such template\npveam download <storage> <template>\n"]);
    const nostore = await h.run(["pveam", "list", "local-lvm"]);
    expect(nostore.stderr).toBe("Storage does not support templates!\n");
    const content = json(ok(await pvesh("get", `/nodes/${node}/storage/local/content`, "--content", "vztmpl", "--output-format", "json")));
    expect(content.find((c: any) => c.volid === DEB)).toMatchObject({ format: "tgz", content: "vztmpl" });
    // the "downloaded" template is a real one
    ok(await pct("create", "10012", "local:vztmpl/alpine-3.20-default_20240908_amd64.tar.xz", "--rootfs", "local-lvm:1", "--start", "1"));
    expect(ok(await pct("config", "10012")).stdout).toContain("ostype: alpine\n");
    expect(ok(await pct("exec", "10012", "--", "cat", "/etc/alpine-release")).stdout).toBe("3.20.3\n");
    ok(await pct("destroy", "10012", "--force"));
  });
});

describe("task failure paths", () => {
  test("create --start with a failing start still creates the CT (nested task)", async () => {
    const r = await pct("create", "10013", UBU, "--rootfs", "local-lvm:1", "--net0", "name=eth0,bridge=vmbr7", "--start", "1");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("bridge 'vmbr7' does not exist\nstartup for container '10013' failed\n");
    expect(ok(await pct("status", "10013")).stdout).toBe("status: stopped\n");
    const s = await pct("start", "10013");
    expect([s.code, s.stderr]).toEqual([255, "startup for container '10013' failed\n"]);
    ok(await pct("destroy", "10013"));
  });

  test("SIGTERM to a slow create: the task list shows it RUNNING, then it dies with 'received interrupt' and removes its config", async () => {
    ok(await h.sh("mkdir -p /var/lib/pve-fixture/delay && echo '30 10015' > /var/lib/pve-fixture/delay/vzcreate"));
    try {
      // Started detached, as LWS does (setsid -f), output to a file.
      ok(await h.sh(`setsid -f sh -c 'pct create 10015 ${UBU} --rootfs local-lvm:1 >/tmp/c10015.out 2>/tmp/c10015.err; echo $? >/tmp/c10015.rc' </dev/null >/dev/null 2>&1`));
      let list: any[] = [];
      for (let i = 0; i < 100 && !list.length; i++) {
        list = json(ok(await pvesh("get", `/nodes/${node}/tasks`, "--source", "active", "--vmid", "10015", "--typefilter", "vzcreate", "--output-format", "json")));
        if (!list.length) await Bun.sleep(100);
      }
      expect(list[0]).toMatchObject({ status: "RUNNING", type: "vzcreate", id: "10015", user: "root@pam" });
      expect(list[0].upid).toMatch(UPID_RE);
      expect(ok(await h.sh(`cat /etc/pve/nodes/${node}/lxc/10015.conf`)).stdout).toBe("lock: create\n");
      ok(await h.sh(`pkill -TERM -f 'standins/pc[t].ts create 10015'`));
      let rc = "";
      for (let i = 0; i < 100 && !rc; i++) {
        rc = (await h.sh("cat /tmp/c10015.rc 2>/dev/null")).stdout.trim();
        if (!rc) await Bun.sleep(100);
      }
      expect(rc).toBe("255");
      expect(ok(await h.sh("cat /tmp/c10015.err")).stdout).toBe("unable to create CT 10015 - received interrupt\n");
      expect((await pct("config", "10015")).code).toBe(255);
      const st = json(ok(await pvesh("get", `/nodes/${node}/tasks/${list[0].upid}/status`, "--output-format", "json")));
      expect(st).toMatchObject({ status: "stopped", exitstatus: "unable to create CT 10015 - received interrupt" });
    } finally {
      await h.sh("rm -f /var/lib/pve-fixture/delay/vzcreate /tmp/c10015.*");
    }
  });

  test("pveam download exits 0 when its task fails; exec passes stdin", async () => {
    ok(await h.sh("echo 'download * download failed: 404 Not Found' > /var/lib/pve-fixture/faults"));
    const r = await h.run(["pveam", "download", "local", "debian-12-turnkey-wordpress_18.1-1_amd64.tar.gz"]);
    ok(await h.sh("rm /var/lib/pve-fixture/faults"));
    expect([r.code, r.stderr]).toEqual([0, "download failed: 404 Not Found\n"]);
    await create(10014, "--start", "1");
    const cat = await h.run(["pct", "exec", "10014", "--", "cat"], { input: "via stdin\n" });
    expect(cat.stdout).toBe("via stdin\n");
    ok(await pct("destroy", "10014", "--force"));
  });
});

