/**
 * Parsers for pct output, fed with the exact examples of proxmox-facts.md
 * (§2.3, §3, §4, §5, §12.2) plus the edge cases the facts spell out.
 */
import { describe, expect, test } from 'bun:test'
import { parsePctConfig, percentDecode } from './parse/pct-config.ts'
import { parsePctList } from './parse/pct-list.ts'
import { parsePctStatus } from './parse/pct-status.ts'
import {
  formatDiskSize,
  formatPropertyString,
  parseDiskSize,
  parseFeatures,
  parseNet,
  parsePropertyString,
  parseVolume,
} from './parse/property-string.ts'
import { parseSnapshotTree, snapshotsFromJson, snapshotsFromTree } from './parse/snapshots.ts'
import { toContainerConfig, toContainerStatus } from './parse/normalize.ts'

describe('pct list (§3)', () => {
  // printf "%-10s %-10s %-12s %-20s\n": trailing spaces kept on purpose.
  const out = [
    'VMID       Status     Lock         Name                ',
    '100        running                 web01               ',
    '101        stopped    snapshot     db-server-with-a-long-hostname',
    '102        stopped                 CT102               ',
    '',
  ].join('\n')

  test('facts example: lock column, long name, CT<vmid> default name', () => {
    expect(parsePctList(out)).toEqual([
      { vmid: 100, status: 'running', name: 'web01' },
      { vmid: 101, status: 'stopped', lock: 'snapshot', name: 'db-server-with-a-long-hostname' },
      { vmid: 102, status: 'stopped', name: 'CT102' },
    ])
  })

  test('no containers: nothing at all is printed', () => {
    expect(parsePctList('')).toEqual([])
  })

  test('a 20-char name fills its column exactly; longer names extend the line', () => {
    const exact = '103        running                 abcdefghijklmnopqrst\n'
    expect(parsePctList(exact)).toEqual([{ vmid: 103, status: 'running', name: 'abcdefghijklmnopqrst' }])
  })

  test('garbage is refused, not silently dropped', () => {
    expect(() => parsePctList('something odd happened\n')).toThrow()
  })
})

describe('pct status (§4)', () => {
  test('default output', () => {
    expect(parsePctStatus('status: running\n')).toEqual({ status: 'running' })
    expect(parsePctStatus('status: stopped\n')).toEqual({ status: 'stopped' })
  })

  test('--verbose facts example → typed ContainerStatus (pressure strings become numbers)', () => {
    const out = `cpus: 2
disk: 1208602624
diskread: 115818496
diskwrite: 8192
maxdisk: 8350298112
maxmem: 1073741824
maxswap: 536870912
mem: 43298816
name: web01
netin: 11724
netout: 1280
pid: 12345
pressurecpufull: 0.00
pressurecpusome: 0.00
pressureiofull: 0.00
pressureiosome: 0.00
pressurememoryfull: 0.00
pressurememorysome: 0.00
status: running
swap: 0
type: lxc
uptime: 3512
vmid: 100
`
    const raw = parsePctStatus(out)
    expect(raw.name).toBe('web01')
    expect(raw.pressurecpufull).toBe('0.00')
    expect(Object.keys(raw)).toHaveLength(23)
    const s = toContainerStatus(raw)
    expect(s).toMatchObject({
      vmid: 100,
      name: 'web01',
      status: 'running',
      type: 'lxc',
      cpus: 2,
      cpu: 0, // `cpu` is excluded from --verbose; defaults to 0
      disk: 1208602624,
      maxdisk: 8350298112,
      maxmem: 1073741824,
      maxswap: 536870912,
      mem: 43298816,
      netin: 11724,
      netout: 1280,
      pid: 12345,
      uptime: 3512,
      pressurememorysome: 0,
    })
  })
})

describe('pct config (§5) and config file (§2.3)', () => {
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

  test('facts example: percent-decoded description, lxc.* kept in order', () => {
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

  test('file form §2.3: # description, snapshot sections, features, nameserver list', () => {
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

describe('property strings and sizes (§1, §2.2)', () => {
  test('net0, rootfs, mp, features', () => {
    expect(parseNet('name=eth0,bridge=vmbr0,firewall=1,gw=192.168.1.1,hwaddr=BC:24:11:5E:7A:01,ip=192.168.1.50/24,type=veth')).toEqual({
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

/** printf("%s %-<L>s %-23s %s\n") with L = max(0, 30 - length(prefix)), as in §12.2. */
function treeLine(depth: number, name: string, time: string, desc: string): string {
  const prefix = ' '.repeat(depth) + '`->'
  const L = Math.max(0, 30 - prefix.length)
  return `${prefix} ${name.padEnd(L)} ${time.padEnd(23)} ${desc}`
}

describe('pct listsnapshot tree (§12.2)', () => {
  const linear = [
    '`-> before-upgrade              2024-06-01 10:00:00     no-description',
    ' `-> after-upgrade              2024-06-02 10:00:00     upgraded to bookworm',
    '  `-> current                                           You are here!',
    '',
  ].join('\n')
  const none = '`-> current                                             You are here!\n'
  const afterRollback = [
    '`-> before-upgrade              2024-06-01 10:00:00     no-description',
    ' `-> after-upgrade              2024-06-02 10:00:00     upgraded to bookworm',
    ' `-> current                                            You are here!',
    '',
  ].join('\n')

  test('the printf model reproduces the facts lines exactly', () => {
    expect(treeLine(0, 'before-upgrade', '2024-06-01 10:00:00', 'no-description')).toBe(linear.split('\n')[0]!)
    expect(treeLine(1, 'after-upgrade', '2024-06-02 10:00:00', 'upgraded to bookworm')).toBe(linear.split('\n')[1]!)
    expect(treeLine(2, 'current', '', 'You are here!')).toBe(linear.split('\n')[2]!)
    expect(treeLine(0, 'current', '', 'You are here!')).toBe(none.trimEnd())
    expect(treeLine(1, 'current', '', 'You are here!')).toBe(afterRollback.split('\n')[2]!)
  })

  test('linear history: depth, parent, time; no-description → empty', () => {
    expect(parseSnapshotTree(linear)).toEqual([
      { name: 'before-upgrade', depth: 0, time: '2024-06-01 10:00:00', description: '', current: false },
      { name: 'after-upgrade', depth: 1, parent: 'before-upgrade', time: '2024-06-02 10:00:00', description: 'upgraded to bookworm', current: false },
      { name: 'current', depth: 2, parent: 'after-upgrade', description: '', current: true },
    ])
    expect(snapshotsFromTree(parseSnapshotTree(linear))).toEqual([
      { name: 'before-upgrade', description: '', current: false },
      { name: 'after-upgrade', parent: 'before-upgrade', description: 'upgraded to bookworm', current: true },
    ])
  })

  test('no snapshots: only the current row, as a root', () => {
    expect(parseSnapshotTree(none)).toEqual([{ name: 'current', depth: 0, description: '', current: true }])
    expect(snapshotsFromTree(parseSnapshotTree(none))).toEqual([])
  })

  test('after a rollback, current is a sibling of the newer snapshot', () => {
    const rows = parseSnapshotTree(afterRollback)
    expect(rows[2]).toEqual({ name: 'current', depth: 1, parent: 'before-upgrade', description: '', current: true })
    expect(snapshotsFromTree(rows).map((s) => [s.name, s.current])).toEqual([
      ['before-upgrade', true],
      ['after-upgrade', false],
    ])
  })

  test('deeper trees and branches: current at depth 3, long names pushing columns right', () => {
    const longName = 'a-very-long-snapshot-name-of-39-chars-x'
    const text = [
      treeLine(0, 's1', '2024-06-01 10:00:00', 'root one'),
      treeLine(1, 's2', '2024-06-02 10:00:00', 'no-description'),
      treeLine(2, longName, '2024-06-03 10:00:00', 'long one'),
      treeLine(3, 'current', '', 'You are here!'),
      treeLine(2, 's4', '2024-06-04 10:00:00', 'branch'),
      treeLine(0, 'orphan', '2024-06-05 10:00:00', 'second root'),
    ].join('\n')
    const rows = parseSnapshotTree(text + '\n')
    expect(rows.map((r) => [r.name, r.depth, r.parent, r.current])).toEqual([
      ['s1', 0, undefined, false],
      ['s2', 1, 's1', false],
      [longName, 2, 's2', false],
      ['current', 3, longName, true],
      ['s4', 2, 's2', false],
      ['orphan', 0, undefined, false],
    ])
    expect(rows[2]!.time).toBe('2024-06-03 10:00:00')
    expect(rows[2]!.description).toBe('long one')
    const snaps = snapshotsFromTree(rows)
    expect(snaps.find((s) => s.current)?.name).toBe(longName)
    expect(snaps.filter((s) => s.current)).toHaveLength(1)
  })

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
