/**
 * Several read-only Proxmox commands in ONE host round trip.
 *
 * A read endpoint that needs the output of several tools (node status,
 * storages and containers for /px/status; status, config and snapshots of a
 * container) runs one fixed shell script on the host instead of one command
 * per tool. The script text depends only on the batch's definition (a
 * constant in the layer); request values reach it only as positional
 * arguments (`sh -c SCRIPT lws-<name> arg1 arg2 …`), already checked by the
 * layer, and are expanded inside double quotes, so they are never parsed as
 * shell code.
 *
 * The parts run in parallel (each in the background, its output in a private
 * temporary folder), then the script prints one envelope:
 *
 *   stdout: <part 1 stdout> \n @LWS-PART <name> <exit code> \n <part 2 stdout> \n @LWS-PART …
 *   stderr: <part 1 stderr> \n @LWS-PART <name> \n …
 *
 * A marker is a line starting with a single `@`: every line of a part's
 * output that starts with `@` is sent with one more `@` (sed) and restored
 * here, so no output, whatever it holds, can pass for a marker. The newline
 * before each marker line is added by the script, so each part's output comes
 * back byte for byte. The exit code is a number, `missing` (the tool is not
 * on the host's PATH; the caller runs the part alone, so the answer is
 * exactly that command's, e.g. 503 PROXMOX_TOOLS_MISSING) or `lost` (the part
 * was killed before it reported one).
 *
 * The folder is removed when the script ends, also on HUP/INT/TERM; a batch
 * killed outright (SIGKILL of its session on a timeout) leaves its few KiB in
 * $TMPDIR (`lws-batch.*`).
 *
 * An `each` step runs one more part per storage that a `pvesm status` part
 * printed as `active` (pve-storage `src/PVE/CLI/pvesm.pm` prints one row per
 * storage, `<id> <type> <status> …`; storage ids never hold whitespace).
 */
import { OutputParseError } from './parse/json.ts'
import { matches } from './ids.ts'
import { quoteArg } from '../exec/quote.ts'

/** One command of a batch. */
export interface PartSpec {
  /** `[a-z][a-z0-9-]*`: names the part in the envelope and in errors. */
  name: string
  /**
   * The argv, word by word: literal text, where `{1}` … `{9}` stand for the
   * batch's positional arguments and `{sid}` for the storage id of an
   * `each` step. Nothing else is ever interpolated.
   */
  argv: readonly string[]
}

export type Step =
  | { part: PartSpec }
  /** After every earlier part has ended: `part` once per `active` row of the `pvesm status` part `from`. */
  | { each: { from: string; part: PartSpec } }

export interface BatchSpec {
  /** `[a-z][a-z0-9-]*`; the script runs as `lws-<name>` ($0), so logs and `ps` say which read it is. */
  name: string
  steps: readonly Step[]
}

/** What one part printed, as if it had run alone. */
export interface PartResult {
  /** The part's name; `<name>:<storage id>` for the parts of an `each` step. */
  name: string
  /** The argv it ran, values filled in (for errors and logs). */
  argv: string[]
  stdout: string
  stderr: string
  exitCode: number
  /** Its program is not on the host's PATH (nothing ran). */
  missing: boolean
  /** The storage id, for the parts of an `each` step. */
  sid?: string
}

const NAME = /^[a-z][a-z0-9-]*$/
const PLACEHOLDER = /\{([1-9]|sid)\}/g
export const MARKER = '@LWS-PART'

// Literal script text goes through the one quoting helper (src/exec/quote.ts).
const quote = quoteArg

/** One argv word of the script: literal pieces quoted, placeholders as `"$N"` / `"$sid"`. */
function word(template: string, inEach: boolean, maxArg: { n: number }): string {
  const out: string[] = []
  let last = 0
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (m.index! > last) out.push(quote(template.slice(last, m.index)))
    if (m[1] === 'sid') {
      if (!inEach) throw new Error(`batch: {sid} outside an each step in ${JSON.stringify(template)}`)
      out.push('"$sid"')
    } else {
      maxArg.n = Math.max(maxArg.n, Number(m[1]))
      out.push(`"$${m[1]}"`)
    }
    last = m.index! + m[0].length
  }
  if (last < template.length || out.length === 0) out.push(quote(template.slice(last)))
  return out.join('')
}

interface Built {
  script: string
  /** How many positional arguments the script expects. */
  args: number
}

const built = new WeakMap<BatchSpec, Built>()
/** Every spec by name, so a test double can tell which batch an argv is (`batchOf`). */
const byName = new Map<string, BatchSpec>()

function checkPart(p: PartSpec): void {
  if (!NAME.test(p.name)) throw new Error(`batch: bad part name ${JSON.stringify(p.name)}`)
  if (p.argv.length === 0) throw new Error(`batch: part ${p.name} has no argv`)
}

/** The script of `spec` (built once per spec). */
export function batchScript(spec: BatchSpec): Built {
  const cached = built.get(spec)
  if (cached) return cached
  if (!NAME.test(spec.name)) throw new Error(`batch: bad name ${JSON.stringify(spec.name)}`)
  const maxArg = { n: 0 }
  const fixed: string[] = []
  const lines = [
    `d=$(mktemp -d "\${TMPDIR:-/tmp}/lws-batch.XXXXXX")||exit 125`,
    `trap 'rm -rf "$d"' EXIT`,
    `trap 'exit 129' HUP INT TERM`,
    'n=0',
    // part NAME ARGV...: runs ARGV in the background, its streams and exit code into $d/<n>.*
    `part(){ n=$((n+1));printf '%s\\n' "$1" >"$d/$n.name";shift;if command -v "$1" >/dev/null 2>&1;then { "$@" >"$d/$n.out" 2>"$d/$n.err";echo "$?" >"$d/$n.rc";}& else : >"$d/$n.out";: >"$d/$n.err";echo missing >"$d/$n.rc";fi;}`,
  ]
  let sawEach = false
  for (const step of spec.steps) {
    if ('part' in step) {
      if (sawEach) throw new Error('batch: fixed parts must come before each steps')
      checkPart(step.part)
      if (fixed.includes(step.part.name)) throw new Error(`batch: duplicate part ${step.part.name}`)
      fixed.push(step.part.name)
      lines.push(`part ${quote(step.part.name)} ${step.part.argv.map((w) => word(w, false, maxArg)).join(' ')}`)
    } else {
      checkPart(step.each.part)
      const from = fixed.indexOf(step.each.from)
      if (from < 0) throw new Error(`batch: each step reads unknown part ${step.each.from}`)
      sawEach = true
      const argv = step.each.part.argv.map((w) => word(w, true, maxArg)).join(' ')
      lines.push(
        'wait',
        `while read -r sid _t st _r;do [ "$st" = active ]||continue;case $sid in [!A-Za-z]*|*[!A-Za-z0-9._-]*|*[._-]) continue;;esac;part ${quote(step.each.part.name)}":$sid" ${argv};done <"$d/${from + 1}.out"`,
      )
    }
  }
  lines.push(
    'wait',
    'i=0',
    `while [ "$i" -lt "$n" ];do i=$((i+1));IFS= read -r name <"$d/$i.name";rc=lost;[ -s "$d/$i.rc" ]&&IFS= read -r rc <"$d/$i.rc";LC_ALL=C sed 's/^@/@@/' "$d/$i.out";printf '\\n%s %s %s\\n' '${MARKER}' "$name" "$rc";LC_ALL=C sed 's/^@/@@/' "$d/$i.err" >&2;printf '\\n%s %s\\n' '${MARKER}' "$name" >&2;done`,
  )
  const b = { script: lines.join('\n'), args: maxArg.n }
  const other = byName.get(spec.name)
  if (other && other !== spec) throw new Error(`batch: two batches named ${spec.name}`)
  byName.set(spec.name, spec)
  built.set(spec, b)
  return b
}

/** The batch (and its arguments) an argv from `batchArgv` runs, if it is one. */
export function batchOf(argv: readonly string[]): { spec: BatchSpec; args: string[] } | undefined {
  if (argv[0] !== 'sh' || argv[1] !== '-c' || !argv[3]?.startsWith('lws-')) return undefined
  const spec = byName.get(argv[3].slice(4))
  if (!spec || batchScript(spec).script !== argv[2]) return undefined
  return { spec, args: argv.slice(4) }
}

/** The storage ids an `each` step takes from a `pvesm status` output (the script's `read` loop, in TypeScript). */
export function activeStorages(pvesmStdout: string): string[] {
  const out: string[] = []
  for (const line of pvesmStdout.split('\n')) {
    const [sid, , st] = line.split(/[ \t]+/).filter((f) => f !== '')
    if (st === 'active' && sid !== undefined && /^[A-Za-z]([A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(sid)) out.push(sid)
  }
  return out
}

/** The envelope the script prints for these part outcomes (for test doubles; parseBatch reads it). */
export function envelope(parts: ReadonlyArray<{ name: string; stdout: string; stderr: string; rc: number | 'missing' | 'lost' }>): { stdout: string; stderr: string } {
  let stdout = ''
  let stderr = ''
  for (const p of parts) {
    stdout += `${escape(p.stdout)}\n${MARKER} ${p.name} ${p.rc}\n`
    stderr += `${escape(p.stderr)}\n${MARKER} ${p.name}\n`
  }
  return { stdout, stderr }
}

/** `sh -c <script> lws-<name> args…`: what the executor runs for `spec`. */
export function batchArgv(spec: BatchSpec, args: readonly string[]): string[] {
  const { script, args: wanted } = batchScript(spec)
  if (args.length !== wanted) throw new Error(`batch ${spec.name}: expected ${wanted} arguments, got ${args.length}`)
  for (const a of args) if (a.includes('\0')) throw new Error(`batch ${spec.name}: an argument holds a NUL byte`)
  return ['sh', '-c', script, `lws-${spec.name}`, ...args]
}

/** The argv a part ran, values filled in. */
export function partArgv(part: PartSpec, args: readonly string[], sid?: string): string[] {
  return part.argv.map((w) => w.replace(PLACEHOLDER, (_, k: string) => (k === 'sid' ? (sid ?? '') : (args[Number(k) - 1] ?? ''))))
}

/** The single part of a batch that is just one command (no envelope needed), else undefined. */
export function singlePart(spec: BatchSpec): PartSpec | undefined {
  const [only, ...rest] = spec.steps
  return only && rest.length === 0 && 'part' in only ? only.part : undefined
}

interface Marker {
  name: string
  rc?: string
  start: number
  end: number
}

/** Lines starting with `@` were sent as `@@…` so that they cannot look like a marker. */
const escape = (text: string) => text.replace(/(^|\n)@/g, '$1@@')
const unescape = (text: string) => text.replace(/(^|\n)@(?=@)/g, '$1')

function markers(text: string, withRc: boolean): Marker[] {
  const re = withRc ? /\n@LWS-PART (\S+) (\S+)\n/g : /\n@LWS-PART (\S+)\n/g
  return [...text.matchAll(re)].map((m) => ({ name: m[1]!, rc: withRc ? m[2] : undefined, start: m.index!, end: m.index! + m[0].length }))
}

/**
 * The envelope `stdout`/`stderr` of `spec` run with `args` → one result per
 * part, in the script's order. Throws OutputParseError when the envelope is
 * not whole (the script failed before printing it, or its output was cut).
 */
export function parseBatch(spec: BatchSpec, args: readonly string[], stdout: string, stderr: string): PartResult[] {
  const outs = markers(stdout, true)
  const errs = markers(stderr, false)
  if (outs.length === 0) throw new OutputParseError(`batch ${spec.name}: no part reported (${JSON.stringify(stderr.trim().slice(0, 200))})`)
  if (errs.length !== outs.length || errs.some((e, i) => e.name !== outs[i]!.name)) {
    throw new OutputParseError(`batch ${spec.name}: the output streams do not match (${outs.length} vs ${errs.length} parts)`)
  }
  const results: PartResult[] = []
  let k = 0
  const take = (expect: (name: string) => string | false): { m: Marker; i: number; sid?: string } | undefined => {
    const m = outs[k]
    if (!m) return undefined
    const sid = expect(m.name)
    if (sid === false) return undefined
    return { m, i: k++, ...(sid === '' ? {} : { sid }) }
  }
  const build = (part: PartSpec, hit: { m: Marker; i: number; sid?: string }): PartResult => {
    const { m, i, sid } = hit
    const stdoutPart = unescape(stdout.slice(i === 0 ? 0 : outs[i - 1]!.end, m.start))
    const stderrPart = unescape(stderr.slice(i === 0 ? 0 : errs[i - 1]!.end, errs[i]!.start))
    const r: PartResult = { name: m.name, argv: partArgv(part, args, sid), stdout: stdoutPart, stderr: stderrPart, exitCode: 0, missing: false }
    if (sid !== undefined) r.sid = sid
    if (m.rc === 'missing') {
      r.missing = true
      r.exitCode = 127
    } else if (m.rc !== undefined && /^\d+$/.test(m.rc)) {
      r.exitCode = Number(m.rc)
    } else {
      r.exitCode = 255
      r.stderr += `${r.stderr === '' || r.stderr.endsWith('\n') ? '' : '\n'}(stopped before it reported an exit status)\n`
    }
    return r
  }
  for (const step of spec.steps) {
    if ('part' in step) {
      const hit = take((name) => (name === step.part.name ? '' : false))
      if (!hit) throw new OutputParseError(`batch ${spec.name}: part ${step.part.name} did not report`)
      results.push(build(step.part, hit))
    } else {
      const prefix = `${step.each.part.name}:`
      for (;;) {
        const hit = take((name) => {
          if (!name.startsWith(prefix)) return false
          const sid = name.slice(prefix.length)
          if (!matches('storageId', sid)) throw new OutputParseError(`batch ${spec.name}: bad storage id in ${JSON.stringify(name.slice(0, 80))}`)
          return sid
        })
        if (!hit) break
        results.push(build(step.each.part, hit))
      }
    }
  }
  if (k !== outs.length) throw new OutputParseError(`batch ${spec.name}: unexpected part ${JSON.stringify(outs[k]!.name.slice(0, 80))}`)
  return results
}
