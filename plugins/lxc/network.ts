/**
 * The create request's network fields → `net0` of each new container. With
 * count > 1 and a static `ip`, containers get consecutive addresses (ip, ip+1,
 * ...) inside the same subnet, since one address cannot be shared.
 */
import type { NetOptions } from '../../src/proxmox/options.ts'
import type { LxcContext } from './context.ts'

export interface NetworkInput {
  ip?: string
  netmask?: string | number
  gateway?: string
  dhcp?: boolean
}

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

function toInt(ip: string): number {
  const m = DOTTED.exec(ip)!
  return ((+m[1]! << 24) | (+m[2]! << 16) | (+m[3]! << 8) | +m[4]!) >>> 0
}

function toDotted(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
}

/** `24`, `/24` or `255.255.255.0` → 24 (prefixes 8–32, as PVE allows). */
export function prefixLength(c: LxcContext, netmask: string | number): number {
  const bad = () => new c.errors.BadRequestError(`netmask: invalid value ${JSON.stringify(String(netmask)).slice(0, 40)} (expected a prefix length 8–32 or a dotted mask)`, 'VALIDATION_FAILED')
  const text = String(netmask).trim().replace(/^\//, '')
  let prefix: number
  if (/^\d{1,2}$/.test(text)) {
    prefix = Number(text)
  } else if (c.ids.matches('ipv4', text)) {
    const mask = toInt(text)
    prefix = 32 - Math.log2(((~mask) >>> 0) + 1)
    if (!Number.isInteger(prefix)) throw bad() // not contiguous ones
  } else {
    throw bad()
  }
  if (prefix < 8 || prefix > 32) throw bad()
  return prefix
}

/** One `net0` per container on `default_network`. */
export function buildNetworks(c: LxcContext, input: NetworkInput, count: number): NetOptions[] {
  const bridge = c.config.defaultNetwork
  if (input.ip === undefined) {
    // A lone netmask is harmless (forms send the default "24"); a lone gateway is a mistake.
    if (input.gateway !== undefined) throw new c.errors.BadRequestError('gateway: only valid together with ip', 'VALIDATION_FAILED')
    // An instance always gets a NIC; without a static address it asks DHCP unless told not to.
    const net: NetOptions = input.dhcp === false ? { bridge } : { bridge, ip: 'dhcp' }
    return Array.from({ length: count }, () => ({ ...net }))
  }
  if (input.dhcp === true) throw new c.errors.BadRequestError('ip/dhcp: give either a static ip or dhcp: true, not both', 'VALIDATION_FAILED')
  const ip = c.ids.assertPattern('ipv4', input.ip, 'ip')
  const prefix = prefixLength(c, input.netmask ?? 24)
  const gw = input.gateway === undefined ? undefined : c.ids.assertPattern('ipv4', input.gateway, 'gateway')
  const first = toInt(ip)
  const hostBits = 32 - prefix
  const network = ((first >>> hostBits) << hostBits) >>> 0
  const last = (network + 2 ** hostBits - 1) >>> 0
  const out: NetOptions[] = []
  for (let i = 0; i < count; i++) {
    const addr = first + i
    // /31 and /32 have no broadcast address to avoid.
    const limit = prefix >= 31 ? last : last - 1
    if (addr > limit) {
      throw new c.errors.BadRequestError(`ip: ${count} consecutive addresses from ${ip} do not fit in ${toDotted(network)}/${prefix}`, 'VALIDATION_FAILED')
    }
    const net: NetOptions = { bridge, ip: `${toDotted(addr)}/${prefix}` }
    if (gw !== undefined) net.gw = gw
    out.push(net)
  }
  return out
}
