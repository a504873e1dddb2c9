/**
 * GET /px/status: resource usage of one Proxmox host: CPU, load, memory,
 * swap, root filesystem, uptime, versions, container counts and storages.
 * One host command (ProxmoxClient.hostStatus batches the four reads; the
 * node name is discovered once per AZ).
 */
import type { PluginContext } from '../../../src/plugins/types.ts'
import { buildStatus } from '../convert.ts'
import { PROBE_TIMEOUT, type PxSchemas } from '../schemas.ts'

export function statusRoutes(ctx: PluginContext, s: PxSchemas) {
  return new ctx.Elysia({ name: 'px-status' }).get(
    '/px/status',
    async ({ query }) => {
      const h = ctx.zones.resolve(query.region, query.az)
      // A host that has not answered lately must answer within the probe deadline: unreachable → 502, silent → 504, quickly.
      const st = await h.pve.with({ reachMs: PROBE_TIMEOUT.default }).hostStatus()
      // Only the CPU figure comes from /cluster/resources, and load average
      // stands in for it, so its failure must not fail the whole answer.
      if (!st.resources.ok) {
        ctx.log.warn('px status: /cluster/resources unavailable, using load average', { az: h.label, error: String(st.resources.error) })
      }
      return buildStatus({
        where: { region: h.zone.region, az: h.zone.az, host: h.zone.host, node: st.node },
        node: st.status,
        storages: st.storages,
        containers: st.containers,
        resource: st.resources.ok ? st.resources.list.find((r) => r.type === 'node' && r.node === st.node) : undefined,
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
