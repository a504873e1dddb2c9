import { describe, expect, test } from 'bun:test'
import { compare, consecutiveHosts, fromInt, isHostOf, isIpv4, maskOf, prefixOfMask, subnetOf, toInt } from './ipv4.ts'

describe('addresses', () => {
  test('dotted quads without leading zeros, nothing else', () => {
    for (const ok of ['0.0.0.0', '10.0.0.1', '192.168.1.254', '255.255.255.255']) expect(isIpv4(ok), ok).toBe(true)
    for (const bad of ['', '10.0.0', '10.0.0.1.2', '10.0.0.01', '256.0.0.1', '1.2.3.4 ', '1.2.3.4; reboot', '0x7f.0.0.1', 7]) {
      expect(isIpv4(bad), String(bad)).toBe(false)
    }
  })

  test('to and from numbers, the whole range', () => {
    expect(toInt('0.0.0.0')).toBe(0)
    expect(toInt('10.0.0.1')).toBe(167772161)
    expect(toInt('255.255.255.255')).toBe(4294967295)
    expect(toInt('128.0.0.0')).toBe(2147483648) // no sign bit
    expect(fromInt(167772161)).toBe('10.0.0.1')
    expect(fromInt(4294967295)).toBe('255.255.255.255')
    expect(() => toInt('10.0.0.256')).toThrow(RangeError)
    for (const bad of [-1, 2 ** 32, 1.5, Number.NaN]) expect(() => fromInt(bad)).toThrow(RangeError)
    expect(['10.0.0.10', '9.255.255.255', '10.0.0.9'].sort(compare)).toEqual(['9.255.255.255', '10.0.0.9', '10.0.0.10'])
  })

  test('masks and prefix lengths', () => {
    expect(maskOf(24)).toBe('255.255.255.0')
    expect(maskOf(0)).toBe('0.0.0.0')
    expect(maskOf(32)).toBe('255.255.255.255')
    expect(prefixOfMask('255.255.240.0')).toBe(20)
    expect(prefixOfMask('255.255.255.255')).toBe(32)
    expect(prefixOfMask('0.0.0.0')).toBe(0)
    for (const bad of ['255.0.255.0', '0.255.255.255', 'x', '255.255.255.01']) expect(prefixOfMask(bad), bad).toBeUndefined()
    expect(() => maskOf(33)).toThrow(RangeError)
  })
})

describe('subnets: host addresses per RFC 950 and RFC 3021', () => {
  test('/0–/30: network and broadcast are not host addresses', () => {
    const s = subnetOf('10.99.0.7', 28)
    expect(s).toEqual({ network: '10.99.0.0', prefix: 28, cidr: '10.99.0.0/28', broadcast: '10.99.0.15', first: '10.99.0.1', last: '10.99.0.14', hosts: 14 })
    expect(isHostOf(s, '10.99.0.0')).toBe(false)
    expect(isHostOf(s, '10.99.0.15')).toBe(false)
    expect(isHostOf(s, '10.99.0.16')).toBe(false)
    expect(isHostOf(s, '10.99.0.1')).toBe(true)
    expect(isHostOf(s, '10.99.0.14')).toBe(true)
    expect(isHostOf(s, '10.99.0.1; reboot')).toBe(false)
    expect(subnetOf('1.2.3.4', 30)).toMatchObject({ first: '1.2.3.5', last: '1.2.3.6', hosts: 2, broadcast: '1.2.3.7' })
    expect(subnetOf('200.1.2.3', 0)).toMatchObject({ network: '0.0.0.0', broadcast: '255.255.255.255', hosts: 2 ** 32 - 2 })
  })

  test('/31 (RFC 3021): both addresses are hosts, no broadcast', () => {
    const s = subnetOf('1.2.3.5', 31)
    expect(s).toEqual({ network: '1.2.3.4', prefix: 31, cidr: '1.2.3.4/31', broadcast: null, first: '1.2.3.4', last: '1.2.3.5', hosts: 2 })
    expect(isHostOf(s, '1.2.3.4')).toBe(true)
    expect(isHostOf(s, '1.2.3.5')).toBe(true)
    expect(isHostOf(s, '1.2.3.6')).toBe(false)
  })

  test('/32: the address itself is the one host', () => {
    const s = subnetOf('10.8.0.1', 32)
    expect(s).toEqual({ network: '10.8.0.1', prefix: 32, cidr: '10.8.0.1/32', broadcast: null, first: '10.8.0.1', last: '10.8.0.1', hosts: 1 })
    expect(isHostOf(s, '10.8.0.1')).toBe(true)
    expect(isHostOf(s, '10.8.0.2')).toBe(false)
  })

  test('bad prefixes are refused', () => {
    for (const p of [-1, 33, 24.5]) expect(() => subnetOf('10.0.0.1', p)).toThrow(RangeError)
  })

  test('consecutive host addresses', () => {
    expect(consecutiveHosts('192.168.1.253', 24, 2)).toEqual(['192.168.1.253', '192.168.1.254'])
    expect(consecutiveHosts('192.168.1.254', 24, 2)).toBeUndefined() // would reach the broadcast address
    expect(consecutiveHosts('192.168.1.0', 24, 1)).toBeUndefined() // the network address
    expect(consecutiveHosts('10.0.0.4', 31, 2)).toEqual(['10.0.0.4', '10.0.0.5'])
    expect(consecutiveHosts('10.0.0.5', 31, 2)).toBeUndefined()
    expect(consecutiveHosts('10.0.0.7', 32, 1)).toEqual(['10.0.0.7'])
    expect(consecutiveHosts('10.0.0.7', 32, 2)).toBeUndefined()
    expect(consecutiveHosts('10.0.0.7', 24, 0)).toBeUndefined()
  })
})
