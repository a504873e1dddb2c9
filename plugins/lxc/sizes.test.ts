/** Instance sizes from the config → pct create options. */
import { describe, expect, test } from 'bun:test'
import { parseConfigText, resolveConfig } from '../../src/config/load.ts'
import { memoryLogger } from '../../src/log.ts'
import { createPluginContext } from '../../src/plugins/context.ts'
import { lxcContext } from './context.ts'
import { resolveSize } from './sizes.ts'

const YAML = `
start_vmid: 17000
regions:
  r1:
    availability_zones:
      a1: { host: 127.0.0.1, local: true, node: pve1 }
instance_sizes:
  small: { memory: 256, storage: "local-lvm:1" }
  big: { memory: 2048, cpulimit: 2, cores: 2, swap: 0, storage: 8 }
`

function ctx(yaml = YAML) {
  const config = resolveConfig(parseConfigText(yaml, '(inline)'), '(inline)', { env: {} })
  return lxcContext(createPluginContext({ config, zones: null as never, log: memoryLogger(), operations: null as never }))
}

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
