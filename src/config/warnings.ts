/**
 * Problems with a loaded config that do not stop LWS from running but put it
 * at risk. Today: a config file other users can get at while it holds
 * secrets. Lines name the secrets by role or path only, never by value,
 * because they end up in logs and on terminals.
 */
import { statSync } from 'node:fs'
import { quoteArg } from '../exec/quote.ts'
import type { LwsConfig } from './load.ts'
import { isSecretKey } from './mask.ts'

/**
 * Any group/other bit counts, not only the read bits: write access lets
 * another user swap the API key or point ssh_key_file at their own key, and
 * OpenSSH applies the same 0o077 rule to private keys.
 */
const GROUP_OTHER = 0o077
const OTHER_READ = 0o004
const GROUP_READ = 0o040

export function configWarnings(config: LwsConfig): string[] {
  if (config.source === '(inline)') return []
  // Windows has no POSIX mode bits; stat reports made-up ones.
  if (process.platform === 'win32') return []
  const secrets = secretsIn(config.raw)
  if (secrets.length === 0) return []
  let mode: number
  try {
    mode = statSync(config.source).mode
  } catch {
    // The file was read moments ago; if it is gone now there is nothing left to protect.
    return []
  }
  if ((mode & GROUP_OTHER) === 0) return []
  const perms = (mode & 0o7777).toString(8).padStart(4, '0')
  const who =
    mode & OTHER_READ
      ? 'lets every user on this host read'
      : mode & GROUP_READ
        ? "lets the file's group read"
        : 'gives other users write or execute access to a file holding'
  return [`${config.source}: mode ${perms} ${who} ${describe(secrets)}; run chmod 600 ${quoteArg(config.source)}`]
}

/** Key paths of every non-empty value stored under a secret-looking key (what maskSecrets masks). */
export function secretsIn(value: unknown, path: string[] = []): string[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => secretsIn(v, [...path, String(i)]))
  if (!value || typeof value !== 'object') return []
  const out: string[][] = []
  for (const [k, v] of Object.entries(value)) {
    if (!isSecretKey(k)) out.push(...secretsIn(v, [...path, k]))
    else if (v !== null && v !== undefined && v !== '') out.push([...path, k])
  }
  return out
}

// Arrays, not dotted strings: region and zone names may themselves contain dots.
const isApiKey = (p: string[]) => p.length === 1 && p[0] === 'api_key'
const isZonePassword = (p: string[]) =>
  p.length === 5 && p[0] === 'regions' && p[2] === 'availability_zones' && p[4] === 'ssh_password'

function describe(paths: string[][]): string {
  const parts: string[] = []
  if (paths.some(isApiKey)) parts.push('the API key')
  const passwords = paths.filter(isZonePassword).length
  if (passwords) parts.push(passwords === 1 ? 'an SSH password' : `${passwords} SSH passwords`)
  for (const p of paths) if (!isApiKey(p) && !isZonePassword(p)) parts.push(p.join('.'))
  return parts.length <= 1 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`
}
