/**
 * LXC container lifecycle: create, list, power, scale, exec, snapshots, resources.
 */
import type { LwsPlugin } from '../../src/plugins/types.ts'

const plugin: LwsPlugin = {
  name: 'lxc',
  version: '0.1.0',
  description: 'LXC container lifecycle: create, list, power, scale, exec, snapshots, resources',
  setup({ Elysia }) {
    return new Elysia({ name: 'lxc' })
  },
}

export default plugin
