/**
 * In-container setup scripts of the scan tests: what makes a container weak
 * (SSH root login with password, an account with an empty password, a second
 * UID 0 account, a listener, world-writable and SUID files, a pending security
 * update) and what makes one hardened.
 */
import { LISTENER_SCRIPT } from './support.ts'

export const WEAK_PORT = 4444

export const WEAK_SETUP = `set -e
mkdir -p /etc/ssh
printf 'PermitRootLogin yes\\nPasswordAuthentication yes\\n' >/etc/ssh/sshd_config
echo 'guest:x:1001:1001:guest:/home/guest:/bin/bash' >>/etc/passwd
echo 'guest::19800:0:99999:7:::' >>/etc/shadow
echo 'toor:x:0:0:second root:/root:/bin/sh' >>/etc/passwd
echo 'toor:!:19800:0:99999:7:::' >>/etc/shadow
${LISTENER_SCRIPT(WEAK_PORT)}`

/** Full-scan material: world-writable /etc file, SUID copies, a dpkg database with two pending updates. */
export const WEAK_FULL_SETUP = String.raw`set -e
echo 'x=1' >/etc/lws-weak.conf
chmod 666 /etc/lws-weak.conf
mkdir -p /opt
cp /usr/bin/id /opt/lws-suid && chmod 4755 /opt/lws-suid
cp /usr/bin/id /tmp/lws-suid && chmod 4755 /tmp/lws-suid
mkdir -p /var/lib/dpkg /var/lib/apt/lists /etc/apt/apt.conf.d /etc/apt/preferences.d
cat >/var/lib/dpkg/status <<'X'
Package: lws-demo-sec
Status: install ok installed
Priority: optional
Section: misc
Maintainer: LWS tests <tests@example.invalid>
Architecture: all
Version: 1.0-1
Description: demo package with a pending security update

Package: lws-demo-plain
Status: install ok installed
Priority: optional
Section: misc
Maintainer: LWS tests <tests@example.invalid>
Architecture: all
Version: 1.0-1
Description: demo package with a pending normal update
X
printf 'deb http://deb.debian.org/debian bookworm main\ndeb http://deb.debian.org/debian-security bookworm-security main\n' >/etc/apt/sources.list
L=/var/lib/apt/lists
cat >$L/deb.debian.org_debian-security_dists_bookworm-security_Release <<'X'
Origin: Debian
Label: Debian-Security
Suite: stable-security
Codename: bookworm-security
Date: Sat, 01 Nov 2025 00:00:00 UTC
Architectures: amd64 all
Components: main
X
cat >$L/deb.debian.org_debian_dists_bookworm_Release <<'X'
Origin: Debian
Label: Debian
Suite: stable
Codename: bookworm
Date: Sat, 01 Nov 2025 00:00:00 UTC
Architectures: amd64 all
Components: main
X
cat >$L/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages <<'X'
Package: lws-demo-sec
Version: 1.0-2
Architecture: all
Maintainer: LWS tests <tests@example.invalid>
Filename: pool/main/l/lws-demo-sec/lws-demo-sec_1.0-2_all.deb
Size: 1000
Description: demo package with a pending security update
X
cat >$L/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages <<'X'
Package: lws-demo-plain
Version: 2.0-1
Architecture: all
Maintainer: LWS tests <tests@example.invalid>
Filename: pool/main/l/lws-demo-plain/lws-demo-plain_2.0-1_all.deb
Size: 1000
Description: demo package with a pending normal update
X
`

export const HARDENED_SETUP = `set -e
mkdir -p /etc/ssh
printf 'PermitRootLogin no\\nPasswordAuthentication no\\nPermitEmptyPasswords no\\n' >/etc/ssh/sshd_config
grep -q '^root:[*!]' /etc/shadow`

/** Makes the accounts check hang: reading /etc/shadow blocks on a FIFO nobody writes. */
export const SLOW_SETUP = `set -e
rm -f /etc/shadow
mkfifo -m 600 /etc/shadow`
