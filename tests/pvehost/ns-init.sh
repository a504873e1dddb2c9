#!/bin/sh
# PID 1 of a Proxmox test host (LAYOUT.md). host.ts runs it under
#   unshare --mount --pid --uts --ipc --fork --mount-proc --propagation private
# with PVEHOST_NAME, PVEHOST_STATE (state dir), PVEHOST_BIN (tests/pvehost/bin) and
# PVEHOST_CGROUPS (this host's cgroup directories) in the environment.
set -eu
: "${PVEHOST_NAME:?}" "${PVEHOST_STATE:?}" "${PVEHOST_BIN:?}"
state=$PVEHOST_STATE

# LXC makes container cgroups below this init's (PID 1 of the namespace, which every
# session inherits): a subtree per host keeps the hosts' CT 100 apart and lets host.ts
# remove what a killed LXC monitor leaves behind.
for d in ${PVEHOST_CGROUPS:-}; do echo 0 >"$d/cgroup.procs"; done

hostname "$PVEHOST_NAME"

# A private /run gives each host its own /run/sshd and LXC locks (/run/lxc, /run/lock/lxc),
# and keeps `systemctl` in a session away from the machine's systemd.
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
mkdir -p /run/sshd /run/lock/lxc /run/lxc /run/pvehost
chmod 1777 /run/lock

# LXC names its command socket @<lxcpath>/<vmid>/command, an abstract socket, which is
# scoped by network namespace: with one shared namespace the second host's CT 100 would be
# "already running". sshd stays in the machine's namespace to listen on 127.0.0.x, and
# every session enters this host's namespace through root's login shell.
net=/run/pvehost/net
touch $net
unshare --net=$net true
innet() { nsenter --net=$net -- "$@"; }
innet ip link set lo up
innet ip link add lwsbr0 type bridge
innet ip link set lwsbr0 up
# A small subnet on the bridge for tests that need addresses (sec discovery). It exists only
# in this host's private network namespace: the machine's own namespace has no route to it.
innet ip addr add 10.99.0.1/28 dev lwsbr0

# LXC checks /sys/class/net/<bridge>/bridge (else it assumes Open vSwitch), and sysfs
# shows the network namespace of whoever mounted it: remount it from inside, keeping the
# machine's cgroup (and securityfs) mounts.
keep=""
for m in fs/cgroup kernel/security; do
  mountpoint -q "/sys/$m" || continue
  mkdir -p "/run/pvehost/keep/$m"
  mount --rbind "/sys/$m" "/run/pvehost/keep/$m"
  keep="$keep $m"
done
innet mount -t sysfs sysfs /sys
for m in $keep; do mount --move "/run/pvehost/keep/$m" "/sys/$m"; done

cat >/run/pvehost/login-shell <<'EOF'
#!/bin/sh
# root's shell on a test host (see ns-init.sh): run the session in the host's network namespace.
[ $# -gt 0 ] || set -- -l # sshd passes no arguments only for an interactive login
exec nsenter --net=/run/pvehost/net -- /bin/bash "$@"
EOF
chmod 0755 /run/pvehost/login-shell

# Mount points on the machine are created empty if missing; their content stays per host.
bind() {
  mkdir -p "$2"
  mount --bind "$1" "$2"
}
bind "$state/etc-pve" /etc/pve
bind "$state/vz" /var/lib/vz
bind "$state/lxc" /var/lib/lxc
bind "$state/fixture" /var/lib/pve-fixture
bind "$state/log-pve" /var/log/pve # task logs (pve-common src/PVE/RESTEnvironment.pm)
# Known root password, root's login shell above, a fresh home; the machine's stay untouched.
bind "$state/root" /root
mount --bind "$state/passwd" /etc/passwd
mount --bind "$state/shadow" /etc/shadow
bind "$PVEHOST_BIN" /usr/local/sbin
mount -o remount,bind,ro /usr/local/sbin

# Power commands must only be recorded. On Debian reboot & co. are symlinks to systemctl,
# so bind over the file each name resolves to (a bind mount follows the symlink anyway).
done_targets=" "
for n in reboot shutdown poweroff halt systemctl; do
  src=$PVEHOST_BIN/$n
  [ "$n" = systemctl ] && src=$PVEHOST_BIN/reboot
  for p in /usr/sbin/$n /sbin/$n /usr/bin/$n /bin/$n; do
    [ -e "$p" ] || continue
    real=$(readlink -f "$p")
    case $done_targets in *" $real "*) continue ;; esac
    mount --bind "$src" "$real"
    done_targets="$done_targets$real "
  done
done

/usr/sbin/sshd -f "$state/sshd_config" -E "$state/sshd.log"
echo "ns-init: $PVEHOST_NAME ready"

# As PID 1 this shell inherits every orphan (sshd listeners, LXC monitors) and must reap
# them; `wait` does (it waits for any child).
while :; do
  sleep 3600 &
  wait
done
