/**
 * The sweep of one subnet: a FIXED POSIX sh script that runs as one command
 * on the Proxmox host (`sh -c SCRIPT sweep ARGS...`) or inside a container
 * (the same through pct exec: ProxmoxClient.execScript). Its parameters arrive
 * only as positional arguments, validated here and checked again by the
 * script; no value is ever written into the script text.
 *
 * Arguments: NETWORK PREFIX METHODS PORTS TIMEOUT WORKERS BUDGET EXCLUDE
 * - NETWORK/PREFIX: the subnet (network address, prefix 16–31); only its host
 *   addresses are probed (the rules of src/net/ipv4.ts): not the network and
 *   broadcast address, both addresses of a /31 (RFC 3021).
 * - METHODS: `ping`, `tcp` or `ping,tcp`; PORTS: `22,80` or `-`.
 * - TIMEOUT: seconds per probe; WORKERS: parallel probes; BUDGET: seconds
 *   after which no new probe starts (the rest is reported as skipped).
 * - EXCLUDE: the sweeping interface's own address, or `-`.
 *
 * Output, one line each: `tool ping yes|no`, `tool tcp bash|nc|none`,
 * `up ADDRESS METHOD RTT_MS|-` (METHOD `ping`, `tcp:PORT`, or
 * `tcp-refused:PORT` when the host answered with a reset), `skipped N`,
 * `error TEXT`, and `done` at the very end.
 */
import type { PluginContext } from '../../src/plugins/types.ts'
import { LIMITS, type DiscoveryMethod } from './settings.ts'
import type { Subnet } from './subnets.ts'

/** What the argument checks and the output parser use from the context. */
export type SweepTools = Pick<PluginContext, 'errors' | 'net'>

export const SWEEP_SCRIPT = String.raw`set -u
set -f
[ $# -eq 8 ] || { echo "error usage: sweep NETWORK PREFIX METHODS PORTS TIMEOUT WORKERS BUDGET EXCLUDE"; exit 2; }
net=$1 prefix=$2 methods=$3 ports=$4 tmo=$5 workers=$6 budget=$7 exclude=$8
num() { case $1 in ''|*[!0-9]*) echo "error bad $2"; exit 2;; esac; }
num "$prefix" prefix; num "$tmo" timeout; num "$workers" workers; num "$budget" budget
case $methods in ping|tcp|ping,tcp|tcp,ping) ;; *) echo "error bad methods"; exit 2;; esac
case $ports in -) ports= ;; ''|*[!0-9,]*|,*|*,|*,,*) echo "error bad ports"; exit 2;; esac
[ "$prefix" -ge 16 ] && [ "$prefix" -le 31 ] || { echo "error prefix out of range"; exit 2; }
[ "$tmo" -ge 1 ] && [ "$tmo" -le 30 ] || { echo "error timeout out of range"; exit 2; }
[ "$workers" -ge 1 ] && [ "$workers" -le 64 ] || { echo "error workers out of range"; exit 2; }
ip2int() {
  case $1 in ''|*[!0-9.]*) return 1;; esac
  o_ifs=$IFS; IFS=.; set -- $1; IFS=$o_ifs
  [ $# -eq 4 ] || return 1
  for o in "$@"; do case $o in ''|0?*) return 1;; esac; [ "$o" -le 255 ] || return 1; done
  echo $(( ($1 << 24) + ($2 << 16) + ($3 << 8) + $4 ))
}
int2ip() { echo "$(( ($1 >> 24) & 255 )).$(( ($1 >> 16) & 255 )).$(( ($1 >> 8) & 255 )).$(( $1 & 255 ))"; }
n=$(ip2int "$net") || { echo "error bad network"; exit 2; }
size=$(( 1 << (32 - prefix) ))
[ $(( n % size )) -eq 0 ] || { echo "error network address not aligned to prefix"; exit 2; }
if [ "$prefix" -eq 31 ]; then first=$n; last=$(( n + 1 )); else first=$(( n + 1 )); last=$(( n + size - 2 )); fi
ex=none
if [ "$exclude" != - ]; then ex=$(ip2int "$exclude") || { echo "error bad exclude"; exit 2; }; fi
have() { command -v "$1" >/dev/null 2>&1; }
use_ping=no use_tcp=none
case ,$methods, in *,ping,*) if have ping; then use_ping=yes; else echo "warn ping not installed"; fi;; esac
case ,$methods, in *,tcp,*)
  if have bash && have timeout; then use_tcp=bash; elif have nc; then use_tcp=nc; else echo "warn no tcp client (bash+timeout or nc)"; fi;;
esac
[ -n "$ports" ] || use_tcp=none
echo "tool ping $use_ping"
echo "tool tcp $use_tcp"
pingn=
case $(ping -V 2>&1) in *iputils*) pingn=-n;; esac
now_us() { t=$(date +%s%N 2>/dev/null); case $t in ''|*[!0-9]*) echo -;; *) echo $(( t / 1000 ));; esac; }
fmt_ms() { echo "$(( $1 / 1000 )).$(( $1 % 1000 / 100 ))$(( $1 % 100 / 10 ))$(( $1 % 10 ))"; }
ping_one() {
  out=$(ping $pingn -c 1 -W "$tmo" "$1" 2>/dev/null) || return 1
  rtt=$(printf '%s\n' "$out" | sed -n 's/.*time[=<]\([0-9.]*\).*/\1/p' | head -n 1)
  [ -n "$rtt" ] || rtt=-
  echo "up $1 ping $rtt"
}
tcp_one() {
  if [ $use_tcp = bash ]; then
    err=$(timeout "$tmo" bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>&1 >/dev/null) && return 0
    case $err in *refused*) return 2;; esac
    return 1
  fi
  nc -z -w "$tmo" "$1" "$2" </dev/null >/dev/null 2>&1 && return 0
  return 1
}
probe() {
  if [ $use_ping = yes ] && ping_one "$1"; then return 0; fi
  [ $use_tcp != none ] || return 0
  o_ifs=$IFS; IFS=,; set -- "$1" $ports; IFS=$o_ifs
  a=$1; shift
  for p in "$@"; do
    t0=$(now_us); tcp_one "$a" "$p"; rc=$?; t1=$(now_us)
    [ $rc -ne 1 ] || continue
    m=tcp:$p; [ $rc -eq 2 ] && m=tcp-refused:$p
    if [ "$t0" = - ] || [ "$t1" = - ]; then echo "up $a $m -"; else echo "up $a $m $(fmt_ms $(( t1 - t0 )))"; fi
    return 0
  done
}
# Milliseconds, not whole seconds: \`date +%s\` would end the budget up to 1 s early, depending on when the sweep started.
now_ms() { t=$(date +%s%N 2>/dev/null); case $t in ''|*[!0-9]*) echo $(( $(date +%s) * 1000 ));; *) echo $(( t / 1000000 ));; esac; }
deadline=$(( $(now_ms) + budget * 1000 ))
w=0
while [ $w -lt "$workers" ]; do
  (
    j=$(( first + w ))
    while [ $j -le $last ]; do
      if [ "$(now_ms)" -ge $deadline ]; then echo "skipped $(( (last - j) / workers + 1 ))"; exit 0; fi
      [ "$j" = "$ex" ] || probe "$(int2ip $j)"
      j=$(( j + workers ))
    done
  ) &
  w=$(( w + 1 ))
done
wait
echo done
`

export interface SweepParams {
  subnet: Subnet
  methods: DiscoveryMethod[]
  ports: number[]
  /** Seconds per probe, 1–30. */
  probeTimeoutS: number
  workers: number
  /** Seconds after which no new probe starts. */
  budgetS: number
  /** The sweeping interface's own address (not probed). */
  exclude?: string
  /** Largest subnet allowed (prefix length), from security.discovery.max_prefix. */
  maxPrefix: number
}

/**
 * The script's positional arguments, every one validated. The hard guard:
 * a subnet larger than `maxPrefix` allows (or than /16) is refused with 400.
 */
export function sweepArgs(c: SweepTools, p: SweepParams): string[] {
  const { subnet } = p
  const { BadRequestError } = c.errors
  if (!c.net.isIpv4(subnet.network) || !c.net.isPrefix(subnet.prefix) || c.net.subnetOf(subnet.network, subnet.prefix).network !== subnet.network) {
    throw new BadRequestError(`subnet: ${subnet.cidr} is not a network address`)
  }
  const limit = Math.max(p.maxPrefix, LIMITS.minPrefix)
  if (subnet.prefix < limit) throw new BadRequestError(`subnet: ${subnet.cidr} is larger than /${limit} (security.discovery.max_prefix); refusing to sweep it`)
  if (subnet.prefix > 31) throw new BadRequestError(`subnet: ${subnet.cidr} has no host address to sweep besides its own`)
  const methods = [...new Set(p.methods)]
  if (!methods.length || methods.some((m) => m !== 'ping' && m !== 'tcp')) throw new BadRequestError('methods: expected ping and/or tcp')
  if (p.ports.length > LIMITS.maxPorts || p.ports.some((x) => !Number.isInteger(x) || x < 1 || x > 65535)) throw new BadRequestError('tcp_ports: expected 1–16 ports 1–65535')
  if (methods.includes('tcp') && !p.ports.length) throw new BadRequestError('tcp_ports: the tcp method needs at least one port')
  const int = (v: number, lo: number, hi: number, what: string) => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new BadRequestError(`${what}: expected an integer ${lo}–${hi}`)
    return String(v)
  }
  const exclude = p.exclude === undefined ? '-' : p.exclude
  if (exclude !== '-' && !c.net.isIpv4(exclude)) throw new BadRequestError('exclude: not an IPv4 address')
  return [
    subnet.network,
    String(subnet.prefix),
    methods.join(','),
    p.ports.length ? p.ports.join(',') : '-',
    int(p.probeTimeoutS, 1, LIMITS.maxProbeTimeoutS, 'probe timeout'),
    int(Math.min(p.workers, subnet.hosts), 1, LIMITS.maxWorkers, 'max_parallel_workers'),
    int(p.budgetS, 0, 86_400, 'budget'),
    exclude,
  ]
}

/** The whole command: `sh -c SCRIPT sweep ARGS...`. */
export function sweepArgv(c: SweepTools, p: SweepParams): string[] {
  return ['sh', '-c', SWEEP_SCRIPT, 'sweep', ...sweepArgs(c, p)]
}

/** Seconds for starting the command and reading its output (SSH round trip, pct exec). */
const COMMAND_SLACK_S = 2

/**
 * How long the sweep command may run: its budget, then the probes already
 * started may still take their full timeout (ping and every port).
 */
export function sweepTimeoutMs(p: Pick<SweepParams, 'methods' | 'ports' | 'probeTimeoutS' | 'budgetS'>): number {
  const probesPerAddress = (p.methods.includes('ping') ? 1 : 0) + (p.methods.includes('tcp') ? p.ports.length : 0)
  return (p.budgetS + probesPerAddress * p.probeTimeoutS + COMMAND_SLACK_S) * 1000
}

export interface FoundHost {
  address: string
  /** `ping`, `tcp:22`, or `tcp-refused:22` (a reset: the host is there, the port closed). */
  method: string
  rtt_ms: number | null
}

export interface SweepOutcome {
  hosts: FoundHost[]
  /** Addresses not probed because the time budget ran out. */
  skipped: number
  /** The script reached its end (`done`). */
  completed: boolean
  tools: { ping: boolean; tcp: 'bash' | 'nc' | 'none' | null }
  warnings: string[]
  errors: string[]
}

/** Reads the script's output; lines naming addresses outside the subnet are dropped. */
export function parseSweepOutput(c: Pick<SweepTools, 'net'>, stdout: string, subnet: Subnet): SweepOutcome {
  const o: SweepOutcome = { hosts: [], skipped: 0, completed: false, tools: { ping: false, tcp: null }, warnings: [], errors: [] }
  const seen = new Set<string>()
  for (const line of stdout.split('\n')) {
    const f = line.trim().split(/\s+/)
    switch (f[0]) {
      case 'up': {
        const [, address, method, rtt] = f
        if (!address || !method || seen.has(address) || !c.net.isHostOf(subnet, address)) break
        if (!/^(ping|tcp:\d{1,5}|tcp-refused:\d{1,5})$/.test(method)) break
        const ms = rtt !== undefined && /^\d+(\.\d+)?$/.test(rtt) ? Number(rtt) : null
        seen.add(address)
        o.hosts.push({ address, method, rtt_ms: ms })
        break
      }
      case 'skipped':
        if (f[1] && /^\d+$/.test(f[1])) o.skipped += Number(f[1])
        break
      case 'tool':
        if (f[1] === 'ping') o.tools.ping = f[2] === 'yes'
        if (f[1] === 'tcp' && (f[2] === 'bash' || f[2] === 'nc' || f[2] === 'none')) o.tools.tcp = f[2]
        break
      case 'warn':
        o.warnings.push(f.slice(1).join(' '))
        break
      case 'error':
        o.errors.push(f.slice(1).join(' '))
        break
      case 'done':
        o.completed = true
        break
    }
  }
  o.hosts.sort((a, b) => c.net.compare(a.address, b.address))
  return o
}
