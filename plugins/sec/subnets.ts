/**
 * IPv4 arithmetic and the parser of `ip -o -4 addr show`: which subnets a
 * host or container sits on. Only these subnets are ever swept; loopback and
 * link-local addresses are left out.
 */

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'
const IPV4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`)

export function isIpv4(s: string): boolean {
  return IPV4.test(s)
}

export function ipToInt(ip: string): number {
  if (!isIpv4(ip)) throw new RangeError(`not an IPv4 address: ${JSON.stringify(ip.slice(0, 40))}`)
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0)
}

export function intToIp(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`not an IPv4 number: ${n}`)
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.')
}

export interface Subnet {
  /** Network address, e.g. 10.99.0.0 */
  network: string
  prefix: number
  /** `network/prefix` */
  cidr: string
  broadcast: string
  /** First and last address a host may have (network and broadcast left out). */
  first: string
  last: string
  /** Number of host addresses (0 for /31 and /32). */
  hosts: number
}

export function subnetOf(address: string, prefix: number): Subnet {
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new RangeError(`bad prefix length: ${prefix}`)
  const size = 2 ** (32 - prefix)
  const net = Math.floor(ipToInt(address) / size) * size
  const hosts = prefix >= 31 ? 0 : size - 2
  return {
    network: intToIp(net),
    prefix,
    cidr: `${intToIp(net)}/${prefix}`,
    broadcast: intToIp(net + size - 1),
    first: intToIp(hosts ? net + 1 : net),
    last: intToIp(hosts ? net + size - 2 : net + size - 1),
    hosts,
  }
}

/** Is `address` a host address of `s` (inside it, not its network or broadcast address)? */
export function isHostOf(s: Subnet, address: string): boolean {
  if (!isIpv4(address) || s.hosts === 0) return false
  const n = ipToInt(address)
  return n >= ipToInt(s.first) && n <= ipToInt(s.last)
}

export interface InterfaceAddress {
  /** Interface name as `ip` prints it (without `@ifN`). */
  iface: string
  address: string
  prefix: number
  subnet: Subnet
}

const IFNAME = /^[A-Za-z0-9_.:-]{1,15}$/

/**
 * `ip -o -4 addr show` lines, e.g.
 * `2: eth0    inet 10.99.0.5/28 brd 10.99.0.15 scope global eth0\       valid_lft forever ...`.
 * Loopback (`lo`, 127/8, `scope host`) and link-local (169.254/16) are skipped;
 * a line that does not parse is ignored.
 */
export function parseIpAddrShow(stdout: string): InterfaceAddress[] {
  const out: InterfaceAddress[] = []
  const seen = new Set<string>()
  for (const line of stdout.split('\n')) {
    const m = /^\d+:\s+(\S+)\s+inet\s+(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})\b(.*)$/.exec(line.trim())
    if (!m) continue
    const iface = m[1]!.replace(/@.*$/, '')
    const address = m[2]!
    const prefix = Number(m[3])
    const rest = m[4] ?? ''
    if (!IFNAME.test(iface) || !isIpv4(address) || prefix > 32) continue
    if (iface === 'lo' || /\bscope host\b/.test(rest) || address.startsWith('127.') || address.startsWith('169.254.')) continue
    const subnet = subnetOf(address, prefix)
    const key = `${iface} ${address}/${prefix}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ iface, address, prefix, subnet })
  }
  return out
}
