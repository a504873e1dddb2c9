/**
 * Parsers for pct output and the config file, fed with outputs laid out as
 * pve-container prints them (`src/PVE/CLI/pct.pm` `config`,
 * `src/PVE/LXC/Config.pm` `write_pct_config`) plus their edge cases.
 */
import { describe, expect, test } from 'bun:test'
import { parsePctConfig, percentDecode } from './parse/pct-config.ts'
import {
  formatDiskSize,
  formatPropertyString,
  parseDiskSize,
  parseFeatures,
  parsePropertyString,
  parseVolume,
} from './parse/property-string.ts'
import { snapshotsFromJson } from './parse/snapshots.ts'
import { toContainerConfig, toContainerStatus } from './parse/normalize.ts'

describe('pct config and the config file (pve-container src/PVE/LXC/Config.pm)', () => {
  const out = `arch: amd64
cores: 2
description: web server%3A production%0A
hostname: web01
memory: 1024
net0: name=eth0,bridge=vmbr0,hwaddr=BC:24:11:5E:7A:01,ip=dhcp,type=veth
ostype: debian
rootfs: local-lvm:vm-100-disk-0,size=8G
swap: 512
unprivileged: 1
lxc.apparmor.profile: unconfined
`

  test('documented example: percent-decoded description, lxc.* kept in order', () => {
    const p = parsePctConfig(out)
    expect(p.values.description).toBe('web server: production\n')
    expect(p.values.hostname).toBe('web01')
    expect(p.values.rootfs).toBe('local-lvm:vm-100-disk-0,size=8G')
    expect(p.lxc).toEqual([['lxc.apparmor.profile', 'unconfined']])
    expect(p.values['lxc.apparmor.profile']).toBeUndefined()
    expect(p.sections).toEqual({})
  })

  test('typed view: numbers, rootfs bytes, net0 properties', () => {
    const c = toContainerConfig(parsePctConfig(out))
    expect(c).toMatchObject({
      arch: 'amd64',
      cores: 2,
      hostname: 'web01',
      memory: 1024,
      swap: 512,
      unprivileged: 1,
      ostype: 'debian',
      description: 'web server: production\n',
      rootfs: { volume: 'local-lvm:vm-100-disk-0', size: '8G', bytes: 8 * 1024 ** 3 },
      net: { net0: { name: 'eth0', bridge: 'vmbr0', hwaddr: 'BC:24:11:5E:7A:01', ip: 'dhcp', type: 'veth' } },
      mp: {},
    })
    expect(c.raw.net0).toBe('name=eth0,bridge=vmbr0,hwaddr=BC:24:11:5E:7A:01,ip=dhcp,type=veth')
  })

  test('repeated lxc keys and the `lxc.key = value` form', () => {
    const p = parsePctConfig('lxc.mount.entry: /a a none bind 0 0\nlxc.mount.entry = /b b none bind 0 0\nlxc.cgroup2.devices.allow: c 10:200 rwm\n')
    expect(p.lxc).toEqual([
      ['lxc.mount.entry', '/a a none bind 0 0'],
      ['lxc.mount.entry', '/b b none bind 0 0'],
      ['lxc.cgroup2.devices.allow', 'c 10:200 rwm'],
    ])
  })

  test('file form: # description, snapshot sections, features, nameserver list', () => {
    const file = `#web server%3A production
arch: amd64
cores: 2
features: nesting=1
hostname: web01
memory: 1024
nameserver: 1.1.1.1 9.9.9.9
net0: name=eth0,bridge=vmbr0,firewall=1,gw=192.168.1.1,hwaddr=BC:24:11:5E:7A:01,ip=192.168.1.50/24,type=veth
onboot: 1
ostype: debian
parent: after-upgrade
rootfs: local-lvm:vm-100-disk-0,size=8G
swap: 512
unprivileged: 1

[after-upgrade]
#upgraded to bookworm
arch: amd64
cores: 2
parent: before-upgrade
rootfs: local-lvm:vm-100-disk-0,size=8G
snaptime: 1717322400

[before-upgrade]
arch: amd64
snaptime: 1717236000
`
    const p = parsePctConfig(file)
    expect(p.values.description).toBe('web server: production\n')
    expect(p.values.parent).toBe('after-upgrade')
    expect(p.values.nameserver).toBe('1.1.1.1 9.9.9.9')
    expect(p.sections['after-upgrade']!.values).toMatchObject({ description: 'upgraded to bookworm\n', parent: 'before-upgrade', snaptime: '1717322400' })
    expect(p.sections['before-upgrade']!.values.snaptime).toBe('1717236000')
    const c = toContainerConfig(p)
    expect(c.features).toEqual({ nesting: '1' })
    expect(c.net.net0).toMatchObject({ firewall: '1', gw: '192.168.1.1', ip: '192.168.1.50/24' })
    expect(c.onboot).toBe(1)
  })

  test('percent decoding: %0A, %25, UTF-8 bytes, multi-line', () => {
    expect(percentDecode('a%0Ab%0A')).toBe('a\nb\n')
    expect(percentDecode('100%25 ok')).toBe('100% ok')
    expect(percentDecode('caf%C3%A9')).toBe('café')
    expect(percentDecode('no escapes')).toBe('no escapes')
    expect(percentDecode('50% off')).toBe('50% off')
  })
})

describe('property strings and sizes (pve-common src/PVE/JSONSchema.pm)', () => {
  test('net0, rootfs, mp, features', () => {
    expect(parsePropertyString('name=eth0,bridge=vmbr0,firewall=1,gw=192.168.1.1,hwaddr=BC:24:11:5E:7A:01,ip=192.168.1.50/24,type=veth')).toEqual({
      name: 'eth0',
      bridge: 'vmbr0',
      firewall: '1',
      gw: '192.168.1.1',
      hwaddr: 'BC:24:11:5E:7A:01',
      ip: '192.168.1.50/24',
      type: 'veth',
    })
    expect(parseVolume('local-lvm:vm-100-disk-0,size=8G')).toEqual({ volume: 'local-lvm:vm-100-disk-0', size: '8G', bytes: 8589934592 })
    expect(parseVolume('local-lvm:vm-100-disk-1,mp=/data,backup=1,size=10G')).toEqual({
      volume: 'local-lvm:vm-100-disk-1',
      mp: '/data',
      backup: '1',
      size: '10G',
      bytes: 10 * 1024 ** 3,
    })
    expect(parseVolume('volume=local:101/vm-101-disk-0.raw,size=512M').bytes).toBe(512 * 1024 ** 2)
    expect(parseFeatures('nesting=1,keyctl=1')).toEqual({ nesting: '1', keyctl: '1' })
    expect(parseFeatures('nesting=1,keyctl=1,fuse=1,mount=nfs;cifs')).toEqual({ nesting: '1', keyctl: '1', fuse: '1', mount: 'nfs;cifs' })
    expect(parsePropertyString('order=1,up=30')).toEqual({ order: '1', up: '30' })
  })

  test('disk sizes: units are powers of 1024, no unit = bytes', () => {
    expect(parseDiskSize('8G')).toBe(8589934592)
    expect(parseDiskSize('512M')).toBe(536870912)
    expect(parseDiskSize('0.5G')).toBe(536870912)
    expect(parseDiskSize('1T')).toBe(1024 ** 4)
    expect(parseDiskSize('4K')).toBe(4096)
    expect(parseDiskSize('10GiB')).toBe(10 * 1024 ** 3)
    expect(parseDiskSize('1073741824')).toBe(1073741824)
    expect(parseDiskSize('10GB')).toBeUndefined()
    expect(parseDiskSize('-1G')).toBeUndefined()
    expect(parseDiskSize('')).toBeUndefined()
  })

  test('sizes are written back in the shortest exact unit', () => {
    expect(formatDiskSize(8589934592)).toBe('8G')
    expect(formatDiskSize(536870912)).toBe('512M')
    expect(formatDiskSize(1536 * 1024 ** 2)).toBe('1536M')
    expect(formatDiskSize(1024 ** 4)).toBe('1T')
    expect(formatDiskSize(1000)).toBe('1000')
    expect(formatDiskSize(4096)).toBe('4K')
  })

  test('rendering: default key bare, required keys first, rest sorted', () => {
    expect(formatPropertyString({ type: 'veth', ip: 'dhcp', name: 'eth0', bridge: 'vmbr0' }, { first: ['name'] })).toBe(
      'name=eth0,bridge=vmbr0,ip=dhcp,type=veth',
    )
    expect(formatPropertyString({ size: '10G', backup: true, mp: '/data', volume: 'local-lvm:vm-100-disk-1' }, { defaultKey: 'volume', first: ['mp'] })).toBe(
      'local-lvm:vm-100-disk-1,mp=/data,backup=1,size=10G',
    )
  })
})

describe('pvesh snapshot list (pve-container `src/PVE/API2/LXC/Snapshot.pm`)', () => {
  test('JSON form: hash order, numeric strings, current entry marks its parent', () => {
    const json = [
      { description: 'upgraded to bookworm\n', name: 'after-upgrade', parent: 'before-upgrade', snaptime: '1717322400' },
      { description: 'You are here!', digest: 'abc', name: 'current', parent: 'after-upgrade', running: 1 },
      { description: '', name: 'before-upgrade', snaptime: 1717236000 },
      { description: '', name: 'half', parent: 'after-upgrade', snaptime: 0, snapstate: 'prepare' },
    ]
    expect(snapshotsFromJson(json)).toEqual([
      { name: 'half', parent: 'after-upgrade', description: '', current: false, snapstate: 'prepare' },
      { name: 'before-upgrade', snaptime: 1717236000, description: '', current: false },
      { name: 'after-upgrade', parent: 'before-upgrade', snaptime: 1717322400, description: 'upgraded to bookworm\n', current: true },
    ])
    expect(snapshotsFromJson([{ name: 'current', description: 'You are here!', running: 0 }])).toEqual([])
  })
})
