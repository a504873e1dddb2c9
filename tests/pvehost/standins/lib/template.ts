// Small real CT templates: a root tree whose /usr stays empty because every CT
// bind-mounts the machine's /usr read-only at start.
import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";

export interface TemplateOpts {
  ostype?: string;
  hostname?: string;
  /** include /etc/ssh so create generates host keys (ssh-keygen rsa costs ~0.3 s) */
  ssh?: boolean;
  /** incompressible filler so `pveam list` shows a non-zero size (default 512 KiB) */
  fillerBytes?: number;
}

const OS_RELEASE: Record<string, string> = {
  debian: `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n`,
  ubuntu: `PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION="22.04.4 LTS (Jammy Jellyfish)"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\n`,
  alpine: `NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\n`,
};

export async function buildTemplate(dest: string, opts: TemplateOpts = {}): Promise<void> {
  const os = opts.ostype ?? "debian";
  const tmp = mkdtempSync(join(dirname(dest), ".tmpl-"));
  const root = join(tmp, "root");
  try {
    for (const d of ["usr", "etc", "root", "tmp", "var/tmp", "var/log", "var/lib", "run", "dev", "proc", "sys", "home", "mnt", "opt", "srv", "media"])
      mkdirSync(join(root, d), { recursive: true });
    chmodSync(join(root, "tmp"), 0o1777);
    chmodSync(join(root, "var/tmp"), 0o1777);
    chmodSync(join(root, "root"), 0o700);
    for (const l of ["bin", "sbin", "lib", "lib64"]) symlinkSync(`usr/${l}`, join(root, l));
    const files: Record<string, string> = {
      "etc/passwd": "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
      "etc/group": "root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n",
      "etc/shadow": "root:*:19800:0:99999:7:::\ndaemon:*:19800:0:99999:7:::\nnobody:*:19800:0:99999:7:::\n",
      "etc/hostname": `${opts.hostname ?? "localhost"}\n`,
      "etc/hosts": "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n",
      "etc/os-release": OS_RELEASE[os] ?? `ID=${os}\n`,
      "etc/resolv.conf": "",
    };
    if (os === "debian") files["etc/debian_version"] = "12.7\n";
    if (os === "ubuntu") files["etc/lsb-release"] = "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\n";
    if (os === "alpine") files["etc/alpine-release"] = "3.20.3\n";
    if (opts.ssh ?? os === "debian") files["etc/ssh/sshd_config"] = "PermitRootLogin prohibit-password\n";
    for (const [f, c] of Object.entries(files)) {
      mkdirSync(dirname(join(root, f)), { recursive: true });
      writeFileSync(join(root, f), c);
    }
    chmodSync(join(root, "etc/shadow"), 0o640);
    const filler = opts.fillerBytes ?? 512 * 1024;
    if (filler > 0) {
      mkdirSync(join(root, "var/cache/pve-template"), { recursive: true });
      writeFileSync(join(root, "var/cache/pve-template/filler.bin"), randomBytes(filler));
    }
    const comp = /\.tar\.gz$/.test(dest) ? ["-z"] : /\.tar\.zst$/.test(dest) ? ["--zstd"] : /\.tar\.xz$/.test(dest) ? ["-J"] : /\.tar\.bz2$/.test(dest) ? ["-j"] : [];
    const out = join(tmp, "t.tar");
    const r = Bun.spawnSync(["tar", "-c", ...comp, "-f", out, "--numeric-owner", "--owner=0", "--group=0", "-C", root, "."], { stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`tar failed: ${r.stderr.toString()}`);
    renameSync(out, dest);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
