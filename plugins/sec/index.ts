/**
 * Network discovery and container security scan.
 */
import { Type as T } from '@sinclair/typebox'
import type { LwsPlugin } from '../../src/plugins/types.ts'
import { secContext } from './context.ts'
import { discoveryRoute } from './routes/discovery.ts'
import { scanRoute } from './routes/scan.ts'
import { DiscoveryConfigSchema } from './settings.ts'

const plugin: LwsPlugin = {
  name: 'sec',
  version: '0.1.0',
  hostApi: '^1.0',
  description: 'Network discovery and container security scan',
  configKey: 'security',
  // discoverySettings() takes an empty `discovery:` (null) as "all defaults".
  configSchema: T.Object({ discovery: T.Optional(T.Union([DiscoveryConfigSchema, T.Null()])) }, { additionalProperties: true }),
  setup(ctx) {
    const c = secContext(ctx)
    return new ctx.Elysia({ name: 'sec' }).use(discoveryRoute(c)).use(scanRoute(c))
  },
}

export default plugin
