/**
 * Strict patterns for every identifier that may reach a Proxmox command, and
 * the one way a request value is checked against them. HTTP schemas reuse the
 * pattern sources; the Proxmox layer checks each value once, where it enters
 * the layer (the ProxmoxClient method), so a value that skipped HTTP
 * validation still never reaches a host.
 *
 * The formats are PVE's own (pve-common `src/PVE/JSONSchema.pm`: `pve-vmid`,
 * `pve-node`, `dns-name`, `pve-configid`, `pve-storage-id`, `disk-size`;
 * pve-container `src/PVE/LXC/Config.pm`: `mpN`, `netN`), only stricter where
 * PVE is looser than a command line should be.
 */
import { BadRequestError } from '../errors/catalogue.ts'

/** `pve-storage-id` (case-insensitive in PVE). */
const STORAGE_ID = '[a-zA-Z][a-zA-Z0-9_.-]*[a-zA-Z0-9]'
/** A template file name: pve-storage `src/PVE/Storage.pm` accepts `.tar` with these compressions. */
const TEMPLATE_FILE = '[A-Za-z0-9][A-Za-z0-9._+-]*\\.tar(\\.(gz|xz|zst|bz2))?'
/** A network device name (bridge on the host, interface inside the CT): at most 15 characters (IFNAMSIZ). */
const NETDEV = '^[A-Za-z][A-Za-z0-9_.-]{0,14}$'

export const PATTERNS = {
  /** `pve-vmid`: 100 … 999 999 999. */
  vmid: '^[1-9][0-9]{2,8}$',
  /** `pve-configid`, 2–40 chars; `current`/`vzdump` rejected separately. */
  snapshotName: '^[A-Za-z][A-Za-z0-9_-]{1,39}$',
  /** `dns-name`; no underscores. */
  hostname: '^(?=.{1,255}$)([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?\\.)*[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$',
  node: '^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$',
  storageId: `^${STORAGE_ID}$`,
  /** `pct resize` size: absolute or +relative, K/M/G/T (a bare number would mean bytes). */
  resizeSize: '^\\+?\\d+(\\.\\d+)?[KMGT]$',
  /** `STORAGE:SIZE_GiB` for a new rootfs. */
  volumeSpec: `^${STORAGE_ID}:\\d+(\\.\\d+)?$`,
  /** `storage:vztmpl/name.tar[.ext]` */
  templateVolid: `^${STORAGE_ID}:vztmpl/${TEMPLATE_FILE}$`,
  /** A template name as `pveam available` lists it. */
  templateName: `^${TEMPLATE_FILE}$`,
  /** `rootfs` or `mp0` … `mp255`. */
  diskName: '^(rootfs|mp(\\d|[1-9]\\d|1\\d\\d|2[0-4]\\d|25[0-5]))$',
  /** Region and AZ names from the config. */
  zoneName: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$',
  ipv4: '^((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)$',
  bridge: NETDEV,
  /** `name=` of a CT's netN. */
  ifaceName: NETDEV,
} as const

export type PatternName = keyof typeof PATTERNS

/**
 * A value that passed the check of pattern `K`. Functions inside the layer
 * take these, so a value is checked once and never again further down.
 */
export type Checked<K extends PatternName> = string & { readonly __checked: K }
export type Vmid = Checked<'vmid'>
export type SnapshotName = Checked<'snapshotName'>
export type StorageId = Checked<'storageId'>
export type NodeName = Checked<'node'>

const compiled = Object.fromEntries(
  Object.entries(PATTERNS).map(([k, v]) => [k, new RegExp(v)]),
) as Record<PatternName, RegExp>

export const RESERVED_SNAPSHOT_NAMES = ['current', 'vzdump'] as const

export function matches(kind: PatternName, value: string): boolean {
  return compiled[kind].test(value)
}

/** The 400 every check of this layer throws: the field, the value (clipped) and what was expected. */
export function invalid(field: string, value: unknown, expected: string): BadRequestError {
  return new BadRequestError(`${field}: invalid value ${JSON.stringify(String(value)).slice(0, 80)} (expected ${expected})`, 'VALIDATION_FAILED')
}

/** Throws 400 naming the field unless `value` matches the pattern `kind`. */
export function assertPattern<K extends PatternName>(kind: K, value: unknown, field: string = kind): Checked<K> {
  const text = typeof value === 'number' ? String(value) : value
  if (typeof text !== 'string' || !compiled[kind].test(text)) throw invalid(field, value, kind)
  return text as Checked<K>
}

export function assertVmid(value: unknown, field = 'instance_id'): Vmid {
  return assertPattern('vmid', value, field)
}

export function assertSnapshotName(value: unknown, field = 'snapshot_name'): SnapshotName {
  const name = assertPattern('snapshotName', value, field)
  // guest-common `src/PVE/AbstractConfig.pm` (snapshot_prepare) refuses these names.
  if ((RESERVED_SNAPSHOT_NAMES as readonly string[]).includes(name.toLowerCase())) {
    throw new BadRequestError(`${field}: '${name}' is a reserved snapshot name`, 'VALIDATION_FAILED')
  }
  return name
}
