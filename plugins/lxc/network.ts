/**
 * The create request's network fields → `net0` of each new container. With
 * count > 1 and a static `ip`, containers get consecutive addresses (ip, ip+1,
 * ...) inside the same subnet, since one address cannot be shared. Every one
 * must be a host address of the subnet (`ctx.net`, RFC 3021): not the network
 * or broadcast address of a /8–/30; both addresses of a /31; the one of a /32.
 */
import type { NetOptions } from '../../src/proxmox/options.ts'
import type { LxcContext } from './context.ts'

export interface NetworkInput {
  ip?: string
  netmask?: string | number
  gateway?: string
  dhcp?: boolean
}

/** `24`, `/24` or `255.255.255.0` → 24 (prefixes 8–32, as PVE allows). */
export function prefixLength(c: LxcContext, netmask: string | number): number {
  const bad = () => new c.errors.BadRequestError(`netmask: invalid value ${JSON.stringify(String(netmask)).slice(0, 40)} (expected a prefix length 8–32 or a dotted mask)`, 'VALIDATION_FAILED')
  const text = String(netmask).trim().replace(/^\//, '')
  let prefix: number
  if (/^\d{1,2}$/.test(text)) {
    prefix = Number(text)
  } else if (c.ids.matches('ipv4', text)) {
    const fromMask = c.net.prefixOfMask(text)
    if (fromMask === undefined) throw bad() // not contiguous ones
    prefix = fromMask
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
  const addresses = c.net.consecutiveHosts(ip, prefix, count)
  if (!addresses) {
    const subnet = c.net.subnetOf(ip, prefix)
    const why = c.net.isHostOf(subnet, ip)
      ? `${count} consecutive addresses from ${ip} do not fit in ${subnet.cidr}`
      : `${ip} is the ${ip === subnet.broadcast ? 'broadcast' : 'network'} address of ${subnet.cidr}, not a host address`
    throw new c.errors.BadRequestError(`ip: ${why}`, 'VALIDATION_FAILED')
  }
  return addresses.map((addr): NetOptions => {
    const net: NetOptions = { bridge, ip: `${addr}/${prefix}` }
    if (gw !== undefined) net.gw = gw
    return net
  })
}
