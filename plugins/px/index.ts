/**
 * Proxmox hosts: reachability, status, reboot, templates, storage.
 */
import type { LwsPlugin } from '../../src/plugins/types.ts'
import { hostsRoutes } from './routes/hosts.ts'
import { rebootRoutes } from './routes/reboot.ts'
import { statusRoutes } from './routes/status.ts'
import { storageRoutes } from './routes/storage.ts'
import { templatesRoutes } from './routes/templates.ts'
import { pxSchemas } from './schemas.ts'

const plugin: LwsPlugin = {
  name: 'px',
  version: '0.1.0',
  description: 'Proxmox hosts: reachability, status, reboot, templates, storage',
  setup(ctx) {
    const s = pxSchemas(ctx)
    return new ctx.Elysia({ name: 'px' })
      .use(hostsRoutes(ctx, s))
      .use(statusRoutes(ctx, s))
      .use(rebootRoutes(ctx, s))
      .use(templatesRoutes(ctx, s))
      .use(storageRoutes(ctx, s))
  },
}

export default plugin
