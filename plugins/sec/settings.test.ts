/** `security.discovery` settings: defaults, values from the config, errors naming the key. */
import { describe, expect, test } from 'bun:test'
import { DEFAULT_SETTINGS, discoverySettings } from './settings.ts'

describe('settings', () => {
  test('defaults, values from the config, and errors naming the key', () => {
    expect(discoverySettings({})).toEqual(DEFAULT_SETTINGS)
    expect(DEFAULT_SETTINGS).toMatchObject({ methods: ['ping'], workers: 10, hostProbeTimeoutS: 2, lxcProbeTimeoutS: 2, maxPrefix: 24 })
    // The shipped lws.config.yaml block.
    const shipped = { security: { discovery: { proxmox_timeout: 2, lxc_timeout: 2, discovery_methods: ['ping'], max_parallel_workers: 10 } } }
    expect(discoverySettings(shipped)).toEqual(DEFAULT_SETTINGS)
    expect(
      discoverySettings({ security: { discovery: { discovery_methods: ['ping', 'tcp'], tcp_ports: [22], max_parallel_workers: 4, proxmox_timeout: 1.5, max_prefix: 28 } } }),
    ).toMatchObject({ methods: ['ping', 'tcp'], tcpPorts: [22], workers: 4, hostProbeTimeoutS: 2, maxPrefix: 28 })
    const bad: [unknown, string][] = [
      [{ discovery_methods: ['arp'] }, 'discovery_methods'],
      [{ discovery_methods: [] }, 'discovery_methods'],
      [{ max_parallel_workers: 0 }, 'max_parallel_workers'],
      [{ max_parallel_workers: 1000 }, 'max_parallel_workers'],
      [{ max_prefix: 8 }, 'max_prefix'],
      [{ tcp_ports: [70000] }, 'tcp_ports'],
      [{ proxmox_timeout: 0 }, 'proxmox_timeout'],
      [{ lxc_timeout: '2; reboot' }, 'lxc_timeout'],
    ]
    for (const [d, key] of bad) expect(() => discoverySettings({ security: { discovery: d } })).toThrow(`security.discovery.${key}`)
  })
})
