/**
 * Checks a parsed config and reports every problem as `path: message`, so a
 * user can fix them all in one pass.
 */
import { Value } from '@sinclair/typebox/value'
import { readFileSync, statSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { utils as sshUtils, type ParsedKey } from 'ssh2'
import { ConfigSchema, type RawConfig } from './schema.ts'

function dotted(pointer: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
  return parts.length ? parts.join('.') : '(root)'
}

export function schemaProblems(raw: unknown): string[] {
  const seen = new Set<string>()
  const out: string[] = []
  for (const e of Value.Errors(ConfigSchema, raw)) {
    const line = `${dotted(e.path)}: ${e.message}`
    // A failing union reports once per branch; keep the first message per path.
    const key = dotted(e.path)
    if (seen.has(key)) continue
    seen.add(key)
    out.push(line)
  }
  return out
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
  if (raw.default_region && !raw.regions?.[raw.default_region]) {
    out.push(`default_region: unknown region '${raw.default_region}' (known: ${Object.keys(raw.regions ?? {}).join(', ')})`)
  }
  if (raw.default_az) {
    const region = raw.default_region ?? Object.keys(raw.regions ?? {})[0]
    const zones = raw.regions?.[region ?? '']?.availability_zones ?? {}
    if (!zones[raw.default_az]) {
      out.push(`default_az: unknown availability zone '${raw.default_az}' in region '${region}' (known: ${Object.keys(zones).join(', ')})`)
    }
  }
  const key = raw.api_key
  if (typeof key === 'string' && key !== '' && key.length < 8) out.push('api_key: must be at least 8 characters')
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
