/**
 * Network discovery and container security scan.
 */
import type { LwsPlugin } from '../../src/plugins/types.ts'
import { secContext } from './context.ts'
import { discoveryRoute } from './routes/discovery.ts'
import { scanRoute } from './routes/scan.ts'

const plugin: LwsPlugin = {
  name: 'sec',
  version: '0.1.0',
  description: 'Network discovery and container security scan',
  setup(ctx) {
    const c = secContext(ctx)
    return new ctx.Elysia({ name: 'sec' }).use(discoveryRoute(c)).use(scanRoute(c))
  },
}

export default plugin
