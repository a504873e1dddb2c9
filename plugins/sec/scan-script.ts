/**
 * The evidence of a container scan: ONE fixed POSIX sh script run inside the
 * container (`sh -c SCRIPT sh MODE BUDGET` through pct exec:
 * ProxmoxClient.execScript). It only reads: files, `ss`, `sshd -T`, `find`, and
 * `apt-get -s` with locks, cache files and planner logs off.
 *
 * Each check is a section: `@@begin NAME`, its output with every line
 * prefixed by `|` (so nothing the container prints can fake a marker), then
 * `@@end NAME EXIT_CODE`. A section still running when the budget is spent is
 * killed (`timeout -s KILL`, exit 137 or 124); a section not started in time
 * is `@@skipped NAME`. Passwords never leave the container: account lines
 * carry only `empty`, `locked`, `set` or `shadow` (see /etc/shadow).
 */

export const SCAN_MODES = ['quick', 'full'] as const
export type ScanMode = (typeof SCAN_MODES)[number]

export const QUICK_SECTIONS = ['os', 'accounts', 'ssh', 'listen'] as const
export const FULL_SECTIONS = ['packages', 'world_writable', 'suid'] as const
export type SectionName = (typeof QUICK_SECTIONS)[number] | (typeof FULL_SECTIONS)[number]

export const SCAN_SCRIPT = String.raw`set -u
[ $# -eq 2 ] || { echo "@@error usage: scan MODE BUDGET"; exit 2; }
mode=$1 budget=$2
case $mode in quick|full) ;; *) echo "@@error bad mode"; exit 2;; esac
case $budget in ''|*[!0-9]*) echo "@@error bad budget"; exit 2;; esac
export LC_ALL=C
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
deadline=$(( $(date +%s) + budget ))
tmo=; command -v timeout >/dev/null 2>&1 && tmo=yes
exec 3>&1
run() {
  left=$(( deadline - $(date +%s) ))
  if [ $left -le 0 ]; then echo "@@skipped $1"; return 0; fi
  echo "@@begin $1"
  rc=$( { { if [ -n "$tmo" ]; then timeout -s KILL "$left" sh -c "$2" 2>/dev/null; else sh -c "$2" 2>/dev/null; fi; echo $? >&4; echo; } | sed 's/^/|/' >&3; } 4>&1 )
  echo "@@end $1 $rc"
}

S_OS='cat /etc/os-release 2>/dev/null; echo "uid=$(id -u)"'

S_ACCOUNTS='
cls() { case $1 in "") echo empty;; "!"*|"*"*) echo locked;; x) echo shadow;; *) echo set;; esac; }
if [ -r /etc/passwd ]; then
  while IFS=: read -r u p uid gid gecos home shell || [ -n "$u" ]; do
    case $u in ""|"#"*|"+"*|"-"*) continue;; esac
    echo "passwd:$u:$(cls "$p"):$uid:$gid:$shell"
  done </etc/passwd
fi
if [ -r /etc/shadow ]; then
  while IFS=: read -r u p rest || [ -n "$u" ]; do
    case $u in ""|"#"*|"+"*|"-"*) continue;; esac
    echo "shadow:$u:$(cls "$p")"
  done </etc/shadow
else echo "noshadow"; fi'

S_SSH='
for b in /usr/sbin/sshd /sbin/sshd; do [ -x "$b" ] && { echo "#binary $b"; break; }; done
for f in /etc/ssh/sshd_config /etc/ssh/sshd_config.d/*.conf; do
  [ -f "$f" ] || continue; echo "#file $f"; cat "$f"; echo
done
if [ -f /etc/ssh/sshd_config ]; then
  for b in /usr/sbin/sshd /sbin/sshd; do
    [ -x "$b" ] || continue
    out=$("$b" -T 2>/dev/null) && { echo "#effective"; printf "%s\n" "$out" | head -n 400; }
    break
  done
fi'

S_LISTEN='
if command -v ss >/dev/null 2>&1; then echo "#ss"; ss -H -tulnp 2>/dev/null || ss -tulnp
elif command -v netstat >/dev/null 2>&1; then echo "#netstat"; netstat -tulnp 2>/dev/null || netstat -tuln
else for f in /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6; do [ -r "$f" ] && { echo "#proc $f"; cat "$f"; }; done
fi
echo "#cmdlines"
for p in $( (ss -H -tulnp 2>/dev/null || netstat -tulnp 2>/dev/null) | grep -o "pid=[0-9]*" | sed "s/pid=//" | sort -u | head -n 100); do
  [ -r "/proc/$p/cmdline" ] && printf "%s %s\n" "$p" "$(tr "\000" " " <"/proc/$p/cmdline" | head -c 300)"
done
true'

S_PACKAGES='
if command -v apt-get >/dev/null 2>&1 && [ -f /var/lib/dpkg/status ]; then
  echo "#apt"
  out=$(apt-get -s -o Debug::NoLocking=1 -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o Dir::Log::Planner=/dev/null -o Dir::Log::Solver=/dev/null dist-upgrade 2>&1); rc=$?
  echo "#rc $rc"
  printf "%s\n" "$out" | grep -E "^(Inst |E: |W: )" | head -n 3000
elif command -v apk >/dev/null 2>&1; then
  echo "#apk"
  out=$(apk version -l "<" 2>&1); rc=$?
  echo "#rc $rc"
  printf "%s\n" "$out" | head -n 3000
else echo "#none"; fi'

S_WORLD_WRITABLE='
find /etc /usr -xdev -type f -perm -0002 2>/dev/null | head -n 200 | sed "s/^/f /"
find /etc /usr -xdev -type d -perm -0002 ! -perm -1000 2>/dev/null | head -n 200 | sed "s/^/d /"'

S_SUID='
find / \( -path /proc -o -path /sys -o -path /dev -o -path /run \) -prune -o -type f -perm -4000 -print 2>/dev/null | head -n 500 |
while IFS= read -r f; do m=$(stat -c "%a %u" "$f" 2>/dev/null) && echo "$m $f"; done
true'

run os "$S_OS"
run accounts "$S_ACCOUNTS"
run ssh "$S_SSH"
run listen "$S_LISTEN"
if [ "$mode" = full ]; then
  run packages "$S_PACKAGES"
  run world_writable "$S_WORLD_WRITABLE"
  run suid "$S_SUID"
fi
echo "@@done"
`

/** The script's positional arguments. */
export function scanArgs(mode: ScanMode, budgetS: number): string[] {
  if (!SCAN_MODES.includes(mode)) throw new RangeError(`bad scan mode ${JSON.stringify(mode)}`)
  if (!Number.isInteger(budgetS) || budgetS < 1 || budgetS > 3600) throw new RangeError(`bad budget ${budgetS}`)
  return [mode, String(budgetS)]
}

export type SectionStatus = 'ok' | 'failed' | 'timed_out' | 'skipped' | 'missing'

export interface Section {
  status: SectionStatus
  /** The section's lines, without the `|` prefix and without the trailing blank line. */
  lines: string[]
  exitCode: number | null
}

export interface ScanOutput {
  sections: Partial<Record<SectionName, Section>>
  /** The script ran to its end (`@@done`). */
  completed: boolean
  error?: string
}

const KNOWN = new Set<string>([...QUICK_SECTIONS, ...FULL_SECTIONS])

/** Reads the marked-up output; a section without `@@end` was cut off (timed out). */
export function parseScanOutput(stdout: string): ScanOutput {
  const out: ScanOutput = { sections: {}, completed: false }
  let current: { name: SectionName; lines: string[] } | null = null
  const close = (status: SectionStatus, exitCode: number | null) => {
    if (!current) return
    const lines = current.lines
    if (lines.length && lines[lines.length - 1] === '') lines.pop()
    out.sections[current.name] = { status, lines, exitCode }
    current = null
  }
  for (const line of stdout.split('\n')) {
    if (line.startsWith('|')) {
      current?.lines.push(line.slice(1))
      continue
    }
    const m = /^@@(begin|end|skipped|done|error)(?: (\S+))?(?: (\S*))?/.exec(line)
    if (!m) continue
    const [, kind, name, code] = m
    if (kind === 'done') {
      close('timed_out', null)
      out.completed = true
      continue
    }
    if (kind === 'error') {
      out.error = line.slice('@@error '.length).slice(0, 200)
      continue
    }
    if (!name || !KNOWN.has(name)) continue
    const section = name as SectionName
    if (kind === 'begin') {
      close('timed_out', null)
      current = { name: section, lines: [] }
    } else if (kind === 'end' && current?.name === section) {
      const rc = code !== undefined && /^\d+$/.test(code) ? Number(code) : null
      // timeout(1) exits 124 after TERM, 137 (128 + KILL) after -s KILL.
      close(rc === 124 || rc === 137 ? 'timed_out' : rc === 0 ? 'ok' : 'failed', rc)
    } else if (kind === 'skipped') {
      out.sections[section] = { status: 'skipped', lines: [], exitCode: null }
    }
  }
  close('timed_out', null)
  return out
}
