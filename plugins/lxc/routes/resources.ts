/**
 * GET /lxc/instances/{instance_id}/resources — live usage of one container,
 * in one host command (ProxmoxClient.containerUsage). Counters come from the
 * container's status; CPU usage from /cluster/resources, because a fresh
 * pvesh/pct process always reports `cpu: 0` (pve-container `src/PVE/LXC.pm`
 * `vmstatus`: it is a delta between two samples of a long-running process,
 * which pvestatd is).
 */
import type { LxcContext } from '../context.ts'
import { usedMax } from '../format.ts'

const percent = (used: number, max: number) => (max > 0 ? Math.round((used / max) * 10_000) / 100 : 0)

export function resourcesSchemas(c: LxcContext) {
  const { t, s } = c
  const Usage = (what: string) =>
    t.Object({
      used_bytes: s.Bytes(`${what} in use`),
      max_bytes: s.Bytes(`${what} limit`),
      usage_percent: t.Number({ description: 'used / max × 100 (0 when there is no limit)' }),
    })
  const response = t.Object(
    {
      instance_id: t.String(),
      hostname: t.String(),
      status: t.String(),
      ...s.placement,
      cpu: t.Object({
        usage_percent: t.Union([t.Number(), t.Null()], {
          description: 'Percent of the container’s CPUs in use (100 = all `cpus` busy), from Proxmox’s statistics (about 10 s old); null if unavailable',
        }),
        cpus: t.Number({ description: 'CPUs the container may use' }),
      }),
      memory: Usage('memory'),
      swap: Usage('swap'),
      disk: Usage('root disk'),
      network: t.Object({
        in_bytes: s.Bytes('received since start'),
        out_bytes: s.Bytes('sent since start'),
      }),
      disk_io: t.Object({
        read_bytes: s.Bytes('read since start'),
        write_bytes: s.Bytes('written since start'),
      }),
      uptime_seconds: t.Number({ description: 'seconds' }),
      pressure: t.Optional(
        t.Object(
          {
            cpu_some: t.Optional(t.Number()),
            cpu_full: t.Optional(t.Number()),
            io_some: t.Optional(t.Number()),
            io_full: t.Optional(t.Number()),
            memory_some: t.Optional(t.Number()),
            memory_full: t.Optional(t.Number()),
          },
          { description: 'Pressure stall information, percent of time stalled (Proxmox ≥ 9, running containers)' },
        ),
      ),
      sampled_at: t.String({ description: 'ISO 8601 time of the reading' }),
    },
    { title: 'LxcResources' },
  )
  return { response }
}

export function resourcesRoute(c: LxcContext) {
  const sch = resourcesSchemas(c)
  return new c.Elysia({ name: 'lxc-resources' })
    .use(c.instance)
    .get(
      '/lxc/instances/:instance_id/resources',
      async ({ zone, vmid: id }) => {
        const { status: st, resource } = await zone.pve.containerUsage(id)
        if (!resource.ok) {
          const e = resource.error
          c.log.warn('lxc: cluster resources unavailable; cpu usage unknown', { az: zone.label, error: String((e as Error)?.message ?? e) })
        }
        const entry = resource.ok ? resource.entry : undefined
        const cpu = st.status !== 'running' ? 0 : entry?.cpu === undefined ? null : Math.round(entry.cpu * 10_000) / 100
        const pressure: Record<string, number> = {}
        const p = {
          cpu_some: st.pressurecpusome,
          cpu_full: st.pressurecpufull,
          io_some: st.pressureiosome,
          io_full: st.pressureiofull,
          memory_some: st.pressurememorysome,
          memory_full: st.pressurememoryfull,
        }
        for (const [k, v] of Object.entries(p)) if (v !== undefined) pressure[k] = v
        return {
          instance_id: id,
          hostname: st.name,
          status: st.status,
          ...c.placementOf(zone),
          cpu: { usage_percent: cpu, cpus: st.cpus },
          memory: { ...usedMax(st.mem, st.maxmem), usage_percent: percent(st.mem, st.maxmem) },
          swap: { ...usedMax(st.swap, st.maxswap), usage_percent: percent(st.swap, st.maxswap) },
          disk: { ...usedMax(st.disk, st.maxdisk), usage_percent: percent(st.disk, st.maxdisk) },
          network: { in_bytes: st.netin, out_bytes: st.netout },
          disk_io: { read_bytes: st.diskread, write_bytes: st.diskwrite },
          uptime_seconds: st.uptime,
          ...(Object.keys(pressure).length ? { pressure } : {}),
          sampled_at: new Date().toISOString(),
        }
      },
      {
        instance: 'query',
        params: c.s.InstanceIdParams,
        query: c.s.ZoneQuery,
        response: { 200: sch.response, ...c.s.errors(400, 401, 404, 500, 502, 504) },
        detail: { tags: ['lxc'], summary: 'Resource usage of a container (CPU, memory, swap, disk, network and disk I/O)' },
      },
    )
}
