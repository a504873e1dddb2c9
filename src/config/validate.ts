/**
 * Checks a parsed config and reports every problem as `path: message`, so a
 * user can fix them all in one pass.
 */
import { Value } from '@sinclair/typebox/value'
import { existsSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
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
        if (!existsSync(file)) out.push(`${path}.ssh_key_file: file not found: ${file}`)
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

export function validateRaw(raw: unknown, baseDir: string): string[] {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return ['(root): must be a YAML mapping']
  const problems = schemaProblems(raw)
  if (problems.length) return problems
  return semanticProblems(raw as RawConfig, baseDir)
}
