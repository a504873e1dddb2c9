/**
 * Docker inside containers: setup, run, compose deploy, logs.
 */
import type { LwsPlugin } from '../../src/plugins/types.ts'

const plugin: LwsPlugin = {
  name: 'app',
  version: '0.1.0',
  description: 'Docker inside containers: setup, run, compose deploy, logs',
  setup({ Elysia }) {
    return new Elysia({ name: 'app' })
  },
}

export default plugin
