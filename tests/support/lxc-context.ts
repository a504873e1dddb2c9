/** The lxc plugin context over an inline config, for the plugin's pure unit tests (no zones, no host). */
import { parseConfigText, resolveConfig } from '../../src/config/load.ts'
import { memoryLogger } from '../../src/log.ts'
import { createPluginContext } from '../../src/plugins/context.ts'
import { lxcContext } from '../../plugins/lxc/context.ts'

export const TEST_YAML = `
start_vmid: 17000
regions:
  r1:
    availability_zones:
      a1: { host: 127.0.0.1, local: true, node: pve1 }
instance_sizes:
  small: { memory: 256, storage: "local-lvm:1" }
  big: { memory: 2048, cpulimit: 2, cores: 2, swap: 0, storage: 8 }
`

export function testLxcContext(yaml = TEST_YAML) {
  const config = resolveConfig(parseConfigText(yaml, '(inline)'), '(inline)', { env: {} })
  return lxcContext(createPluginContext({ config, zones: null as never, log: memoryLogger(), operations: null as never }))
}
