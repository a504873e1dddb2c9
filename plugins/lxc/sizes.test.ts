/** Instance sizes from the config → pct create options. */
import { describe, expect, test } from 'bun:test'
import { resolveSize } from './sizes.ts'
import { testLxcContext as ctx, TEST_YAML as YAML } from '../../tests/support/lxc-context.ts'

describe('instance sizes', () => {
  test('size → options; bare storage numbers land on default_storage; unknown size lists the known ones', () => {
    const c = ctx()
    expect(resolveSize(c, undefined)).toEqual({ name: 'small', memory: 256, rootfs: 'local-lvm:1' })
    expect(resolveSize(c, 'big')).toEqual({ name: 'big', memory: 2048, cpulimit: 2, cores: 2, swap: 0, rootfs: 'local-lvm:8' })
    expect(() => resolveSize(c, 'huge')).toThrow("unknown size 'huge' (configured: small, big)")
  })

  test('no sizes configured: the Proxmox defaults on default_storage; a named size is still an error', () => {
    const c = ctx(YAML.replace(/instance_sizes:[\s\S]*$/, 'default_storage: fast-lvm\n'))
    expect(resolveSize(c, undefined)).toEqual({ name: 'default', memory: 512, rootfs: 'fast-lvm:4' })
    expect(() => resolveSize(c, 'small')).toThrow('configured: none')
  })
})
