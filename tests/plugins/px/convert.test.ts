/**
 * The px conversions on their own: the cases the test hosts never produce
 * (no /cluster/resources entry, empty storages, PVE 8 memory fields).
 */
import { describe, expect, test } from 'bun:test'
import { buildStatus, describeZone, managerVersion, percent, toStorageEntry } from '../../../plugins/px/convert.ts'
import type { NodeStatus, Storage } from '../../../src/proxmox/schemas.ts'

const node: NodeStatus = {
  uptime: 864123.7,
  cpu: 0,
  wait: 0,
  idle: 0,
  loadavg: [3, 0.2, 0.18],
  cpuinfo: { cpus: 4, cores: 4, sockets: 1, model: 'AMD Ryzen 7 5800X 8-Core Processor', mhz: 3792.874 },
  memory: { total: 1000, used: 250, free: 750 },
  swap: { total: 0, used: 0, free: 0 },
  rootfs: { total: 4000, used: 1000, free: 3000, avail: 2800 },
  pveversion: 'pve-manager/8.2.4/faa83925c9641325',
  kversion: 'Linux 6.8.8-2-pve #1 SMP PREEMPT_DYNAMIC PMX 6.8.8-2 (2024-06-24T09:00Z)',
}
const where = { region: 'r', az: 'a', host: 'h', node: 'pve1' }

describe('buildStatus', () => {
  test('without a /cluster/resources entry, CPU usage comes from the 1-minute load', () => {
    const s = buildStatus({ where, node, storages: [], containers: [] })
    expect(s.cpu).toMatchObject({ cpus: 4, usage_percent: 75, usage_source: 'loadavg', mhz: 3792.874 })
    const busy = buildStatus({ where, node: { ...node, loadavg: [9, 1, 1] }, storages: [], containers: [] })
    expect(busy.cpu.usage_percent).toBe(100)
  })

  test('with one, its fraction is the usage', () => {
    const s = buildStatus({ where, node, storages: [], containers: [], resource: { id: 'node/pve1', type: 'node', cpu: 0.0231 } })
    expect(s.cpu).toMatchObject({ usage_percent: 2.31, usage_source: 'cluster_resources' })
  })

  test('units, percentages, versions and PVE 8 memory (no `available`)', () => {
    const s = buildStatus({
      where,
      node,
      storages: [],
      containers: [
        { vmid: 100, status: 'running' },
        { vmid: 101, status: 'stopped' },
        { vmid: 102, status: 'stopped' },
      ] as never,
    })
    expect(s.memory).toEqual({ total_bytes: 1000, used_bytes: 250, free_bytes: 750, available_bytes: 750, used_percent: 25 })
    expect(s.swap.used_percent).toBe(0)
    expect(s.rootfs).toMatchObject({ avail_bytes: 2800, used_percent: 25 })
    expect(s.uptime_seconds).toBe(864123)
    expect(s.kernel).toBe('6.8.8-2-pve')
    expect(s.pve_version).toBe('8.2.4')
    expect(s.load_average).toEqual({ last_1m: 3, last_5m: 0.2, last_15m: 0.18 })
    expect(s.containers).toEqual({ total: 3, running: 1, stopped: 2 })
  })
})

test('storage entries: flags as booleans, no percentage without a size', () => {
  const st: Storage = { storage: 'nfs', type: 'nfs', content: 'backup,iso', active: 0, enabled: 1, shared: 1, total: 0, used: 0, avail: 0 }
  expect(toStorageEntry(st)).toEqual({
    storage: 'nfs',
    type: 'nfs',
    content: ['backup', 'iso'],
    active: false,
    enabled: true,
    shared: true,
    total_bytes: 0,
    used_bytes: 0,
    avail_bytes: 0,
    used_percent: null,
  })
  expect(toStorageEntry({ ...st, active: 1, total: 3, used: 1, avail: 2 }).used_percent).toBe(33.33)
})

test('small helpers', () => {
  expect(percent(1, 0)).toBe(0)
  expect(managerVersion('pve-manager/7.4-16/0f39f621')).toBe('7.4-16')
  const base = { region: 'r', az: 'a', host: 'h', user: 'root', port: 22, local: false }
  expect(describeZone({ ...base, keyFile: '/k', password: 'secret' })).toMatchObject({ auth: 'key+password', host_key_pinned: false })
  expect(JSON.stringify(describeZone({ ...base, password: 'secret', fingerprint: 'SHA256:x' }))).not.toContain('secret')
  expect(describeZone({ ...base, local: true }).auth).toBe('local')
})
