/**
 * Proxmox hosts: reachability, status, reboot, templates, storage.
 */
import type { LwsPlugin } from '../../src/plugins/types.ts'
import { pxContext } from './context.ts'
import { hostsRoutes } from './routes/hosts.ts'
import { rebootRoutes } from './routes/reboot.ts'
import { statusRoutes } from './routes/status.ts'
import { storageRoutes } from './routes/storage.ts'
import { templatesRoutes } from './routes/templates.ts'

const plugin: LwsPlugin = {
  name: 'px',
  version: '0.1.0',
  hostApi: '^1.2', // ctx.ops.onRecovery (re-attach after a restart) arrived in 1.2
  description: 'Proxmox hosts: reachability, status, reboot, templates, storage',
  setup(ctx) {
    const c = pxContext(ctx)
    return new ctx.Elysia({ name: 'px' })
      .use(hostsRoutes(c))
      .use(statusRoutes(c, c.s))
      .use(rebootRoutes(c))
      .use(templatesRoutes(c, c.s))
      .use(storageRoutes(c, c.s))
  },
}

export default plugin
