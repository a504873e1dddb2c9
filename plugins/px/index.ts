/**
 * Proxmox hosts: reachability, status, reboot, templates, storage.
 */
import type { LwsPlugin } from '../../src/plugins/types.ts'

const plugin: LwsPlugin = {
  name: 'px',
  version: '0.1.0',
  description: 'Proxmox hosts: reachability, status, reboot, templates, storage',
  setup({ Elysia }) {
    return new Elysia({ name: 'px' })
  },
}

export default plugin
