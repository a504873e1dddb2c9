/** The create request's network fields → net0 of each container (host-address rules: src/net/ipv4.ts). */
import { describe, expect, test } from 'bun:test'
import { buildNetworks, prefixLength } from './network.ts'
import { testLxcContext as ctx } from '../../tests/support/lxc-context.ts'

describe('network planning', () => {
  const c = ctx()
  test('consecutive static addresses within the subnet, gateway on each', () => {
    const nets = buildNetworks(c, { ip: '192.168.1.253', netmask: '255.255.255.0', gateway: '192.168.1.1' }, 2)
    expect(nets).toEqual([
      { bridge: 'vmbr0', ip: '192.168.1.253/24', gw: '192.168.1.1' },
      { bridge: 'vmbr0', ip: '192.168.1.254/24', gw: '192.168.1.1' },
    ])
    expect(() => buildNetworks(c, { ip: '192.168.1.254', netmask: 24 }, 2)).toThrow('do not fit')
    expect(buildNetworks(c, { ip: '10.0.0.7', netmask: '/32' }, 1)).toEqual([{ bridge: 'vmbr0', ip: '10.0.0.7/32' }])
  })

  test('host addresses only (src/net/ipv4.ts, RFC 3021): not network or broadcast; /31 both, /32 one', () => {
    expect(() => buildNetworks(c, { ip: '192.168.1.0', netmask: 24 }, 1)).toThrow('ip: 192.168.1.0 is the network address of 192.168.1.0/24')
    expect(() => buildNetworks(c, { ip: '192.168.1.255', netmask: 24 }, 1)).toThrow('ip: 192.168.1.255 is the broadcast address of 192.168.1.0/24')
    expect(buildNetworks(c, { ip: '10.0.0.4', netmask: 31 }, 2).map((n) => n.ip)).toEqual(['10.0.0.4/31', '10.0.0.5/31'])
    expect(() => buildNetworks(c, { ip: '10.0.0.5', netmask: 31 }, 2)).toThrow('2 consecutive addresses from 10.0.0.5 do not fit in 10.0.0.4/31')
    expect(() => buildNetworks(c, { ip: '10.0.0.7', netmask: 32 }, 2)).toThrow('do not fit in 10.0.0.7/32')
  })

  test('dhcp by default, unconfigured with dhcp: false; conflicting fields refused', () => {
    expect(buildNetworks(c, {}, 2)).toEqual([
      { bridge: 'vmbr0', ip: 'dhcp' },
      { bridge: 'vmbr0', ip: 'dhcp' },
    ])
    expect(buildNetworks(c, { dhcp: false }, 1)).toEqual([{ bridge: 'vmbr0' }])
    expect(buildNetworks(c, { netmask: '24' }, 1)).toEqual([{ bridge: 'vmbr0', ip: 'dhcp' }])
    expect(() => buildNetworks(c, { gateway: '10.0.0.1' }, 1)).toThrow('gateway')
    expect(() => buildNetworks(c, { ip: '10.0.0.1', dhcp: true }, 1)).toThrow('not both')
  })

  test('netmask forms', () => {
    expect(prefixLength(c, '24')).toBe(24)
    expect(prefixLength(c, 16)).toBe(16)
    expect(prefixLength(c, '255.255.240.0')).toBe(20)
    for (const bad of ['255.0.255.0', '7', '33', '0.0.0.0', 'x']) expect(() => prefixLength(c, bad)).toThrow('netmask')
  })
})
