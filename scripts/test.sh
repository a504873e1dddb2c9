#!/usr/bin/env bash
# Runs the whole test suite (npm test). Installs what the tests need first:
# Debian's lxc, openssh-server, iproute2 and iputils-ping (for the Proxmox test hosts),
# chromium (for the web UI test) and the npm dependencies. Extra arguments go to `bun test`.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v lxc-start >/dev/null 2>&1 || need+=(lxc)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v nsenter >/dev/null 2>&1 || need+=(util-linux)
command -v ping >/dev/null 2>&1 || need+=(iputils-ping)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/sbin/dockerd ] || need+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
[ -x /bin/busybox ] || need+=(busybox-static)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "the tests need these Debian packages: ${need[*]} (run as root to install them)" >&2
    exit 1
  fi
  echo "installing ${need[*]} ..." >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
[ -x node_modules/.bin/bun ] || npm ci --no-audit --no-fund

# Types first (about a second): a type error fails the run before any test host starts.
if [ $# -eq 0 ]; then node_modules/.bin/tsc --noEmit -p . || exit 1; fi
exec node_modules/.bin/bun test --timeout 60000 "$@"
