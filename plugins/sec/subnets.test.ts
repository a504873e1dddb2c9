/** `ip -o -4 addr show` parsing, and the subnets it yields (the core's IPv4 rules, src/net/ipv4.ts). */
import { describe, expect, test } from 'bun:test'
import * as net from '../../src/net/ipv4.ts'
import { parseIpAddrShow } from './subnets.ts'

const { subnetOf, isHostOf } = net

describe('subnets', () => {
  const IP_ADDR = [
    '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
    '2: eth0@if12    inet 10.99.0.2/28 brd 10.99.0.15 scope global eth0\\       valid_lft forever preferred_lft forever',
    '3: vmbr0    inet 192.168.1.10/24 brd 192.168.1.255 scope global vmbr0\\       valid_lft forever preferred_lft forever',
    '4: docker0    inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0\\       valid_lft forever preferred_lft forever',
    '5: wg0    inet 10.8.0.1/32 scope global wg0\\       valid_lft forever preferred_lft forever',
    '6: eth1    inet 169.254.3.4/16 brd 169.254.255.255 scope link eth1\\       valid_lft forever preferred_lft forever',
    'garbage; reboot',
  ].join('\n')

  test('ip -o -4 addr show: loopback and link-local left out, @ifN stripped', () => {
    const list = parseIpAddrShow(net, IP_ADDR)
    expect(list.map((a) => `${a.iface} ${a.address} ${a.subnet.cidr} ${a.subnet.hosts}`)).toEqual([
      'eth0 10.99.0.2 10.99.0.0/28 14',
      'vmbr0 192.168.1.10 192.168.1.0/24 254',
      'docker0 172.17.0.1 172.17.0.0/16 65534',
      'wg0 10.8.0.1 10.8.0.1/32 1',
    ])
  })

  test('host addresses exclude network and broadcast', () => {
    const s = subnetOf('10.99.0.7', 28)
    expect(s).toMatchObject({ network: '10.99.0.0', broadcast: '10.99.0.15', first: '10.99.0.1', last: '10.99.0.14', hosts: 14 })
    expect(isHostOf(s, '10.99.0.0')).toBe(false)
    expect(isHostOf(s, '10.99.0.15')).toBe(false)
    expect(isHostOf(s, '10.99.0.16')).toBe(false)
    expect(isHostOf(s, '10.99.0.14')).toBe(true)
    expect(isHostOf(s, '10.99.0.1; reboot')).toBe(false)
    // RFC 3021 (the core's rule, src/net/ipv4.ts): a /31 has two host addresses, a /32 one.
    expect(subnetOf('1.2.3.4', 31).hosts).toBe(2)
    expect(subnetOf('1.2.3.4', 32).hosts).toBe(1)
  })
})
