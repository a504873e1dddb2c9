/**
 * Strict patterns for every value that may reach a Proxmox command
 * (proxmox-facts.md §1). HTTP schemas reuse these sources, and the Proxmox
 * layer asserts them again right before building argv, so a value that skipped
 * HTTP validation still never reaches a host.
 */
import { BadRequestError } from '../errors/catalogue.ts'

export const PATTERNS = {
  /** 100 … 999 999 999 */
  vmid: '^[1-9][0-9]{2,8}$',
  /** pve-configid, 2–40 chars; `current`/`vzdump` rejected separately. */
  snapshotName: '^[A-Za-z][A-Za-z0-9_-]{1,39}$',
  /** dns-name; no underscores. */
  hostname: '^(?=.{1,255}$)([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?\\.)*[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$',
  node: '^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$',
  storageId: '^[a-zA-Z][a-zA-Z0-9_.-]*[a-zA-Z0-9]$',
  /** `pct resize` size: absolute or +relative, K/M/G/T. */
  resizeSize: '^\\+?\\d+(\\.\\d+)?[KMGT]$',
  /** `STORAGE:SIZE_GiB` for a new rootfs. */
  volumeSpec: '^[a-zA-Z][a-zA-Z0-9_.-]*[a-zA-Z0-9]:\\d+(\\.\\d+)?$',
  /** `storage:vztmpl/name.tar[.ext]` */
  templateVolid: '^[a-zA-Z][a-zA-Z0-9_.-]*[a-zA-Z0-9]:vztmpl/[A-Za-z0-9][A-Za-z0-9._+-]*\\.tar(\\.(gz|xz|zst|bz2))?$',
  /** A template name as `pveam available` lists it. */
  templateName: '^[A-Za-z0-9][A-Za-z0-9._+-]*\\.tar(\\.(gz|xz|zst|bz2))?$',
  /** Region and AZ names from the config. */
  zoneName: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$',
  ipv4: '^((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)$',
  bridge: '^[A-Za-z][A-Za-z0-9_.-]{0,14}$',
} as const

export type PatternName = keyof typeof PATTERNS

const compiled = Object.fromEntries(
  Object.entries(PATTERNS).map(([k, v]) => [k, new RegExp(v)]),
) as Record<PatternName, RegExp>

export const RESERVED_SNAPSHOT_NAMES = ['current', 'vzdump'] as const

export function matches(kind: PatternName, value: string): boolean {
  return compiled[kind].test(value)
}

/** Throws 400 naming the field unless `value` matches the pattern `kind`. */
export function assertPattern(kind: PatternName, value: unknown, field: string = kind): string {
  const text = typeof value === 'number' ? String(value) : value
  if (typeof text !== 'string' || !compiled[kind].test(text)) {
    throw new BadRequestError(`${field}: invalid value ${JSON.stringify(String(value)).slice(0, 80)} (expected ${kind})`, 'VALIDATION_FAILED')
  }
  return text
}

export function assertVmid(value: unknown, field = 'instance_id'): string {
  return assertPattern('vmid', value, field)
}

export function assertSnapshotName(value: unknown, field = 'snapshot_name'): string {
  const name = assertPattern('snapshotName', value, field)
  if ((RESERVED_SNAPSHOT_NAMES as readonly string[]).includes(name.toLowerCase())) {
    throw new BadRequestError(`${field}: '${name}' is a reserved snapshot name`, 'VALIDATION_FAILED')
  }
  return name
}
