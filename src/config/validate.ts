/**
 * Checks a parsed config and reports every problem as `path: message`, so a
 * user can fix them all in one pass.
 */
import type { TSchema } from '@sinclair/typebox'
import { Value, type ValueError } from '@sinclair/typebox/value'
import { readFileSync, statSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { utils as sshUtils, type ParsedKey } from 'ssh2'
import { ConfigSchema, type RawConfig } from './schema.ts'

function dotted(pointer: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
  return parts.length ? parts.join('.') : '(root)'
}

/**
 * A union error ("Expected union value") hides why the value failed. When a
 * branch matched the value's shape and failed only deeper inside, its errors
 * say more (e.g. `security.discovery` may be null or an object: a bad
 * `max_prefix` should be named as such).
 */
function* explained(e: ValueError): Generator<ValueError> {
  const branches = (e.errors ?? []).map((it) => [...it])
  const deeper = branches.filter((b) => b.length > 0 && b.every((x) => x.path.length > e.path.length))
  if (deeper.length === 0) return yield e
  const best = deeper.reduce((a, b) => (b.length < a.length ? b : a))
  for (const x of best) yield* explained(x)
}

/** `path: message` lines, the first message per path; `prefix` is the JSON pointer `value` sits at. */
export function errorLines(schema: TSchema, value: unknown, prefix = ''): string[] {
  const seen = new Set<string>()
  const out: string[] = []
  for (const e of [...Value.Errors(schema, value)].flatMap((x) => [...explained(x)])) {
    const key = dotted(prefix + e.path)
    if (seen.has(key)) continue
    seen.add(key)
    out.push(`${key}: ${(prefix === '' && friendlier(e.path, e.value)) || e.message}`)
  }
  return out
}

export function schemaProblems(raw: unknown): string[] {
  return errorLines(ConfigSchema, raw)
}

const SIZE_STORAGE = /^\/instance_sizes\/[^/]+\/storage$/

/** Where TypeBox's own message ("Expected union value") would leave the user guessing. */
function friendlier(pointer: string, value: unknown): string | undefined {
  if (SIZE_STORAGE.test(pointer)) {
    const shown = JSON.stringify(value) ?? String(value)
    return `must be <storage-id>:<GiB> (e.g. local-lvm:8) or a number of GiB on default_storage, not ${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown}`
  }
  return undefined
}

/** Checks that need more than one field at a time. */
export function semanticProblems(raw: RawConfig, baseDir: string): string[] {
  const out: string[] = []
  const allLocal = raw.use_local_only === true
  for (const [region, r] of Object.entries(raw.regions ?? {})) {
    const zones = Object.entries(r.availability_zones ?? {})
    if (zones.length === 0) out.push(`regions.${region}.availability_zones: must name at least one availability zone`)
    for (const [az, z] of zones) {
      const path = `regions.${region}.availability_zones.${az}`
      if (allLocal || z.local) continue
      if (!z.ssh_password && !z.ssh_key_file) {
        out.push(`${path}: needs ssh_password or ssh_key_file (or local: true)`)
      }
      if (z.ssh_key_file) {
        const file = isAbsolute(z.ssh_key_file) ? z.ssh_key_file : resolve(baseDir, z.ssh_key_file)
        const problem = keyFileProblem(file)
        if (problem) out.push(`${path}.ssh_key_file: ${problem}`)
      }
    }
  }
  out.push(...defaultPlacementProblems(raw))
  const key = raw.api_key
  if (typeof key === 'string' && key !== '' && key.length < 8) out.push('api_key: must be at least 8 characters')
  out.push(...apiKeyProblems(raw))
  return out
}

/** Each key names exactly one of key / key_sha256, ids are unique, and scopes name configured places. */
function apiKeyProblems(raw: RawConfig): string[] {
  const out: string[] = []
  const seen = new Set<string>()
  const regions = raw.regions ?? {}
  ;(raw.api_keys ?? []).forEach((k, i) => {
    const at = `api_keys.${i}`
    if ((k.key === undefined) === (k.key_sha256 === undefined)) out.push(`${at}: needs exactly one of key and key_sha256`)
    if (seen.has(k.id)) out.push(`${at}.id: '${k.id}' is used by another key`)
    seen.add(k.id)
    if (k.id === 'default' && typeof raw.api_key === 'string' && raw.api_key !== '') out.push(`${at}.id: 'default' is the id of api_key`)
    for (const r of k.regions ?? []) if (!Object.hasOwn(regions, r)) out.push(`${at}.regions: unknown region '${r}'`)
    for (const z of k.zones ?? []) {
      const [r, az] = z.split('/') as [string, string]
      if (!Object.hasOwn(regions[r]?.availability_zones ?? {}, az)) out.push(`${at}.zones: unknown availability zone '${z}'`)
    }
  })
  return out
}

/**
 * default_region / default_az must name something configured: a request
 * naming neither would otherwise land on the first AZ without a word.
 */
function defaultPlacementProblems(raw: RawConfig): string[] {
  const regions = raw.regions ?? {}
  const has = (o: object, k: string) => Object.hasOwn(o, k)
  if (raw.default_region !== undefined && !has(regions, raw.default_region)) {
    // default_az cannot be judged against a region that does not exist.
    return [`default_region: unknown region '${raw.default_region}' (known: ${Object.keys(regions).join(', ')})`]
  }
  if (raw.default_az === undefined) return []
  const region = raw.default_region ?? Object.keys(regions)[0]!
  const zones = regions[region]?.availability_zones ?? {}
  if (has(zones, raw.default_az)) return []
  const elsewhere = Object.keys(regions).filter((r) => has(regions[r]?.availability_zones ?? {}, raw.default_az!))
  const hint = elsewhere.length
    ? `; it is in region ${elsewhere.map((r) => `'${r}'`).join(', ')}: set default_region`
    : ''
  return [`default_az: unknown availability zone '${raw.default_az}' in region '${region}' (known: ${Object.keys(zones).join(', ')})${hint}`]
}

/** The size POST /lxc/instances uses when a request names none (plugins/lxc/sizes.ts). */
export const DEFAULT_SIZE = 'small'

/**
 * Problems that leave LWS running but make some requests fail. Kept apart
 * from semanticProblems so configs the original LWS accepted still start.
 */
export function semanticWarnings(raw: RawConfig): string[] {
  const out: string[] = []
  const sizes = raw.instance_sizes
  // No sizes at all → create falls back to built-in defaults; only a list without `small` makes size-less creates fail.
  if (sizes && Object.keys(sizes).length > 0 && !Object.hasOwn(sizes, DEFAULT_SIZE)) {
    out.push(
      `instance_sizes.${DEFAULT_SIZE}: missing; POST /lxc/instances without "size" uses it and fails with 400 (configured: ${Object.keys(sizes).join(', ')})`,
    )
  }
  return out
}

/** Far above any SSH private key (a 16384-bit RSA key is ~12 KiB); stops a config from making LWS slurp a huge file. */
const MAX_KEY_BYTES = 1024 * 1024

/**
 * Why `file` cannot serve as the SSH private key, or null if it can. Parsed
 * with ssh2's own parser so a key passing here is one the SSH executor can
 * use. The path comes from a config that POST /conf/validate accepts from
 * API clients, so the answer names the problem only, never file content.
 */
export function keyFileProblem(file: string): string | null {
  let st
  try {
    st = statSync(file)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    return code === 'ENOENT' || code === 'ENOTDIR' ? `file not found: ${file}` : `cannot read: ${code ?? String(err)}`
  }
  // Reading a FIFO blocks forever and /dev/zero never ends; read directories to get the usual EISDIR.
  if (!st.isFile() && !st.isDirectory()) return 'not a regular file'
  if (st.size > MAX_KEY_BYTES) return `not a private key (${st.size} bytes, larger than any SSH key)`
  let buf: Buffer
  try {
    buf = readFileSync(file)
  } catch (err) {
    return `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`
  }
  if (buf.toString('utf8').trim() === '') return 'not a private key (the file is empty)'
  // No passphrase: the config has no key for one, and ssh2 is handed none at connect time either.
  const parsed = sshUtils.parseKey(buf)
  if (parsed instanceof Error) {
    if (/encrypted .*no passphrase given/i.test(parsed.message)) return 'encrypted private keys are not supported'
    return `not a private key (${clean(parsed.message)})`
  }
  // The OpenSSH format may hold several keys; ssh2's client uses the first.
  const key: ParsedKey | undefined = Array.isArray(parsed) ? parsed[0] : parsed
  if (!key) return 'not a private key (no key in the file)'
  if (!key.isPrivateKey()) return `not a private key (it is a ${key.type} public key)`
  return null
}

// A few ssh2 messages quote bytes decoded from the file (key type, cipher name); keep them short and printable.
function clean(message: string): string {
  const printable = message.replace(/[^\x20-\x7e]/g, '?')
  return printable.length > 120 ? `${printable.slice(0, 117)}...` : printable
}

export function validateRaw(raw: unknown, baseDir: string): string[] {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return ['(root): must be a YAML mapping']
  const problems = schemaProblems(raw)
  if (problems.length) return problems
  return semanticProblems(raw as RawConfig, baseDir)
}
