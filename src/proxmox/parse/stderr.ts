/**
 * Reading the stderr of a PVE command: separating real error lines from the
 * noise that also lands there (lock waits, warnings, Perl locale chatter) and
 * recognising the messages LWS maps to specific HTTP errors. The texts come
 * from pve-common `src/PVE/CLIHandler.pm`, `src/PVE/Tools.pm` (lock_file),
 * guest-common `src/PVE/AbstractConfig.pm` (load_config, locks, snapshots),
 * pve-container `src/PVE/API2/LXC.pm`, `src/PVE/API2/LXC/Status.pm`,
 * `src/PVE/LXC.pm`, and pve-storage `src/PVE/Storage.pm`.
 */
import { isParameterError, parseParameterErrors } from './param-errors.ts'

const NOISE: RegExp[] = [
  /^OK$/, // second half of "trying to acquire lock... OK"
  /^WARN: /, // log_warn lines (counted in "N warning(s)")
  /^WARNING: /,
  /^warning: /,
  /^Task finished with \d+ warning\(s\)!$/,
  /^perl: warning: /, // locale chatter when LC_* from the SSH client are not installed
  /^(LANGUAGE|LC_[A-Z]+|LANG)\s*=\s*/,
  /^are supported and installed on your system\.$/,
  /^locale: Cannot set /,
  /^Use of uninitialized value /,
]

/** Strip the Perl `die` location suffix: `... at /usr/share/perl5/PVE/X.pm line 12.` */
export function stripPerlLocation(line: string): string {
  return line.replace(/ at \/\S+ line \d+\.?$/, '')
}

/**
 * The lines of stderr that carry an error, in order: trimmed, without the
 * `trying to acquire lock...` prefix, without noise lines, without empty lines.
 */
export function errorLines(stderr: string): string[] {
  const out: string[] = []
  for (const raw of stderr.split('\n')) {
    let line = raw.replace(/\r$/, '').trim()
    line = line.replace(/^(trying to acquire lock\.\.\.\s*)+/, '').trim()
    if (line === '' || NOISE.some((re) => re.test(line))) continue
    out.push(line)
  }
  return out
}

export type StderrClass =
  | { kind: 'parameter'; fields: Record<string, string>; message: string }
  | { kind: 'config-missing'; node: string; vmid: string; message: string }
  | { kind: 'locked'; lock: string; message: string }
  | { kind: 'exists'; guest: 'CT' | 'VM'; vmid: string; node: string; message: string }
  | { kind: 'snapshot-exists'; snapshot: string; message: string }
  | { kind: 'snapshot-missing'; snapshot: string; message: string }
  | { kind: 'not-running'; vmid: string; message: string }
  | { kind: 'already-running'; vmid: string; message: string }
  | { kind: 'running'; vmid: string; message: string }
  | { kind: 'protected'; message: string }
  | { kind: 'lock-timeout'; file: string; message: string }
  | { kind: 'storage-missing'; storage: string; message: string }
  | { kind: 'file-missing'; file: string; message: string }
  | { kind: 'shrink'; message: string }
  | { kind: 'same-size'; message: string }
  | { kind: 'no-snapshot-feature'; message: string }
  | { kind: 'other'; message: string }

type Rule = (line: string) => StderrClass | undefined

const RULES: Rule[] = [
  (l) => {
    const m = /Configuration file 'nodes\/([^/']+)\/lxc\/(\d+)\.conf' does not exist/.exec(l)
    return m ? { kind: 'config-missing', node: m[1]!, vmid: m[2]!, message: l } : undefined
  },
  (l) => {
    const m = /\bCT is locked \(([^)]*)\)/.exec(l)
    return m ? { kind: 'locked', lock: m[1]!, message: l } : undefined
  },
  (l) => {
    const m = /\b(CT|VM) (\d+) already exists on node '([^']*)'/.exec(l)
    return m ? { kind: 'exists', guest: m[1] as 'CT' | 'VM', vmid: m[2]!, node: m[3]!, message: l } : undefined
  },
  (l) => {
    const m = /snapshot name '([^']*)' already used/.exec(l)
    return m ? { kind: 'snapshot-exists', snapshot: m[1]!, message: l } : undefined
  },
  (l) => {
    const m = /snapshot '([^']*)' does not exist/.exec(l)
    return m ? { kind: 'snapshot-missing', snapshot: m[1]!, message: l } : undefined
  },
  (l) => {
    const m = /container '(\d+)' not running!/.exec(l) ?? /^(?:CT|VM) (\d+) not running$/.exec(l)
    return m ? { kind: 'not-running', vmid: m[1]!, message: l } : undefined
  },
  (l) => {
    const m = /^CT (\d+) already running$/.exec(l)
    return m ? { kind: 'already-running', vmid: m[1]!, message: l } : undefined
  },
  (l) => {
    const m = /unable to destroy CT (\d+) - container is running/.exec(l)
    return m ? { kind: 'running', vmid: m[1]!, message: l } : undefined
  },
  (l) => (/protection mode enabled/.test(l) ? { kind: 'protected', message: l } : undefined),
  (l) => {
    const m = /can't lock file '([^']*)' - got timeout/.exec(l)
    return m ? { kind: 'lock-timeout', file: m[1]!, message: l } : undefined
  },
  (l) => {
    const m = /storage '([^']*)' does not exist/.exec(l)
    return m ? { kind: 'storage-missing', storage: m[1]!, message: l } : undefined
  },
  (l) => {
    const m = /can't find file '([^']*)'/.exec(l)
    return m ? { kind: 'file-missing', file: m[1]!, message: l } : undefined
  },
  (l) => (/unable to shrink disk size/.test(l) ? { kind: 'shrink', message: l } : undefined),
  (l) => (/disk is already at specified size/.test(l) ? { kind: 'same-size', message: l } : undefined),
  (l) => (/snapshot feature is not available/.test(l) ? { kind: 'no-snapshot-feature', message: l } : undefined),
]

/**
 * Classify the stderr of a failed PVE command. The parameter block wins; then
 * the first line matching a known message; otherwise `other` with the last
 * error line (the final task error is printed last).
 */
export function classifyStderr(stderr: string): StderrClass {
  if (isParameterError(stderr)) {
    const fields = parseParameterErrors(stderr)
    const message = Object.entries(fields)
      .map(([k, v]) => `${k}: ${v}`)
      .join('; ')
    return { kind: 'parameter', fields, message: message || 'parameter verification failed' }
  }
  const lines = errorLines(stderr).map(stripPerlLocation)
  for (const line of lines) {
    for (const rule of RULES) {
      const c = rule(line)
      if (c) return c
    }
  }
  return { kind: 'other', message: lines.at(-1) ?? '' }
}
