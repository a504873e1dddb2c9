#!/usr/bin/env bash
# Installs LWS as a systemd service on a Proxmox host.
#
#   ./install.sh                 build (or reuse) dist/lws, install it, write a config, enable lws.service
#   ./install.sh --uninstall     remove binary and unit; the config (and its API key) is kept
#   ./install.sh --prefix DIR    install below DIR instead of / (no systemctl calls; used by tests)
#   ./install.sh --binary FILE   install this binary instead of building dist/lws
#
# Idempotent: running it again updates the binary and unit and never touches an existing config.
set -euo pipefail

PREFIX=""
UNINSTALL=0
BINARY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX="${2:?--prefix needs a directory}"; shift 2 ;;
    --prefix=*) PREFIX="${1#*=}"; shift ;;
    --binary) BINARY="${2:?--binary needs a file}"; shift 2 ;;
    --binary=*) BINARY="${1#*=}"; shift ;;
    --uninstall) UNINSTALL=1; shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ -n "$PREFIX" ]; then
  mkdir -p "$PREFIX"
  PREFIX=$(cd "$PREFIX" && pwd)
fi
SRC=$(cd "$(dirname "$0")" && pwd)
BIN="$PREFIX/usr/local/bin/lws"
CONF_DIR="$PREFIX/etc/lws"
CONF="$CONF_DIR/lws.config.yaml"
UNIT="$PREFIX/etc/systemd/system/lws.service"

# systemctl only for a real install on a machine that runs systemd.
use_systemd() { [ -z "$PREFIX" ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; }

if [ "$(id -u)" -ne 0 ] && [ -z "$PREFIX" ]; then
  echo "install.sh: run as root (or use --prefix DIR)" >&2
  exit 1
fi

if [ "$UNINSTALL" = 1 ]; then
  if use_systemd; then
    systemctl disable --now lws.service 2>/dev/null || true
  fi
  rm -f "$BIN" "$UNIT"
  if use_systemd; then systemctl daemon-reload; fi
  echo "LWS removed. The config was kept: $CONF"
  exit 0
fi

# 1. The binary: given, already built, or built now.
if [ -z "$BINARY" ]; then
  BINARY="$SRC/dist/lws"
  if [ ! -x "$BINARY" ]; then
    echo "building dist/lws ..."
    (cd "$SRC" && { [ -x node_modules/.bin/bun ] || npm ci --no-audit --no-fund; } && node_modules/.bin/bun run build)
  fi
fi
[ -x "$BINARY" ] || { echo "install.sh: $BINARY is not an executable" >&2; exit 1; }
install -d -m 0755 "$(dirname "$BIN")"
install -m 0755 "$BINARY" "$BIN.new"
mv -f "$BIN.new" "$BIN"

# 2. The config: written once, with a fresh API key; never overwritten.
NEW_KEY=""
install -d -m 0700 "$CONF_DIR"
if [ ! -e "$CONF" ]; then
  NEW_KEY=$("$BIN" keygen)
  umask 077
  sed -e "s|^api_key:.*|api_key: \"$NEW_KEY\"|" "$SRC/lws.config.yaml" >"$CONF.new"
  # Operations and their logs live here (systemd's StateDirectory below creates it, mode 0700).
  grep -q '^state_dir:' "$CONF.new" || printf '\nstate_dir: /var/lib/lws\n' >>"$CONF.new"
  chmod 0600 "$CONF.new"
  if [ "$(id -u)" -eq 0 ]; then chown root:root "$CONF.new"; fi
  mv "$CONF.new" "$CONF"
fi
"$BIN" config validate --config "$CONF" >/dev/null

# 3. The unit. Hardening keeps what pct and SSH need: root, /etc/pve, /var/lib,
#    cgroups, /dev and the network; it makes /usr and /boot read-only, $HOME read-only,
#    and forbids privilege gains and new kernel modules.
install -d -m 0755 "$(dirname "$UNIT")"
cat >"$UNIT.new" <<EOF
[Unit]
Description=LWS (Linux Web Services) REST API for Proxmox VE
After=network-online.target pve-cluster.service
Wants=network-online.target

[Service]
Type=simple
User=root
ExecStart=$BIN serve --config $CONF
Restart=on-failure
RestartSec=3
StateDirectory=lws
StateDirectoryMode=0700
# SIGTERM lets running operations finish (api.shutdown_grace, 30 s) before LWS exits.
TimeoutStopSec=45
Environment=LWS_LOG_LEVEL=info
NoNewPrivileges=yes
ProtectSystem=true
ProtectHome=read-only
ProtectKernelModules=yes
ProtectClock=yes
RestrictRealtime=yes
LockPersonality=yes
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
EOF
mv -f "$UNIT.new" "$UNIT"
chmod 0644 "$UNIT"

if use_systemd; then
  systemctl daemon-reload
  systemctl enable lws.service >/dev/null
  systemctl restart lws.service
fi

PORT=$(sed -n 's/^ *port: *\([0-9]*\).*/\1/p' "$CONF" | head -1)
HOSTNAME_=$(hostname -f 2>/dev/null || hostname)
echo "LWS installed: $BIN"
echo "  config:  $CONF"
echo "  service: $UNIT"
echo "  URL:     http://$HOSTNAME_:${PORT:-8080}/  (API: /api/v1, docs: /api/v1/docs)"
if [ -n "$NEW_KEY" ]; then
  echo "  API key: $NEW_KEY"
else
  echo "  API key: unchanged (see api_key in $CONF)"
fi
