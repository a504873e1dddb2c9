/**
 * LXC container lifecycle: create, list, power, scale, exec, snapshots, resources.
 */
import type { LwsPlugin } from '../../src/plugins/types.ts'
import { lxcContext } from './context.ts'
import { createRoute } from './routes/create.ts'
import { describeRoute } from './routes/describe.ts'
import { execRoute } from './routes/exec.ts'
import { listRoute } from './routes/list.ts'
import { powerRoutes } from './routes/power.ts'
import { resourcesRoute } from './routes/resources.ts'
import { scaleRoute } from './routes/scale.ts'
import { snapshotRoutes } from './routes/snapshots.ts'

const plugin: LwsPlugin = {
  name: 'lxc',
  version: '0.1.0',
  hostApi: '^1.2', // detached worker tasks (CallOptions.detach) arrived in 1.2
  description: 'LXC container lifecycle: create, list, power, scale, exec, snapshots, resources',
  setup(ctx) {
    const c = lxcContext(ctx)
    return new ctx.Elysia({ name: 'lxc' })
      .use(createRoute(c))
      .use(listRoute(c))
      .use(powerRoutes(c))
      .use(scaleRoute(c))
      .use(describeRoute(c))
      .use(execRoute(c))
      .use(snapshotRoutes(c))
      .use(resourcesRoute(c))
  },
}

export default plugin
