/**
 * Property strings (pve-common `src/PVE/JSONSchema.pm` `parse_property_string`,
 * `print_property_string`): `key=value,key=value`, with an optional
 * default key written bare first (`volume` for rootfs/mpN). Values never hold
 * a `,`. Disk sizes follow the `disk-size` format: no unit = bytes, K/M/G/T =
 * powers of 1024.
 */

/** `name=eth0,bridge=vmbr0` → {name: 'eth0', bridge: 'vmbr0'}; a bare part goes to `defaultKey`. */
export function parsePropertyString(text: string, defaultKey?: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of text.trim().split(',')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    if (eq < 0) {
      if (defaultKey !== undefined && out[defaultKey] === undefined) out[defaultKey] = part
      else out[part] = ''
      continue
    }
    out[part.slice(0, eq)] = part.slice(eq + 1)
  }
  return out
}

/**
 * Renders a property string the way PVE writes it: the default key bare,
 * then `first` keys in the given order, then the rest sorted. Undefined values
 * are skipped.
 */
export function formatPropertyString(
  props: Record<string, string | number | boolean | undefined>,
  opts: { defaultKey?: string; first?: string[] } = {},
): string {
  const parts: string[] = []
  const done = new Set<string>()
  const val = (v: string | number | boolean) => (typeof v === 'boolean' ? (v ? '1' : '0') : String(v))
  if (opts.defaultKey !== undefined && props[opts.defaultKey] !== undefined) {
    parts.push(val(props[opts.defaultKey]!))
    done.add(opts.defaultKey)
  }
  for (const k of opts.first ?? []) {
    if (done.has(k) || props[k] === undefined) continue
    parts.push(`${k}=${val(props[k]!)}`)
    done.add(k)
  }
  for (const k of Object.keys(props).sort()) {
    if (done.has(k) || props[k] === undefined) continue
    parts.push(`${k}=${val(props[k]!)}`)
  }
  return parts.join(',')
}

const UNIT: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }

/** `8G` → 8589934592, `512M`, `0.5G`, `10GiB`; a bare number is bytes. Undefined if malformed. */
export function parseDiskSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(?:([KMGT])(?:iB)?)?$/.exec(text.trim())
  if (!m) return undefined
  return Math.floor(Number(m[1]) * UNIT[m[2] ?? '']!)
}

/** Bytes → the shortest exact unit, as PVE writes `size=` (8589934592 → `8G`, 1000 → `1000`). */
export function formatDiskSize(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`invalid size ${bytes}`)
  if (bytes === 0) return '0'
  let value = bytes
  for (const unit of ['', 'K', 'M', 'G']) {
    if (value % 1024 !== 0) return `${value}${unit}`
    value /= 1024
  }
  return `${value}T`
}

export interface VolumeSpec {
  /** `local-lvm:vm-100-disk-0` (or `local-lvm:8` in a create request). */
  volume: string
  /** `size=` as written, e.g. `8G`. */
  size?: string
  /** `size=` in bytes. */
  bytes?: number
  /** Mount path (mpN only). */
  mp?: string
  /** Every other key as written (`acl`, `backup`, `ro`, `mountoptions`, ...). */
  [key: string]: string | number | undefined
}

/** `rootfs` / `mpN` value: `local-lvm:vm-100-disk-0,size=8G` or `volume=...,mp=/data,size=10G`. */
export function parseVolume(text: string): VolumeSpec {
  const props = parsePropertyString(text, 'volume')
  const out: VolumeSpec = { ...props, volume: props.volume ?? '' }
  if (props.size !== undefined) {
    const bytes = parseDiskSize(props.size)
    if (bytes !== undefined) out.bytes = bytes
  }
  return out
}

/** `features: nesting=1,keyctl=1,mount=nfs;cifs` → {nesting: '1', keyctl: '1', mount: 'nfs;cifs'}. */
export function parseFeatures(text: string): Record<string, string> {
  return parsePropertyString(text)
}
