/**
 * GET /px/storage: the storages of one Proxmox host with type, content and
 * usage. One host command (`pvesh get /nodes/<node>/storage`).
 */
import type { PluginContext } from '../../../src/plugins/types.ts'
import { toStorageEntry } from '../convert.ts'
import { PROBE_TIMEOUT, type PxSchemas } from '../schemas.ts'

export function storageRoutes(ctx: PluginContext, s: PxSchemas) {
  return new ctx.Elysia({ name: 'px-storage' }).get(
    '/px/storage',
    async ({ query }) => {
      const h = ctx.zones.resolve(query.region, query.az)
      // A host that has not answered lately must answer within the probe deadline (502/504 quickly).
      const pve = h.pve.with({ reachMs: PROBE_TIMEOUT.default })
      const [node, storages] = await Promise.all([pve.node(), pve.storages()])
      const entries = storages.map(toStorageEntry)
      const content = query.content
      return {
        region: h.zone.region,
        az: h.zone.az,
        host: h.zone.host,
        node,
        storages: content === undefined ? entries : entries.filter((e) => e.content.includes(content)),
      }
    },
    {
      query: s.StorageQuery,
      response: { 200: s.StorageResponse, ...ctx.schemas.errorResponses(400, 401, 404, 500, 502, 504) },
      detail: {
        tags: ['px'],
        summary: 'Storages of a Proxmox host',
        description: 'Every storage (`pvesh get /nodes/<node>/storage`) with type, content types, state and usage; `content` keeps those holding that type.',
      },
    },
  )
}
