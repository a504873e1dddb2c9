/**
 * pvesh JSON → typed shapes, on JSON shaped as the handlers print it
 * (pve-manager `PVE/API2/Nodes.pm` `status`, `PVE/API2/Cluster.pm`
 * `resources`; pve-container `src/PVE/API2/LXC.pm` `vmlist`,
 * `src/PVE/API2/LXC/Status.pm` `vm_status`; pve-storage
 * `src/PVE/API2/Storage/Status.pm`, `src/PVE/API2/Storage/Content.pm`),
 * including numbers that arrive as strings (pve-common
 * `src/PVE/CLIFormatter.pm` `print_api_result` encodes Perl values as they
 * are, so one last used as a string prints as a JSON string). Results are
 * also checked against the TypeBox schemas plugins reuse as response schemas.
 */
import { describe, expect, test } from 'bun:test'
import { Value } from '@sinclair/typebox/value'
import { parsePveshJson } from './parse/json.ts'
import { toClusterResource, toContainerStatus, toNodeStatus, toStorage, toTemplate } from './parse/normalize.ts'
import { ClusterResource, ContainerStatus, NodeStatus, Storage, Template } from './schemas.ts'

describe('pvesh get /nodes/<node>/status', () => {
  const out =
    '{"boot-info":{"mode":"efi","secureboot":0},"cpu":0,"cpuinfo":{"cores":8,"cpus":16,"family":"25","flags":"fpu vme ...","hvm":"1","mhz":"3792.874","model":"AMD Ryzen 7 5800X 8-Core Processor","sockets":1,"user_hz":100,"vendor":"AuthenticAMD"},"current-kernel":{"machine":"x86_64","release":"6.14.8-2-pve","sysname":"Linux","version":"#1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2 (2025-07-22T10:04Z)"},"idle":0,"ksm":{"shared":0},"kversion":"Linux 6.14.8-2-pve #1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2 (2025-07-22T10:04Z)","loadavg":["0.12","0.20","0.18"],"memory":{"available":58123456512,"free":50123456512,"total":67271569408,"used":9148112896},"pveversion":"pve-manager/9.0.3/025864202ebb6109","rootfs":{"avail":82806808576,"free":87976824832,"total":100861726720,"used":12884901888},"swap":{"free":8589930496,"total":8589930496,"used":0},"uptime":864123,"wait":0}\n'

  test('PVE 9: loadavg strings → numbers, mhz string, hvm "1"', () => {
    const s = toNodeStatus(parsePveshJson(out))
    expect(s.loadavg).toEqual([0.12, 0.2, 0.18])
    expect(s.cpuinfo).toMatchObject({ cpus: 16, cores: 8, sockets: 1, mhz: 3792.874, hvm: true, model: 'AMD Ryzen 7 5800X 8-Core Processor' })
    expect(s.memory).toEqual({ total: 67271569408, used: 9148112896, free: 50123456512, available: 58123456512 })
    expect(s.rootfs.avail).toBe(82806808576)
    expect(s.pveversion).toBe('pve-manager/9.0.3/025864202ebb6109')
    expect(s['boot-info']).toEqual({ mode: 'efi', secureboot: 0 })
    expect(s['current-kernel']?.release).toBe('6.14.8-2-pve')
    expect(s.uptime).toBe(864123)
    expect(Value.Check(NodeStatus, s)).toBe(true)
  })

  test('older PVE: no available, no boot-info / current-kernel, hvm ""', () => {
    const s = toNodeStatus({
      cpu: '0.05',
      cpuinfo: { cores: 4, cpus: 8, sockets: 1, model: 'x', mhz: '2000', hvm: '' },
      loadavg: ['1.00', '0.50', '0.25'],
      memory: { free: 1, total: 3, used: 2 },
      swap: { free: 0, total: 0, used: 0 },
      rootfs: { avail: 1, free: 1, total: 2, used: 1 },
      pveversion: 'pve-manager/8.2.4/faa83925c9641325',
      kversion: 'Linux',
      uptime: '100',
      wait: 0,
      idle: 0,
    })
    expect(s.cpu).toBe(0.05)
    expect(s.uptime).toBe(100)
    expect(s.cpuinfo.hvm).toBe(false)
    expect(s.memory.available).toBeUndefined()
    expect(s['boot-info']).toBeUndefined()
    expect(Value.Check(NodeStatus, s)).toBe(true)
  })
})

describe('pvesh get /nodes/<node>/lxc and /nodes/<node>/lxc/<vmid>/status/current', () => {
  const out =
    '[{"cpu":0,"cpus":2,"disk":1208602624,"diskread":115818496,"diskwrite":8192,"maxdisk":8350298112,"maxmem":1073741824,"maxswap":536870912,"mem":43298816,"name":"web01","netin":11724,"netout":1280,"pid":12345,"status":"running","swap":0,"type":"lxc","uptime":3512,"vmid":100},{"cpu":0,"cpus":1,"disk":0,"diskread":0,"diskwrite":0,"lock":"backup","maxdisk":8589934592,"maxmem":536870912,"maxswap":536870912,"mem":0,"name":"db01","netin":0,"netout":0,"status":"stopped","swap":0,"type":"lxc","uptime":0,"vmid":101}]\n'

  test('PVE 9: a running and a stopped, locked CT', () => {
    const list = (parsePveshJson(out) as unknown[]).map(toContainerStatus)
    expect(list[0]).toEqual({
      vmid: 100, name: 'web01', status: 'running', type: 'lxc', cpus: 2, cpu: 0, maxmem: 1073741824, mem: 43298816,
      maxswap: 536870912, swap: 0, maxdisk: 8350298112, disk: 1208602624, diskread: 115818496, diskwrite: 8192,
      netin: 11724, netout: 1280, uptime: 3512, pid: 12345,
    })
    expect(list[1]).toMatchObject({ vmid: 101, status: 'stopped', lock: 'backup', maxdisk: 8589934592 })
    expect(list[1]!.pid).toBeUndefined()
    for (const s of list) expect(Value.Check(ContainerStatus, s)).toBe(true)
  })

  test('PVE 8 (pve-container < 5.0.10): vmid and cpus as strings; pressure strings; ha', () => {
    const s = toContainerStatus({
      vmid: '100', cpus: '1.5', cpu: 0, name: 'web01', status: 'running', type: 'lxc', maxmem: 1, mem: 1, maxswap: 0, swap: 0,
      maxdisk: 1, disk: 1, diskread: 0, diskwrite: 0, netin: 0, netout: 0, uptime: 1, pressureiosome: '0.42', template: 1,
      tags: 'a;b', ha: { managed: 1, state: 'started', group: 'g1' },
    })
    expect(s.vmid).toBe(100)
    expect(s.cpus).toBe(1.5)
    expect(s.pressureiosome).toBe(0.42)
    expect(s.ha).toEqual({ managed: 1, state: 'started', group: 'g1' })
    expect(s.template).toBe(1)
    expect(Value.Check(ContainerStatus, s)).toBe(true)
  })

  test('a record without vmid is refused', () => {
    expect(() => toContainerStatus({ name: 'x' })).toThrow()
  })
})

describe('pvesh get /cluster/resources', () => {
  test('PVE 9: lxc and qemu entries', () => {
    const out =
      '[{"cpu":0.0123,"disk":1208602624,"diskread":115818496,"diskwrite":8192,"id":"lxc/100","maxcpu":2,"maxdisk":8589934592,"maxmem":1073741824,"mem":43298816,"name":"web01","netin":11724,"netout":1280,"node":"pve1","status":"running","template":0,"type":"lxc","uptime":3512,"vmid":100},{"cpu":0,"disk":0,"diskread":0,"diskwrite":0,"id":"qemu/200","maxcpu":4,"maxdisk":34359738368,"maxmem":4294967296,"mem":0,"name":"win11","netin":0,"netout":0,"node":"pve1","status":"stopped","template":0,"type":"qemu","uptime":0,"vmid":200}]\n'
    const list = (parsePveshJson(out) as unknown[]).map(toClusterResource)
    expect(list[0]).toMatchObject({ id: 'lxc/100', type: 'lxc', vmid: 100, node: 'pve1', cpu: 0.0123, maxcpu: 2, status: 'running' })
    expect(list[1]).toMatchObject({ id: 'qemu/200', type: 'qemu', vmid: 200, name: 'win11' })
    for (const r of list) expect(Value.Check(ClusterResource, r)).toBe(true)
  })

  test('node and storage entries', () => {
    const n = toClusterResource({ id: 'node/pve1', type: 'node', node: 'pve1', status: 'online', level: '', cpu: 0.01, maxcpu: 16, mem: 1, maxmem: 2, disk: 1, maxdisk: 2, uptime: 5, 'cgroup-mode': 2 })
    expect(n).toMatchObject({ id: 'node/pve1', type: 'node', level: '', maxcpu: 16 })
    const s = toClusterResource({ id: 'storage/pve1/local', type: 'storage', storage: 'local', node: 'pve1', plugintype: 'dir', status: 'available', shared: 0, content: 'iso,vztmpl,backup', disk: '1', maxdisk: '2' })
    expect(s).toMatchObject({ storage: 'local', plugintype: 'dir', shared: 0, disk: 1, maxdisk: 2 })
    expect(Value.Check(ClusterResource, n) && Value.Check(ClusterResource, s)).toBe(true)
  })
})

describe('pvesh get /nodes/<node>/storage and /nodes/<node>/storage/<sid>/content', () => {
  test('storage entries, numbers as strings, used_fraction only when total > 0', () => {
    const list = (
      parsePveshJson(
        '[{"active":1,"avail":82806808576,"content":"iso,vztmpl,backup","enabled":1,"shared":0,"storage":"local","total":100861726720,"type":"dir","used":12884901888,"used_fraction":0.127748},{"active":"0","avail":0,"content":"backup","enabled":"1","shared":"1","storage":"nfs-backup","total":0,"type":"nfs","used":0}]\n',
      ) as unknown[]
    ).map(toStorage)
    expect(list[0]).toEqual({
      storage: 'local', type: 'dir', content: 'iso,vztmpl,backup', active: 1, enabled: 1, shared: 0,
      total: 100861726720, used: 12884901888, avail: 82806808576, used_fraction: 0.127748,
    })
    expect(list[1]).toMatchObject({ active: 0, enabled: 1, shared: 1 })
    expect(list[1]!.used_fraction).toBeUndefined()
    for (const s of list) expect(Value.Check(Storage, s)).toBe(true)
  })

  test('template volumes', () => {
    const t = toTemplate({ content: 'vztmpl', ctime: 1717236000, format: 'tzst', size: '126540000', volid: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst' })
    expect(t).toEqual({
      volid: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
      storage: 'local',
      name: 'debian-12-standard_12.7-1_amd64.tar.zst',
      size: 126540000,
      format: 'tzst',
      ctime: 1717236000,
    })
    expect(Value.Check(Template, t)).toBe(true)
  })
})
