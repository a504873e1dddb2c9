/**
 * GET /px/status: resource usage of one Proxmox host: CPU, load, memory,
 * swap, root filesystem, uptime, versions, container counts and storages.
 */
import type { PluginContext } from '../../../src/plugins/types.ts'
import { buildStatus } from '../convert.ts'
import { assertReachable } from '../reach.ts'
import { PROBE_TIMEOUT, type PxSchemas } from '../schemas.ts'

export function statusRoutes(ctx: PluginContext, s: PxSchemas) {
  return new ctx.Elysia({ name: 'px-status' }).get(
    '/px/status',
    async ({ query }) => {
      const h = ctx.zones.resolve(query.region, query.az)
      await assertReachable(ctx.errors, h, PROBE_TIMEOUT.default)
      const node = await h.pve.node()
      const [status, storages, containers, resources] = await Promise.all([
        h.pve.nodeStatus(),
        h.pve.storages(),
        h.pve.listContainers(),
        // Only the CPU figure comes from here, and load average stands in for
        // it, so a failure must not fail the whole answer.
        h.pve.clusterResources('node').catch((e: unknown) => {
          ctx.log.warn('px status: /cluster/resources unavailable, using load average', { az: h.label, error: String(e) })
          return []
        }),
      ])
      return buildStatus({
        where: { region: h.zone.region, az: h.zone.az, host: h.zone.host, node },
        node: status,
        storages,
        containers,
        resource: resources.find((r) => r.type === 'node' && r.node === node),
      })
    },
    {
      query: s.ZoneQuery,
      response: { 200: s.StatusResponse, ...ctx.schemas.errorResponses(400, 401, 404, 500, 502, 504) },
      detail: {
        tags: ['px'],
        summary: 'Resource usage of a Proxmox host',
        description:
          'CPU (model, count, usage), load average, memory, swap, root filesystem, uptime, kernel and PVE version, containers running/stopped, and every storage with its usage. An unreachable host answers 502 within a few seconds.',
      },
    },
  )
}
