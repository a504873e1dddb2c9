/**
 * IPv4 arithmetic: the one copy in LWS (plugins get it as `ctx.net`).
 *
 * Addresses are dotted quads without leading zeros (`10.0.0.1`, not
 * `10.0.0.01`), the same rule as PATTERNS.ipv4 in src/proxmox/ids.ts.
 * Numbers are unsigned 32-bit integers (0 … 4294967295), so arithmetic and
 * comparison are plain `+`, `-`, `<`.
 *
 * Which addresses of a subnet are host addresses (what a container may be
 * given, what a sweep probes):
 * - prefix 0–30: every address except the first (network) and the last
 *   (broadcast) — RFC 950/RFC 919; `hosts` = 2^(32-prefix) - 2;
 * - prefix 31: both addresses, no network or broadcast address — RFC 3021
 *   (point-to-point links); `hosts` = 2, `broadcast` = null;
 * - prefix 32: the one address itself (a host route); `hosts` = 1,
 *   `broadcast` = null.
 */

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'
const DOTTED = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`)

export const MAX = 0xffff_ffff

export function isIpv4(value: unknown): value is string {
  return typeof value === 'string' && DOTTED.test(value)
}

/** `10.0.0.1` → 167772161; anything else → RangeError. */
export function toInt(ip: string): number {
  if (!isIpv4(ip)) throw new RangeError(`not an IPv4 address: ${JSON.stringify(String(ip).slice(0, 40))}`)
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0)
}

/** 167772161 → `10.0.0.1`; a number outside 0 … 2^32-1 → RangeError. */
export function fromInt(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > MAX) throw new RangeError(`not an IPv4 number: ${n}`)
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.')
}

/** Orders addresses numerically (for `sort`). */
export function compare(a: string, b: string): number {
  return toInt(a) - toInt(b)
}

export function isPrefix(prefix: unknown): prefix is number {
  return typeof prefix === 'number' && Number.isInteger(prefix) && prefix >= 0 && prefix <= 32
}

/** 24 → `255.255.255.0`. */
export function maskOf(prefix: number): string {
  if (!isPrefix(prefix)) throw new RangeError(`bad prefix length: ${prefix}`)
  return fromInt(MAX - (2 ** (32 - prefix) - 1))
}

/** `255.255.240.0` → 20; a mask whose ones are not contiguous (or not an address) → undefined. */
export function prefixOfMask(mask: string): number | undefined {
  if (!isIpv4(mask)) return undefined
  const hostPart = MAX - toInt(mask) // the zeros of the mask, as a number: 2^k - 1 when contiguous
  const bits = Math.log2(hostPart + 1)
  return Number.isInteger(bits) ? 32 - bits : undefined
}

export interface Subnet {
  /** Network address (the first address), e.g. `10.99.0.0`. */
  network: string
  prefix: number
  /** `network/prefix` */
  cidr: string
  /** Last address for prefixes 0–30; null for /31 and /32 (RFC 3021: none). */
  broadcast: string | null
  /** First and last host address (see the rules at the top). */
  first: string
  last: string
  /** Number of host addresses: 2^(32-prefix) - 2, or 2 for /31, 1 for /32. */
  hosts: number
}

/** The subnet `address/prefix` lies in. */
export function subnetOf(address: string, prefix: number): Subnet {
  if (!isPrefix(prefix)) throw new RangeError(`bad prefix length: ${prefix}`)
  const size = 2 ** (32 - prefix)
  const net = Math.floor(toInt(address) / size) * size
  const end = net + size - 1
  const pointToPoint = prefix >= 31
  return {
    network: fromInt(net),
    prefix,
    cidr: `${fromInt(net)}/${prefix}`,
    broadcast: pointToPoint ? null : fromInt(end),
    first: fromInt(pointToPoint ? net : net + 1),
    last: fromInt(pointToPoint ? end : end - 1),
    hosts: pointToPoint ? size : size - 2,
  }
}

/** Is `address` one of the host addresses of `s` (inside it, and not its network or broadcast address)? */
export function isHostOf(s: Subnet, address: unknown): boolean {
  if (!isIpv4(address)) return false
  const n = toInt(address)
  return n >= toInt(s.first) && n <= toInt(s.last)
}

/**
 * `count` consecutive host addresses of `address/prefix` starting at
 * `address`, or undefined when they do not all fit (the start is not a host
 * address, or the run passes the last host address).
 */
export function consecutiveHosts(address: string, prefix: number, count: number): string[] | undefined {
  const s = subnetOf(address, prefix)
  const start = toInt(address)
  if (!Number.isInteger(count) || count < 1 || !isHostOf(s, address) || start + count - 1 > toInt(s.last)) return undefined
  return Array.from({ length: count }, (_, i) => fromInt(start + i))
}
