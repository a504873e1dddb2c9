/**
 * Network discovery and container security scan.
 */
import type { LwsPlugin } from '../../src/plugins/types.ts'

const plugin: LwsPlugin = {
  name: 'sec',
  version: '0.1.0',
  description: 'Network discovery and container security scan',
  setup({ Elysia }) {
    return new Elysia({ name: 'sec' })
  },
}

export default plugin
