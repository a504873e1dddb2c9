/**
 * The parser of `ip -o -4 addr show`: which subnets a host or container sits
 * on. Only these subnets are ever swept; loopback and link-local addresses
 * are left out. The IPv4 arithmetic is the core's (`ctx.net`).
 */
import type { Subnet } from '../../src/net/ipv4.ts'
import type { PluginContext } from '../../src/plugins/types.ts'

export type { Subnet }

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
export function parseIpAddrShow(net: PluginContext['net'], stdout: string): InterfaceAddress[] {
  const out: InterfaceAddress[] = []
  const seen = new Set<string>()
  for (const line of stdout.split('\n')) {
    const m = /^\d+:\s+(\S+)\s+inet\s+(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})\b(.*)$/.exec(line.trim())
    if (!m) continue
    const iface = m[1]!.replace(/@.*$/, '')
    const address = m[2]!
    const prefix = Number(m[3])
    const rest = m[4] ?? ''
    if (!IFNAME.test(iface) || !net.isIpv4(address) || prefix > 32) continue
    if (iface === 'lo' || /\bscope host\b/.test(rest) || address.startsWith('127.') || address.startsWith('169.254.')) continue
    const subnet = net.subnetOf(address, prefix)
    const key = `${iface} ${address}/${prefix}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ iface, address, prefix, subnet })
  }
  return out
}
