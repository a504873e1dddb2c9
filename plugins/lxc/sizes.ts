/**
 * Instance sizes (`instance_sizes` in the config) → `pct create` options, and
 * back: which size a container's config matches.
 */
import type { ContainerConfig } from '../../src/proxmox/schemas.ts'
import type { LxcContext } from './context.ts'

export interface ResolvedSize {
  /** Size name, or `default` when none is configured at all. */
  name: string
  memory: number
  swap?: number
  cores?: number
  cpulimit?: number
  /** New root volume, `STORAGE:GiB`. */
  rootfs: string
}

/** Proxmox's own defaults, used only when the config has no instance_sizes at all. */
const FALLBACK_MEMORY = 512
const FALLBACK_DISK_GIB = 4

/** Size → create options; unknown size → 400 listing the configured ones. */
export function resolveSize(c: LxcContext, requested: string | undefined): ResolvedSize {
  const sizes = c.config.instanceSizes
  const names = Object.keys(sizes)
  const name = requested ?? 'small'
  const size = Object.hasOwn(sizes, name) ? sizes[name] : undefined
  if (!size) {
    if (requested === undefined && names.length === 0) {
      return { name: 'default', memory: FALLBACK_MEMORY, rootfs: `${c.config.defaultStorage}:${FALLBACK_DISK_GIB}` }
    }
    throw new c.errors.BadRequestError(
      `size: unknown size '${name}' (configured: ${names.length ? names.join(', ') : 'none'})`,
      'VALIDATION_FAILED',
    )
  }
  const out: ResolvedSize = { name, memory: size.memory, rootfs: rootfsOf(c, size.storage) }
  if (size.swap !== undefined) out.swap = size.swap
  if (size.cores !== undefined) out.cores = size.cores
  if (size.cpulimit !== undefined) out.cpulimit = size.cpulimit
  return out
}

/** `local-lvm:8` stays; a bare `8` lands on default_storage; nothing → default_storage:4 (pct's own default storage `local` usually cannot hold containers). */
function rootfsOf(c: LxcContext, storage: string | number | undefined): string {
  if (storage === undefined) return `${c.config.defaultStorage}:${FALLBACK_DISK_GIB}`
  const text = String(storage)
  return text.includes(':') ? text : `${c.config.defaultStorage}:${text}`
}

/** The configured size whose memory, cpulimit and cores equal the container's, or null. */
export function matchSize(c: LxcContext, cfg: ContainerConfig): string | null {
  for (const [name, size] of Object.entries(c.config.instanceSizes)) {
    if (size.memory !== cfg.memory) continue
    if ((size.cpulimit ?? 0) !== (cfg.cpulimit ?? 0)) continue
    if (size.cores !== undefined && size.cores !== cfg.cores) continue
    return name
  }
  return null
}
